"""The ledger under random histories (hypothesis): deposits (Checkout by card or Japanese bank transfer, through
the webhook; bank receipts recorded by staff), awards cancelled while a payment is on its way, sign-offs and
returned evidence, Stripe transfers to a Japanese payee with scripted failures and retries, remittances in won
for yen committed, MSS disbursements, transfers reversed and payments refunded in Stripe's Dashboard, and
Stripe's webhooks delivered late, out of order, twice, or failing for a while.

After every step: each transaction sums to zero per currency, no company escrow holds less than nothing, and
each award's paid + due + remaining is its amount. Once every webhook has arrived: the reconciliation finds
nothing, and the ledger's Stripe balance is Stripe's own (less the top-ups, which are not ours to book).

Each example runs in a savepoint of the test's transaction, rolled back after it, with a fake Stripe of its own.
"""
import os
from collections import defaultdict
from datetime import date
from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from app.common import signoff
from app.common.errors import DomainError
from app.common.money import Currency
from app.extensions import db
from app.funding import ledger, payments, services
from app.funding.ledger import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from app.funding.models import AwardSource, PayeeKind, PayoutMethod, TrancheState
from app.funding.reconcile import reconcile
from tests.fakes.stripe_api import FakeStripe, stripe_gateway
from tests.funding.journeys import balances, deliver, start_checkout, unbalanced_transactions

CONNECT, REMITTED, MSS = range(3)  # the three awards of each history, by how their tranches are paid

# -- what a history is made of ---------------------------------------------------------------------------

@st.composite
def award_plans(draw):
    """Amounts and tranche cuts of the three awards: two company awards in yen, one of MSS in won."""
    plans = []
    for low, high in ((100_000, 5_000_000), (100_000, 5_000_000), (1_000_000, 90_000_000)):
        amount = draw(st.integers(low, high))
        cuts = sorted(draw(st.lists(st.integers(1, amount - 1), max_size=2, unique=True)))
        bounds = [0, *cuts, amount]
        plans.append((amount, [later - earlier for earlier, later in zip(bounds, bounds[1:], strict=False)]))
    return plans


# -- one history -------------------------------------------------------------------------------------------

