"""What the funding pages read: each reader's awards, the staff's queues, one award or tranche with what
its page shows, the remittances to instruct and a call's reconciliation.

Read only. Each list is one query for its page (and one count), with what its rows show loaded with it,
and the money of a page of awards from one grouped query of the ledger: a page costs the same number of
statements whatever its number of rows (tests/funding/test_pages_queries.py).
"""
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.common.i18n import format_moment
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.funding import gateway, ledger, services
from app.funding.models import (
    Award,
    AwardState,
    Deposit,
    DepositState,
    EvidenceFile,
    Payee,
    PayeeState,
    Payout,
    PayoutMethod,
    Tranche,
    TrancheState,
)
from app.proposals.models import (
    Proposal,
    ProposalState,
    conflicted_proposal_ids,
    name_of_venture,
    visible_proposals_clause,
)

# The bank is Japanese: an instruction's value date is a day in Japan.
BANK_ZONE = ZoneInfo("Asia/Tokyo")


# Who sees which awards ------------------------------------------------------------------------------

def known_to_members():
    """The query form of Award.can_view for the venture's and the company's members: signed awards,
    and those cancelled after they were signed."""
    return and_(Award.state != AwardState.proposed,
                or_(Award.state != AwardState.cancelled, Award.approved_at.is_not(None)))


def _award_rows(statement):
    """An award list's rows with what each shows: its proposal, call (with its poster), venture and payer."""
    return statement.options(
        joinedload(Award.proposal).lazyload("*"), joinedload(Award.challenge),
        name_of_venture(joinedload(Award.organization)), name_of_venture(joinedload(Award.payer)))


def awards_of_venture(organization_id: int):
    return _award_rows(select(Award).where(Award.organization_id == organization_id, known_to_members())
                       .order_by(Award.created_at.desc(), Award.id.desc()))


def awards_paid_by(organization_id: int):
    return _award_rows(select(Award).where(Award.payer_organization_id == organization_id, known_to_members())
                       .order_by(Award.created_at.desc(), Award.id.desc()))


def receipts_of(organization_id: int):
    """The deposits a company made that arrived: each one's receipt."""
    return (select(Deposit).join(Award, Deposit.award_id == Award.id)
            .where(Award.payer_organization_id == organization_id, Deposit.state == DepositState.paid)
            .options(joinedload(Deposit.award).lazyload("*"))
            .order_by(Deposit.received_at.desc(), Deposit.id.desc()))


# The staff's queues ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Queue:
    name: str
    title: object  # a lazy label
    empty: object
    rows: str  # "proposals", "awards" or "tranches": the table the page shows
    mss_only: bool = False


QUEUES = {queue.name: queue for queue in (
    Queue("to_propose", _l("Awards to propose"), _l("Every selected proposal has its award."), "proposals"),
    Queue("to_sign", _l("Awards to sign"), _l("No award waits for signatures."), "awards"),
    Queue("evidence", _l("Evidence to approve"), _l("No evidence waits for approval."), "tranches"),
    Queue("payouts", _l("Payouts pending"), _l("No Stripe payout is waiting."), "tranches"),
    Queue("remittances", _l("Remittances due"), _l("No remittance is due."), "tranches"),
    Queue("disbursements", _l("MSS disbursements due"), _l("No MSS disbursement is due."), "tranches"),
    Queue("awards", _l("All awards"), _l("No award has been proposed yet."), "awards"),
)}


def _tranche_rows(statement):
    return statement.options(
        joinedload(Tranche.award).options(joinedload(Award.proposal).lazyload("*"), joinedload(Award.challenge),
                                          name_of_venture(joinedload(Award.organization))),
        joinedload(Tranche.payee))


def _queue_conditions(name: str, user) -> tuple:
    return (*_kind_of_queue(name, user), *_not_conflicted(QUEUES[name].rows, user))


def _not_conflicted(rows: str, user) -> tuple:
    """A staff member with a declared conflict sees nothing of the proposal's funding either."""
    if rows == "proposals":
        return ()  # visible_proposals_clause already hides them
    conflicted = Award.proposal_id.in_(conflicted_proposal_ids(user.id))
    if rows == "awards":
        return (not_(conflicted),)
    return (not_(exists().where(Award.id == Tranche.award_id, conflicted)),)


