"""Funding: awards on selected proposals, their milestone tranches, the company's deposits, the
venture's payee, and each tranche's payout (DESIGN.md "Funding award" and "Money"; docs/funding.md).

Money is an integer in its currency's minor unit with the currency beside it. What an award has
received, committed, paid and still owes is never stored here: the ledger (app.funding.ledger) holds
every movement and the figures are its sums. These rows hold the workflow: who asked, who signed,
what Stripe or the bank said.
"""
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.enums import LabelledEnum
from app.common.models import Institution
from app.common.money import Currency
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.proposals.models import Proposal  # noqa: F401  (Award.proposal's class, mapped before any query)

# A payee's details changed: payouts to the new account wait this long (docs/funding.md, "Payees").
PAYEE_CHANGE_HOLD = timedelta(days=5)
# The e-mailed link that confirms a change of payout details works this long.
PAYEE_CONFIRMATION_TIME = timedelta(hours=48)
MAX_TRANCHES = 12


def can_oversee_funding(user) -> bool:
    """The institutions' staff: every award, the queues, the ledger and the reconciliation."""
    return user.is_authenticated and user.is_staff


def can_record_mss_disbursements(user) -> bool:
    """MSS disburses its own funds: only its staff record that it did."""
    return can_oversee_funding(user) and user.institution == Institution.mss


def can_propose_award(proposal, user) -> bool:
    """Staff who may see a selected proposal (no conflict) propose its awards, as many as its
    programme gives (a company award and MSS funding, or iPark's facilities)."""
    return can_oversee_funding(user) and proposal.is_selected and proposal.can_view(user)


class AwardSource(LabelledEnum):
    company_award = "company_award", _l("Company award")
    mss_commercialization = "mss_commercialization", _l("MSS commercialisation funding")
    mss_rnd = "mss_rnd", _l("MSS R&D funding")
    ipark_in_kind = "ipark_in_kind", _l("iPark in-kind support")


# What each source pays in, and who pays the tranches out.
SOURCE_CURRENCIES = {
    AwardSource.company_award: {Currency.JPY},
    AwardSource.mss_commercialization: {Currency.KRW},
    AwardSource.mss_rnd: {Currency.KRW},
    AwardSource.ipark_in_kind: set(),
}
MSS_SOURCES = {AwardSource.mss_commercialization, AwardSource.mss_rnd}


class AwardState(LabelledEnum):
    proposed = "proposed", _l("Awaiting signatures"), "warning"
    approved = "approved", _l("Awaiting the deposit"), "info"
    active = "active", _l("Active"), "primary"
    completed = "completed", _l("Completed"), "success"
    cancelled = "cancelled", _l("Cancelled"), "dark"


AWARD_TRANSITIONS = {
    AwardState.proposed: {AwardState.approved, AwardState.active, AwardState.cancelled},
    AwardState.approved: {AwardState.active, AwardState.cancelled},
    AwardState.active: {AwardState.completed},
    AwardState.completed: set(),
    AwardState.cancelled: set(),
}


class TrancheState(LabelledEnum):
    planned = "planned", _l("Planned"), "secondary"
    evidence_submitted = "evidence_submitted", _l("Evidence submitted"), "info"
    approved = "approved", _l("Approved"), "primary"
    payout_pending = "payout_pending", _l("Payout pending"), "warning"
    remittance_due = "remittance_due", _l("Remittance due"), "warning"
    paid = "paid", _l("Paid"), "success"
    rejected = "rejected", _l("Evidence returned"), "danger"


TRANCHE_TRANSITIONS = {
    TrancheState.planned: {TrancheState.evidence_submitted},
    TrancheState.evidence_submitted: {TrancheState.approved, TrancheState.rejected},
    TrancheState.rejected: {TrancheState.evidence_submitted},
    TrancheState.approved: {TrancheState.payout_pending, TrancheState.remittance_due},
    # Paid, or routed again when the venture's payee changed from a bank account to Stripe or back.
    TrancheState.payout_pending: {TrancheState.paid, TrancheState.remittance_due},
    TrancheState.remittance_due: {TrancheState.paid, TrancheState.payout_pending},
    TrancheState.paid: {TrancheState.payout_pending},
}
class TrancheShown(LabelledEnum):
    """What a tranche's badge says where its state alone would mislead: MSS pays its own tranches, so
    one of them waits for MSS's disbursement, not for a remittance."""

    disbursement_due = "disbursement_due", _l("Awaiting MSS's disbursement"), "warning"


