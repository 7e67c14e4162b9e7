"""The demo's funding: an award of every source in every state a three-week-old partnership can show,
payees with and without the hold, made by the services only, so that the ledger balances and each
award's figures agree with its tranches."""
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.services.accounts import find_user_by_email
from app.common import signoff
from app.common.models import AuditEvent, DecisionState, JointDecision, OutboxEmail
from app.common.money import Currency
from app.common.time import as_utc, utcnow
from app.demo import seed
from app.demo.funding import DEMO_AWARDS
from app.extensions import db
from app.funding import ledger
from app.funding.ledger import LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from app.funding.models import (
    COMMITTED,
    PAYEE_CHANGE_HOLD,
    Award,
    AwardSource,
    AwardState,
    Deposit,
    DepositMethod,
    EvidenceFile,
    Payee,
    PayeeKind,
    PayeeState,
    Payout,
    PayoutMethod,
    RemittanceExport,
    Tranche,
    TrancheState,
)
from app.funding.services import active_payee


@pytest.fixture
def awards(app, demo):
    return list(db.session.scalars(select(Award).order_by(Award.id)))


@pytest.fixture
def people(awards):
    return {email.split("@")[0]: find_user_by_email(email)
            for email in ("ipark@demo.test", "mss@demo.test", "company@demo.test", "venture@demo.test",
                          "venture2@demo.test")}


def the(awards, source, state) -> Award:
    [award] = [award for award in awards if award.source == source and award.state == state]
    return award


def row_counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Award, Tranche, Deposit, Payee, Payout, RemittanceExport, EvidenceFile, LedgerAccount,
                          LedgerTransaction, LedgerEntry, JointDecision, AuditEvent, OutboxEmail)}


def test_every_source_in_the_states_the_demo_shows(awards):
    assert len(awards) == len(DEMO_AWARDS)
    assert {award.source for award in awards} == set(AwardSource)
    # Completed would need a story months old: the selections of the demo are three weeks old at most.
    assert {award.state for award in awards} == set(AwardState) - {AwardState.completed}

    def tranches(award):
        return [(tranche.state, tranche.payout_method) for tranche in award.tranches]

    paid_in = the(awards, AwardSource.company_award, AwardState.active)
    assert tranches(paid_in) == [(TrancheState.paid, PayoutMethod.bank_remittance),
                                 (TrancheState.evidence_submitted, None), (TrancheState.planned, None)]
    [deposit] = db.session.scalars(select(Deposit).where(Deposit.award_id == paid_in.id))
    assert deposit.method == DepositMethod.bank_transfer and deposit.reference and deposit.fee_minor == 0
    assert tranches(the(awards, AwardSource.mss_commercialization, AwardState.active)) == [
        (TrancheState.paid, PayoutMethod.mss_disbursement),
        (TrancheState.remittance_due, PayoutMethod.mss_disbursement)]
    awaiting_deposit = the(awards, AwardSource.company_award, AwardState.approved)
    assert {tranche.state for tranche in awaiting_deposit.tranches} == {TrancheState.planned}
    assert the(awards, AwardSource.mss_rnd, AwardState.proposed).tranches
    cancelled = the(awards, AwardSource.mss_commercialization, AwardState.cancelled)
    assert cancelled.approved_at is None and cancelled.cancel_reason
    in_kind = the(awards, AwardSource.ipark_in_kind, AwardState.active)
    assert (in_kind.in_kind_days, in_kind.currency, in_kind.tranches) == (90, None, [])
    assert "Shonan iPark" in in_kind.in_kind_where and in_kind.in_kind_from < in_kind.in_kind_until


def test_every_ledger_transaction_sums_to_zero_in_each_currency(awards):
    transactions = db.session.scalars(select(LedgerTransaction)).all()
    assert {transaction.kind for transaction in transactions} >= {
        TransactionKind.deposit, TransactionKind.commitment, TransactionKind.remittance,
        TransactionKind.mss_disbursement, TransactionKind.in_kind_grant}
    for transaction in transactions:
        totals = defaultdict(int)
        for entry in transaction.entries:
            assert entry.currency == entry.account.currency, transaction.key
            totals[entry.currency] += entry.amount_minor
        assert len(transaction.entries) >= 2 and set(totals.values()) == {0}, transaction.key


def test_each_awards_figures_agree_with_its_tranches(awards):
    figures = ledger.figures_for(awards)
    for award in awards:
        got = figures[award.id]
        paid = sum(tranche.amount_minor for tranche in award.tranches if tranche.state == TrancheState.paid)
        committed = sum(tranche.amount_minor for tranche in award.tranches if tranche.state in COMMITTED)
        assert (got.paid, got.due, got.remaining) == (paid, committed - paid, award.amount_minor - committed)
        assert got.paid + got.due + got.remaining == award.amount_minor
        paid_in = award.amount_minor if award.needs_deposit and award.state == AwardState.active else 0
        assert (got.deposited, got.held) == (paid_in, paid_in - committed if paid_in else 0), award.id
        assert ledger.balance(ledger.AccountKind.company_escrow, str(award.currency), award.id) <= 0  # never overdrawn
    remitted = figures[the(awards, AwardSource.company_award, AwardState.active).id]
    assert remitted.fx == {"JPY": -3_000_000, "KRW": 27_960_000} and remitted.fees == {"KRW": 36_000}
    assert figures[the(awards, AwardSource.ipark_in_kind, AwardState.active).id].in_kind_days == 90