class History:
    """Three awards on the proposals of two ventures (one paid by Stripe transfer, one by remittance), and
    the steps taken on them. Webhooks not delivered at once wait in Stripe's backlog."""

    def __init__(self, client, fake, users, sign, proposals, plans):
        self.client, self.fake, self.users, self.sign = client, fake, users, sign
        self.delivered: set[str] = set()
        self.topped_up: dict[str, int] = defaultdict(int)
        self.unreachable = False  # the next fee Stripe is asked for: the connection fails
        self.awards = []
        for proposal, source, (amount, cuts) in zip(
                proposals, (AwardSource.company_award, AwardSource.company_award, AwardSource.mss_rnd), plans,
                strict=True):
            award = services.propose_award(
                proposal, actor=users["ipark_staff"], source=source,
                currency=Currency.JPY if source == AwardSource.company_award else Currency.KRW, amount_minor=amount,
                tranches=[(f"Milestone {n}", cut, None) for n, cut in enumerate(cuts, start=1)])
            sign(award)
            self.awards.append(award)
        owner = users["venture_owner"]
        payee, token = services.register_payee(actor=owner, kind=PayeeKind.stripe_connect, details={},
                                               gateway=payments.gateway())
        services.confirm_payee(token, actor=owner)
        fake.enable_account(payee.stripe_account_id)
        self.deliver(fake.events[-1])
        other = users["other_venture"]
        _, token = services.register_payee(actor=other, kind=PayeeKind.bank_account, details={
            "account_holder": "Hanbit Bio Co., Ltd.", "bank_name": "Woori Bank", "bank_country": "KR",
            "account_number": "1002345678901", "swift": "HVBKKRSE"})
        services.confirm_payee(token, actor=other)

    # webhooks
    def deliver(self, event) -> None:
        answer = deliver(self.client, self.fake, event)
        assert answer.status_code in (200, 503), (event["type"], answer.status_code, answer.get_data(as_text=True))
        if answer.status_code == 200:  # 503: Stripe could not be reached meanwhile; Stripe sends it again
            self.delivered.add(event["id"])
        else:
            self.unreachable = False

    def backlog(self) -> list[dict]:
        return [event for event in self.fake.events if event["id"] not in self.delivered]

    def deliver_the_rest(self) -> None:
        for _ in range(2):  # a delivery that met an unreachable Stripe is retried
            for event in self.backlog():
                self.deliver(event)
        assert self.backlog() == []

    # what may happen next
    def depositable(self):
        return [a for a in self.awards if a.can_deposit(self.users["company_owner"])]

    def owed_deposits(self):
        return [a for a in self.awards if a.needs_deposit and a.state.value == "approved"
                and services.outstanding_deposit(a) > 0]

    def cancellable(self):
        return [a for a in self.awards if a.can_cancel(self.users["ipark_staff"])]

    def owner_of(self, award):
        return self.users["other_venture" if award is self.awards[REMITTED] else "venture_owner"]

    def with_evidence_due(self):
        return [t for a in self.awards for t in a.tranches if t.can_submit_evidence(self.owner_of(a))]

    def awaiting_payout(self):
        return [t for a in self.awards for t in a.tranches
                if t.state in {TrancheState.approved, TrancheState.payout_pending, TrancheState.remittance_due}]

    def remittances_due(self, method):
        return [t for a in self.awards for t in a.tranches
                if t.state == TrancheState.remittance_due and t.payout_method == method]

    def reversible(self):
        return [t for t in self.fake.objects("transfer") if t["amount"] > t["amount_reversed"]]

    def refundable(self):
        return [c for c in self.fake.objects("charge") if c["amount"] > c["amount_refunded"]]

    # the steps
    def pay_by_card(self, award, now):
        deposit = start_checkout(award, self.users["company_owner"])
        if self.fake.get(deposit.stripe_session_id)["status"] != "open":  # paid, its webhook still on its way
            return
        self.fake.complete_checkout(deposit.stripe_session_id)
        if now:
            self.deliver(self.fake.events[-1])

    def pay_by_bank_transfer(self, award, succeeded_first, now):
        deposit = start_checkout(award, self.users["company_owner"])
        if self.fake.get(deposit.stripe_session_id)["status"] != "open":
            return
        self.fake.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
        self.fake.receive_bank_transfer(deposit.stripe_session_id)
        if now:
            events = self.fake.events[-2:]
            for event in reversed(events) if succeeded_first else events:
                self.deliver(event)

    def record_bank_receipt(self, award, percent):
        outstanding = services.outstanding_deposit(award)
        services.record_bank_receipt(award, actor=self.users["ipark_staff"],
                                     amount_minor=max(1, outstanding * percent // 100), reference="MUFG-7781")

    def cancel(self, award):
        """Staff withdraw an award whose deposit has not come (a Checkout page may still be paid: suspense)."""
        services.cancel_award(award, actor=self.users["ipark_staff"], reason="The company withdrew its call.")

    def release(self, tranche):
        services.submit_evidence(tranche, actor=self.owner_of(tranche.award), report="Milestone reached.")
        self.sign(tranche)

    def return_evidence(self, tranche):
        services.submit_evidence(tranche, actor=self.owner_of(tranche.award), report="Milestone reached.")
        signoff.reject_decision(signoff.pending_decision(tranche), actor=self.users["mss_staff"],
                                reason="The report lacks the measurements.")

    def stripe_fails_next_transfer(self, trouble):
        if trouble == "api_error":
            self.fake.fail_next("POST", "/v1/transfers", status=500, error_type="api_error")
        elif trouble == "rate_limited":
            self.fake.fail_next("POST", "/v1/transfers", status=429, error_type="invalid_request_error",
                                code="rate_limit")
        elif trouble == "disconnected":
            self.fake.disconnect_next("POST", "/v1/transfers")
        else:
            self.fake.time_out_next("POST", "/v1/transfers", processed=trouble == "lost_after")

    def stripe_unreachable_for_the_next_fee(self):
        self.fake.disconnect_next("GET", "/v1/payment_intents/")
        self.unreachable = True

    def retry(self, tranche):
        services.retry_payout(tranche, actor=self.users["mss_staff"])

    def top_up(self, millions):
        self.fake.top_up("jpy", millions * 1_000_000)
        self.topped_up["JPY"] += millions * 1_000_000

    def remit(self, tranche, rate):
        sent = int((Decimal(tranche.amount_minor) * Decimal(rate)).to_integral_value(rounding=ROUND_FLOOR))
        services.confirm_remittance(tranche, actor=self.users["ipark_staff"], sent_minor=sent,
                                    sent_currency=Currency.KRW, received_minor=sent - 15_000,
                                    received_currency=Currency.KRW, rate=rate, fee_minor=2_500,
                                    reference=f"SWIFT-{tranche.id}", value_date=date(2026, 12, 1))

    def disburse(self, tranche):
        services.record_mss_disbursement(tranche, actor=self.users["mss_staff"], amount_minor=tranche.amount_minor,
                                         reference=f"MSS-{tranche.id}", value_date=date(2026, 12, 1))

    def reverse(self, transfer, partly, now):
        remaining = transfer["amount"] - transfer["amount_reversed"]
        self.fake.reverse_transfer(transfer["id"], remaining // 2 if partly and remaining > 1 else None)
        if now:
            self.deliver(self.fake.events[-1])

    def refund(self, charge, partly, now):
        remaining = charge["amount"] - charge["amount_refunded"]
        self.fake.refund(charge["payment_intent"], remaining // 3 if partly and remaining > 2 else None)
        if now:
            self.deliver(self.fake.events[-1])

    # what must always hold
    def check(self) -> None:
        assert unbalanced_transactions() == []
        figures = ledger.figures_for(self.awards)
        for award in self.awards:
            held = -ledger.balance(AccountKind.company_escrow, str(award.currency), award.id)
            assert held >= 0, (award.id, held)
            mine = figures[award.id]
            assert mine.paid + mine.due + mine.remaining == award.amount_minor, (award.id, mine)
            assert 0 <= mine.committed <= award.amount_minor, (award.id, mine)

    def check_settled(self) -> None:
        assert reconcile(payments.gateway()) == []
        for currency, held in self.fake.balance.items():
            booked = balances().get(("stripe_balance", currency.upper(), None), 0)
            assert booked + self.topped_up[currency.upper()] == held, (currency, booked, self.topped_up, held)


def take(step, *arguments) -> None:
    """One step, as one request would take it: refused (a DomainError), it leaves nothing behind."""
    try:
        with db.session.begin_nested():
            step(*arguments)
    except DomainError:
        pass
    db.session.expire_all()


@pytest.fixture
def proposals(users, make_proposal):
    """Selected proposals: the Stripe payee's venture's, the remitted venture's, and the first's for MSS."""
    return [make_proposal("selected"), make_proposal("selected", creator=users["other_venture"]),
            make_proposal("selected")]


now_or_later = st.sampled_from([True, True, False])  # deliver the webhook at once, or leave it for later


def test_random_histories_keep_the_ledger_whole(app, client, users, sign, proposals):
    class Histories(RuleBasedStateMachine):
        """Each step chosen among those the history allows now (hypothesis draws which, and with what)."""

        @initialize(plans=award_plans())
        def begin(self, plans):
            self.fake = FakeStripe()
            payments.use_gateway(app, stripe_gateway(self.fake))
            self.savepoint = db.session.begin_nested()
            self.history = History(client, self.fake, users, sign, proposals, plans)

        def teardown(self):
            try:
                if hasattr(self, "history"):
                    self.history.deliver_the_rest()
                    self.history.check()
                    self.history.check_settled()
            finally:
                if hasattr(self, "savepoint"):
                    self.savepoint.rollback()
                db.session.expire_all()
                payments.use_gateway(app, None)

        @invariant()
        def ledger_is_whole(self):
            self.history.check()

        @precondition(lambda self: self.history.depositable())
        @rule(data=st.data(), now=now_or_later)
        def pay_by_card(self, data, now):
            take(self.history.pay_by_card, data.draw(st.sampled_from(self.history.depositable())), now)

        @precondition(lambda self: self.history.depositable())
        @rule(data=st.data(), succeeded_first=st.booleans(), now=now_or_later)
        def pay_by_bank_transfer(self, data, succeeded_first, now):
            take(self.history.pay_by_bank_transfer, data.draw(st.sampled_from(self.history.depositable())),
                 succeeded_first, now)

        @precondition(lambda self: self.history.owed_deposits())
        @rule(data=st.data(), percent=st.sampled_from([100, 40]))
        def record_bank_receipt(self, data, percent):
            take(self.history.record_bank_receipt, data.draw(st.sampled_from(self.history.owed_deposits())), percent)

        @precondition(lambda self: self.history.cancellable())
        @rule(data=st.data())
        def cancel(self, data):
            take(self.history.cancel, data.draw(st.sampled_from(self.history.cancellable())))

        @precondition(lambda self: self.history.with_evidence_due())
        @rule(data=st.data())
        def release(self, data):
            take(self.history.release, data.draw(st.sampled_from(self.history.with_evidence_due())))

        @precondition(lambda self: self.history.with_evidence_due())
        @rule(data=st.data())
        def return_evidence(self, data):
            take(self.history.return_evidence, data.draw(st.sampled_from(self.history.with_evidence_due())))

        @rule(trouble=st.sampled_from(["api_error", "rate_limited", "lost_after", "lost_before", "disconnected"]))
        def stripe_fails_next_transfer(self, trouble):
            take(self.history.stripe_fails_next_transfer, trouble)

        @precondition(lambda self: not self.history.unreachable)
        @rule()
        def stripe_unreachable_for_the_next_fee(self):
            take(self.history.stripe_unreachable_for_the_next_fee)

        @precondition(lambda self: self.history.awaiting_payout())
        @rule(data=st.data())
        def retry(self, data):
            take(self.history.retry, data.draw(st.sampled_from(self.history.awaiting_payout())))

        @rule(millions=st.integers(1, 3))
        def top_up(self, millions):
            take(self.history.top_up, millions)

        @precondition(lambda self: self.history.remittances_due(PayoutMethod.bank_remittance))
        @rule(data=st.data(), rate=st.sampled_from(["9.0", "9.47", "10.2"]))
        def remit(self, data, rate):
            due = self.history.remittances_due(PayoutMethod.bank_remittance)
            take(self.history.remit, data.draw(st.sampled_from(due)), rate)

        @precondition(lambda self: self.history.remittances_due(PayoutMethod.mss_disbursement))
        @rule(data=st.data())
        def disburse(self, data):
            due = self.history.remittances_due(PayoutMethod.mss_disbursement)
            take(self.history.disburse, data.draw(st.sampled_from(due)))

        @precondition(lambda self: self.history.reversible())
        @rule(data=st.data(), partly=st.booleans(), now=now_or_later)
        def reverse(self, data, partly, now):
            take(self.history.reverse, data.draw(st.sampled_from(self.history.reversible())), partly, now)

        @precondition(lambda self: self.history.refundable())
        @rule(data=st.data(), partly=st.booleans(), now=now_or_later)
        def refund(self, data, partly, now):
            take(self.history.refund, data.draw(st.sampled_from(self.history.refundable())), partly, now)

        @precondition(lambda self: self.history.backlog())
        @rule(data=st.data())
        def deliver_late(self, data):
            """A webhook Stripe sent a while ago arrives now (any of those waiting, not the oldest first)."""
            take(self.history.deliver, data.draw(st.sampled_from(self.history.backlog())))

        @precondition(lambda self: self.history.delivered)
        @rule(data=st.data())
        def deliver_again(self, data):
            delivered = [e for e in self.fake.events if e["id"] in self.history.delivered]
            take(self.history.deliver, data.draw(st.sampled_from(delivered)))

    run_state_machine_as_test(Histories, settings=settings(
        max_examples=int(os.environ.get("LEDGER_EXAMPLES", "30")), stateful_step_count=30, deadline=None,
        database=None, derandomize=True, suppress_health_check=list(HealthCheck)))


# -- append-only -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    lambda moved: update(LedgerEntry).where(LedgerEntry.transaction_id == moved.id)
    .values(amount_minor=LedgerEntry.amount_minor * 2),
    lambda moved: delete(LedgerEntry).where(LedgerEntry.transaction_id == moved.id),
    lambda moved: update(LedgerTransaction).where(LedgerTransaction.id == moved.id).values(memo="changed"),
    lambda moved: delete(LedgerTransaction).where(LedgerTransaction.id == moved.id),
], ids=["update entries", "delete entries", "update a transaction", "delete a transaction"])
def test_the_ledger_refuses_updates_and_deletes(app, statement):
    moved = ledger.post(TransactionKind.deposit, "deposit-test-received",
                        [(ledger.account(AccountKind.bank_clearing, "JPY"), 1_000),
                         (ledger.account(AccountKind.suspense, "JPY"), -1_000)], memo="as booked")

    with pytest.raises(DBAPIError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(statement(moved))

    db.session.expire_all()
    assert [(e.amount_minor, e.currency) for e in moved.entries] == [(1_000, "JPY"), (-1_000, "JPY")]
    assert moved.memo == "as booked"