# Money is committed to the venture from approval on (the ledger's venture payable).
COMMITTED = {TrancheState.approved, TrancheState.payout_pending, TrancheState.remittance_due, TrancheState.paid}
AWAITING_PAYOUT = {TrancheState.payout_pending, TrancheState.remittance_due}


class PayoutMethod(LabelledEnum):
    stripe_transfer = "stripe_transfer", _l("Stripe transfer")
    bank_remittance = "bank_remittance", _l("Bank remittance")
    mss_disbursement = "mss_disbursement", _l("Disbursed by MSS")


class Award(db.Model):
    """What the partnership gives a selected proposal: money in milestone tranches, or iPark's
    facilities (an entitlement, no money)."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    # Copied from the proposal: the lists and the reconciliation by call read them without it.
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  # the venture
    payer_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    source: Mapped[AwardSource]
    state: Mapped[AwardState] = mapped_column(default=AwardState.proposed, index=True)
    currency: Mapped[Currency | None]
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # An in-kind award: what, where and for how long (days of use), which facility booking consumes.
    in_kind_what: Mapped[str | None] = mapped_column(String(200))
    in_kind_where: Mapped[str | None] = mapped_column(String(200))
    in_kind_days: Mapped[int | None]
    in_kind_from: Mapped[date | None] = mapped_column(Date)
    in_kind_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    proposal = relationship("Proposal")
    challenge = relationship("Challenge")
    organization = relationship("Organization", foreign_keys=[organization_id])
    payer = relationship("Organization", foreign_keys=[payer_organization_id])
    tranches: Mapped[list["Tranche"]] = relationship(back_populates="award", order_by="Tranche.position",
                                                     cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("amount_minor >= 0 AND amount_minor <= 1000000000000000", name="award_amount_range"),
        CheckConstraint("(source = 'ipark_in_kind') = (currency IS NULL)", name="award_money_or_in_kind"),
        CheckConstraint("source = 'ipark_in_kind' OR amount_minor > 0", name="award_money_positive"),
        CheckConstraint("source <> 'ipark_in_kind' OR (in_kind_what IS NOT NULL AND in_kind_days > 0)",
                        name="award_in_kind_entitlement"),
        CheckConstraint("(source = 'company_award') = (payer_organization_id IS NOT NULL)",
                        name="award_company_pays"),
        CheckConstraint("(state = 'cancelled') = (cancelled_at IS NOT NULL)", name="award_cancelled_at"),
        CheckConstraint("state = 'proposed' OR state = 'cancelled' OR approved_at IS NOT NULL",
                        name="award_approved_at"),
        CheckConstraint("(state IN ('active', 'completed')) = (activated_at IS NOT NULL) OR state = 'cancelled'",
                        name="award_activated_at"),
        CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)", name="award_completed_at"),
    )

    @property
    def is_in_kind(self) -> bool:
        return self.source == AwardSource.ipark_in_kind

    @property
    def needs_deposit(self) -> bool:
        return self.source == AwardSource.company_award

    @property
    def paid_by_mss(self) -> bool:
        return self.source in MSS_SOURCES

    # Who may do what (pure: no request, no current user) ---------------------------------------------

    def is_venture_member(self, user) -> bool:
        return user.is_authenticated and user.organization_id == self.organization_id

    def is_payer_member(self, user) -> bool:
        return (user.is_authenticated and self.payer_organization_id is not None
                and user.organization_id == self.payer_organization_id)

    def can_view(self, user) -> bool:
        """Staff, the venture's members and the paying company's members. A cancelled award that was
        never signed stays with staff: the others never heard of it. Staff with a declared conflict with
        the proposal see nothing of its funding, as they see nothing of the proposal."""
        if not user.is_authenticated:
            return False
        if user.is_staff:
            return not self.proposal.is_conflicted(user)
        if self.state == AwardState.proposed or (self.state == AwardState.cancelled and self.approved_at is None):
            return False
        return self.is_venture_member(user) or self.is_payer_member(user)

    def can_manage(self, user) -> bool:
        """Propose, cancel and record money: the institutions' staff."""
        return user.is_authenticated and user.is_staff

    def can_deposit(self, user) -> bool:
        return self.needs_deposit and self.state == AwardState.approved and self.is_payer_member(user)

    def can_cancel(self, user) -> bool:
        return self.can_manage(user) and self.state in {AwardState.proposed, AwardState.approved}

    def can_record_receipt(self, user) -> bool:
        """Staff record a company's bank transfer while the award waits for its deposit."""
        return self.can_manage(user) and self.needs_deposit and self.state == AwardState.approved

    @property
    def payment_reference(self) -> str:
        """What the company writes on its bank transfer, so that staff know which award it pays."""
        return f"KH-{self.id:05d}"