def _kind_of_queue(name: str, user) -> tuple:
    if name == "to_propose":
        has_award = exists().where(Award.proposal_id == Proposal.id, Award.state != AwardState.cancelled)
        return Proposal.state == ProposalState.selected, visible_proposals_clause(user), not_(has_award)
    if name == "to_sign":
        return (Award.state == AwardState.proposed,)
    if name == "evidence":
        return (Tranche.state == TrancheState.evidence_submitted,)
    if name == "payouts":
        # Approved and still here: no payee to route it to yet.
        return (Tranche.state.in_([TrancheState.approved, TrancheState.payout_pending]),)
    if name == "remittances":
        return Tranche.state == TrancheState.remittance_due, Tranche.payout_method == PayoutMethod.bank_remittance
    if name == "disbursements":
        return Tranche.state == TrancheState.remittance_due, Tranche.payout_method == PayoutMethod.mss_disbursement
    return ()


def queue_query(name: str, user):
    """The rows of the staff queue ``name``, the oldest waiting first (every award: the latest first)."""
    conditions = _queue_conditions(name, user)
    rows = QUEUES[name].rows
    if rows == "proposals":
        return (select(Proposal).where(*conditions)
                .options(joinedload(Proposal.challenge), name_of_venture(joinedload(Proposal.organization)))
                .order_by(Proposal.decided_at, Proposal.id))
    if rows == "awards":
        order = (Award.created_at.desc(), Award.id.desc()) if name == "awards" else (Award.created_at, Award.id)
        return _award_rows(select(Award).where(*conditions).order_by(*order))
    waiting_since = Tranche.evidence_submitted_at if name == "evidence" else Tranche.approved_at
    return _tranche_rows(select(Tranche).where(*conditions).order_by(waiting_since, Tranche.id))


def queue_counts(user) -> dict[str, int]:
    """How many rows each queue holds, in one statement."""
    counted = {}
    for name, queue in QUEUES.items():
        model = {"proposals": Proposal, "awards": Award, "tranches": Tranche}[queue.rows]
        counted[name] = select(func.count()).select_from(model).where(*_queue_conditions(name, user)) \
            .scalar_subquery()
    row = db.session.execute(select(*[subquery.label(name) for name, subquery in counted.items()])).one()
    return dict(row._mapping)


# One award, one tranche -----------------------------------------------------------------------------

AWARD_PAGE = (joinedload(Award.proposal).lazyload("*"), joinedload(Award.challenge),
              name_of_venture(joinedload(Award.organization)), name_of_venture(joinedload(Award.payer)),
              selectinload(Award.tranches).joinedload(Tranche.payee))

TRANCHE_PAGE = (joinedload(Tranche.award).options(
    joinedload(Award.proposal).lazyload("*"), joinedload(Award.challenge),
    name_of_venture(joinedload(Award.organization)), name_of_venture(joinedload(Award.payer))),
    selectinload(Tranche.evidence_files), joinedload(Tranche.payee))


def deposits_of(award: Award) -> list[Deposit]:
    return list(db.session.scalars(select(Deposit).where(Deposit.award_id == award.id)
                                   .order_by(Deposit.created_at, Deposit.id)))


def payouts_of_award(award: Award) -> list[Payout]:
    return list(db.session.scalars(select(Payout).join(Tranche).where(Tranche.award_id == award.id)
                                   .options(joinedload(Payout.tranche).lazyload("*"))
                                   .order_by(Payout.created_at, Payout.id)))


def payouts_of(tranche: Tranche) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.tranche_id == tranche.id)
                                   .order_by(Payout.attempt, Payout.id)))


def evidence_file(tranche: Tranche, file_id: int) -> EvidenceFile | None:
    return next((document for document in tranche.evidence_files if document.id == file_id), None)


# A payout in words ------------------------------------------------------------------------------------

# What services write in Tranche.payout_problem besides the adapter's own (gateway.PROBLEMS).
PAYOUT_PROBLEMS = {
    "no_payee": _l("The venture has not registered a confirmed account to be paid to."),
    "stripe_not_configured": _l("Stripe is not set up here: this payout cannot be sent by transfer."),
    "reversed": _l("Stripe reversed the transfer. It will be sent again when staff retry."),
}


def payout_problem(tranche: Tranche) -> str | None:
    """Why the tranche's payout waits, in the reader's language; None when nothing holds it up."""
    problem = tranche.payout_problem
    if not problem:
        return None
    if problem == "payee_on_hold":
        until = _moment_of(tranche.payout_problem_detail)
        return _("The venture changed its account recently: payouts to the new account wait until %(when)s.",
                 when=format_moment(until)) if until else _("The venture changed its account recently: payouts "
                                                             "to the new account wait a few days.")
    if problem in PAYOUT_PROBLEMS:
        return str(PAYOUT_PROBLEMS[problem])
    return str(gateway.PROBLEMS.get(problem, gateway.PROBLEMS["api_error"]))


