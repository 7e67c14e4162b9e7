"""Every change to funding: awards, deposits, payees, evidence, payouts (docs/funding.md).

Lock, then check (DESIGN.md rule 7): each service locks its subject's row first and decides on what it
reads under the lock, so two staff, a double click, a retried job or a webhook arriving at the same
moment are taken one after the other. Money moves only through app.funding.ledger, whose keys make a
movement happen once. Services flush, never commit.

The lock order: an award before its tranches, a tranche before its decisions and its payout.
"""
import hashlib
import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import Organization, User
from app.challenges.services import staff_members
from app.common import audit, signoff
from app.common.errors import DomainError, InvalidTransition, PermissionDenied, require_transition
from app.common.locking import lock
from app.common.models import Institution
from app.common.money import MAX_AMOUNT_MINOR, Currency
from app.common.outbox import external_url, queue_email
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.funding import ledger
from app.funding.gateway import MADE_NOTHING, PaymentError
from app.funding.ledger import AccountKind, TransactionKind
from app.funding.models import (
    AWARD_TRANSITIONS,
    MAX_TRANCHES,
    PAYEE_CHANGE_HOLD,
    PAYEE_CONFIRMATION_TIME,
    SOURCE_CURRENCIES,
    TRANCHE_TRANSITIONS,
    Award,
    AwardSource,
    AwardState,
    Deposit,
    DepositMethod,
    DepositState,
    EvidenceFile,
    Payee,
    PayeeKind,
    PayeeState,
    Payout,
    PayoutMethod,
    RemittanceExport,
    StripeCustomer,
    Tranche,
    TrancheState,
)
from app.proposals.models import Proposal, ProposalState
from app.proposals.services import venture_members

AWARD_ACTION = "award.approve"
TRANCHE_ACTION = "tranche.release"


class NotSelected(DomainError):
    default_message = _l("An award can be proposed only for a selected proposal.")


class WrongCurrency(DomainError):
    default_message = _l("This source of funding pays in another currency.")


class TranchesMustAddUp(DomainError):
    default_message = _l("The tranches must add up to the award exactly.")


class NoCompanyToPay(DomainError):
    default_message = _l("A company award needs a call posted by a company.")


class InKindNeedsEntitlement(DomainError):
    default_message = _l("Say what iPark provides and for how many days.")


class DepositNotDue(DomainError):
    default_message = _l("No deposit is due on this award.")


class DepositTooLarge(DomainError):
    default_message = _l("This is more than the award still needs.")


class DepositMissing(DomainError):
    default_message = _l("The company's deposit has not arrived: this tranche cannot be released yet.")


class StripeNotConfigured(DomainError):
    default_message = _l("Card and online payments are not set up here. Please pay by bank transfer.")


class PaymentRefused(DomainError):
    """A Stripe error while a person waits: its label is what they are told."""


class AlreadyRecorded(DomainError):
    default_message = _l("This payout has already been recorded.")


class NotAwaitingThis(DomainError):
    default_message = _l("This tranche is not waiting for this kind of payout.")


class ConfirmationInvalid(DomainError):
    default_message = _l("This confirmation link is not valid any more. Please enter the details again.")


class AmountMismatch(DomainError):
    default_message = _l("The amount must be the tranche's amount.")


class CannotCancel(DomainError):
    default_message = _l("Money has been received or paid on this award: it cannot be cancelled.")


# -- awards -----------------------------------------------------------------------------------------

def propose_award(proposal: Proposal, *, actor: User, source: AwardSource, currency: Currency | None,
                  amount_minor: int, tranches: list[tuple[str, int, date | None]], in_kind: dict | None = None,
                  note: str | None = None) -> Award:
    """Staff propose what the partnership gives a selected proposal; it takes effect by joint sign-off."""
    if not actor.is_staff:
        raise PermissionDenied()
    lock(proposal)
    if proposal.state != ProposalState.selected:
        raise NotSelected()
    challenge = proposal.challenge
    award = Award(proposal_id=proposal.id, challenge_id=challenge.id, organization_id=proposal.organization_id,
                  source=source, proposed_by_id=actor.id, note=note or None)
    if source == AwardSource.ipark_in_kind:
        in_kind = in_kind or {}
        if not in_kind.get("what") or not (in_kind.get("days") or 0) > 0:
            raise InKindNeedsEntitlement()
        award.currency, award.amount_minor = None, 0
        award.in_kind_what, award.in_kind_where = in_kind["what"], in_kind.get("where")
        award.in_kind_days = in_kind["days"]
        award.in_kind_from, award.in_kind_until = in_kind.get("from"), in_kind.get("until")
        tranches = []
    else:
        if Currency(currency) not in SOURCE_CURRENCIES[source]:
            raise WrongCurrency()
        if not (0 < amount_minor <= MAX_AMOUNT_MINOR) or not (1 <= len(tranches) <= MAX_TRANCHES) \
                or any(amount <= 0 for _, amount, _ in tranches) or sum(a for _, a, _ in tranches) != amount_minor:
            raise TranchesMustAddUp()
        award.currency, award.amount_minor = Currency(currency), amount_minor
        if source == AwardSource.company_award:
            poster = db.session.get(Organization, challenge.organization_id)
            if poster is None or poster.institution is not None:
                raise NoCompanyToPay()
            award.payer_organization_id = poster.id
    award.tranches = [Tranche(position=position, title=title, amount_minor=amount, due_on=due_on)
                      for position, (title, amount, due_on) in enumerate(tranches, start=1)]
    db.session.add(award)
    db.session.flush()
    audit.record(actor, "award.proposed", award, to_state=AwardState.proposed, source=str(source),
                 amount_minor=award.amount_minor, currency=str(award.currency or ""), proposal_id=proposal.id)
    signoff.request_decision(award, AWARD_ACTION, actor=actor, note=note)
    return award


