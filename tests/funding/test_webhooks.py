"""Stripe's webhooks through the real route (POST /webhooks/stripe), the app's gateway over the fake Stripe
and each event signed in the test: a replay moves money once, a forgery or a stale signature nothing,
events out of order end where events in order end, and Stripe unreachable meanwhile leaves the event for
Stripe's next delivery."""
import time

import pytest
from sqlalchemy import func, select

from app.common.models import AuditEvent
from app.extensions import db
from app.funding import ledger, payments, services
from app.funding.ledger import AccountKind, LedgerTransaction, TransactionKind
from app.funding.models import AwardState, DepositState, Payout, StripeEvent, TrancheState
from tests.funding.journeys import connect_payee, deliver, ledger_rows, start_checkout, unbalanced_transactions

AWARD = 3_000_000
CARD_FEE = 108_000  # 3.6 %, the fake's (and Stripe Japan's) card rate
BANK_TRANSFER_FEE = 45_000  # 1.5 %, the fake's rate for a Japanese bank transfer


def stored_events() -> int:
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


def transactions(kind: TransactionKind) -> list[LedgerTransaction]:
    return list(db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == kind)))


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.fixture
def checkout(users, propose, sign, fake_stripe):
    """An approved company award and its open Checkout session: (award, deposit)."""
    award = propose(amount=AWARD)
    sign(award)
    deposit = start_checkout(award, users["company_owner"])
    return award, deposit


@pytest.fixture
def paid_award(client, checkout, fake_stripe):
    """The award paid by card, its webhook delivered: active, ¥3,000,000 less the fee in Stripe's balance."""
    award, deposit = checkout
    session = fake_stripe.complete_checkout(deposit.stripe_session_id)
    assert deliver(client, fake_stripe, fake_stripe.events_of("checkout.session.completed")[-1]).status_code == 200
    assert award.state == AwardState.active
    return award, deposit, session


# -- Checkout ------------------------------------------------------------------------------------------

def test_a_completed_checkout_replayed_ten_times_moves_the_money_once(client, checkout, fake_stripe):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    [event] = fake_stripe.events_of("checkout.session.completed")

    answers = [deliver(client, fake_stripe, event) for _ in range(10)]

    assert [a.status_code for a in answers] == [200] * 10
    assert [a.json["outcome"] for a in answers] == ["deposit received"] + ["duplicate"] * 9
    assert stored_events() == 1
    [received] = transactions(TransactionKind.deposit)
    [fee] = transactions(TransactionKind.processor_fee)
    assert received.external_id == fee.external_id == deposit.stripe_payment_intent_id
    assert (deposit.state, deposit.amount_minor, deposit.fee_minor) == (DepositState.paid, AWARD, CARD_FEE)
    assert award.state == AwardState.active
    assert audit_count("award.active") == 1
    assert ledger.balance(AccountKind.company_escrow, "JPY", award.id) == -AWARD
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == AWARD - CARD_FEE == fake_stripe.balance["jpy"]
    assert ledger.balance(AccountKind.processor_fees, "JPY") == CARD_FEE
    assert unbalanced_transactions() == []


def test_the_webhook_needs_no_csrf_token(app, client, checkout, fake_stripe, users, login):
    app.config["WTF_CSRF_ENABLED"] = True
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    login(users["company_owner"])
    assert client.post("/auth/logout").status_code == 400  # a form without its token is refused

    answer = deliver(client, fake_stripe, fake_stripe.events_of("checkout.session.completed")[-1])

    assert answer.status_code == 200
    assert deposit.state == DepositState.paid


def stale(fake, event):
    return fake.sign(event, timestamp=int(time.time()) - 600)  # Stripe's tolerance is 5 minutes


def forged(fake, event):
    return fake.sign(event, secret="whsec_someone_else")


def tampered(fake, event):
    body, header = fake.sign(event)
    changed = body.replace(b'"amount_total": 3000000', b'"amount_total": 3000001')
    assert changed != body
    return changed, header


