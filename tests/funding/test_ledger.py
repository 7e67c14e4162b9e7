"""The ledger's own rules: a transaction balances in each currency or is refused, a key moves money once,
accounts are kept per award or per platform as their kind says, and an award's figures are the sums of
its transactions (a worked example in yen, with a remittance in won)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.common.money import Currency
from app.extensions import db
from app.funding import ledger, services
from app.funding.ledger import AccountKind, LedgerAccount, LedgerTransaction, TransactionKind, Unbalanced


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("legs", [
    [(AccountKind.bank_clearing, "JPY", 1_000), (AccountKind.suspense, "JPY", -999)],
    [(AccountKind.bank_clearing, "JPY", 1_000), (AccountKind.suspense, "KRW", -1_000)],  # across currencies
    [(AccountKind.bank_clearing, "JPY", 0), (AccountKind.suspense, "JPY", 0)],  # moves nothing
    [],
], ids=["short by one", "two currencies", "zero", "no legs"])
def test_a_transaction_that_does_not_balance_in_each_currency_is_refused(app, legs):
    with pytest.raises(Unbalanced):
        ledger.post(TransactionKind.deposit, "deposit-1-received",
                    [(ledger.account(kind, currency), amount) for kind, currency, amount in legs])

    assert count(LedgerTransaction) == 0


def test_an_fx_transaction_balances_in_each_of_its_currencies(app):
    moved = ledger.post(TransactionKind.remittance, "tranche-1-remitted-1", [
        (ledger.account(AccountKind.bank_clearing, "KRW"), -9_000_000),
        (ledger.account(AccountKind.fx, "KRW"), 9_000_000),
        (ledger.account(AccountKind.fx, "JPY"), -1_000_000),
        (ledger.account(AccountKind.suspense, "JPY"), 1_000_000)])

    assert sorted((e.currency, e.amount_minor) for e in moved.entries) == \
        [("JPY", -1_000_000), ("JPY", 1_000_000), ("KRW", -9_000_000), ("KRW", 9_000_000)]


def test_the_same_key_moves_money_once(app):
    legs = [(ledger.account(AccountKind.bank_clearing, "JPY"), 500),
            (ledger.account(AccountKind.suspense, "JPY"), -500)]

    first = ledger.post(TransactionKind.deposit, "deposit-7-received", legs)
    again = ledger.post(TransactionKind.deposit, "deposit-7-received", [(leg, amount * 2) for leg, amount in legs])

    assert again.id == first.id
    assert count(LedgerTransaction) == 1
    assert ledger.balance(AccountKind.bank_clearing, "JPY") == 500


def test_accounts_are_per_award_or_per_platform_as_their_kind_says(app, propose):
    award = propose()

    escrow = ledger.account(AccountKind.company_escrow, "JPY", award.id)

    assert ledger.account(AccountKind.company_escrow, "JPY", award.id).id == escrow.id
    assert ledger.account(AccountKind.company_escrow, "KRW", award.id).id != escrow.id  # one currency per account
    with pytest.raises(ValueError, match="kept per award"):
        ledger.account(AccountKind.company_escrow, "JPY")
    with pytest.raises(ValueError, match="not kept per award"):
        ledger.account(AccountKind.stripe_balance, "JPY", award.id)
    assert count(LedgerAccount) == 2
    assert ledger.balance(AccountKind.fx, "KRW") == 0  # never used, never made
    assert count(LedgerAccount) == 2


def test_an_awards_figures_are_the_sums_of_its_transactions(users, propose, sign, bank_payee):
    award = propose(amount=3_000_000, tranches=[("PoC", 1_000_000, None), ("Validation", 2_000_000, None)])
    sign(award)
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-1")
    bank_payee()
    first = award.tranches[0]
    services.submit_evidence(first, actor=users["venture_owner"], report="PoC done")
    sign(first)
    figures = ledger.figures_for([award])[award.id]
    assert (figures.deposited, figures.held, figures.committed, figures.paid, figures.due, figures.remaining) == \
        (3_000_000, 2_000_000, 1_000_000, 0, 1_000_000, 2_000_000)

    services.confirm_remittance(first, actor=users["ipark_staff"], sent_minor=9_100_000, sent_currency=Currency.KRW,
                                received_minor=9_085_000, received_currency=Currency.KRW, rate="9.1",
                                fee_minor=15_000, reference="SWIFT-9", value_date=date(2026, 12, 1))

    figures = ledger.figures_for([award])[award.id]
    assert (figures.committed, figures.paid, figures.due, figures.remaining) == (1_000_000, 1_000_000, 0, 2_000_000)
    assert figures.fx == {"JPY": -1_000_000, "KRW": 9_100_000}
    assert figures.fees == {"KRW": 15_000}
    assert ledger.balance(AccountKind.bank_clearing, "KRW") == -9_115_000  # what left the bank, with its fee
    assert figures.paid + figures.due + figures.remaining == award.amount_minor
