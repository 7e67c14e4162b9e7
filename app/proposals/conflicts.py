"""Declared conflicts of interest, and which users and teams they cover.

A conflict is declared with a venture, on a proposal ("I know this team") or with a person by
e-mail address (then it covers that person's venture). A conflicted user sees nothing of the
proposal, cannot review it and cannot sign a decision on it: ``Proposal.can_view`` reads these rows,
so they live with proposals, below review. How declaring keeps blind review blind:
docs/blind-review.md. The SQL forms on Proposal (conflicted_proposals_clause) are in
app.proposals.models; declaring and withdrawing are review's services.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, and_, false, or_, select, text, true, union
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.time import utcnow
from app.extensions import db


class Conflict(db.Model):
    """A reviewer's declared conflict of interest (docs/blind-review.md explains the design).

    Three ways to declare, one table: naming a venture (``organization_id``); on a proposal
    ("I know this team", ``proposal_id`` with the proposal's venture recorded internally, and
    ``identity_hidden`` when the declarer could not see who wrote it); or giving a person's e-mail
    address (``email``), stored as typed and applied to whoever has or will have that address, so
    that declaring never tells whether the address has an account. ``person_id`` is the older
    form of the last one. Only staff withdraw a conflict, with a reason; the declarer cannot, so a
    declare-and-withdraw loop cannot be used to learn who wrote a blind proposal.
    """

    __tablename__ = "review_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    identity_hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))

    user = relationship("User", foreign_keys=[user_id])
    organization = relationship("Organization")
    person = relationship("User", foreign_keys=[person_id])
    proposal = relationship("Proposal")
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    __table_args__ = (
        CheckConstraint("(organization_id IS NOT NULL AND person_id IS NULL AND email IS NULL) "
                        "OR (organization_id IS NULL AND person_id IS NOT NULL AND email IS NULL) "
                        "OR (organization_id IS NULL AND person_id IS NULL AND email IS NOT NULL)",
                        name="one_counterpart"),
        CheckConstraint("proposal_id IS NULL OR organization_id IS NOT NULL", name="proposal_names_its_team"),
        CheckConstraint("NOT identity_hidden OR proposal_id IS NOT NULL", name="hidden_identity_on_proposal"),
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lowercase"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL) "
                        "AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="withdrawal_complete"),
        Index("uq_review_conflicts_organization", "user_id", "organization_id", unique=True,
              sqlite_where=text("organization_id IS NOT NULL AND proposal_id IS NULL AND withdrawn_at IS NULL"),
              postgresql_where=text("organization_id IS NOT NULL AND proposal_id IS NULL AND withdrawn_at IS NULL")),
        Index("uq_review_conflicts_proposal", "user_id", "proposal_id", unique=True,
              sqlite_where=text("proposal_id IS NOT NULL AND withdrawn_at IS NULL"),
              postgresql_where=text("proposal_id IS NOT NULL AND withdrawn_at IS NULL")),
        Index("uq_review_conflicts_person", "user_id", "person_id", unique=True,
              sqlite_where=text("person_id IS NOT NULL AND withdrawn_at IS NULL"),
              postgresql_where=text("person_id IS NOT NULL AND withdrawn_at IS NULL")),
        Index("uq_review_conflicts_email", "user_id", "email", unique=True,
              sqlite_where=text("email IS NOT NULL AND withdrawn_at IS NULL"),
              postgresql_where=text("email IS NOT NULL AND withdrawn_at IS NULL")),
        Index("ix_review_conflicts_organization", "organization_id"),
        Index("ix_review_conflicts_person", "person_id"),
        Index("ix_review_conflicts_email", "email"),
    )

    @staticmethod
    def can_declare(user) -> bool:
        """Reviewers are staff and company members; a venture reviews nothing."""
        return user.is_authenticated and not user.is_venture

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @staticmethod
    def can_oversee(user) -> bool:
        """Institution staff keep the list of conflicts in force and lift those declared in error."""
        return user.is_authenticated and user.is_staff

    def can_withdraw(self, user) -> bool:
        """Staff, never the declarer: a withdrawal restores visibility, so the one who could learn
        from it (by watching a proposal come back) is not the one who decides it."""
        return self.can_oversee(user) and user.id != self.user_id and not self.is_withdrawn


def _active_conflicts_of(user_id):
    return (Conflict.user_id == user_id, Conflict.withdrawn_at.is_(None))


def teams_named_by(user_id: int):
    """SELECT of the ventures ``user_id``'s conflicts cover whole: a venture named in advance, a
    person (by account or by e-mail address), and a team met on a proposal whose venture the
    declarer could see."""
    active = _active_conflicts_of(user_id)
    named = select(Conflict.organization_id.label("organization_id")).where(
        *active, Conflict.organization_id.is_not(None), Conflict.identity_hidden.is_(False))
    through_people = (select(User.organization_id.label("organization_id"))
                      .join(Conflict, Conflict.person_id == User.id).where(*active))
    through_addresses = (select(User.organization_id.label("organization_id"))
                         .join(Conflict, Conflict.email == User.email).where(*active))
    return union(named, through_people, through_addresses)


def teams_met_blind_by(user_id: int):
    """SELECT of the ventures ``user_id`` met on a blind proposal without seeing who they were."""
    return select(Conflict.organization_id).where(*_active_conflicts_of(user_id), Conflict.identity_hidden.is_(True))


def proposals_declared_on_by(user_id: int):
    """SELECT of the proposals ``user_id`` declared a conflict on."""
    return select(Conflict.proposal_id).where(*_active_conflicts_of(user_id), Conflict.proposal_id.is_not(None))


def conflicted_user_ids(proposal, *, candidates) -> set[int]:
    """Which of ``candidates`` (user ids) declared a conflict that covers ``proposal``: the
    one-proposal form of app.proposals.models.conflicted_proposals_clause."""
    candidates = list(candidates)
    if not candidates:
        return set()
    team = proposal.organization_id
    people = select(User.id).where(User.organization_id == team)
    addresses = select(User.email).where(User.organization_id == team)
    covers_team = or_(Conflict.identity_hidden.is_(False), Conflict.proposal_id == proposal.id) \
        if not proposal.challenge.blind_review else true()
    return set(db.session.scalars(select(Conflict.user_id).where(
        Conflict.user_id.in_(candidates), Conflict.withdrawn_at.is_(None),
        or_(and_(Conflict.organization_id == team, covers_team),
            Conflict.person_id.in_(people), Conflict.email.in_(addresses)))))