def unsigned(fake, event):
    return fake.sign(event)[0], None


def not_an_event(fake, event):
    return fake.sign({"object": "list"})


@pytest.mark.parametrize("delivery", [stale, forged, tampered, unsigned, not_an_event])
def test_a_delivery_that_does_not_verify_is_refused_and_changes_nothing(client, checkout, fake_stripe, delivery):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    body, header = delivery(fake_stripe, fake_stripe.events_of("checkout.session.completed")[-1])

    answer = client.post("/webhooks/stripe", data=body, content_type="application/json",
                         headers={"Stripe-Signature": header} if header is not None else {})

    assert answer.status_code == 400
    assert stored_events() == 0
    assert ledger_rows() == []
    assert (deposit.state, award.state) == (DepositState.open, AwardState.approved)


def test_with_the_manual_backend_there_is_no_webhook(app, client, checkout, fake_stripe):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    payments.use_gateway(app, None)

    assert deliver(client, fake_stripe, fake_stripe.events_of("checkout.session.completed")[-1]).status_code == 404
    assert stored_events() == 0


# -- a Japanese bank transfer through Checkout ---------------------------------------------------------

@pytest.mark.parametrize("order", ["as sent", "succeeded first"])
def test_a_bank_transfer_ends_paid_whichever_event_comes_first(client, checkout, fake_stripe, order):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
    fake_stripe.receive_bank_transfer(deposit.stripe_session_id)
    completed, succeeded = fake_stripe.events[-2:]
    assert (completed["data"]["object"]["payment_status"], succeeded["type"]) == \
        ("unpaid", "checkout.session.async_payment_succeeded")

    first, then = (completed, succeeded) if order == "as sent" else (succeeded, completed)
    outcomes = [deliver(client, fake_stripe, first).json["outcome"], deliver(client, fake_stripe, then).json["outcome"]]

    assert outcomes == (["awaiting bank transfer", "deposit received"] if order == "as sent"
                        else ["deposit received", "awaiting bank transfer"])
    assert (deposit.state, deposit.fee_minor, award.state) == (DepositState.paid, BANK_TRANSFER_FEE, AwardState.active)
    assert [(kind, external) for kind, _, external, _ in ledger_rows(award.id)] == \
        [("deposit", deposit.stripe_payment_intent_id), ("processor_fee", deposit.stripe_payment_intent_id)]
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == fake_stripe.balance["jpy"] == AWARD - BANK_TRANSFER_FEE


def test_a_bank_transfer_waits_then_fails(client, checkout, fake_stripe):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
    deliver(client, fake_stripe, fake_stripe.events[-1])
    assert deposit.state == DepositState.processing

    fake_stripe.fail_bank_transfer(deposit.stripe_session_id)
    answer = deliver(client, fake_stripe, fake_stripe.events[-1])

    assert answer.json["outcome"] == "deposit failed"
    assert (deposit.state, deposit.failure, award.state) == (DepositState.failed, "async_payment_failed",
                                                             AwardState.approved)
    assert ledger_rows() == []
    assert services.outstanding_deposit(award) == AWARD  # the company may pay again


def test_an_expiry_after_the_payment_changes_nothing(client, paid_award, fake_stripe):
    award, deposit, session = paid_award
    before = ledger_rows()
    expired = fake_stripe.event("checkout.session.expired", {**session, "status": "expired"})

    assert deliver(client, fake_stripe, expired).status_code == 200

    assert (deposit.state, award.state) == (DepositState.paid, AwardState.active)
    assert ledger_rows() == before


def test_an_unpaid_session_expires(client, checkout, fake_stripe):
    award, deposit = checkout
    fake_stripe.expire_checkout(deposit.stripe_session_id)

    assert deliver(client, fake_stripe, fake_stripe.events[-1]).json["outcome"] == "deposit expired"
    assert (deposit.state, award.state) == (DepositState.expired, AwardState.approved)


# -- Stripe unreachable while the event is applied -------------------------------------------------------