def approve_award(award: Award, *, decision, actor: User) -> None:
    """The second signature: money awards wait for the company's deposit; MSS funds and in-kind
    support are the institutions' own and start at once."""
    now = utcnow()
    award.approved_at = now
    if award.needs_deposit:
        _move_award(award, AwardState.approved, actor=actor)
        _tell(_payer_members(award), "award_deposit_due", award)
    else:
        _move_award(award, AwardState.active, actor=actor)
        award.activated_at = now
        if award.is_in_kind:
            ledger.post(TransactionKind.in_kind_grant, f"award-{award.id}-in-kind",
                        [(ledger.account(AccountKind.in_kind_entitlement, ledger.DAYS, award.id), award.in_kind_days),
                         (ledger.account(AccountKind.ipark_in_kind, ledger.DAYS), -award.in_kind_days)],
                        award_id=award.id, actor=actor, memo=award.in_kind_what)
    _tell(venture_members(award.proposal), "award_approved", award)
    db.session.flush()


def reject_award(award: Award, *, decision, actor: User) -> None:
    _cancel(award, actor=actor, reason=decision.rejection_reason)


def cancel_award(award: Award, *, actor: User, reason: str) -> None:
    """Staff withdraw an award before money moved: a proposed one (its decision lapses) or one
    approved whose deposit never came."""
    lock(award)
    if not award.can_cancel(actor):
        raise CannotCancel() if award.can_manage(actor) else PermissionDenied()
    if ledger.figures_for([award])[award.id].deposited:
        raise CannotCancel()
    signoff.withdraw_pending(award, actor=actor, reason=reason)
    _cancel(award, actor=actor, reason=reason)


def _cancel(award: Award, *, actor, reason: str) -> None:
    _move_award(award, AwardState.cancelled, actor=actor, reason=reason)
    award.cancelled_at, award.cancel_reason = utcnow(), reason
    db.session.flush()


def _move_award(award: Award, target: AwardState, *, actor, **details) -> None:
    require_transition(AWARD_TRANSITIONS, award.state, target)
    audit.record(actor, f"award.{target}", award, from_state=award.state, to_state=target, **details)
    award.state = target


def _complete_if_paid(award: Award, *, actor) -> None:
    if award.state == AwardState.active and all(t.state == TrancheState.paid for t in award.tranches):
        _move_award(award, AwardState.completed, actor=actor)
        award.completed_at = utcnow()


# -- deposits ---------------------------------------------------------------------------------------

def outstanding_deposit(award: Award) -> int:
    """What the company still has to pay in."""
    return ledger.figures_for([award])[award.id].outstanding


def start_checkout(award: Award, *, actor: User, gateway, success_url: str, cancel_url: str,
                   locale: str) -> Deposit:
    """A Stripe Checkout session for what the award still needs. The payment is confirmed by Stripe's
    webhook, never by the customer's return. A session still open is offered again, not duplicated."""
    if gateway is None:
        raise StripeNotConfigured()
    lock(award)
    if not award.can_deposit(actor):
        raise DepositNotDue() if award.is_payer_member(actor) else PermissionDenied()
    amount = outstanding_deposit(award)
    if amount <= 0:
        raise DepositNotDue()
    open_deposit = db.session.scalars(select(Deposit).where(
        Deposit.award_id == award.id, Deposit.method == DepositMethod.stripe_checkout,
        Deposit.state.in_([DepositState.open, DepositState.processing])).order_by(Deposit.id.desc())).first()
    if open_deposit is not None and open_deposit.amount_minor == amount:
        return open_deposit
    deposit = Deposit(award_id=award.id, method=DepositMethod.stripe_checkout, amount_minor=amount,
                      currency=award.currency, created_by_id=actor.id)
    db.session.add(deposit)
    db.session.flush()
    try:
        customer_id = _stripe_customer(award, gateway)
        # The key names everything the session says: a retry with the same deposit, amount and language
        # gets the session Stripe made, anything else a new one (SQLite reuses the id of a row rolled back).
        session = gateway.create_checkout_session(
            deposit_id=deposit.id, award_id=award.id, amount_minor=amount, currency=str(award.currency),
            description=f"Kakehashi award {award.id}", customer_id=customer_id,
            success_url=success_url, cancel_url=cancel_url, locale=locale,
            key=f"award-{award.id}-deposit-{deposit.id}-{amount}-{locale}-checkout")
    except PaymentError as error:
        raise PaymentRefused(error.label) from error
    deposit.stripe_session_id, deposit.checkout_url = session.id, session.url
    db.session.flush()
    audit.record(actor, "deposit.checkout_started", deposit, to_state=DepositState.open, amount_minor=amount)
    return deposit


