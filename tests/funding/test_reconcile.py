"""Reconciliation of the ledger with the fake Stripe: a consistent history agrees; each kind of mismatch,
made as it happens (a webhook lost, a receipt booked by hand, a transfer paid to the wrong account), is
found with both records; Stripe's lists are read past their first page; the run is kept, printed by
`flask funding reconcile` and shown to staff."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.common.time import utcnow
from app.extensions import db
from app.funding import ledger, payments, services
from app.funding.ledger import AccountKind, TransactionKind
from app.funding.models import (
    DepositState,
    MismatchKind,
    PayeeKind,
    ReconciliationMismatch,
    ReconciliationRun,
    TrancheState,
)
from app.funding.reconcile import reconcile, run_reconciliation
from tests.clock import stopped_clock
from tests.funding.journeys import (
    connect_payee,
    deliver,
    pay_by_bank_transfer,
    pay_by_card,
    start_checkout,
)

AWARD = 3_000_000
TRANCHES = [("Proof of concept", 1_000_000, None), ("Validation", 2_000_000, None)]


@dataclass
class World:
    client: object
    fake: object
    users: dict
    propose: object
    sign: object
    make_proposal: object

    @property
    def gateway(self):
        return payments.gateway()

    def award(self, *, fresh_proposal=False):
        award = self.propose(amount=AWARD, tranches=TRANCHES,
                             proposal=self.make_proposal("selected") if fresh_proposal else None)
        self.sign(award)
        return award

    def paid_award(self, **kwargs):
        award = self.award(**kwargs)
        pay_by_card(self.client, self.fake, award, self.users["company_owner"])
        return award

    def release(self, tranche):
        services.submit_evidence(tranche, actor=self.users["venture_owner"], report="Milestone reached")
        self.sign(tranche)
        return tranche

    def deliver_last(self, event_type):
        assert deliver(self.client, self.fake, self.fake.events_of(event_type)[-1]).status_code == 200

    def payee_not_enabled(self):
        payee, token = services.register_payee(actor=self.users["venture_owner"], kind=PayeeKind.stripe_connect,
                                               details={}, gateway=self.gateway)
        return services.confirm_payee(token, actor=self.users["venture_owner"])


@pytest.fixture
def world(client, fake_stripe, users, propose, sign, make_proposal):
    return World(client, fake_stripe, users, propose, sign, make_proposal)


def found(mismatches):
    return [(m.kind, m.subject, m.reference, m.field) for m in mismatches]


def foreign_transfer(fake, destination, amount=1_000):
    """A transfer the platform made for something else (no metadata of ours), straight through the API."""
    answer = fake.handle("POST", "/v1/transfers", {"amount": str(amount), "currency": "jpy",
                                                   "destination": destination},
                         {"Authorization": f"Bearer {fake.secret_key}"})
    assert answer.status == 200, answer.body
    return answer.body


def foreign_payment(fake, amount=5_000):
    """A card payment the platform took for something else (no metadata of ours)."""
    answer = fake.handle("POST", "/v1/checkout/sessions", {
        "mode": "payment", "success_url": "https://elsewhere.test/",
        "line_items": [{"quantity": "1", "price_data": {"currency": "jpy", "unit_amount": str(amount),
                                                        "product_data": {"name": "Seminar"}}}]},
        {"Authorization": f"Bearer {fake.secret_key}"})
    assert answer.status == 200, answer.body
    return fake.complete_checkout(answer.body["id"])


# -- a consistent history ----------------------------------------------------------------------------

def consistent_history(world: World):
    """Two awards: one paid by card and released to a Connect payee (a transfer partly reversed, one refused
    for the balance, topped up and retried), one paid by bank transfer and partly refunded; and Stripe
    business that is not ours (a seminar fee, a transfer to a partner, the top-up)."""
    fake = world.fake
    award = world.paid_award()
    connect_payee(world.users["venture_owner"], fake)
    first, second = award.tranches
    world.release(first)
    assert first.state == TrancheState.paid
    transfer_id = fake.objects("transfer")[-1]["id"]
    fake.reverse_transfer(transfer_id, 100_000)
    world.deliver_last("transfer.reversed")
    world.release(second)
    assert second.payout_problem == "insufficient_balance"
    fake.top_up("jpy", 1_000_000)
    services.retry_payout(second, actor=world.users["mss_staff"])
    assert second.state == TrancheState.paid
    other = world.award(fresh_proposal=True)
    deposit = pay_by_bank_transfer(world.client, fake, other, world.users["company_owner"])
    fake.refund(deposit.stripe_payment_intent_id, 500_000)
    world.deliver_last("charge.refunded")
    foreign_payment(fake)
    partner = world.gateway.create_connected_account(payee_id=9_999, organization_id=9_999, email=None)
    fake.enable_account(partner)
    foreign_transfer(fake, partner)
    return award, other


def test_a_consistent_history_has_no_mismatch(world):
    consistent_history(world)

    assert reconcile(world.gateway) == []
    assert ledger.balance(AccountKind.stripe_balance, "JPY") + 1_000_000 + 5_000 - 180 - 1_000 == \
        world.fake.balance["jpy"]  # Stripe also holds the top-up and the seminar fee (less its fee), less the partner's


def test_stripe_lists_are_read_past_their_first_page(world):
    """Ours come first at Stripe (the oldest), so they are on the last pages of lists newest first."""
    award = world.paid_award()
    payee = connect_payee(world.users["venture_owner"], world.fake)
    world.fake.time_out_next("POST", "/v1/transfers", processed=True)
    world.release(award.tranches[0])  # Stripe made the transfer; we never heard
    lost = world.fake.objects("transfer")[-1]["id"]
    for _ in range(105):
        foreign_payment(world.fake, 1_000)
        foreign_transfer(world.fake, payee.stripe_account_id, 100)

    mismatches = reconcile(world.gateway)

    assert found(mismatches) == [(MismatchKind.missing_in_ledger, "transfer", lost, None)]
    for path in ("/v1/payment_intents", "/v1/transfers", "/v1/balance_transactions"):
        assert len(world.fake.requests_to("GET", path)) >= 2, path


# -- each kind of mismatch -------------------------------------------------------------------------------

def lost_payment(world):
    """The company paid; the webhook never came."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id)
    return [(MismatchKind.missing_in_ledger, "payment", session["payment_intent"], None)]


