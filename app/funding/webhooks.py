"""Stripe's webhooks (docs/funding.md, "Webhooks").

The body is verified by its signature, over the raw bytes, instead of a CSRF token. Each event is stored
by Stripe's id in the same transaction as its effect: a duplicate finds its row and changes nothing, two
deliveries at once meet at the primary key, and an effect that fails (Stripe unreachable while we ask for
the fee) rolls back with the row, so Stripe's next delivery tries again. Handlers look at the object's own
state, not at the order of events: a ``transfer.reversed`` before its ``transfer.created`` books the
transfer first, a ``checkout.session.completed`` after its ``async_payment_succeeded`` finds the deposit
paid already, a payment confirmed after its ``charge.refunded`` books the refund kept meanwhile, and an
``account.updated`` asks Stripe for the account as it is now.
"""
from flask import abort, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.common.time import utcnow
from app.extensions import csrf, db, limiter
from app.funding import payments, services, webhooks_bp
from app.funding.gateway import BadSignature, PaymentError
from app.funding.models import Award, Deposit, DepositMethod, DepositState, Payee, Payout, StripeEvent, Tranche


@webhooks_bp.post("/stripe")
@csrf.exempt
@limiter.exempt
def stripe():
    gateway = payments.gateway()
    if gateway is None:
        abort(404)
    try:
        event = gateway.verify_event(request.get_data(cache=False), request.headers.get("Stripe-Signature", ""))
    except BadSignature:
        return jsonify(error="signature"), 400
    try:
        outcome = process_event(event, gateway)
    except PaymentError as error:  # Stripe unreachable while we ask it (the fee): its next delivery tries again
        db.session.rollback()
        return jsonify(error=error.problem), 503
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


def process_event(event: dict, gateway) -> str:
    """Apply one verified event once; returns what it did (stored with the event, shown to staff)."""
    if db.session.get(StripeEvent, event["id"]) is not None:
        return "duplicate"
    row = StripeEvent(id=event["id"], type=event["type"], created=int(event.get("created") or 0),
                      received_at=utcnow(), outcome="processing", payload=event)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same event, delivered twice at once: the other delivery applies it
        return "duplicate"
    handler = HANDLERS.get(event["type"])
    obj = event.get("data", {}).get("object", {})
    row.outcome = handler(obj, gateway, event) if handler is not None else "ignored"
    db.session.flush()
    return row.outcome


def _deposit_of_session(session: dict) -> Deposit | None:
    """The deposit of a Checkout session; made from the session's metadata if our row was lost (the
    session was created but our transaction did not commit)."""
    deposit = db.session.scalar(select(Deposit).where(Deposit.stripe_session_id == session["id"]))
    if deposit is not None:
        return deposit
    award = db.session.get(Award, _int(session.get("metadata", {}).get("award_id")))
    if award is None or not session.get("amount_total"):
        return None
    deposit = Deposit(award_id=award.id, method=DepositMethod.stripe_checkout, amount_minor=session["amount_total"],
                      currency=str(session.get("currency", "")).upper(), stripe_session_id=session["id"],
                      created_by_id=award.proposed_by_id)
    db.session.add(deposit)
    db.session.flush()
    return deposit


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _session_paid(session: dict, gateway, event) -> str:
    deposit = _deposit_of_session(session)
    if deposit is None:
        return "unknown session"
    if session.get("payment_status") != "paid":
        services.mark_deposit(deposit, DepositState.processing)
        return "awaiting bank transfer"
    payment_intent = session.get("payment_intent")
    fee = gateway.payment_fee(payment_intent) if payment_intent else None
    services.confirm_deposit(deposit, amount_minor=session["amount_total"], payment_intent_id=payment_intent,
                             fee_minor=fee.fee if fee is not None else 0)
    _refunds_that_came_first(deposit)
    return "deposit received"


def _refunds_that_came_first(deposit: Deposit) -> None:
    """A charge.refunded that arrived before its payment was confirmed found no deposit and was kept as an
    unknown charge: now that the payment is booked, so is the refund (the largest total Stripe announced)."""
    early = [event for event in db.session.scalars(select(StripeEvent).where(
        StripeEvent.type == "charge.refunded", StripeEvent.outcome == "unknown charge"))
        if event.payload["data"]["object"].get("payment_intent") == deposit.stripe_payment_intent_id]
    if not early:
        return
    charge = max((event.payload["data"]["object"] for event in early),
                 key=lambda refunded: refunded.get("amount_refunded") or 0)
    services.record_refund(deposit, refunded_total=charge.get("amount_refunded") or 0, refund_id=charge["id"])
    for event in early:
        event.outcome = "refund recorded after its payment"
    db.session.flush()


def _session_failed(session: dict, gateway, event) -> str:
    deposit = _deposit_of_session(session)
    if deposit is None:
        return "unknown session"
    services.mark_deposit(deposit, DepositState.failed, failure="async_payment_failed")
    return "deposit failed"


def _session_expired(session: dict, gateway, event) -> str:
    deposit = db.session.scalar(select(Deposit).where(Deposit.stripe_session_id == session["id"]))
    if deposit is None:
        return "unknown session"
    services.mark_deposit(deposit, DepositState.expired)
    return "deposit expired"


def _account_updated(account: dict, gateway, event) -> str:
    """The event's copy of the account is as it was when the event was made, and its time is in seconds: two
    updates in one second (onboarding finished, a capability turned on) cannot be ordered by it. So the
    account as Stripe has it now decides; the event only says when to ask."""
    if db.session.scalar(select(Payee.id).where(Payee.stripe_account_id == account["id"]).limit(1)) is None:
        return "unknown account"
    current = gateway.retrieve_account(account["id"])
    services.sync_connected_account(current.id, payouts_enabled=current.payouts_enabled,
                                    as_of=int(event.get("created") or 0))
    return "account synced"


def _tranche_of_transfer(transfer: dict) -> Tranche | None:
    tranche = db.session.get(Tranche, _int(transfer.get("metadata", {}).get("tranche_id")))
    if tranche is None:
        payout = db.session.scalar(select(Payout).where(Payout.stripe_transfer_id == transfer["id"]))
        tranche = payout.tranche if payout is not None else None
    if tranche is None or transfer.get("transfer_group") not in (None, f"award-{tranche.award_id}"):
        return None
    return tranche


def _transfer_created(transfer: dict, gateway, event) -> str:
    tranche = _tranche_of_transfer(transfer)
    if tranche is None:
        return "unknown transfer"
    services.record_created_transfer(tranche, transfer_id=transfer["id"], amount_minor=transfer["amount"])
    return "transfer recorded"


def _transfer_reversed(transfer: dict, gateway, event) -> str:
    tranche = _tranche_of_transfer(transfer)
    if tranche is None:
        return "unknown transfer"
    services.record_transfer_reversal(tranche, transfer_id=transfer["id"], amount_minor=transfer["amount"],
                                      reversed_total=transfer.get("amount_reversed") or transfer["amount"])
    return "transfer reversal recorded"


def _charge_refunded(charge: dict, gateway, event) -> str:
    deposit = db.session.scalar(select(Deposit).where(
        Deposit.stripe_payment_intent_id == charge.get("payment_intent"))) if charge.get("payment_intent") else None
    if deposit is None or deposit.state != DepositState.paid:
        return "unknown charge"
    services.record_refund(deposit, refunded_total=charge.get("amount_refunded") or 0, refund_id=charge["id"])
    return "refund recorded"


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_expired,
    "account.updated": _account_updated,
    "transfer.created": _transfer_created,
    "transfer.reversed": _transfer_reversed,
    "charge.refunded": _charge_refunded,
}