def _stripe_customer(award: Award, gateway) -> str:
    known = db.session.get(StripeCustomer, award.payer_organization_id)
    if known is not None:
        return known.customer_id
    payer = db.session.get(Organization, award.payer_organization_id)
    customer_id = gateway.ensure_customer(organization_id=payer.id, name=payer.name_latin, email=None)
    db.session.add(StripeCustomer(organization_id=payer.id, customer_id=customer_id))
    db.session.flush()
    return customer_id


def confirm_deposit(deposit: Deposit, *, amount_minor: int, payment_intent_id: str | None = None,
                    fee_minor: int = 0, actor: User | None = None) -> None:
    """Stripe (or the bank) says the money arrived: escrow it for the award, book Stripe's fee, and
    start the award once it is paid in full."""
    award = deposit.award
    lock(award, deposit)
    if deposit.state == DepositState.paid:
        return
    deposit.state, deposit.received_at = DepositState.paid, utcnow()
    deposit.amount_minor, deposit.fee_minor = amount_minor, fee_minor
    deposit.stripe_payment_intent_id = payment_intent_id or deposit.stripe_payment_intent_id
    cash = AccountKind.stripe_balance if deposit.method == DepositMethod.stripe_checkout else AccountKind.bank_clearing
    currency = str(deposit.currency)
    # A payment that arrives after the award was cancelled (a Checkout page left open) is not the award's:
    # it waits in suspense for staff to refund it.
    held_by = (ledger.account(AccountKind.suspense, currency) if award.state == AwardState.cancelled
               else ledger.account(AccountKind.company_escrow, currency, award.id))
    ledger.post(TransactionKind.deposit, f"deposit-{deposit.id}-received",
                [(ledger.account(cash, currency), amount_minor), (held_by, -amount_minor)],
                award_id=award.id, deposit_id=deposit.id, actor=actor,
                external_id=payment_intent_id or deposit.reference)
    if fee_minor:
        ledger.post(TransactionKind.processor_fee, f"deposit-{deposit.id}-fee",
                    [(ledger.account(AccountKind.processor_fees, currency), fee_minor),
                     (ledger.account(AccountKind.stripe_balance, currency), -fee_minor)],
                    award_id=award.id, deposit_id=deposit.id, external_id=payment_intent_id)
    audit.record(actor, "deposit.received", deposit, to_state=DepositState.paid, amount_minor=amount_minor)
    if award.state == AwardState.approved and outstanding_deposit(award) <= 0:
        _move_award(award, AwardState.active, actor=actor)
        award.activated_at = utcnow()
        _tell(venture_members(award.proposal), "award_active", award)
    _tell(_payer_members(award), "deposit_received", award, deposit=deposit)
    db.session.flush()


def mark_deposit(deposit: Deposit, state: DepositState, *, failure: str | None = None) -> None:
    """A Checkout session still waiting for a bank transfer, failed or expired (Stripe's word)."""
    lock(deposit.award, deposit)
    if deposit.state in {DepositState.paid, DepositState.failed, DepositState.expired}:
        return
    audit.record(None, f"deposit.{state}", deposit, from_state=deposit.state, to_state=state)
    deposit.state, deposit.failure = state, failure
    db.session.flush()


def record_bank_receipt(award: Award, *, actor: User, amount_minor: int, reference: str) -> Deposit:
    """Staff record a bank transfer the company made to the partnership's account."""
    if not award.can_manage(actor):
        raise PermissionDenied()
    lock(award)
    if not (award.needs_deposit and award.state == AwardState.approved):
        raise DepositNotDue()
    if not 0 < amount_minor <= outstanding_deposit(award):
        raise DepositTooLarge()
    deposit = Deposit(award_id=award.id, method=DepositMethod.bank_transfer, amount_minor=amount_minor,
                      currency=award.currency, reference=reference, created_by_id=actor.id)
    db.session.add(deposit)
    db.session.flush()
    confirm_deposit(deposit, amount_minor=amount_minor, actor=actor)
    return deposit


