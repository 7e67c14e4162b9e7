"""Reviews of proposals against the challenge's rubric, and the conflicts reviewers declare.

A conflict is declared with an organisation or with a person (then it covers every proposal of
that person's venture). A conflicted user sees nothing of the proposal, cannot review it and cannot
sign a decision on it.
"""
import enum
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
    false,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import SEEN_BY_STAFF, Proposal, ProposalState

SCORES = range(1, 6)


class Recommendation(enum.StrEnum):
    strongly_support = "strongly_support"
    support = "support"
    neutral = "neutral"
    oppose = "oppose"


RECOMMENDATION_LABELS = {
    Recommendation.strongly_support: _l("Strongly recommend"),
    Recommendation.support: _l("Recommend"),
    Recommendation.neutral: _l("Neutral"),
    Recommendation.oppose: _l("Do not recommend"),
}


class Conflict(db.Model):
    __tablename__ = "review_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    organization = relationship("Organization")
    person = relationship("User", foreign_keys=[person_id])

    __table_args__ = (
        CheckConstraint("(organization_id IS NULL) <> (person_id IS NULL)", name="one_counterpart"),
        Index("uq_review_conflicts_organization", "user_id", "organization_id", unique=True,
              sqlite_where=text("organization_id IS NOT NULL"),
              postgresql_where=text("organization_id IS NOT NULL")),
        Index("uq_review_conflicts_person", "user_id", "person_id", unique=True,
              sqlite_where=text("person_id IS NOT NULL"),
              postgresql_where=text("person_id IS NOT NULL")),
        Index("ix_review_conflicts_organization", "organization_id"),
        Index("ix_review_conflicts_person", "person_id"),
    )

    @staticmethod
    def can_declare(user) -> bool:
        """Reviewers are staff and company members; a venture reviews nothing."""
        return user.is_authenticated and not user.is_venture

    def can_remove(self, user) -> bool:
        return user.is_authenticated and user.id == self.user_id


def conflicted_user_ids(organization_id: int, *, candidates) -> set[int]:
    """Which of ``candidates`` (user ids) declared a conflict with the organisation or its people."""
    people = select(User.id).where(User.organization_id == organization_id)
    return set(db.session.scalars(select(Conflict.user_id).where(
        Conflict.user_id.in_(list(candidates)),
        or_(Conflict.organization_id == organization_id, Conflict.person_id.in_(people)))))


def conflicted_organizations(user_id: int):
    """Subquery: the organisations ``user_id`` is conflicted with, directly or through a person."""
    direct = select(Conflict.organization_id.label("organization_id")).where(
        Conflict.user_id == user_id, Conflict.organization_id.is_not(None))
    through_people = (select(User.organization_id.label("organization_id"))
                      .join(Conflict, Conflict.person_id == User.id).where(Conflict.user_id == user_id))
    return union(direct, through_people)


def visible_proposals_clause(user):
    """SQL condition for the proposals ``user`` may see: the query form of Proposal.can_view."""
    from app.challenges.models import Challenge

    if not user.is_authenticated:
        return false()
    own = Proposal.organization_id == user.organization_id
    not_conflicted = Proposal.organization_id.not_in(conflicted_organizations(user.id))
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

    @property
    def recommendation_label(self):
        return RECOMMENDATION_LABELS[self.recommendation] if self.recommendation else ""

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