def test_stripe_unreachable_while_the_fee_is_fetched_leaves_the_event_for_the_next_delivery(client, checkout,
                                                                                             fake_stripe):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    event = fake_stripe.events_of("checkout.session.completed")[-1]
    fake_stripe.disconnect_next("GET", "/v1/payment_intents/")

    failed = deliver(client, fake_stripe, event)

    assert failed.status_code == 503  # Stripe delivers it again later
    assert stored_events() == 0
    assert ledger_rows() == []
    assert deposit.state == DepositState.open

    again = [deliver(client, fake_stripe, event) for _ in range(2)]

    assert [a.json["outcome"] for a in again] == ["deposit received", "duplicate"]
    assert [kind for kind, *_ in ledger_rows()] == ["deposit", "processor_fee"]
    assert (deposit.state, deposit.fee_minor) == (DepositState.paid, CARD_FEE)


# -- refunds -------------------------------------------------------------------------------------------

def test_refunds_partial_then_full_each_once(client, paid_award, fake_stripe):
    award, deposit, _ = paid_award
    fake_stripe.refund(deposit.stripe_payment_intent_id, 1_000_000)
    partial = fake_stripe.events[-1]
    fake_stripe.refund(deposit.stripe_payment_intent_id)
    full = fake_stripe.events[-1]

    for event in (partial, partial, full, full, partial):
        assert deliver(client, fake_stripe, event).status_code == 200

    refunds = transactions(TransactionKind.refund)
    assert [r.key for r in refunds] == [f"deposit-{deposit.id}-refunded-1000000",
                                        f"deposit-{deposit.id}-refunded-{AWARD}"]
    assert deposit.refunded_minor == AWARD
    assert ledger.balance(AccountKind.company_escrow, "JPY", award.id) == 0
    assert ledger.balance(AccountKind.suspense, "JPY") == 0
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == fake_stripe.balance["jpy"] == -CARD_FEE
    assert services.outstanding_deposit(award) == AWARD
    assert unbalanced_transactions() == []


def test_refunds_announced_before_the_payment_are_booked_with_it(client, checkout, fake_stripe):
    award, deposit = checkout
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    completed = fake_stripe.events[-1]
    fake_stripe.refund(completed["data"]["object"]["payment_intent"], 1_000_000)
    partial = fake_stripe.events[-1]
    fake_stripe.refund(completed["data"]["object"]["payment_intent"], 500_000)
    more = fake_stripe.events[-1]

    outcomes = [deliver(client, fake_stripe, event).json["outcome"] for event in (more, partial, completed, partial)]

    assert outcomes == ["unknown charge", "unknown charge", "deposit received", "duplicate"]
    assert deposit.refunded_minor == 1_500_000
    assert [kind for kind, *_ in ledger_rows(award.id)] == ["deposit", "processor_fee", "refund"]
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == fake_stripe.balance["jpy"]
    assert {event.outcome for event in db.session.scalars(select(StripeEvent).where(
        StripeEvent.type == "charge.refunded"))} == {"refund recorded after its payment"}


def test_a_refund_of_money_already_committed_goes_to_suspense(client, paid_award, fake_stripe, users, sign):
    award, deposit, _ = paid_award
    first = award.tranches[0]
    services.submit_evidence(first, actor=users["venture_owner"], report="PoC done")
    sign(first)  # no payee yet: committed, waiting
    assert first.state == TrancheState.approved
    fake_stripe.refund(deposit.stripe_payment_intent_id)

    deliver(client, fake_stripe, fake_stripe.events[-1])

    assert ledger.balance(AccountKind.company_escrow, "JPY", award.id) == 0
    assert ledger.balance(AccountKind.suspense, "JPY") == first.amount_minor
    assert ledger.balance(AccountKind.venture_payable, "JPY", award.id) == -first.amount_minor
    assert unbalanced_transactions() == []