def tranche_status(tranche: Tranche) -> str:
    """Where the tranche's money is, in one sentence of the reader's language."""
    state, award = tranche.state, tranche.award
    if state == TrancheState.planned:
        return _("Waiting for the venture's evidence of this milestone.") if award.state == AwardState.active \
            else _("Evidence can be submitted once the award is active.")
    if state == TrancheState.evidence_submitted:
        return _("Evidence submitted %(when)s: iPark and MSS are reviewing it.",
                 when=format_moment(tranche.evidence_submitted_at))
    if state == TrancheState.rejected:
        return _("The evidence was returned. The venture may submit it again.")
    if state == TrancheState.approved:
        return _("Approved %(when)s: the payout is being prepared.", when=format_moment(tranche.approved_at))
    if state == TrancheState.payout_pending:
        return _("Approved: being paid by Stripe transfer.")
    if state == TrancheState.remittance_due and tranche.payout_method == PayoutMethod.mss_disbursement:
        return _("Approved: MSS disburses it from its programme.")
    if state == TrancheState.remittance_due:
        return _("Approved: iPark sends it by bank remittance.")
    return _("Paid %(when)s.", when=format_moment(tranche.paid_at))


def award_status(award: Award, figures: ledger.Figures) -> str:
    """What the award waits for, or what it came to, in one sentence of the reader's language."""
    from app.common.i18n import format_money

    if award.state == AwardState.proposed:
        return _("Waiting for the signatures of iPark and MSS.")
    if award.state == AwardState.approved:
        return _("Signed. Waiting for the company's deposit of %(amount)s.",
                 amount=format_money(figures.outstanding, award.currency))
    if award.state == AwardState.active:
        return _("Active: iPark's support can be used.") if award.is_in_kind else \
            _("Active: each milestone is paid once iPark and MSS approve its evidence.")
    if award.state == AwardState.completed:
        return _("Completed: every milestone is paid.")
    return _("Cancelled %(when)s.", when=format_moment(award.cancelled_at))


def _moment_of(text: str | None):
    from datetime import datetime

    try:
        return as_utc(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


# Remittances --------------------------------------------------------------------------------------------

def remittances_to_instruct(now=None) -> list[tuple[Tranche, Payee]]:
    """The remittances the bank may be instructed to pay now, each with the payee in use it goes to
    (services.remittances_to_instruct), with the tranche's award."""
    return [(tranche, payee) for tranche, payee in db.session.execute(
        services.remittances_to_instruct(now).options(joinedload(Tranche.award).lazyload("*")))]


def paid_to(tranche: Tranche) -> Payee | None:
    """Where the tranche's money went (once paid) or goes: the venture's payee in use, to which a confirmed
    change of account sends the next money once its hold is over."""
    if tranche.state == TrancheState.paid and tranche.payee is not None:
        return tranche.payee
    return services.active_payee(tranche.award.organization_id)


def bank_day(now=None) -> date:
    return as_utc(now or utcnow()).astimezone(BANK_ZONE).date()


def pending_payee(organization_id: int) -> Payee | None:
    """The latest change still waiting for its e-mail confirmation."""
    return db.session.scalar(select(Payee).where(Payee.organization_id == organization_id,
                                                 Payee.state == PayeeState.unconfirmed)
                             .order_by(Payee.created_at.desc(), Payee.id.desc()).limit(1))


# Reconciliation of a call --------------------------------------------------------------------------------

@dataclass
class Totals:
    """The sums of a call's awards in one currency."""

    currency: str
    amount: int = 0
    deposited: int = 0
    committed: int = 0
    paid: int = 0
    due: int = 0
    remaining: int = 0
    fees: dict = field(default_factory=dict)
    fx: dict = field(default_factory=dict)


def reconciliation(challenge_id: int) -> tuple[list[Award], dict[int, ledger.Figures], list[Totals]]:
    """Every award of the call with its figures, and the totals per currency (in-kind awards, which carry
    no money, are listed and not totalled; cancelled ones count what moved before they were)."""
    awards = list(db.session.scalars(_award_rows(select(Award).where(Award.challenge_id == challenge_id)
                                                 .order_by(Award.id))))
    figures = ledger.figures_for(awards)
    totals: dict[str, Totals] = {}
    for award in awards:
        if award.currency is None:
            continue
        total = totals.setdefault(str(award.currency), Totals(str(award.currency)))
        numbers = figures[award.id]
        if award.state != AwardState.cancelled:
            total.amount += numbers.amount
            total.remaining += numbers.remaining
        total.deposited += numbers.deposited
        total.committed += numbers.committed
        total.paid += numbers.paid
        total.due += numbers.due
        for into, source in ((total.fees, numbers.fees), (total.fx, numbers.fx)):
            for currency, amount in source.items():
                into[currency] = into.get(currency, 0) + amount
    return awards, figures, [totals[currency] for currency in sorted(totals)]