def record_refund(deposit: Deposit, *, refunded_total: int, refund_id: str) -> None:
    """Stripe refunded (part of) a deposit. What escrow still holds comes back from escrow; a refund
    beyond it (money already committed to the venture) lands in suspense for staff to resolve."""
    award = deposit.award
    lock(award, deposit)
    refunded_total = min(refunded_total, deposit.amount_minor)
    increment = refunded_total - deposit.refunded_minor
    if increment <= 0:
        return
    currency = str(deposit.currency)
    from_escrow = max(min(increment, ledger.balance(AccountKind.company_escrow, currency, award.id) * -1), 0)
    ledger.post(TransactionKind.refund, f"deposit-{deposit.id}-refunded-{refunded_total}",
                [(ledger.account(AccountKind.company_escrow, currency, award.id), from_escrow),
                 (ledger.account(AccountKind.suspense, currency), increment - from_escrow),
                 (ledger.account(AccountKind.stripe_balance, currency), -increment)],
                award_id=award.id, deposit_id=deposit.id, external_id=refund_id)
    deposit.refunded_minor = refunded_total
    audit.record(None, "deposit.refunded", deposit, amount_minor=increment, refund=refund_id)
    db.session.flush()


# -- payees -----------------------------------------------------------------------------------------

def active_payee(organization_id: int) -> Payee | None:
    return db.session.scalar(select(Payee).where(Payee.organization_id == organization_id,
                                                 Payee.state == PayeeState.active))


def can_manage_payee(user, organization_id: int) -> bool:
    return user.is_authenticated and user.organization_id == organization_id and user.is_owner


def register_payee(*, actor: User, kind: PayeeKind, details: dict, gateway=None) -> tuple[Payee, str]:
    """A venture's owner says how it is paid. Nothing changes until the owner confirms from the
    e-mail we send (a stolen session alone cannot redirect the money); returns the token e-mailed."""
    organization = actor.organization
    if not can_manage_payee(actor, organization.id):
        raise PermissionDenied()
    lock(organization)
    token = secrets.token_urlsafe(32)
    payee = Payee(organization_id=organization.id, kind=kind, created_by_id=actor.id,
                  confirmation_digest=_digest(token))
    if kind == PayeeKind.bank_account:
        payee.account_holder, payee.bank_name = details["account_holder"], details["bank_name"]
        payee.bank_country, payee.account_number = details["bank_country"], details["account_number"]
        payee.swift = details.get("swift") or None
    else:
        if gateway is None:
            raise StripeNotConfigured()
        db.session.add(payee)
        db.session.flush()
        try:
            payee.stripe_account_id = gateway.create_connected_account(
                payee_id=payee.id, organization_id=organization.id, email=actor.email)
        except PaymentError as error:
            raise PaymentRefused(error.label) from error
    db.session.add(payee)
    db.session.flush()
    audit.record(actor, "payee.registered", payee, to_state=PayeeState.unconfirmed, kind=str(kind),
                 account=payee.masked_account)
    queue_email(actor, "payee_confirm", payee=payee,
                url=external_url("funding.confirm_payee", token=token))
    return payee, token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def payee_of_token(token: str, now=None) -> Payee | None:
    """The change a confirmation link names, while it may still be confirmed: unconfirmed, the latest
    change of its venture (a newer one replaces it), and younger than PAYEE_CONFIRMATION_TIME."""
    payee = db.session.scalar(select(Payee).where(Payee.confirmation_digest == _digest(token)))
    if payee is None or payee.state != PayeeState.unconfirmed \
            or (now or utcnow()) - as_utc(payee.created_at) > PAYEE_CONFIRMATION_TIME:
        return None
    latest = db.session.scalar(select(func.max(Payee.id)).where(Payee.organization_id == payee.organization_id))
    return payee if latest == payee.id else None


def confirm_payee(token: str, *, actor: User, now=None) -> Payee:
    """The owner followed the e-mailed link. A change of account (not the first one) receives payouts
    only after PAYEE_CHANGE_HOLD: the classic fraud redirects the next payout from a taken-over account.
    Checked again under the venture's lock: two confirmations at once make one change."""
    now = now or utcnow()
    payee = payee_of_token(token, now)
    if payee is None:
        raise ConfirmationInvalid()
    if not can_manage_payee(actor, payee.organization_id):
        raise PermissionDenied()
    lock(actor.organization, payee)
    if payee_of_token(token, now) is None:
        raise ConfirmationInvalid()
    previous = active_payee(payee.organization_id)
    if previous is not None:
        previous.state = PayeeState.superseded
        audit.record(actor, "payee.superseded", previous, from_state=PayeeState.active,
                     to_state=PayeeState.superseded)
        db.session.flush()
    payee.state, payee.confirmed_at = PayeeState.active, now
    payee.payouts_from = now + PAYEE_CHANGE_HOLD if previous is not None else now
    payee.confirmation_digest = None
    audit.record(actor, "payee.confirmed", payee, from_state=PayeeState.unconfirmed, to_state=PayeeState.active,
                 payouts_from=as_utc(payee.payouts_from).isoformat(), account=payee.masked_account)
    for user in venture_members_of(payee.organization_id):
        queue_email(user, "payee_changed", payee=payee, url=external_url("funding.payee"))
    db.session.flush()
    return payee


