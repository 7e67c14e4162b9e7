"""Reconciliation: the ledger against what Stripe holds (docs/funding.md, "Reconciliation").

Three comparisons, each read from Stripe's lists page after page (app.funding.gateway):

- payments: each payment intent made by our Checkout (its metadata names our award and deposit) against
  the deposit's receipt in the ledger: received or not, amount, currency; and a deposit that is still
  waiting against a payment Stripe cancelled (or the other way round);
- fees: the fee in the balance transaction of each such payment's charge against our processor fee;
- transfers: each transfer to a tranche (its metadata, its award's transfer group) against the ledger's
  transfer and reversals: amount, currency, amount reversed, and whether the destination is an account
  the venture registered.

And the other way: what the ledger received or paid through Stripe that Stripe does not list. Payments
Stripe took for others (not ours by their metadata) and top-ups are not compared.

``since`` limits both sides: Stripe's lists from an hour before it (clocks differ), ours to the deposits
made and the tranches approved from it on; a payment or transfer is never older than these, so whatever
of ours is in the window is in Stripe's lists if Stripe has it.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.common import audit
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.funding import ledger
from app.funding.gateway import PaymentError
from app.funding.ledger import LedgerTransaction, TransactionKind
from app.funding.models import (
    Deposit,
    DepositMethod,
    DepositState,
    MismatchKind,
    Payee,
    Payout,
    ReconciliationMismatch,
    ReconciliationRun,
    Tranche,
)

CLOCK_MARGIN = timedelta(hours=1)

# The deposit states that agree with a payment intent's status while no money has arrived.
WAITING = {DepositState.open, DepositState.processing}
AGREEING_STATES = {
    "canceled": {DepositState.failed, DepositState.expired},
    "processing": WAITING,
    "requires_action": WAITING,
    "requires_payment_method": WAITING | {DepositState.failed, DepositState.expired},
    "requires_confirmation": WAITING,
    "requires_capture": WAITING,
}


@dataclass(frozen=True)
class Mismatch:
    kind: MismatchKind
    subject: str  # "payment", "fee" or "transfer"
    reference: str  # Stripe's id; ours where Stripe has nothing
    ours: dict | None
    stripe: dict | None
    field: str | None = None  # what differs, when both sides have a record


def reconcile(gateway, *, since: datetime | None = None) -> list[Mismatch]:
    """Every disagreement between the ledger and Stripe, payments first, each kind in the order of Stripe's
    ids. Raises PaymentError when Stripe cannot be read to the end."""
    created_gte = int((as_utc(since) - CLOCK_MARGIN).timestamp()) if since is not None else None
    intents = [intent for intent in gateway.payment_intents(created_gte=created_gte) if _is_ours(intent)]
    fees = {transaction["source"]: transaction
            for transaction in gateway.balance_transactions(created_gte=created_gte)
            if transaction.get("type") in {"charge", "payment"}}
    transfers = [transfer for transfer in gateway.transfers(created_gte=created_gte) if _is_ours(transfer)]
    found = _payments(intents, fees, since) + _transfers(transfers, since)
    return sorted(found, key=lambda mismatch: (["payment", "fee", "transfer"].index(mismatch.subject),
                                               mismatch.reference, mismatch.kind))


def run_reconciliation(gateway, *, actor: User | None = None, since: datetime | None = None) -> ReconciliationRun:
    """Reconcile and keep the result for the staff page; a Stripe that cannot be read is kept as the run's
    error. Flushes, never commits."""
    run = ReconciliationRun(started_at=utcnow(), since=since, started_by_id=getattr(actor, "id", None))
    db.session.add(run)
    try:
        found = reconcile(gateway, since=since)
    except PaymentError as error:
        run.error, run.error_detail, found = error.problem, error.detail, []
    run.finished_at, run.mismatch_count = utcnow(), len(found)
    db.session.flush()
    db.session.add_all(ReconciliationMismatch(run_id=run.id, position=position, kind=mismatch.kind,
                                              subject=mismatch.subject, reference=mismatch.reference,
                                              field=mismatch.field, ours=mismatch.ours, stripe=mismatch.stripe)
                       for position, mismatch in enumerate(found, start=1))
    audit.record(actor, "reconciliation.run", run, mismatches=len(found), error=run.error)
    db.session.flush()
    return run


def last_run() -> ReconciliationRun | None:
    return db.session.scalar(select(ReconciliationRun).options(joinedload(ReconciliationRun.started_by))
                             .order_by(ReconciliationRun.id.desc()).limit(1))


def mismatches_of(run: ReconciliationRun):
    """The run's mismatches in the order found (a query, for paginating)."""
    return (select(ReconciliationMismatch).where(ReconciliationMismatch.run_id == run.id)
            .order_by(ReconciliationMismatch.position))


