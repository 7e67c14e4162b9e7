"""Payout details: confirmed from the owner's e-mail, the latest change only, within its time; a changed
account waits PAYEE_CHANGE_HOLD before the bank is told to pay it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.errors import PermissionDenied
from app.common.time import utcnow
from app.extensions import db
from app.funding import services
from app.funding.models import PAYEE_CHANGE_HOLD, PAYEE_CONFIRMATION_TIME, PayeeKind, PayeeState, TrancheState

BANK = {"account_holder": "Hanbit Bio Inc.", "bank_name": "Shinhan Bank", "bank_country": "KR",
        "account_number": "110123456789", "swift": "SHBKKRSE"}


def register(user, number="110123456789"):
    return services.register_payee(actor=user, kind=PayeeKind.bank_account, details=dict(BANK, account_number=number))


def test_only_the_owner_registers_and_confirms(users):
    with pytest.raises(PermissionDenied):
        register(users["venture_member"])
    payee, token = register(users["venture_owner"])
    with pytest.raises(PermissionDenied):
        services.confirm_payee(token, actor=users["venture_member"])
    assert services.confirm_payee(token, actor=users["venture_owner"]).state == PayeeState.active


def test_a_newer_change_makes_the_older_link_useless(users):
    _, older = register(users["venture_owner"], "1111222233")
    newer_payee, newer = register(users["venture_owner"], "4444555566")
    with pytest.raises(services.ConfirmationInvalid):
        services.confirm_payee(older, actor=users["venture_owner"])
    assert services.confirm_payee(newer, actor=users["venture_owner"]) == newer_payee


def test_a_link_works_for_its_time_only(users):
    _, token = register(users["venture_owner"])
    with pytest.raises(services.ConfirmationInvalid):
        services.confirm_payee(token, actor=users["venture_owner"],
                               now=utcnow() + PAYEE_CONFIRMATION_TIME + timedelta(minutes=1))
    services.confirm_payee(token, actor=users["venture_owner"])
    with pytest.raises(services.ConfirmationInvalid):  # and once
        services.confirm_payee(token, actor=users["venture_owner"])


def test_a_changed_account_is_held_and_the_first_is_not(users):
    first, token = register(users["venture_owner"])
    services.confirm_payee(token, actor=users["venture_owner"])
    assert not first.is_on_hold(utcnow())
    second, token = register(users["venture_owner"], "9999888877")
    services.confirm_payee(token, actor=users["venture_owner"])
    assert first.state == PayeeState.superseded
    assert second.is_on_hold(utcnow()) and not second.is_on_hold(utcnow() + PAYEE_CHANGE_HOLD)


def test_the_bank_is_told_to_pay_the_payee_in_use_once_its_hold_is_over(users, propose, sign, bank_payee):
    award = propose(amount=3_000_000)
    sign(award)
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-9")
    bank_payee()
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Done.")
    sign(tranche)
    assert tranche.state == TrancheState.remittance_due
    due = lambda now=None: [(t.id, p.account_number) for t, p in db.session.execute(  # noqa: E731
        services.remittances_to_instruct(now))]
    assert due() == [(tranche.id, "110123456789")]
    changed, token = register(users["venture_owner"], "9999888877")
    services.confirm_payee(token, actor=users["venture_owner"])
    assert due() == []  # the new account is held, the old one is no longer in use
    assert due(utcnow() + PAYEE_CHANGE_HOLD) == [(tranche.id, "9999888877")]


def test_a_payment_after_cancellation_waits_in_suspense_not_in_the_award(users, propose, sign):
    from app.funding import ledger
    from app.funding.ledger import AccountKind
    from app.funding.models import Deposit, DepositMethod

    award = propose(amount=3_000_000)
    sign(award)
    deposit = Deposit(award_id=award.id, method=DepositMethod.stripe_checkout, amount_minor=3_000_000,
                      currency=award.currency, stripe_session_id="cs_test_late",
                      created_by_id=users["company_owner"].id)
    db.session.add(deposit)
    services.cancel_award(award, actor=users["ipark_staff"], reason="The company withdrew.")
    services.confirm_deposit(deposit, amount_minor=3_000_000, payment_intent_id="pi_late")
    assert ledger.balance(AccountKind.company_escrow, "JPY", award.id) == 0
    assert ledger.balance(AccountKind.suspense, "JPY") == -3_000_000
    assert db.session.scalar(select(Deposit.state).where(Deposit.id == deposit.id)) == "paid"