def venture_members_of(organization_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.organization_id == organization_id,
                                                      User.active.is_(True))))


def sync_connected_account(account_id: str, *, payouts_enabled: bool, as_of: int) -> None:
    """Stripe's account.updated: whether the payee's account can receive transfers now. An event older
    than the last one applied (Stripe does not promise order) changes nothing."""
    for payee in db.session.scalars(select(Payee).where(Payee.stripe_account_id == account_id)):
        lock(payee)
        if as_of < (payee.account_event_at or 0):
            continue
        payee.account_event_at = as_of
        if payee.payouts_enabled != payouts_enabled:
            audit.record(None, "payee.payouts_enabled" if payouts_enabled else "payee.payouts_disabled", payee)
            payee.payouts_enabled = payouts_enabled
    db.session.flush()


# -- tranches: evidence and release ----------------------------------------------------------------

def submit_evidence(tranche: Tranche, *, actor: User, report: str, files=()) -> None:
    """The venture reports a milestone; both institutions then sign its release."""
    lock(tranche.award, tranche)
    if not tranche.can_submit_evidence(actor):
        raise PermissionDenied() if not tranche.award.is_venture_member(actor) else InvalidTransition()
    require_transition(TRANCHE_TRANSITIONS, tranche.state, TrancheState.evidence_submitted)
    audit.record(actor, "tranche.evidence_submitted", tranche, from_state=tranche.state,
                 to_state=TrancheState.evidence_submitted, files=len(files))
    tranche.state, tranche.evidence_report = TrancheState.evidence_submitted, report
    tranche.evidence_submitted_at, tranche.evidence_submitted_by_id = utcnow(), actor.id
    tranche.rejection_reason = None
    for stored in files:
        db.session.add(EvidenceFile(tranche_id=tranche.id, filename=stored.filename, storage_key=stored.key,
                                    size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id))
    db.session.flush()
    signoff.request_decision(tranche, TRANCHE_ACTION, actor=actor)
    for user in staff_members():
        queue_email(user, "evidence_submitted", award=tranche.award, tranche=tranche,
                    url=external_url("funding.award", award_id=tranche.award_id))


def release_tranche(tranche: Tranche, *, decision, actor: User) -> None:
    """The second signature on the evidence: the money is committed to the venture (from the company's
    escrow, or MSS's programme) and its payout starts. The award is locked before the tranche (the
    action's lock_before), so two tranches released at once cannot both spend the same escrow."""
    award = tranche.award
    require_transition(TRANCHE_TRANSITIONS, tranche.state, TrancheState.approved)
    currency = str(award.currency)
    if award.needs_deposit:
        held = -ledger.balance(AccountKind.company_escrow, currency, award.id)
        if held < tranche.amount_minor:
            raise DepositMissing()
        source = ledger.account(AccountKind.company_escrow, currency, award.id)
    else:
        source = ledger.account(AccountKind.mss_programme, currency)
    ledger.post(TransactionKind.commitment, f"tranche-{tranche.id}-committed",
                [(source, tranche.amount_minor),
                 (ledger.account(AccountKind.venture_payable, currency, award.id), -tranche.amount_minor)],
                award_id=award.id, tranche_id=tranche.id, actor=actor)
    audit.record(actor, "tranche.approved", tranche, from_state=tranche.state, to_state=TrancheState.approved)
    tranche.state, tranche.approved_at = TrancheState.approved, utcnow()
    db.session.flush()
    _route_payout(tranche, actor=actor, gateway=_gateway())
    _tell(venture_members(award.proposal), "tranche_approved", award, tranche=tranche)


def return_evidence(tranche: Tranche, *, decision, actor: User) -> None:
    """Either institution rejected the release: the venture sees the reason and may submit again."""
    require_transition(TRANCHE_TRANSITIONS, tranche.state, TrancheState.rejected)
    audit.record(actor, "tranche.rejected", tranche, from_state=tranche.state, to_state=TrancheState.rejected)
    tranche.state, tranche.rejection_reason = TrancheState.rejected, decision.rejection_reason
    db.session.flush()
    _tell(venture_members(tranche.award.proposal), "evidence_returned", tranche.award, tranche=tranche,
          reason=decision.rejection_reason)


_gateway_provider = None


def use_gateway_provider(provider) -> None:
    """How services reach the payment adapter (app.funding.payments sets it; tests replace it)."""
    global _gateway_provider
    _gateway_provider = provider


def _gateway():
    return _gateway_provider() if _gateway_provider is not None else None