def receipt_without_payment(world):
    """Staff booked a Checkout deposit by hand, naming a payment Stripe never had."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    services.confirm_deposit(deposit, amount_minor=AWARD, payment_intent_id="pi_nowhere")
    return [(MismatchKind.missing_at_stripe, "payment", "pi_nowhere", None)]


def receipt_of_another_amount(world):
    """The session's amount in the event was not what Stripe took (a webhook from a stale source)."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    world.fake.complete_checkout(deposit.stripe_session_id)
    event = world.fake.events[-1]
    event["data"]["object"]["amount_total"] = AWARD - 10_000
    deliver(world.client, world.fake, event)
    return [(MismatchKind.amount_differs, "payment", deposit.stripe_payment_intent_id, "amount")]


def receipt_in_another_currency(world):
    """The receipt was booked in dollars for a payment in yen (the fee correctly)."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id)
    intent = session["payment_intent"]
    ledger.post(TransactionKind.deposit, f"deposit-{deposit.id}-received",
                [(ledger.account(AccountKind.stripe_balance, "USD"), AWARD),
                 (ledger.account(AccountKind.company_escrow, "USD", award.id), -AWARD)],
                award_id=award.id, deposit_id=deposit.id, external_id=intent)
    fee = world.gateway.payment_fee(intent).fee
    ledger.post(TransactionKind.processor_fee, f"deposit-{deposit.id}-fee",
                [(ledger.account(AccountKind.processor_fees, "JPY"), fee),
                 (ledger.account(AccountKind.stripe_balance, "JPY"), -fee)],
                award_id=award.id, deposit_id=deposit.id, external_id=intent)
    deposit.state, deposit.received_at, deposit.stripe_payment_intent_id = DepositState.paid, utcnow(), intent
    db.session.flush()
    return [(MismatchKind.currency_differs, "payment", intent, "currency")]


def receipt_before_the_money(world):
    """Staff booked a bank transfer Stripe is still waiting for."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
    services.confirm_deposit(deposit, amount_minor=AWARD, payment_intent_id=session["payment_intent"])
    return [(MismatchKind.status_differs, "payment", session["payment_intent"], "status")]