def _is_ours(stripe_object: dict) -> bool:
    metadata = stripe_object.get("metadata") or {}
    return bool(metadata.get("award_id") or metadata.get("deposit_id") or metadata.get("tranche_id")
                or str(stripe_object.get("transfer_group") or "").startswith("award-"))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _posted(transaction: LedgerTransaction | None) -> tuple[int, str | None]:
    """What a transaction moved: the sum of its debits, and their currency."""
    if transaction is None:
        return 0, None
    debits = [entry for entry in transaction.entries if entry.amount_minor > 0]
    return sum(entry.amount_minor for entry in debits), (debits[0].currency if debits else None)


# -- payments and their fees ---------------------------------------------------------------------------

def _deposit_of(intent: dict) -> Deposit | None:
    deposit = db.session.scalar(select(Deposit).where(Deposit.stripe_payment_intent_id == intent["id"]))
    if deposit is None:
        deposit = db.session.get(Deposit, _int((intent.get("metadata") or {}).get("deposit_id")) or 0)
        if deposit is None or deposit.method != DepositMethod.stripe_checkout or \
                deposit.stripe_payment_intent_id not in (None, intent["id"]):
            return None
    return deposit


def _our_payment(deposit: Deposit | None) -> dict | None:
    if deposit is None:
        return None
    amount, currency = _posted(ledger.find(f"deposit-{deposit.id}-received"))
    return {"deposit": deposit.id, "award": deposit.award_id, "status": str(deposit.state), "amount": amount,
            "currency": currency or str(deposit.currency), "payment_intent": deposit.stripe_payment_intent_id}


def _stripe_payment(intent: dict) -> dict:
    metadata = intent.get("metadata") or {}
    return {"id": intent["id"], "deposit": _int(metadata.get("deposit_id")), "award": _int(metadata.get("award_id")),
            "status": intent["status"], "amount": intent.get("amount_received") or 0,
            "currency": str(intent["currency"]).upper()}


def _payments(intents: list[dict], fees: dict[str, dict], since: datetime | None) -> list[Mismatch]:
    found, seen = [], set()
    for intent in intents:
        seen.add(intent["id"])
        deposit = _deposit_of(intent)
        received = deposit is not None and ledger.find(f"deposit-{deposit.id}-received") is not None
        ours, theirs = _our_payment(deposit), _stripe_payment(intent)
        succeeded = intent["status"] == "succeeded"
        if succeeded and not received:
            found.append(Mismatch(MismatchKind.missing_in_ledger, "payment", intent["id"], ours, theirs))
        elif received and not succeeded:
            found.append(Mismatch(MismatchKind.status_differs, "payment", intent["id"], ours, theirs, "status"))
        elif received:
            found += _differences("payment", intent["id"], ours, theirs, ("currency", "amount"))
            found += _fee(deposit, intent, fees.get(intent.get("latest_charge") or ""))
        elif deposit is not None and deposit.state not in AGREEING_STATES.get(intent["status"], WAITING):
            found.append(Mismatch(MismatchKind.status_differs, "payment", intent["id"], ours, theirs, "status"))
    receipts = select(Deposit).join(LedgerTransaction, LedgerTransaction.deposit_id == Deposit.id).where(
        Deposit.method == DepositMethod.stripe_checkout, LedgerTransaction.kind == TransactionKind.deposit)
    if since is not None:
        receipts = receipts.where(Deposit.created_at >= since)
    for deposit in db.session.scalars(receipts.order_by(Deposit.id)):
        if deposit.stripe_payment_intent_id not in seen:
            found.append(Mismatch(MismatchKind.missing_at_stripe, "payment",
                                  deposit.stripe_payment_intent_id or f"deposit-{deposit.id}",
                                  _our_payment(deposit), None))
    return found


