"""The ledger: append-only double entry, one currency per account (docs/funding.md, "The ledger").

Every movement of money (or of iPark's in-kind days) is one LedgerTransaction with two or more
entries whose amounts sum to zero in each currency. A debit is positive, a credit negative. Nothing is
ever updated or deleted (database triggers refuse it); a mistake is corrected by a new transaction.
Balances and an award's figures are sums of entries, never stored.

Each transaction carries a ``key`` made from what caused it (``tranche-7-committed``,
``transfer-tr_123``): posting the same key again returns the transaction already there, so a
webhook replayed, a job retried or a button pressed twice moves money once.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.enums import LabelledEnum
from app.common.models import append_only_triggers
from app.common.time import utcnow
from app.extensions import db

# In-kind support is counted in days of use, not money: its accounts hold this unit.
DAYS = "DAY"


class AccountKind(LabelledEnum):
    company_escrow = "company_escrow", _l("Company escrow")
    venture_payable = "venture_payable", _l("Owed to the venture")
    stripe_balance = "stripe_balance", _l("Stripe balance")
    bank_clearing = "bank_clearing", _l("Bank clearing")
    mss_programme = "mss_programme", _l("MSS programme funds committed")
    mss_disbursements = "mss_disbursements", _l("MSS disbursements")
    ipark_in_kind = "ipark_in_kind", _l("iPark in-kind support")
    in_kind_entitlement = "in_kind_entitlement", _l("In-kind entitlement")
    fx = "fx", _l("Foreign exchange")
    processor_fees = "processor_fees", _l("Processor and bank fees")
    suspense = "suspense", _l("Suspense (for staff to resolve)")


# Accounts kept per award; the others are the platform's, one per currency.
PER_AWARD = {AccountKind.company_escrow, AccountKind.venture_payable, AccountKind.in_kind_entitlement}


class TransactionKind(LabelledEnum):
    deposit = "deposit", _l("Deposit received")
    processor_fee = "processor_fee", _l("Processor fee")
    refund = "refund", _l("Deposit refunded")
    commitment = "commitment", _l("Tranche approved")
    transfer = "transfer", _l("Stripe transfer")
    transfer_reversal = "transfer_reversal", _l("Transfer reversed")
    remittance = "remittance", _l("Remittance confirmed")
    mss_disbursement = "mss_disbursement", _l("MSS disbursement")
    in_kind_grant = "in_kind_grant", _l("In-kind support granted")


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind]
    currency: Mapped[str] = mapped_column(String(8))
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))

    __table_args__ = (
        Index("uq_ledger_accounts", "kind", "currency", func.coalesce(award_id, 0), unique=True),
        Index("ix_ledger_accounts_award", "award_id"),
    )


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TransactionKind]
    key: Mapped[str] = mapped_column(String(160), unique=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), index=True)
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("tranches.id"))
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposits.id"))
    # What the outside world calls it: a Stripe object's id, or the bank's reference.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    memo: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list["LedgerEntry"]] = relationship(back_populates="transaction", order_by="LedgerEntry.id")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # debit > 0, credit < 0
    currency: Mapped[str] = mapped_column(String(8))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


append_only_triggers("ledger_transactions")
append_only_triggers("ledger_entries")


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero in a currency: a bug, never a user's mistake."""


def account(kind: AccountKind, currency: str, award_id: int | None = None) -> LedgerAccount:
    """The account, created on first use. Two transactions creating it at once: the loser's insert
    fails inside its savepoint and it reads the winner's."""
    if (kind in PER_AWARD) != (award_id is not None):
        raise ValueError(f"{kind} is {'' if kind in PER_AWARD else 'not '}kept per award")
    query = select(LedgerAccount).where(LedgerAccount.kind == kind, LedgerAccount.currency == str(currency),
                                        func.coalesce(LedgerAccount.award_id, 0) == (award_id or 0))
    found = db.session.scalar(query)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = LedgerAccount(kind=kind, currency=str(currency), award_id=award_id)
            db.session.add(found)
    except IntegrityError:
        found = db.session.scalar(query)
    return found


def find(key: str) -> LedgerTransaction | None:
    return db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))