def test_a_refund_of_a_payment_we_do_not_know_is_ignored(client, paid_award, fake_stripe):
    award, deposit, session = paid_award
    before = ledger_rows()
    stranger = fake_stripe.event("charge.refunded", {"id": "ch_unknown", "object": "charge", "amount": 500,
                                                     "amount_refunded": 500, "payment_intent": "pi_unknown"})

    assert deliver(client, fake_stripe, stranger).json["outcome"] == "unknown charge"
    assert ledger_rows() == before


# -- transfers and their reversals ---------------------------------------------------------------------

@pytest.fixture
def transferred(client, paid_award, fake_stripe, users, sign):
    """The first tranche released to a Connect payee, Stripe's answer to the transfer lost (a time-out after
    Stripe made it): only the webhooks tell us. Returns (award, tranche, transfer id)."""
    award, deposit, _ = paid_award
    connect_payee(users["venture_owner"], fake_stripe)
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    fake_stripe.time_out_next("POST", "/v1/transfers", processed=True)
    sign(tranche)
    assert (tranche.state, tranche.payout_problem) == (TrancheState.payout_pending, "timeout")
    [transfer] = fake_stripe.objects("transfer")
    return award, tranche, transfer["id"]


def end_state(award, tranche):
    db.session.expire_all()
    payouts = [(p.attempt, p.stripe_transfer_id, p.sent_minor, p.reversed_minor)
               for p in db.session.scalars(select(Payout).where(Payout.tranche_id == tranche.id))]
    figures = ledger.figures_for([award])[award.id]
    return {"ledger": ledger_rows(award.id), "tranche": (tranche.state, tranche.payout_problem,
                                                          tranche.transfer_attempt),
            "payouts": payouts, "figures": (figures.committed, figures.paid, figures.due, figures.remaining),
            "stripe balance": ledger.balance(AccountKind.stripe_balance, "JPY"), "award": award.state}


@pytest.mark.parametrize("order", ["created first", "reversed first"])
def test_a_reversed_transfer_ends_the_same_whichever_event_comes_first(client, transferred, fake_stripe, order):
    award, tranche, transfer_id = transferred
    fake_stripe.reverse_transfer(transfer_id)
    created, reversed_ = fake_stripe.events_of("transfer.created")[-1], fake_stripe.events_of("transfer.reversed")[-1]
    events = [created, reversed_] if order == "created first" else [reversed_, created]

    for event in events + events:  # and each replayed
        assert deliver(client, fake_stripe, event).status_code == 200

    amount = tranche.amount_minor
    assert end_state(award, tranche) == {
        "ledger": [("deposit", *ledger_rows(award.id)[0][1:]), ("processor_fee", *ledger_rows(award.id)[1][1:]),
                   ("commitment", f"tranche-{tranche.id}-committed", None,
                    (("company_escrow", "JPY", amount), ("venture_payable", "JPY", -amount))),
                   ("transfer", f"transfer-{transfer_id}", transfer_id,
                    (("stripe_balance", "JPY", -amount), ("venture_payable", "JPY", amount))),
                   ("transfer_reversal", f"transfer-{transfer_id}-reversed-{amount}", transfer_id,
                    (("stripe_balance", "JPY", amount), ("venture_payable", "JPY", -amount)))],
        "tranche": (TrancheState.payout_pending, "reversed", 2),
        "payouts": [(1, transfer_id, amount, amount)],
        "figures": (amount, 0, amount, AWARD - amount),
        "stripe balance": fake_stripe.balance["jpy"],
        "award": AwardState.active,
    }
    assert unbalanced_transactions() == []


def test_a_transfer_created_after_its_answer_was_lost_pays_the_tranche_once(client, transferred, fake_stripe):
    award, tranche, transfer_id = transferred
    created = fake_stripe.events_of("transfer.created")[-1]

    outcomes = [deliver(client, fake_stripe, created).json["outcome"] for _ in range(3)]

    assert outcomes == ["transfer recorded", "duplicate", "duplicate"]
    assert (tranche.state, tranche.payout_problem) == (TrancheState.paid, None)
    assert len(transactions(TransactionKind.transfer)) == 1
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == fake_stripe.balance["jpy"]