def _fee(deposit: Deposit, intent: dict, balance_transaction: dict | None) -> list[Mismatch]:
    fee, currency = _posted(ledger.find(f"deposit-{deposit.id}-fee"))
    ours = {"deposit": deposit.id, "fee": fee, "currency": currency or str(deposit.currency)}
    theirs = None if balance_transaction is None else {
        "balance_transaction": balance_transaction["id"], "charge": balance_transaction["source"],
        "fee": balance_transaction.get("fee") or 0, "currency": str(balance_transaction["currency"]).upper()}
    reference = intent.get("latest_charge") or intent["id"]
    if theirs is None or not theirs["fee"]:
        return [Mismatch(MismatchKind.missing_at_stripe, "fee", reference, ours, theirs)] if fee else []
    if not fee:
        return [Mismatch(MismatchKind.missing_in_ledger, "fee", reference, ours, theirs)]
    return _differences("fee", reference, ours, theirs, ("currency", "fee"))


def _differences(subject: str, reference: str, ours: dict, theirs: dict, fields) -> list[Mismatch]:
    """The first field that differs (a currency that differs makes its amounts incomparable)."""
    kinds = {"currency": MismatchKind.currency_differs, "destination": MismatchKind.destination_differs}
    for field in fields:
        if ours.get(field) != theirs.get(field):
            return [Mismatch(kinds.get(field, MismatchKind.amount_differs), subject, reference, ours, theirs, field)]
    return []


# -- transfers -----------------------------------------------------------------------------------------

def _our_transfer(transfer_id: str, tranche: Tranche | None) -> dict | None:
    moved = ledger.find(f"transfer-{transfer_id}")
    if moved is None or tranche is None:
        return None
    amount, currency = _posted(moved)
    reversals = db.session.scalars(select(LedgerTransaction).where(
        LedgerTransaction.kind == TransactionKind.transfer_reversal, LedgerTransaction.external_id == transfer_id))
    return {"tranche": tranche.id, "award": tranche.award_id, "amount": amount, "currency": currency,
            "amount_reversed": sum(_posted(reversal)[0] for reversal in reversals),
            "destination": tranche.payee.stripe_account_id if tranche.payee is not None else None}


def _stripe_transfer(transfer: dict) -> dict:
    return {"id": transfer["id"], "tranche": _int((transfer.get("metadata") or {}).get("tranche_id")),
            "transfer_group": transfer.get("transfer_group"), "amount": transfer["amount"],
            "currency": str(transfer["currency"]).upper(), "amount_reversed": transfer.get("amount_reversed") or 0,
            "destination": transfer.get("destination")}


def _tranche_of(transfer: dict) -> Tranche | None:
    payout = db.session.scalar(select(Payout).where(Payout.stripe_transfer_id == transfer["id"]))
    if payout is not None:
        return payout.tranche
    return db.session.get(Tranche, _int((transfer.get("metadata") or {}).get("tranche_id")) or 0)


def _venture_accounts(tranche: Tranche) -> set[str]:
    """Every Stripe account the venture registered (one in use, the others replaced)."""
    return set(db.session.scalars(select(Payee.stripe_account_id).where(
        Payee.organization_id == tranche.award.organization_id, Payee.stripe_account_id.is_not(None))))


def _transfers(transfers: list[dict], since: datetime | None) -> list[Mismatch]:
    found, seen = [], set()
    for transfer in transfers:
        seen.add(transfer["id"])
        tranche = _tranche_of(transfer)
        ours, theirs = _our_transfer(transfer["id"], tranche), _stripe_transfer(transfer)
        if ours is None:
            ours = {"tranche": tranche.id, "award": tranche.award_id, "status": str(tranche.state)} \
                if tranche is not None else None
            found.append(Mismatch(MismatchKind.missing_in_ledger, "transfer", transfer["id"], ours, theirs))
            continue
        found += _differences("transfer", transfer["id"], ours, theirs, ("currency", "amount", "amount_reversed"))
        if theirs["destination"] not in _venture_accounts(tranche):
            found.append(Mismatch(MismatchKind.destination_differs, "transfer", transfer["id"], ours, theirs,
                                  "destination"))
    paid = select(LedgerTransaction).join(Tranche, LedgerTransaction.tranche_id == Tranche.id).where(
        LedgerTransaction.kind == TransactionKind.transfer)
    if since is not None:
        paid = paid.where(Tranche.approved_at >= since)
    for moved in db.session.scalars(paid.order_by(LedgerTransaction.id)):
        if moved.external_id not in seen:
            tranche = db.session.get(Tranche, moved.tranche_id)
            found.append(Mismatch(MismatchKind.missing_at_stripe, "transfer", moved.external_id,
                                  _our_transfer(moved.external_id, tranche), None))
    return found