def deposit_given_up_while_stripe_waits(world):
    """Our deposit expired while the company's bank transfer may still come."""
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
    world.deliver_last("checkout.session.completed")
    services.mark_deposit(deposit, DepositState.expired)
    return [(MismatchKind.status_differs, "payment", session["payment_intent"], "status")]


def receipt_without_its_fee(world):
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id)
    services.confirm_deposit(deposit, amount_minor=AWARD, payment_intent_id=session["payment_intent"])
    charge = world.fake.get(session["payment_intent"])["latest_charge"]
    return [(MismatchKind.missing_in_ledger, "fee", charge, None)]


def receipt_with_another_fee(world):
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id)
    services.confirm_deposit(deposit, amount_minor=AWARD, payment_intent_id=session["payment_intent"], fee_minor=100)
    charge = world.fake.get(session["payment_intent"])["latest_charge"]
    return [(MismatchKind.amount_differs, "fee", charge, "fee")]


def fee_stripe_never_took(world):
    world.fake.fee_percent["card"] = Decimal(0)
    award = world.award()
    deposit = start_checkout(award, world.users["company_owner"])
    session = world.fake.complete_checkout(deposit.stripe_session_id)
    services.confirm_deposit(deposit, amount_minor=AWARD, payment_intent_id=session["payment_intent"], fee_minor=500)
    charge = world.fake.get(session["payment_intent"])["latest_charge"]
    return [(MismatchKind.missing_at_stripe, "fee", charge, None)]


def lost_transfer(world):
    """Stripe made the transfer, its answer timed out, and transfer.created never came."""
    award = world.paid_award()
    connect_payee(world.users["venture_owner"], world.fake)
    world.fake.time_out_next("POST", "/v1/transfers", processed=True)
    world.release(award.tranches[0])
    return [(MismatchKind.missing_in_ledger, "transfer", world.fake.objects("transfer")[-1]["id"], None)]


def transfer_stripe_never_made(world):
    award = world.paid_award()
    world.payee_not_enabled()
    tranche = world.release(award.tranches[0])
    assert tranche.payout_problem == "account_not_enabled"
    services.record_transfer(tranche, transfer_id="tr_nowhere", amount_minor=tranche.amount_minor)
    return [(MismatchKind.missing_at_stripe, "transfer", "tr_nowhere", None)]


def transfer_of_another_amount(world):
    award = world.paid_award()
    connect_payee(world.users["venture_owner"], world.fake)
    world.fake.time_out_next("POST", "/v1/transfers", processed=True)
    tranche = world.release(award.tranches[0])
    transfer_id = world.fake.objects("transfer")[-1]["id"]
    services.record_created_transfer(tranche, transfer_id=transfer_id, amount_minor=tranche.amount_minor - 1)
    return [(MismatchKind.amount_differs, "transfer", transfer_id, "amount")]


def reversal_never_delivered(world):
    award = world.paid_award()
    connect_payee(world.users["venture_owner"], world.fake)
    world.release(award.tranches[0])
    transfer_id = world.fake.objects("transfer")[-1]["id"]
    world.fake.reverse_transfer(transfer_id, 50_000)
    return [(MismatchKind.amount_differs, "transfer", transfer_id, "amount_reversed")]