@pytest.mark.parametrize("order", ["in order", "out of order"])
def test_partial_reversals_add_up_to_what_stripe_reversed(client, transferred, fake_stripe, order):
    award, tranche, transfer_id = transferred
    amount = tranche.amount_minor
    deliver(client, fake_stripe, fake_stripe.events_of("transfer.created")[-1])
    fake_stripe.reverse_transfer(transfer_id, 100_000)
    fake_stripe.reverse_transfer(transfer_id, 250_000)
    first, second = fake_stripe.events_of("transfer.reversed")
    events = [first, second] if order == "in order" else [second, first]

    for event in events + [first]:
        assert deliver(client, fake_stripe, event).status_code == 200

    [payout] = db.session.scalars(select(Payout).where(Payout.tranche_id == tranche.id))
    assert payout.reversed_minor == 350_000
    assert sum(-e.amount_minor for t in transactions(TransactionKind.transfer_reversal) for e in t.entries
               if e.amount_minor < 0) == 350_000
    assert (tranche.state, tranche.transfer_attempt) == (TrancheState.paid, 1)  # part of it is still the venture's
    figures = ledger.figures_for([award])[award.id]
    assert (figures.paid, figures.due, figures.paid + figures.due + figures.remaining) == \
        (amount - 350_000, 350_000, AWARD)
    assert ledger.balance(AccountKind.stripe_balance, "JPY") == fake_stripe.balance["jpy"]

    fake_stripe.reverse_transfer(transfer_id)  # the rest: the tranche waits for another transfer
    deliver(client, fake_stripe, fake_stripe.events[-1])

    assert (tranche.state, tranche.payout_problem, tranche.transfer_attempt) == \
        (TrancheState.payout_pending, "reversed", 2)
    assert ledger.figures_for([award])[award.id].paid == 0
    assert unbalanced_transactions() == []


def test_a_transfer_of_another_award_group_is_not_ours(client, transferred, fake_stripe):
    award, tranche, transfer_id = transferred
    created = fake_stripe.events_of("transfer.created")[-1]
    created["data"]["object"]["transfer_group"] = f"award-{award.id + 1}"

    assert deliver(client, fake_stripe, created).json["outcome"] == "unknown transfer"
    assert tranche.state == TrancheState.payout_pending


# -- Connect accounts ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("order", "seconds_apart"), [("in order", 60), ("out of order", 60), ("in order", 0),
                                                   ("out of order", 0)])
def test_an_older_account_update_after_a_newer_one_keeps_the_newer(client, users, fake_stripe, order, seconds_apart):
    """Stripe's event times are in seconds: two updates in one second cannot be ordered by them, so the
    account as Stripe has it now decides."""
    from app.funding.models import PayeeKind

    payee, token = services.register_payee(actor=users["venture_owner"], kind=PayeeKind.stripe_connect,
                                           details={}, gateway=payments.gateway())
    services.confirm_payee(token, actor=users["venture_owner"])
    before = fake_stripe.get(payee.stripe_account_id)
    fake_stripe.enable_account(payee.stripe_account_id)
    newer = fake_stripe.events[-1]
    older = fake_stripe.event("account.updated", before)
    older["created"] = newer["created"] - seconds_apart
    assert (older["data"]["object"]["payouts_enabled"], newer["data"]["object"]["payouts_enabled"]) == (False, True)
    events = [older, newer] if order == "in order" else [newer, older]

    outcomes = [deliver(client, fake_stripe, event).json["outcome"] for event in events]

    assert outcomes == ["account synced"] * 2
    assert (payee.payouts_enabled, payee.account_event_at) == (True, newer["created"])


def test_an_update_of_an_account_we_do_not_pay_asks_stripe_nothing(client, fake_stripe):
    stranger = fake_stripe.event("account.updated", {"id": "acct_stranger", "object": "account",
                                                     "payouts_enabled": True})

    assert deliver(client, fake_stripe, stranger).json["outcome"] == "unknown account"
    assert fake_stripe.requests == []
