"""Tables the whole application shares: the audit log, the e-mail outbox, joint decisions."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, JSON, CheckConstraint, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.enums import LabelledEnum
from app.common.time import utcnow
from app.extensions import db


class EnumRows:
    """A set of enum values kept as child rows (an organisation's fields, a challenge's funding
    sources), so they can be indexed and filtered. Reads in the enum's order; assigning keeps the
    rows that stay and adds or drops the others."""

    def __init__(self, relationship: str, column: str, enum_class, row_class):
        self.relationship, self.column, self.enum_class, self.row_class = (
            relationship, column, enum_class, row_class)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        order = list(self.enum_class)
        return sorted((getattr(row, self.column) for row in getattr(instance, self.relationship)),
                      key=order.index)

    def __set__(self, instance, values) -> None:
        wanted = {self.enum_class(value) for value in values}
        rows = [row for row in getattr(instance, self.relationship) if getattr(row, self.column) in wanted]
        have = {getattr(row, self.column) for row in rows}
        rows.extend(self.row_class(**{self.column: value}) for value in self.enum_class
                    if value in wanted - have)
        setattr(instance, self.relationship, rows)


class AuditEvent(db.Model):
    """Append-only: who did what to which object, from which state to which, from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")  # the lists that name it load it (joinedload in their query)

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


# Append-only in the database itself, so no code path (ORM, bulk statement, raw SQL) can rewrite
# history: the audit log here, the ledger (app.funding.ledger). The migrations create the same triggers.
def append_only_statements(table: str) -> dict[str, list[str]]:
    """The triggers, per dialect, that refuse UPDATE and DELETE on ``table``."""
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ],
        "postgresql": [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ],
    }


def append_only_triggers(table: str) -> None:
    """Create the append-only triggers with ``table`` (as create_all does in the tests)."""
    target = db.metadata.tables[table]
    for dialect, statements in append_only_statements(table).items():
        for statement in statements:
            event.listen(target, "after_create", DDL(statement).execute_if(dialect=dialect))


append_only_triggers("audit_events")


class OutboxEmail(db.Model):
    """A message written in the same transaction as the change it reports; sent later, at least
    once (app/common/outbox.py): unsent, it is tried at ``next_attempt_at`` until it is sent or
    ``failed_at`` says it was given up."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Chosen when queued and sent with every try, so a receiver can drop a second copy.
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("sent_at IS NULL OR failed_at IS NULL", name="sent_or_failed"),
        # The worker's query: unsent and not given up, due, oldest-due first.
        Index("ix_outbox_emails_due", "next_attempt_at", "id",
              sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
              postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
        # The staff's list of messages given up, latest first.
        Index("ix_outbox_emails_failed", "failed_at", sqlite_where=text("failed_at IS NOT NULL"),
              postgresql_where=text("failed_at IS NOT NULL")),
    )

    @property
    def is_failed(self) -> bool:
        return self.failed_at is not None and self.sent_at is None

    @staticmethod
    def can_manage(user) -> bool:
        """Administrators, not institution staff: a recipient and a subject together can name the
        venture behind a blind proposal, and staff review (docs/blind-review.md)."""
        return user.is_authenticated and user.is_admin


class Institution(enum.StrEnum):
    ipark = "ipark"
    mss = "mss"


class DecisionState(LabelledEnum):
    pending = "pending", _l("Waiting for signatures")
    approved = "approved", _l("Approved")
    rejected = "rejected", _l("Rejected")


class JointDecision(db.Model):
    """One decision of the partnership: one iPark and one MSS signature, or one rejection."""

    __tablename__ = "joint_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(60))
    state: Mapped[DecisionState] = mapped_column(default=DecisionState.pending)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    ipark_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ipark_signed_at: Mapped[datetime | None]
    mss_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    mss_signed_at: Mapped[datetime | None]
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    ipark_signed_by = relationship("User", foreign_keys=[ipark_signed_by_id])
    mss_signed_by = relationship("User", foreign_keys=[mss_signed_by_id])
    rejected_by = relationship("User", foreign_keys=[rejected_by_id])

    __table_args__ = (
        Index("ix_joint_decisions_subject", "subject_type", "subject_id"),
        # The decisions page: one state, the latest first, a page at a time (read in order, not sorted);
        # with the subject, its count and its conflict filter read the index alone.
        Index("ix_joint_decisions_state_page", "state", "created_at", "id", "subject_type", "subject_id"),
        # At most one open decision per subject, whatever its action: two open ones (shortlist and
        # decline) could both be signed.
        Index("uq_joint_decisions_pending", "subject_type", "subject_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
        CheckConstraint("(ipark_signed_by_id IS NULL) = (ipark_signed_at IS NULL)",
                        name="ipark_signature_complete"),
        CheckConstraint("(mss_signed_by_id IS NULL) = (mss_signed_at IS NULL)",
                        name="mss_signature_complete"),
        CheckConstraint("ipark_signed_by_id IS NULL OR mss_signed_by_id IS NULL "
                        "OR ipark_signed_by_id <> mss_signed_by_id", name="two_different_signers"),
        CheckConstraint("(state = 'approved') = (ipark_signed_at IS NOT NULL AND mss_signed_at "
                        "IS NOT NULL)", name="approved_iff_both_signed"),
        CheckConstraint("(state = 'rejected') = (rejected_at IS NOT NULL AND rejected_by_id IS NOT "
                        "NULL AND rejection_reason IS NOT NULL)", name="rejected_iff_reason"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_at_matches_state"),
    )

    def signed_by(self, institution: Institution):
        return self.ipark_signed_by if institution == Institution.ipark else self.mss_signed_by

    def is_signed_by(self, institution: Institution) -> bool:
        if institution == Institution.ipark:
            return self.ipark_signed_at is not None
        return self.mss_signed_at is not None

    @property
    def subject(self):
        from app.common import signoff

        return signoff.load_subject(self)

    def can_sign(self, user) -> bool:
        """Staff of an institution that has not signed yet, who did not sign for the other side,
        and who declared no conflict with the subject."""
        from app.common import signoff

        institution = getattr(user, "institution", None)
        return (
            self.state == DecisionState.pending
            and institution is not None
            and not self.is_signed_by(institution)
            and user.id not in {self.ipark_signed_by_id, self.mss_signed_by_id}
            and not signoff.is_conflicted(self, user)
        )

    def can_reject(self, user) -> bool:
        from app.common import signoff

        return (
            self.state == DecisionState.pending
            and getattr(user, "institution", None) is not None
            and not signoff.is_conflicted(self, user)
        )

    def shows_rejecter_to(self, user) -> bool:
        """Whether ``user`` may read who rejected it. A subject withdrawn by its venture lapses its
        open decision as rejected by that venture's member; under blind review that name would tell
        reviewers who wrote the proposal (``can_see_identity`` on the subject, where it has one)."""
        if self.rejected_by is None:
            return False
        subject = self.subject
        if subject is None or not hasattr(subject, "can_see_identity"):
            return True
        return (self.rejected_by.organization_id != getattr(subject, "organization_id", None)
                or subject.can_see_identity(user))

    def can_view(self, user) -> bool:
        """Staff pages' users, unless they declared a conflict with the subject: then nothing of it."""
        from app.common import signoff

        return user.is_authenticated and user.can_use_staff_pages and not signoff.is_conflicted(self, user)