def transfer_to_a_stranger(world):
    """The tranche's transfer went to an account the venture never registered."""
    award = world.paid_award()
    world.payee_not_enabled()
    tranche = world.release(award.tranches[0])
    stranger = world.gateway.create_connected_account(payee_id=9_999, organization_id=9_999, email=None)
    world.fake.enable_account(stranger)
    transfer = world.gateway.create_transfer(tranche_id=tranche.id, award_id=award.id,
                                             amount_minor=tranche.amount_minor, currency="JPY",
                                             destination=stranger, key="someone-else")
    services.record_created_transfer(tranche, transfer_id=transfer.id, amount_minor=transfer.amount)
    return [(MismatchKind.destination_differs, "transfer", transfer.id, "destination")]


@pytest.mark.parametrize("history", [
    lost_payment, receipt_without_payment, receipt_of_another_amount, receipt_in_another_currency,
    receipt_before_the_money, deposit_given_up_while_stripe_waits, receipt_without_its_fee, receipt_with_another_fee,
    fee_stripe_never_took, lost_transfer, transfer_stripe_never_made, transfer_of_another_amount,
    reversal_never_delivered, transfer_to_a_stranger,
], ids=lambda history: history.__name__)
def test_each_mismatch_is_found_with_both_records(world, history):
    expected = history(world)

    mismatches = reconcile(world.gateway)

    assert found(mismatches) == expected
    for mismatch in mismatches:
        assert mismatch.ours is not None  # each of these histories has a record of ours
        assert (mismatch.stripe is None) == (mismatch.kind == MismatchKind.missing_at_stripe
                                             and mismatch.subject != "fee")
        if mismatch.field is not None:
            assert mismatch.ours[mismatch.field] != mismatch.stripe[mismatch.field]


def test_the_records_side_by_side(world):
    receipt_of_another_amount(world)
    transfer_to_a_stranger(world)

    payment, transfer = reconcile(world.gateway)

    assert payment.ours == {"deposit": payment.ours["deposit"], "award": payment.ours["award"], "status": "paid",
                            "amount": AWARD - 10_000, "currency": "JPY", "payment_intent": payment.reference}
    assert payment.stripe == {"id": payment.reference, "deposit": payment.ours["deposit"],
                              "award": payment.ours["award"], "status": "succeeded", "amount": AWARD,
                              "currency": "JPY"}
    assert transfer.stripe["destination"] != transfer.ours["destination"]
    assert (transfer.ours["amount"], transfer.stripe["amount"]) == (1_000_000, 1_000_000)


def test_since_compares_only_what_happened_from_then_on(world):
    with stopped_clock(datetime(2026, 12, 1, 10, tzinfo=UTC)) as clock:
        early = lost_payment(world)
        clock.set(datetime(2026, 12, 3, 10, tzinfo=UTC))
        late = receipt_without_payment(world)
        lost = lost_transfer(world)

        assert found(reconcile(world.gateway, since=datetime(2026, 12, 2, tzinfo=UTC))) == late + lost
        assert found(reconcile(world.gateway)) == early + late + lost
        listed = world.fake.requests_to("GET", "/v1/transfers")
        assert listed[0].params["created"] == {"gte": str(int(datetime(2026, 12, 1, 23, tzinfo=UTC).timestamp()))}


# -- the run, the command and the page -------------------------------------------------------------------

def test_a_run_is_kept_with_its_mismatches_in_order(world):
    lost_payment(world)
    lost_transfer(world)

    run = run_reconciliation(world.gateway, actor=world.users["ipark_staff"])

    stored = db.session.scalars(select(ReconciliationMismatch).where(ReconciliationMismatch.run_id == run.id)
                                .order_by(ReconciliationMismatch.position)).all()
    assert (run.mismatch_count, run.error, run.started_by_id) == (2, None, world.users["ipark_staff"].id)
    assert [(m.kind, m.subject) for m in stored] == [(MismatchKind.missing_in_ledger, "payment"),
                                                     (MismatchKind.missing_in_ledger, "transfer")]
    assert stored[1].stripe["tranche"] == stored[1].ours["tranche"]


def test_a_stripe_that_fails_midway_is_the_runs_error(world):
    world.fake.fail_next("GET", "/v1/transfers", status=500, error_type="api_error")

    run = run_reconciliation(world.gateway)

    assert (run.error, run.mismatch_count) == ("api_error", 0)
    assert db.session.scalar(select(func.count()).select_from(ReconciliationMismatch)) == 0