def _route_payout(tranche: Tranche, *, actor, gateway) -> None:
    """Send an approved tranche on its way: MSS money is disbursed by MSS; a Stripe payee gets a transfer
    at once; a bank payee a remittance staff instruct. Without a payee (or while it is held) the tranche
    waits with the reason, and a retry routes it again."""
    award = tranche.award
    if award.paid_by_mss:
        _set_payout_state(tranche, TrancheState.remittance_due, PayoutMethod.mss_disbursement, actor=actor)
        return
    payee = active_payee(award.organization_id)
    if payee is None:
        _problem(tranche, "no_payee")
        return
    tranche.payee_id = payee.id
    if payee.kind == PayeeKind.bank_account:
        _set_payout_state(tranche, TrancheState.remittance_due, PayoutMethod.bank_remittance, actor=actor)
        if payee.is_on_hold(utcnow()):
            _problem(tranche, "payee_on_hold", as_utc(payee.payouts_from).isoformat())
        return
    _set_payout_state(tranche, TrancheState.payout_pending, PayoutMethod.stripe_transfer, actor=actor)
    if payee.is_on_hold(utcnow()):
        _problem(tranche, "payee_on_hold", as_utc(payee.payouts_from).isoformat())
    elif not payee.payouts_enabled:
        _problem(tranche, "account_not_enabled")
    elif gateway is None:
        _problem(tranche, "stripe_not_configured")
    else:
        _transfer(tranche, payee, gateway, actor=actor)


def _set_payout_state(tranche: Tranche, target: TrancheState, method: PayoutMethod, *, actor) -> None:
    if tranche.state != target:
        require_transition(TRANCHE_TRANSITIONS, tranche.state, target)
        audit.record(actor, f"tranche.{target}", tranche, from_state=tranche.state, to_state=target,
                     method=str(method))
        tranche.state = target
    tranche.payout_method = method
    tranche.payout_problem = tranche.payout_problem_detail = None
    db.session.flush()


def _problem(tranche: Tranche, problem: str, detail: str | None = None) -> None:
    tranche.payout_problem, tranche.payout_problem_detail = problem, detail
    db.session.flush()


def transfer_key(tranche: Tranche) -> str:
    """The idempotency key of the tranche's transfer; a new one only after Stripe refused the last
    request before making anything, or reversed the last transfer."""
    return f"tranche-{tranche.id}-transfer" + (f"-{tranche.transfer_attempt}" if tranche.transfer_attempt > 1 else "")


def _transfer(tranche: Tranche, payee: Payee, gateway, *, actor) -> None:
    """One transfer request under the tranche's lock, with the tranche's key: a retry after a time-out
    gets Stripe's answer to the first request, never a second transfer."""
    award = tranche.award
    try:
        transfer = gateway.create_transfer(
            tranche_id=tranche.id, award_id=award.id, amount_minor=tranche.amount_minor,
            currency=str(award.currency), destination=payee.stripe_account_id, key=transfer_key(tranche))
    except PaymentError as error:
        _problem(tranche, error.problem, error.detail)
        if error.problem in MADE_NOTHING:
            tranche.transfer_attempt += 1
        audit.record(actor, "tranche.transfer_failed", tranche, problem=error.problem)
        return
    record_transfer(tranche, transfer_id=transfer.id, amount_minor=transfer.amount, actor=actor)


def record_transfer(tranche: Tranche, *, transfer_id: str, amount_minor: int, actor=None) -> None:
    """Stripe made the transfer (its answer, or transfer.created when the answer was lost)."""
    if db.session.scalar(select(Payout.id).where(Payout.stripe_transfer_id == transfer_id)) is not None:
        return
    award = tranche.award
    currency = str(award.currency)
    ledger.post(TransactionKind.transfer, f"transfer-{transfer_id}",
                [(ledger.account(AccountKind.venture_payable, currency, award.id), amount_minor),
                 (ledger.account(AccountKind.stripe_balance, currency), -amount_minor)],
                award_id=award.id, tranche_id=tranche.id, external_id=transfer_id, actor=actor)
    db.session.add(Payout(tranche_id=tranche.id, attempt=tranche.transfer_attempt,
                          method=PayoutMethod.stripe_transfer, stripe_transfer_id=transfer_id,
                          sent_minor=amount_minor, sent_currency=award.currency,
                          recorded_by_id=getattr(actor, "id", None)))
    _paid(tranche, actor=actor)


def record_created_transfer(tranche: Tranche, *, transfer_id: str, amount_minor: int) -> None:
    """Stripe's transfer.created: the confirmation of a transfer we recorded from Stripe's answer, or the
    only news of one whose answer was lost (a time-out after Stripe made it)."""
    lock(tranche.award, tranche)
    if tranche.state == TrancheState.payout_pending or db.session.scalar(
            select(Payout.id).where(Payout.stripe_transfer_id == transfer_id)) is not None:
        record_transfer(tranche, transfer_id=transfer_id, amount_minor=amount_minor)


def _paid(tranche: Tranche, *, actor) -> None:
    require_transition(TRANCHE_TRANSITIONS, tranche.state, TrancheState.paid)
    audit.record(actor, "tranche.paid", tranche, from_state=tranche.state, to_state=TrancheState.paid)
    tranche.state, tranche.paid_at = TrancheState.paid, utcnow()
    tranche.payout_problem = tranche.payout_problem_detail = None
    db.session.flush()
    _complete_if_paid(tranche.award, actor=actor)
    _tell(venture_members(tranche.award.proposal), "tranche_paid", tranche.award, tranche=tranche)