class Tranche(db.Model):
    """One milestone of an award and the money released when both institutions approve its evidence."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[TrancheState] = mapped_column(default=TrancheState.planned, index=True)
    evidence_report: Mapped[str | None] = mapped_column(Text)
    evidence_submitted_at: Mapped[datetime | None]
    evidence_submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    payout_method: Mapped[PayoutMethod | None]
    # Why the payout has not happened yet (a Stripe error, a payee on hold): shown to staff, retried.
    payout_problem: Mapped[str | None] = mapped_column(String(80))
    payout_problem_detail: Mapped[str | None] = mapped_column(Text)
    payee_id: Mapped[int | None] = mapped_column(ForeignKey("payees.id"))
    # 1, then 2 after Stripe reversed the first transfer: the next one needs a key of its own.
    transfer_attempt: Mapped[int] = mapped_column(default=1, server_default="1")

    award: Mapped[Award] = relationship(back_populates="tranches")
    evidence_files: Mapped[list["EvidenceFile"]] = relationship(back_populates="tranche",
                                                                order_by="EvidenceFile.id")
    payee = relationship("Payee")

    __table_args__ = (
        UniqueConstraint("award_id", "position", name="uq_tranches_award_position"),
        CheckConstraint("amount_minor >= 0", name="tranche_amount_not_negative"),
        CheckConstraint("state = 'planned' OR evidence_submitted_at IS NOT NULL", name="tranche_evidence_at"),
        CheckConstraint("(state IN ('approved', 'payout_pending', 'remittance_due', 'paid')) = "
                        "(approved_at IS NOT NULL)", name="tranche_approved_at"),
        CheckConstraint("(state = 'paid') = (paid_at IS NOT NULL)", name="tranche_paid_at"),
        CheckConstraint("(state = 'rejected') = (rejection_reason IS NOT NULL)", name="tranche_rejection_reason"),
        CheckConstraint("state NOT IN ('payout_pending', 'remittance_due', 'paid') OR payout_method IS NOT NULL",
                        name="tranche_payout_method"),
    )

    @property
    def label(self) -> str:
        return f"{self.position}. {self.title}"

    def can_view(self, user) -> bool:
        return self.award.can_view(user)

    def can_submit_evidence(self, user) -> bool:
        return (self.award.is_venture_member(user) and self.award.state == AwardState.active
                and self.state in {TrancheState.planned, TrancheState.rejected})

    def can_view_evidence(self, user) -> bool:
        """The venture's report and files, and where it is paid: its members and staff, not the company."""
        return self.award.is_venture_member(user) or can_oversee_funding(user)

    @property
    def shown_state(self):
        """The state its badge shows (TrancheShown where the state alone would mislead)."""
        if self.state == TrancheState.remittance_due and self.payout_method == PayoutMethod.mss_disbursement:
            return TrancheShown.disbursement_due
        return self.state

    def can_retry_payout(self, user) -> bool:
        """Route the payout again (a Stripe error, a payee registered or changed since). MSS's own
        tranches have nothing to route: MSS records its disbursement."""
        return (can_oversee_funding(user) and self.payout_method != PayoutMethod.mss_disbursement
                and self.state in {TrancheState.approved, TrancheState.payout_pending, TrancheState.remittance_due})

    def can_confirm_remittance(self, user) -> bool:
        return (can_oversee_funding(user) and self.state == TrancheState.remittance_due
                and self.payout_method == PayoutMethod.bank_remittance)

    def can_record_disbursement(self, user) -> bool:
        return (can_record_mss_disbursements(user) and self.state == TrancheState.remittance_due
                and self.payout_method == PayoutMethod.mss_disbursement)

    @property
    def remittance_reference(self) -> str:
        """The reference of the tranche's remittance on the bank instruction and the bank's confirmation."""
        return f"KH-T{self.id:05d}"