def post(kind: TransactionKind, key: str, legs, *, award_id=None, tranche_id=None, deposit_id=None,
         external_id=None, memo=None, actor=None) -> LedgerTransaction:
    """One balanced transaction; ``legs`` are (account, signed amount) pairs. Posting a key that is
    already there returns that transaction and moves nothing (the caller holds its subject's lock)."""
    existing = find(key)
    if existing is not None:
        return existing
    legs = [(leg_account, int(amount)) for leg_account, amount in legs if amount]
    totals: dict[str, int] = defaultdict(int)
    for leg_account, amount in legs:
        totals[leg_account.currency] += amount
    if not legs or any(totals.values()):
        raise Unbalanced(f"{key}: {dict(totals)}")
    transaction = LedgerTransaction(kind=kind, key=key, award_id=award_id, tranche_id=tranche_id,
                                    deposit_id=deposit_id, external_id=external_id, memo=memo,
                                    created_by_id=getattr(actor, "id", None))
    transaction.entries = [LedgerEntry(account_id=leg_account.id, amount_minor=amount, currency=leg_account.currency)
                           for leg_account, amount in legs]
    db.session.add(transaction)
    db.session.flush()
    return transaction


def balance(kind: AccountKind, currency: str, award_id: int | None = None) -> int:
    """The account's balance (debits minus credits); 0 for an account never used."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).join(LedgerAccount)
        .where(LedgerAccount.kind == kind, LedgerAccount.currency == str(currency),
               func.coalesce(LedgerAccount.award_id, 0) == (award_id or 0))) or 0


@dataclass
class Figures:
    """An award's money as the ledger has it, in the award's currency (fees and FX in theirs)."""

    amount: int
    deposited: int = 0  # received from the company, less refunds
    held: int = 0  # in escrow now
    committed: int = 0  # approved tranches (a reversed transfer is owed again: back in ``due``)
    paid: int = 0
    due: int = 0  # approved and not yet paid
    fees: dict = field(default_factory=dict)
    fx: dict = field(default_factory=dict)
    in_kind_days: int = 0

    @property
    def outstanding(self) -> int:
        """What the company still has to pay in (nothing for awards it does not pay)."""
        return max(self.amount - self.deposited, 0)

    @property
    def remaining(self) -> int:
        """Not yet committed to the venture."""
        return self.amount - self.committed


def figures_for(awards) -> dict[int, Figures]:
    """Each award's figures, from one grouped query over its transactions' entries."""
    awards = list(awards)
    result = {award.id: Figures(amount=award.amount_minor) for award in awards}
    if not awards:
        return result
    rows = db.session.execute(
        select(LedgerTransaction.award_id, LedgerAccount.kind, LedgerTransaction.kind, LedgerEntry.currency,
               func.sum(LedgerEntry.amount_minor))
        .select_from(LedgerEntry).join(LedgerTransaction).join(LedgerAccount)
        .where(LedgerTransaction.award_id.in_(list(result)))
        .group_by(LedgerTransaction.award_id, LedgerAccount.kind, LedgerTransaction.kind, LedgerEntry.currency))
    for award_id, account_kind, transaction_kind, currency, total in rows:
        figures, total = result[award_id], int(total)
        if account_kind == AccountKind.company_escrow:
            figures.held -= total
            if transaction_kind in {TransactionKind.deposit, TransactionKind.refund}:
                figures.deposited -= total
        elif account_kind == AccountKind.venture_payable:
            figures.due -= total
            if transaction_kind == TransactionKind.commitment:
                figures.committed -= total
            else:
                figures.paid += total
        elif account_kind == AccountKind.processor_fees:
            figures.fees[currency] = figures.fees.get(currency, 0) + total
        elif account_kind == AccountKind.fx:
            figures.fx[currency] = figures.fx.get(currency, 0) + total
        elif account_kind == AccountKind.in_kind_entitlement:
            figures.in_kind_days += total
    return result


def transactions_of(award_id: int) -> list[LedgerTransaction]:
    """The award's transactions with their entries and accounts, oldest first."""
    from sqlalchemy.orm import selectinload
    return list(db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.award_id == award_id)
        .options(selectinload(LedgerTransaction.entries).joinedload(LedgerEntry.account))
        .order_by(LedgerTransaction.id)))