def record_transfer_reversal(tranche: Tranche, *, transfer_id: str, amount_minor: int,
                             reversed_total: int) -> None:
    """Stripe reversed (part of) a transfer. A reversal arriving before its transfer.created books the
    transfer first, so the order of events does not matter. A full reversal puts the tranche back to
    payout pending with a new key for the next attempt."""
    lock(tranche.award, tranche)
    record_transfer(tranche, transfer_id=transfer_id, amount_minor=amount_minor)
    payout = db.session.scalar(select(Payout).where(Payout.stripe_transfer_id == transfer_id))
    increment = min(reversed_total, payout.sent_minor) - payout.reversed_minor
    if increment <= 0:
        return
    award = tranche.award
    currency = str(award.currency)
    reversed_now = payout.reversed_minor + increment
    ledger.post(TransactionKind.transfer_reversal, f"transfer-{transfer_id}-reversed-{reversed_now}",
                [(ledger.account(AccountKind.stripe_balance, currency), increment),
                 (ledger.account(AccountKind.venture_payable, currency, award.id), -increment)],
                award_id=award.id, tranche_id=tranche.id, external_id=transfer_id)
    payout.reversed_minor += increment
    if payout.reversed_minor >= payout.sent_minor and tranche.state == TrancheState.paid:
        audit.record(None, "tranche.transfer_reversed", tranche, from_state=TrancheState.paid,
                     to_state=TrancheState.payout_pending)
        tranche.state, tranche.paid_at = TrancheState.payout_pending, None
        tranche.transfer_attempt += 1
        _problem(tranche, "reversed", transfer_id)
        if award.state == AwardState.completed:
            award.state, award.completed_at = AwardState.active, None
    db.session.flush()


def retry_payout(tranche: Tranche, *, actor: User) -> None:
    """Staff try again (after a Stripe error, or once the payee exists): the same key, so a transfer
    Stripe made but whose answer we lost is found, not repeated."""
    if not actor.is_staff:
        raise PermissionDenied()
    lock(tranche.award, tranche)
    if tranche.state not in {TrancheState.approved, TrancheState.payout_pending, TrancheState.remittance_due}:
        raise NotAwaitingThis()
    _route_payout(tranche, actor=actor, gateway=_gateway())
    db.session.flush()


# -- remittances and MSS disbursements --------------------------------------------------------------

def remittances_to_instruct(now=None):
    """SELECT of the (tranche, payee) pairs the bank may be instructed to pay now: remittances due to a
    venture whose payee in use is a bank account past its hold. The payee is the one in use now, not the
    one when the tranche was approved: a confirmed change, once its hold is over, is where the money goes."""
    now = now or utcnow()
    return (select(Tranche, Payee).join(Award, Award.id == Tranche.award_id)
            .join(Payee, (Payee.organization_id == Award.organization_id) & (Payee.state == PayeeState.active))
            .where(Tranche.state == TrancheState.remittance_due, Tranche.payout_method == PayoutMethod.bank_remittance,
                   Payee.kind == PayeeKind.bank_account, Payee.payouts_from <= now)
            .order_by(Tranche.approved_at, Tranche.id))


def export_remittances(tranches: list[Tranche], *, actor: User) -> RemittanceExport:
    """Record that staff downloaded the bank's instruction for these tranches (remittances_to_instruct)."""
    if not actor.is_staff:
        raise PermissionDenied()
    export = RemittanceExport(tranche_ids=[tranche.id for tranche in tranches], exported_by_id=actor.id)
    db.session.add(export)
    db.session.flush()
    audit.record(actor, "remittance.exported", export, tranches=export.tranche_ids)
    return export


def confirm_remittance(tranche: Tranche, *, actor: User, sent_minor: int, sent_currency: Currency,
                       received_minor: int, received_currency: Currency, rate: str, fee_minor: int,
                       reference: str, value_date: date) -> Payout:
    """Record what the bank confirmed. The venture's payable is cleared by what was committed; what left
    the bank (and its fee) is booked in the currency sent; a difference of currency or amount goes
    to the FX account, so nothing is lost between yen committed and won sent."""
    if not actor.is_staff:
        raise PermissionDenied()
    lock(tranche.award, tranche)
    if tranche.state == TrancheState.paid:
        raise AlreadyRecorded()
    if tranche.state != TrancheState.remittance_due or tranche.payout_method != PayoutMethod.bank_remittance:
        raise NotAwaitingThis()
    award = tranche.award
    committed, currency, sent = tranche.amount_minor, str(award.currency), str(sent_currency)
    legs = [(ledger.account(AccountKind.venture_payable, currency, award.id), committed),
            (ledger.account(AccountKind.bank_clearing, sent), -(sent_minor + fee_minor)),
            (ledger.account(AccountKind.processor_fees, sent), fee_minor)]
    if sent == currency:
        legs.append((ledger.account(AccountKind.fx, currency), sent_minor - committed))
    else:
        legs += [(ledger.account(AccountKind.fx, currency), -committed),
                 (ledger.account(AccountKind.fx, sent), sent_minor)]
    ledger.post(TransactionKind.remittance, f"tranche-{tranche.id}-remitted-{tranche.transfer_attempt}", legs,
                award_id=award.id, tranche_id=tranche.id, external_id=reference, actor=actor,
                memo=f"sent {sent_minor} {sent}, received {received_minor} {received_currency}, rate {rate}")
    payout = Payout(tranche_id=tranche.id, attempt=tranche.transfer_attempt, method=PayoutMethod.bank_remittance,
                    sent_minor=sent_minor, sent_currency=sent_currency, received_minor=received_minor,
                    received_currency=received_currency, rate=rate, fee_minor=fee_minor, reference=reference,
                    value_date=value_date, recorded_by_id=actor.id)
    db.session.add(payout)
    _paid(tranche, actor=actor)
    return payout