class EvidenceFile(db.Model):
    """A file (PDF) the venture gave as evidence of a milestone."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tranche: Mapped[Tranche] = relationship(back_populates="evidence_files")


class PayeeKind(LabelledEnum):
    bank_account = "bank_account", _l("Bank account (remittance)")
    stripe_connect = "stripe_connect", _l("Stripe account (Japan)")


class PayeeState(LabelledEnum):
    unconfirmed = "unconfirmed", _l("Waiting for e-mail confirmation"), "warning"
    active = "active", _l("In use"), "success"
    superseded = "superseded", _l("Replaced"), "secondary"


class Payee(db.Model):
    """How a venture is paid. Each change is a new row, confirmed from the owner's e-mail; the one in
    use is the latest confirmed. A changed account receives payouts only after PAYEE_CHANGE_HOLD."""

    __tablename__ = "payees"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[PayeeKind]
    state: Mapped[PayeeState] = mapped_column(default=PayeeState.unconfirmed)
    account_holder: Mapped[str | None] = mapped_column(String(200))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bank_country: Mapped[str | None] = mapped_column(String(2))
    account_number: Mapped[str | None] = mapped_column(String(40))
    swift: Mapped[str | None] = mapped_column(String(11))
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    account_event_at: Mapped[int | None] = mapped_column(BigInteger)  # Stripe's time of the last account.updated
    # The e-mailed confirmation: a hash of the token (the token itself is only in the e-mail).
    confirmation_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    payouts_from: Mapped[datetime | None]  # confirmed_at, or later for a change (the hold)

    __table_args__ = (
        # One payee in use per venture.
        Index("uq_payees_active", "organization_id", unique=True,
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
        CheckConstraint("(state = 'unconfirmed') = (confirmed_at IS NULL)", name="payee_confirmed_at"),
        CheckConstraint("kind <> 'bank_account' OR (account_holder IS NOT NULL AND bank_name IS NOT NULL "
                        "AND account_number IS NOT NULL)", name="payee_bank_details"),
        # Confirmed only with its Stripe account (made in the registering transaction, after the first flush).
        CheckConstraint("kind <> 'stripe_connect' OR stripe_account_id IS NOT NULL OR state = 'unconfirmed'",
                        name="payee_stripe_account"),
    )

    @property
    def masked_account(self) -> str:
        """The account as shown after registration: the last four digits only."""
        if self.kind == PayeeKind.stripe_connect:
            return self.stripe_account_id or ""
        number = self.account_number or ""
        return "•" * max(len(number) - 4, 0) + number[-4:]

    @property
    def needs_onboarding(self) -> bool:
        """A Stripe account in use that cannot receive transfers yet: its owner continues at Stripe."""
        return self.state == PayeeState.active and self.kind == PayeeKind.stripe_connect and not self.payouts_enabled

    def is_on_hold(self, now: datetime) -> bool:
        return self.payouts_from is not None and now < as_utc(self.payouts_from)

    def can_receive(self, now: datetime) -> bool:
        if self.state != PayeeState.active or self.is_on_hold(now):
            return False
        return self.kind == PayeeKind.bank_account or self.payouts_enabled


class DepositMethod(LabelledEnum):
    stripe_checkout = "stripe_checkout", _l("Stripe Checkout")
    bank_transfer = "bank_transfer", _l("Bank transfer")


class DepositState(LabelledEnum):
    open = "open", _l("Waiting for payment"), "secondary"
    processing = "processing", _l("Bank transfer on its way"), "info"
    paid = "paid", _l("Received"), "success"
    failed = "failed", _l("Failed"), "danger"
    expired = "expired", _l("Expired"), "dark"


class Deposit(db.Model):
    """A company paying its award in: a Checkout session, or a bank transfer staff recorded."""

    __tablename__ = "deposits"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    method: Mapped[DepositMethod]
    state: Mapped[DepositState] = mapped_column(default=DepositState.open)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[Currency]
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    reference: Mapped[str | None] = mapped_column(String(100))  # the bank's, for a transfer recorded by hand
    checkout_url: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(200))

    award: Mapped[Award] = relationship()

    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="deposit_amount_positive"),
        CheckConstraint("(state = 'paid') = (received_at IS NOT NULL)", name="deposit_received_at"),
        # A Checkout deposit has its session from its first flush on, but for the instant of asking Stripe.
        CheckConstraint("method <> 'stripe_checkout' OR stripe_session_id IS NOT NULL OR state = 'open'",
                        name="deposit_session"),
        CheckConstraint("method <> 'bank_transfer' OR reference IS NOT NULL", name="deposit_reference"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="deposit_refund_range"),
    )

    @property
    def receipt_number(self) -> str:
        return f"KH-{self.award_id:05d}-{self.id:05d}"

    def can_view_receipt(self, user) -> bool:
        """A receipt is the paying company's (and staff's), for money that arrived."""
        return self.state == DepositState.paid and (self.award.is_payer_member(user) or can_oversee_funding(user))


def _currency_column(name: str) -> Enum:
    """A second currency column in one table: its CHECK constraint needs a name of its own (PostgreSQL
    refuses two constraints named ck_<table>_currency)."""
    return Enum(Currency, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda members: [member.value for member in members])


class Payout(db.Model):
    """How one tranche reached the venture: Stripe's transfer, the bank's confirmation of a
    remittance, or MSS's disbursement. One per tranche: the unique key makes two staff recording the
    same confirmation one record (per attempt: a transfer Stripe reversed is paid again)."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"))
    attempt: Mapped[int] = mapped_column(default=1)
    method: Mapped[PayoutMethod]
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    sent_minor: Mapped[int] = mapped_column(BigInteger)
    sent_currency: Mapped[Currency] = mapped_column(_currency_column("sent_currency"))
    received_minor: Mapped[int | None] = mapped_column(BigInteger)
    received_currency: Mapped[Currency | None] = mapped_column(_currency_column("received_currency"))
    rate: Mapped[str | None] = mapped_column(String(30))  # received per sent, as the bank wrote it
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reference: Mapped[str | None] = mapped_column(String(100))
    value_date: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tranche: Mapped[Tranche] = relationship()

    __table_args__ = (
        UniqueConstraint("tranche_id", "attempt", name="uq_payouts_tranche_attempt"),
        CheckConstraint("sent_minor > 0 AND fee_minor >= 0", name="payout_amounts"),
        CheckConstraint("method <> 'stripe_transfer' OR stripe_transfer_id IS NOT NULL", name="payout_transfer_id"),
        CheckConstraint("method = 'stripe_transfer' OR reference IS NOT NULL", name="payout_reference"),
    )