def test_the_remittance_was_sent_in_won_at_the_banks_rate(awards):
    award = the(awards, AwardSource.company_award, AwardState.active)
    tranche = award.tranches[0]
    [payout] = db.session.scalars(select(Payout).where(Payout.tranche_id == tranche.id))
    assert (payout.sent_currency, payout.received_currency) == (Currency.KRW, Currency.KRW)
    assert payout.sent_minor == round(tranche.amount_minor * float(payout.rate))  # ¥3,000,000 at 9.32
    assert 0 < payout.received_minor < payout.sent_minor and payout.fee_minor > 0
    [remittance] = [t for t in ledger.transactions_of(award.id) if t.kind == TransactionKind.remittance]
    assert remittance.external_id == payout.reference
    [export] = db.session.scalars(select(RemittanceExport))
    assert export.tranche_ids == [tranche.id]
    assert as_utc(export.created_at) < as_utc(remittance.created_at)


def test_hanbit_is_paid_to_its_confirmed_account_and_saeams_new_one_waits(awards, people):
    now = utcnow()
    hanbit = active_payee(people["venture"].organization_id)
    assert hanbit.kind == PayeeKind.bank_account and hanbit.bank_country == "KR" and hanbit.swift
    assert hanbit.can_receive(now) and not hanbit.is_on_hold(now)
    paid = the(awards, AwardSource.company_award, AwardState.active).tranches[0]
    assert paid.payee_id == hanbit.id and as_utc(hanbit.confirmed_at) < as_utc(paid.approved_at)

    saeam = active_payee(people["venture2"].organization_id)
    assert saeam.is_on_hold(now) and not saeam.can_receive(now)
    assert as_utc(saeam.payouts_from) - as_utc(saeam.confirmed_at) - PAYEE_CHANGE_HOLD < timedelta(minutes=1)
    [replaced] = db.session.scalars(select(Payee).where(Payee.organization_id == saeam.organization_id,
                                                        Payee.id != saeam.id))
    assert replaced.state == PayeeState.superseded and replaced.account_number != saeam.account_number
    assert not saeam.is_on_hold(as_utc(saeam.confirmed_at) + PAYEE_CHANGE_HOLD + timedelta(minutes=1))


def test_the_timestamps_tell_one_story(awards):
    now = utcnow()
    for award in awards:
        selected, created = as_utc(award.proposal.decided_at), as_utc(award.created_at)
        assert selected < created < now, award.id
        steps = [created] + [as_utc(m) for m in (award.approved_at, award.activated_at, award.cancelled_at) if m]
        assert steps == sorted(steps) and steps[-1] < now, award.id
        for tranche in award.tranches:
            moments = [as_utc(m) for m in (tranche.evidence_submitted_at, tranche.approved_at, tranche.paid_at) if m]
            assert moments == sorted(moments) and all(steps[-1] < m < now for m in moments), tranche.label
        dated = [as_utc(transaction.created_at) for transaction in ledger.transactions_of(award.id)]
        assert dated == sorted(dated) and all(created < moment < now for moment in dated), award.id
        for decision in db.session.scalars(select(JointDecision).where(
                JointDecision.subject_type == Award.__tablename__, JointDecision.subject_id == award.id)):
            signed = [as_utc(m) for m in (decision.ipark_signed_at, decision.mss_signed_at, decision.rejected_at) if m]
            assert all(as_utc(decision.created_at) < moment <= as_utc(decision.decided_at or now) for moment in signed)
        events = [as_utc(event.created_at) for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == Award.__tablename__, AuditEvent.subject_id == award.id).order_by(AuditEvent.id))]
        assert events == sorted(events) and events[0] == created, award.id


def test_each_demo_person_has_something_to_do(awards, people):
    waiting = the(awards, AwardSource.company_award, AwardState.active).tranches[1]
    decision = signoff.pending_decision(waiting)
    assert decision.can_sign(people["mss"]) and not decision.can_sign(people["ipark"])
    proposed = signoff.pending_decision(the(awards, AwardSource.mss_rnd, AwardState.proposed))
    assert proposed.can_sign(people["ipark"]) and proposed.can_sign(people["mss"])
    assert the(awards, AwardSource.company_award, AwardState.approved).can_deposit(people["company"])
    due = the(awards, AwardSource.mss_commercialization, AwardState.active).tranches[1]
    assert (due.state, due.payout_method) == (TrancheState.remittance_due, PayoutMethod.mss_disbursement)
    rejected = db.session.scalar(select(JointDecision).where(JointDecision.subject_type == Award.__tablename__,
                                                             JointDecision.state == DecisionState.rejected))
    assert rejected.rejection_reason and rejected.subject.state == AwardState.cancelled
    # The ventures see their awards once signed; a proposal the institutions have not signed stays theirs.
    for award in awards:
        own = people["venture"] if award.organization_id == people["venture"].organization_id else people["venture2"]
        assert award.can_view(own) is (award.approved_at is not None), award.id


def test_a_second_run_changes_nothing(awards):
    before = row_counts()
    seed()
    db.session.commit()
    assert row_counts() == before
    assert before["OutboxEmail"] == 0, "the backdated story is history, not news to mail"