def test_the_command_prints_each_mismatch_and_fails(app, world):
    lost_payment(world)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["funding", "reconcile"])

    assert result.exit_code == 1, result.output
    [line] = [line for line in result.stdout.splitlines() if line]
    assert line.startswith("missing_in_ledger\tpayment\tpi_")
    assert '"status":"open"' in line and '"status":"succeeded"' in line
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1


def test_the_command_on_a_consistent_history(app, world):
    consistent_history(world)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["funding", "reconcile", "--since", "2026-01-01"])

    assert result.exit_code == 0, result.output
    assert "The ledger and Stripe agree" in result.output
    assert db.session.scalar(select(ReconciliationRun.since)).replace(tzinfo=UTC) == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_command_without_stripe_keys(app):
    payments.use_gateway(app, None)

    result = app.test_cli_runner().invoke(args=["funding", "reconcile"])

    assert result.exit_code == 1
    assert "needs Stripe keys" in result.output
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0


def test_the_command_when_stripe_cannot_be_read(app, world):
    world.fake.disconnect_next("GET", "/v1/payment_intents")

    result = app.test_cli_runner().invoke(args=["funding", "reconcile"])

    assert result.exit_code == 1
    assert "Stripe could not be read (unreachable)" in result.output
    assert db.session.scalar(select(ReconciliationRun.error)) == "unreachable"


@pytest.mark.parametrize(("who", "status"), [("venture_owner", 403), ("company_owner", 403), ("ipark_staff", 200),
                                             ("mss_staff", 200)])
def test_only_staff_see_the_reconciliation(client, login, users, fake_stripe, who, status):
    login(users[who])

    assert client.get("/funding/reconciliation").status_code == status
    assert client.post("/funding/reconciliation").status_code in ({403} if status == 403 else {302})


def test_staff_run_it_and_see_the_two_records_side_by_side(client, login, world):
    receipt_of_another_amount(world)
    login(world.users["mss_staff"])

    answer = client.post("/funding/reconciliation", follow_redirects=True)

    page = answer.get_data(as_text=True)
    assert "The ledger and Stripe differ in 1 place." in page
    assert "Amounts differ" in page
    assert "¥2,990,000" in page and "¥3,000,000" in page
    assert "Last run" in page and world.users["mss_staff"].name in page
    award_id = db.session.scalar(select(ReconciliationMismatch.ours)).get("award")
    assert f'href="/funding/awards/{award_id}"' in page


def test_the_mismatches_are_paginated(client, login, users, fake_stripe):
    run = ReconciliationRun(started_at=utcnow() - timedelta(minutes=1), finished_at=utcnow(), mismatch_count=30,
                            since=datetime(2026, 11, 1, tzinfo=UTC))
    db.session.add(run)
    db.session.flush()
    db.session.add_all(ReconciliationMismatch(run_id=run.id, position=n, kind=MismatchKind.missing_at_stripe,
                                              subject="transfer", reference=f"tr_{n:03d}", ours={"amount": n},
                                              stripe=None) for n in range(1, 31))
    db.session.commit()
    login(users["ipark_staff"])

    first, second = (client.get("/funding/reconciliation", query_string={"page": n}).get_data(as_text=True)
                     for n in (1, 2))

    assert "tr_001" in first and "tr_025" in first and "tr_026" not in first
    assert "tr_026" in second and "tr_030" in second and "tr_001" not in second
    assert "the scheduled command" in first and "everything from Nov 1, 2026 on" in first


def test_with_the_manual_backend_the_page_says_stripe_keys_are_needed(app, client, login, users):
    payments.use_gateway(app, None)
    login(users["ipark_staff"])

    page = client.get("/funding/reconciliation").get_data(as_text=True)
    answer = client.post("/funding/reconciliation", follow_redirects=True)

    assert "Reconciliation with Stripe needs Stripe keys" in page
    assert "Reconcile now" not in page
    assert "needs Stripe keys" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0