class RemittanceExport(db.Model):
    """One instruction file staff downloaded for the bank: which tranches it carried, and when."""

    __tablename__ = "remittance_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_ids: Mapped[list] = mapped_column(JSON)
    exported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StripeCustomer(db.Model):
    """The Stripe customer of a paying company (Japanese bank transfer needs one)."""

    __tablename__ = "stripe_customers"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(255), unique=True)


class StripeEvent(db.Model):
    """Every webhook event, by Stripe's id: stored in the transaction of its effect, so an event is
    processed once however often Stripe sends it."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # Stripe's timestamp of the event
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON)


class MismatchKind(LabelledEnum):
    missing_in_ledger = "missing_in_ledger", _l("Missing in the ledger"), "danger"
    missing_at_stripe = "missing_at_stripe", _l("Missing at Stripe"), "danger"
    amount_differs = "amount_differs", _l("Amounts differ"), "warning"
    currency_differs = "currency_differs", _l("Currencies differ"), "warning"
    status_differs = "status_differs", _l("Statuses differ"), "warning"
    destination_differs = "destination_differs", _l("Paid to an account not the venture's"), "danger"


class ReconciliationRun(db.Model):
    """One comparison of the ledger with Stripe (app.funding.reconcile), by a staff member or by
    `flask funding reconcile`: staff read the last one's mismatches. ``error`` when Stripe could not be
    read to the end (the run found nothing it can vouch for)."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    since: Mapped[datetime | None]  # None: the whole history
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the command
    mismatch_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(80))  # a PaymentError's problem
    error_detail: Mapped[str | None] = mapped_column(Text)

    started_by = relationship("User")

    @staticmethod
    def can_view(user) -> bool:
        """The institutions' staff, who record the money and resolve what differs."""
        return user.is_authenticated and user.is_staff


class ReconciliationMismatch(db.Model):
    """One thing the ledger and Stripe disagree on, with both sides' records (small dicts of what was
    compared; None for the side that has nothing) to show side by side."""

    __tablename__ = "reconciliation_mismatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    position: Mapped[int]
    kind: Mapped[MismatchKind]
    subject: Mapped[str] = mapped_column(String(20))  # payment, fee, transfer
    reference: Mapped[str] = mapped_column(String(255))  # Stripe's id, or ours when Stripe has none
    field: Mapped[str | None] = mapped_column(String(40))  # the field that differs
    ours: Mapped[dict | None] = mapped_column(JSON)
    stripe: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_reconciliation_mismatches_position"),)
