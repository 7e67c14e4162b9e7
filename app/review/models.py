"""Reviews of proposals against the challenge's rubric, and the conflicts reviewers declare.

A conflict is declared with a venture, on a proposal ("I know this team") or with a person by
e-mail address (then it covers that person's venture). A conflicted user sees nothing of the proposal,
cannot review it and cannot sign a decision on it. How declaring keeps blind review blind:
docs/blind-review.md.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    and_,
    case,
    false,
    func,
    not_,
    or_,
    select,
    text,
    true,
    union,
)
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship, selectinload

from app.auth.models import User
from app.challenges.models import Challenge, ChallengeState
from app.common.enums import LabelledEnum
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import (
    SEEN_BY_STAFF,
    UNDER_CONSIDERATION,
    Proposal,
    ProposalState,
    not_conflicted_clause,
)

SCORES = range(1, 6)


class Recommendation(LabelledEnum):
    strongly_support = "strongly_support", _l("Strongly recommend")
    support = "support", _l("Recommend")
    neutral = "neutral", _l("Neutral")
    oppose = "oppose", _l("Do not recommend")


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


def conflicted_proposals_clause(user_id: int):
    """SQL condition on Proposal: ``user_id`` declared a conflict that covers it.

    A venture named in advance, a person (by account or by e-mail address) and a team met on a
    proposal whose venture the declarer could see cover every proposal of that venture. A team met
    on a blind proposal covers that proposal and the venture's other blind proposals only: hiding
    its named proposals too would show the declarer which venture they had declared against.
    """
    from app.challenges.models import Challenge

    active = _active_conflicts_of(user_id)
    named = select(Conflict.organization_id.label("organization_id")).where(
        *active, Conflict.organization_id.is_not(None), Conflict.identity_hidden.is_(False))
    through_people = (select(User.organization_id.label("organization_id"))
                      .join(Conflict, Conflict.person_id == User.id).where(*active))
    through_addresses = (select(User.organization_id.label("organization_id"))
                         .join(Conflict, Conflict.email == User.email).where(*active))
    unseen_teams = select(Conflict.organization_id).where(*active, Conflict.identity_hidden.is_(True))
    declared_on = select(Conflict.proposal_id).where(*active, Conflict.proposal_id.is_not(None))
    blind_calls = select(Challenge.id).where(Challenge.blind_review.is_(True))
    return or_(Proposal.organization_id.in_(union(named, through_people, through_addresses)),
               Proposal.id.in_(declared_on),
               and_(Proposal.organization_id.in_(unseen_teams), Proposal.challenge_id.in_(blind_calls)))


def conflicted_user_ids(proposal: Proposal, *, candidates) -> set[int]:
    """Which of ``candidates`` (user ids) declared a conflict that covers ``proposal``: the
    one-proposal form of conflicted_proposals_clause."""
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


def visible_proposals_clause(user):
    """SQL condition for the proposals ``user`` may see: the query form of Proposal.can_view."""
    from app.challenges.models import Challenge

    if not user.is_authenticated:
        return false()
    own = Proposal.organization_id == user.organization_id
    not_conflicted = not_(conflicted_proposals_clause(user.id))
    if user.is_staff:
        return or_(own, and_(Proposal.state.in_(SEEN_BY_STAFF), not_conflicted))
    company = select(Challenge.id).where(Challenge.organization_id == user.organization_id)
    return or_(own, and_(Proposal.challenge_id.in_(company), Proposal.shortlisted_at.is_not(None),
                         Proposal.state != ProposalState.withdrawn, not_conflicted))


class Review(db.Model):
    """One reviewer's assignment to one proposal, and — once they have confirmed they have no
    conflict — their scores, comment and recommendation."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    no_conflict_at: Mapped[datetime | None]  # the reviewer confirmed they have no conflict
    conflict_declared_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[Recommendation | None]
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="joined", innerjoin=True)
    scores: Mapped[list["ReviewScore"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        Index("uq_reviews_proposal_reviewer", "proposal_id", "reviewer_id", unique=True),
        CheckConstraint("no_conflict_at IS NULL OR conflict_declared_at IS NULL", name="conflict_answered_once"),
        CheckConstraint("submitted_at IS NULL OR (no_conflict_at IS NOT NULL AND recommendation IS NOT NULL)",
                        name="submitted_review_complete"),
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def conflict_declared(self) -> bool:
        return self.conflict_declared_at is not None

    @property
    def awaits_conflict_answer(self) -> bool:
        return self.no_conflict_at is None and self.conflict_declared_at is None

    def score_for(self, criterion) -> "ReviewScore | None":
        return next((score for score in self.scores if score.criterion_id == criterion.id), None)

    def weighted_score(self) -> float | None:
        """The rubric's weighted mean, 1–5; None until every criterion has a score."""
        criteria = self.proposal.challenge.criteria
        scored = [(self.score_for(criterion), criterion.weight) for criterion in criteria]
        if not scored or any(score is None for score, _ in scored):
            return None
        return sum(score.score * weight for score, weight in scored) / sum(weight for _, weight in scored)

    def _is_reviewer(self, user) -> bool:
        return user.is_authenticated and user.id == self.reviewer_id

    def can_answer_conflict(self, user) -> bool:
        """First step of every review: the reviewer says whether they have a conflict. One declared
        meanwhile (on the conflicts page) has answered already: the proposal is hidden from them."""
        return (self._is_reviewer(user) and self.awaits_conflict_answer and self.proposal.is_under_consideration
                and self.proposal.can_view(user))

    def can_score(self, user) -> bool:
        return (self._is_reviewer(user) and self.no_conflict_at is not None
                and self.proposal.is_under_consideration and self.proposal.can_view(user))

    def can_view(self, user) -> bool:
        """The reviewer, and whoever may read the proposal's reviews."""
        if self._is_reviewer(user):
            return self.proposal.can_view(user)
        return self.is_submitted and self.proposal.can_view_reviews(user)

    def other_submitted_reviews(self) -> list["Review"]:
        """The proposal's other submitted reviews, in the order they came."""
        return list(db.session.scalars(
            select(Review).where(Review.proposal_id == self.proposal_id, Review.submitted_at.is_not(None),
                                 Review.id != self.id).order_by(Review.submitted_at, Review.id)))

    def can_unassign(self, user) -> bool:
        return (user.is_authenticated and user.is_staff and not self.is_submitted
                and self.proposal.can_view(user))


class ReviewScore(db.Model):
    __tablename__ = "review_scores"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id", ondelete="CASCADE"),
                                              primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)



def reviews_pending_of(user, proposals) -> set[int]:
    """The proposals whose scores ``user`` may not read yet because they review them and have not
    submitted: Proposal.can_view_reviews for a whole page, in one query."""
    if not proposals:
        return set()
    return set(db.session.scalars(select(Review.proposal_id).where(
        Review.reviewer_id == user.id, Review.submitted_at.is_(None),
        Review.proposal_id.in_([proposal.id for proposal in proposals]))))


def conflicted_audit_events_clause(user):
    """SQL condition on AuditEvent: events about a proposal ``user`` declared a conflict with — the
    proposal itself, its reviews, the conflicts declared on it and the decisions on it — which the
    audit view must not show them."""
    from app.common import signoff
    from app.common.models import AuditEvent, JointDecision

    proposals = select(Proposal.id).where(conflicted_proposals_clause(user.id))

    def about(table: str, ids):
        return and_(AuditEvent.subject_type == table, AuditEvent.subject_id.in_(ids))

    return or_(about(Proposal.__tablename__, proposals),
               about(Review.__tablename__, select(Review.id).where(Review.proposal_id.in_(proposals))),
               about(Conflict.__tablename__, select(Conflict.id).where(Conflict.proposal_id.in_(proposals))),
               about(JointDecision.__tablename__,
                     select(JointDecision.id).where(signoff.conflicted_decisions_clause(user))))


# Lists of the review pages ----------------------------------------------------------------------------

def reviews_of(user):
    """``user``'s reviews, as far as no conflict hides them: those waiting for them first, then the
    latest assigned (a query to paginate)."""
    awaiting = and_(Review.submitted_at.is_(None), Review.conflict_declared_at.is_(None),
                    Proposal.state.in_(UNDER_CONSIDERATION))
    return (select(Review).join(Review.proposal).options(contains_eager(Review.proposal))
            .where(Review.reviewer_id == user.id, not_conflicted_clause(user))
            .order_by(case((awaiting, 0), else_=1), Review.assigned_at.desc(), Review.id.desc()))


def challenges_to_review(user, limit: int) -> list:
    """Open or closed calls with proposals under consideration that ``user`` sees, with their number:
    all of them for staff, the company's own calls for a company; the nearest deadlines first."""
    mine = true() if user.is_staff else Challenge.organization_id == user.organization_id
    counts = (select(Proposal.challenge_id, func.count().label("proposals"))
              .where(Proposal.state.in_(UNDER_CONSIDERATION), visible_proposals_clause(user))
              .group_by(Proposal.challenge_id).subquery())
    return db.session.execute(
        select(Challenge, counts.c.proposals).join(counts, counts.c.challenge_id == Challenge.id)
        .where(Challenge.state.in_({ChallengeState.open, ChallengeState.closed}), mine)
        .order_by(Challenge.deadline, Challenge.id).limit(limit)).all()


def conflicts_declared_by(user) -> list[Conflict]:
    """Every conflict ``user`` declared, withdrawn or not, the latest first."""
    return db.session.scalars(
        select(Conflict).where(Conflict.user_id == user.id)
        .options(selectinload(Conflict.organization), selectinload(Conflict.proposal))
        .order_by(Conflict.created_at.desc(), Conflict.id.desc())).all()


def conflicts_in_force(user):
    """The conflicts not withdrawn, for staff to lift one declared in error: one declared on a proposal
    only where ``user`` may see that proposal (a query to paginate)."""
    return (select(Conflict).where(Conflict.withdrawn_at.is_(None),
                                   or_(Conflict.proposal_id.is_(None),
                                       Conflict.proposal_id.in_(select(Proposal.id).where(
                                           visible_proposals_clause(user)))))
            .options(selectinload(Conflict.user), selectinload(Conflict.organization),
                     selectinload(Conflict.person), selectinload(Conflict.proposal))
            .order_by(Conflict.created_at.desc(), Conflict.id.desc()))
