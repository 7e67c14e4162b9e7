"""Money moved twice is the race that costs most. Each test runs two requests for the same payout at the
same moment on two PostgreSQL connections (the `race` fixture) and counts what reached Stripe and what
the ledger holds: one transfer, one remittance, one deposit, whatever the two did."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.common import signoff
from app.common.money import Currency
from app.extensions import db
from app.funding import ledger, payments, services, webhooks
from app.funding.ledger import AccountKind, LedgerAccount, LedgerTransaction, TransactionKind
from app.funding.models import Award, Payout, StripeEvent, Tranche, TrancheState
from tests.funding.journeys import connect_payee, start_checkout

pytestmark = pytest.mark.postgresql_only

AWARD = 3_000_000


def get(model, id_):
    return db.session.get(model, id_)


def outcomes(results):
    return sorted(r.outcome if r.outcome != "error" else f"error: {r.error!r}"[:300] for r in results)


def transactions(kind: TransactionKind) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerTransaction)
                             .where(LedgerTransaction.kind == kind))


def payouts(tranche) -> int:
    return db.session.scalar(select(func.count()).select_from(Payout).where(Payout.tranche_id == tranche.id))


@pytest.fixture
def funded(users, propose, sign):
    """A company award signed and paid in by a bank transfer staff recorded: active, its escrow full."""
    award = propose(amount=AWARD)
    sign(award)
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=AWARD, reference="MUFG-1")
    return award


@pytest.mark.parametrize(("signed_before", "signers"), [
    ("ipark_staff", ("mss_staff", "second_mss_staff")),  # two MSS staff give the second signature at once
    (None, ("ipark_staff", "mss_staff")),  # both institutions sign at once: one of them is the second
])
def test_a_tranche_signed_twice_at_once_is_transferred_once(race, users, make_user, funded, fake_stripe,
                                                            signed_before, signers):
    people = {**users, "second_mss_staff": make_user(institution="mss", role="member")}
    fake_stripe.top_up("jpy", 10_000_000)
    connect_payee(users["venture_owner"], fake_stripe)
    tranche = funded.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    decision = signoff.pending_decision(tranche)
    if signed_before:
        signoff.sign_decision(decision, actor=people[signed_before])
    db.session.commit()
    decision_id, ids = decision.id, {name: people[name].id for name in signers}

    def signing(who):
        return lambda: signoff.sign_decision(get(type(decision), decision_id), actor=get(User, ids[who]))

    results = race(*(signing(who) for who in signers))

    assert outcomes(results) == (["ok", "refused"] if signed_before else ["ok", "ok"])
    assert len(fake_stripe.requests_to("POST", "/v1/transfers")) == 1
    assert transactions(TransactionKind.transfer) == 1
    assert transactions(TransactionKind.commitment) == 1
    assert (tranche.state, payouts(tranche)) == (TrancheState.paid, 1)


def test_two_staff_confirming_the_same_remittance_record_it_once(race, users, funded, sign, bank_payee):
    bank_payee()
    tranche = funded.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    sign(tranche)
    assert tranche.state == TrancheState.remittance_due
    db.session.commit()
    tranche_id = tranche.id

    def confirm(who):
        return lambda: services.confirm_remittance(
            get(Tranche, tranche_id), actor=get(User, users[who].id), sent_minor=9_000_000,
            sent_currency=Currency.KRW, received_minor=8_990_000, received_currency=Currency.KRW, rate="9.0",
            fee_minor=2_500, reference="SWIFT-1", value_date=date(2026, 12, 1))

    results = race(confirm("ipark_staff"), confirm("mss_staff"))

    assert outcomes(results) == ["ok", "refused"]
    assert {r.refusal for r in results} == {None, "AlreadyRecorded"}
    assert transactions(TransactionKind.remittance) == 1
    assert (tranche.state, payouts(tranche)) == (TrancheState.paid, 1)


def test_the_same_webhook_delivered_twice_at_once_takes_effect_once(app, race, users, propose, sign, fake_stripe):
    award = propose(amount=AWARD)
    sign(award)
    deposit = start_checkout(award, users["company_owner"])
    fake_stripe.complete_checkout(deposit.stripe_session_id)
    [event] = fake_stripe.events_of("checkout.session.completed")
    db.session.commit()

    def delivery():
        return webhooks.process_event(event, payments.gateway())

    results = race(delivery, delivery)

    assert outcomes(results) == ["ok", "ok"]
    assert sorted(r.value for r in results) == ["deposit received", "duplicate"]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert transactions(TransactionKind.deposit) == transactions(TransactionKind.processor_fee) == 1
    assert get(Award, award.id).activated_at is not None


def test_two_retries_of_a_refused_transfer_at_once_transfer_once(race, users, funded, sign, fake_stripe):
    connect_payee(users["venture_owner"], fake_stripe)
    tranche = funded.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    sign(tranche)  # the deposit is in the bank, not at Stripe: the balance is too low
    assert tranche.payout_problem == "insufficient_balance"
    fake_stripe.top_up("jpy", 10_000_000)
    db.session.commit()
    tranche_id = tranche.id

    def retry(who):
        return lambda: services.retry_payout(get(Tranche, tranche_id), actor=get(User, users[who].id))

    results = race(retry("ipark_staff"), retry("mss_staff"))

    assert outcomes(results) == ["ok", "refused"]
    assert {r.refusal for r in results} == {None, "NotAwaitingThis"}
    assert [r.idempotency_key for r in fake_stripe.requests_to("POST", "/v1/transfers")] == \
        [f"tranche-{tranche_id}-transfer", f"tranche-{tranche_id}-transfer-2"]
    assert len(fake_stripe.objects("transfer")) == 1
    assert transactions(TransactionKind.transfer) == 1
    assert (tranche.state, payouts(tranche)) == (TrancheState.paid, 1)


def test_two_first_postings_to_a_new_account_at_once_make_one_account(race):
    def posting(key):
        return lambda: ledger.post(TransactionKind.deposit, key,
                                   [(ledger.account(AccountKind.bank_clearing, "KRW"), 700),
                                    (ledger.account(AccountKind.suspense, "KRW"), -700)])

    results = race(posting("deposit-1-received"), posting("deposit-2-received"))

    assert outcomes(results) == ["ok", "ok"]
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 2
    assert ledger.balance(AccountKind.suspense, "KRW") == -1_400