def record_mss_disbursement(tranche: Tranche, *, actor: User, amount_minor: int, reference: str,
                            value_date: date) -> Payout:
    """MSS staff record the disbursement MSS made from its own programme (KRW)."""
    if not (actor.is_staff and actor.institution == Institution.mss):
        raise PermissionDenied()
    lock(tranche.award, tranche)
    if tranche.state == TrancheState.paid:
        raise AlreadyRecorded()
    if tranche.state != TrancheState.remittance_due or tranche.payout_method != PayoutMethod.mss_disbursement:
        raise NotAwaitingThis()
    if amount_minor != tranche.amount_minor:
        raise AmountMismatch()
    award = tranche.award
    currency = str(award.currency)
    ledger.post(TransactionKind.mss_disbursement, f"tranche-{tranche.id}-disbursed",
                [(ledger.account(AccountKind.venture_payable, currency, award.id), amount_minor),
                 (ledger.account(AccountKind.mss_disbursements, currency), -amount_minor)],
                award_id=award.id, tranche_id=tranche.id, external_id=reference, actor=actor)
    payout = Payout(tranche_id=tranche.id, attempt=1, method=PayoutMethod.mss_disbursement, sent_minor=amount_minor,
                    sent_currency=award.currency, received_minor=amount_minor, received_currency=award.currency,
                    reference=reference, value_date=value_date, recorded_by_id=actor.id)
    db.session.add(payout)
    _paid(tranche, actor=actor)
    return payout


# -- notifications ----------------------------------------------------------------------------------

def _payer_members(award: Award) -> list[User]:
    return venture_members_of(award.payer_organization_id) if award.payer_organization_id else []


def _tell(users, template: str, award: Award, **context) -> None:
    url = external_url("funding.award", award_id=award.id)
    for user in {user.id: user for user in users if user.active}.values():
        queue_email(user, template, award=award, url=url, **context)


def tell_staff_to_propose_award(proposal: Proposal, *, decision=None, actor=None) -> None:
    """A proposal was selected (signals.proposal_selected): both institutions hear that its award
    is theirs to propose, with the link to the form."""
    url = external_url("funding.new_award", proposal_id=proposal.id)
    for user in staff_members():
        if not proposal.is_conflicted(user):
            queue_email(user, "award_to_propose", proposal=proposal, url=url)


def register_decision_actions() -> None:
    """The joint decisions of funding, for app.common.signoff (called by app.funding.reactions)."""
    from app.proposals.models import conflicted_proposal_ids
    signoff.register_action(signoff.DecisionAction(
        name=AWARD_ACTION, model=Award, label=_l("Approve a funding award"), on_approved=approve_award,
        on_rejected=reject_award, subject_page=("funding.award", "award_id"),
        is_conflicted=lambda award, user: _proposal_conflicted(award.proposal_id, user),
        conflicted_subject_ids=lambda user: select(Award.id).where(
            Award.proposal_id.in_(conflicted_proposal_ids(user.id))),
        subject_options=(joinedload(Award.challenge), joinedload(Award.organization).lazyload("*"))))
    signoff.register_action(signoff.DecisionAction(
        name=TRANCHE_ACTION, model=Tranche, label=_l("Release a tranche"), on_approved=release_tranche,
        on_rejected=return_evidence, subject_page=("funding.tranche", "tranche_id"),
        lock_before=lambda tranche: (tranche.award,),
        is_conflicted=lambda tranche, user: _proposal_conflicted(tranche.award.proposal_id, user),
        conflicted_subject_ids=lambda user: select(Tranche.id).join(Award).where(
            Award.proposal_id.in_(conflicted_proposal_ids(user.id))),
        subject_options=(joinedload(Tranche.award).options(joinedload(Award.challenge),
                                                           joinedload(Award.organization).lazyload("*")),)))


def _proposal_conflicted(proposal_id: int, user) -> bool:
    proposal = db.session.get(Proposal, proposal_id)
    return proposal is not None and proposal.is_conflicted(user)
