"""Reviews of proposals against the challenge's rubric.

Conflicts of interest, which decide who may see a proposal at all, live below in
app.proposals.conflicts; declaring them is a service here.
"""
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Load, Mapped, contains_eager, joinedload, mapped_column, relationship, selectinload

from app.challenges.models import Challenge, ChallengeState
from app.common import signoff
from app.common.enums import LabelledEnum
from app.common.models import AuditEvent, JointDecision
from app.common.pagination import Page
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import (
    UNDER_CONSIDERATION,
    Proposal,
    conflicted_proposal_ids,
    conflicted_proposals_clause,
    name_of_venture,
    title_of_call,
    visible_proposals_clause,
)

SCORES = range(1, 6)


class Recommendation(LabelledEnum):
    strongly_support = "strongly_support", _l("Strongly recommend")
    support = "support", _l("Recommend")
    neutral = "neutral", _l("Neutral")
    oppose = "oppose", _l("Do not recommend")


# A review waiting for its reviewer (the partial index of My reviews).
_WAITING = "submitted_at IS NULL AND conflict_declared_at IS NULL"


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
    # weighted_mean() as it was when the review was last saved submitted (save_review keeps it), NULL
    # before: the ranking averages these instead of joining every review to its scores and the rubric.
    # The rubric changes only while its call is a draft, which has no reviews (update_challenge).
    weighted_score: Mapped[float | None] = mapped_column(Float)

    proposal: Mapped[Proposal] = relationship()
    # Loaded by the queries of the pages that show them (with_reviewer_and_scores), not by every list.
    reviewer = relationship("User", foreign_keys=[reviewer_id], innerjoin=True)
    scores: Mapped[list["ReviewScore"]] = relationship(back_populates="review", cascade="all, delete-orphan")

    __table_args__ = (
        Index("uq_reviews_proposal_reviewer", "proposal_id", "reviewer_id", unique=True),
        # The ranking reads a call's submitted reviews' weighted means from the index alone.
        Index("ix_reviews_proposal_score", "proposal_id", "submitted_at", "weighted_score"),
        # My reviews (reviews_of) reads a reviewer's reviews in assigned order, the waiting ones from a
        # partial index of their own (a few of them): in proportion to the page, not to the reviewer's reviews.
        Index("ix_reviews_reviewer_assigned", "reviewer_id", "assigned_at", "id"),
        Index("ix_reviews_reviewer_waiting", "reviewer_id", "assigned_at", "id",
              sqlite_where=text(_WAITING), postgresql_where=text(_WAITING)),
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

    def weighted_mean(self) -> float | None:
        """The rubric's weighted mean, 1–5; None until every criterion has a score. The one definition:
        stored as weighted_score on submission; the migration that added that column computes it in SQL
        (migrations/versions/c5a1reviewscore_…, tested against this)."""
        criteria = self.proposal.challenge.criteria
        scored = [(self.score_for(criterion), criterion.weight) for criterion in criteria]
        if not scored or any(score is None for score, _ in scored):
            return None
        return Review.mean_of([(score.score, weight) for score, weight in scored])

    @staticmethod
    def mean_of(scores_and_weights) -> float:
        """The weighted mean of (score, weight) pairs, one for each criterion of the rubric (the bench data,
        which writes reviews without the ORM, stores it too)."""
        pairs = list(scores_and_weights)
        return sum(score * weight for score, weight in pairs) / sum(weight for _, weight in pairs)

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
        return self.is_submitted and can_view_reviews(self.proposal, user)

    def other_submitted_reviews(self) -> list["Review"]:
        """The proposal's other submitted reviews, in the order they came."""
        return list(db.session.scalars(
            select(Review).where(Review.proposal_id == self.proposal_id, Review.submitted_at.is_not(None),
                                 Review.id != self.id)
            .options(*with_reviewer_and_scores()).order_by(Review.submitted_at, Review.id)))

    def can_unassign(self, user) -> bool:
        return (user.is_authenticated and user.is_staff and not self.is_submitted
                and self.proposal.can_view(user))


def with_reviewer_and_scores() -> tuple:
    """Loader options for a list of reviews that names each reviewer and shows their scores."""
    return joinedload(Review.reviewer), selectinload(Review.scores)


class ReviewScore(db.Model):
    __tablename__ = "review_scores"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id", ondelete="CASCADE"),
                                              primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)


def can_view_reviews(proposal: Proposal, user) -> bool:
    """The institutions' reviews and scores of ``proposal``: staff who see the proposal, once their
    own review of it (if they were asked for one) is in. Never the posting company, whose members read
    their own review only, whether or not they have submitted it (as on the ranking)."""
    if not (user.is_authenticated and user.is_staff) or proposal.is_member(user) or not proposal.can_view(user):
        return False
    own = db.session.scalar(select(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == user.id))
    return own is None or own.is_submitted


def reviews_pending_of(user, proposals) -> set[int]:
    """The proposals whose scores ``user`` may not read yet because they review them and have not
    submitted: can_view_reviews for a whole page, in one query."""
    if not proposals:
        return set()
    return set(db.session.scalars(select(Review.proposal_id).where(
        Review.reviewer_id == user.id, Review.submitted_at.is_(None),
        Review.proposal_id.in_([proposal.id for proposal in proposals]))))


def conflicted_audit_events_clause(user):
    """SQL condition on AuditEvent: events about a proposal ``user`` declared a conflict with — the
    proposal itself, its reviews, the conflicts declared on it and the decisions on it — which the
    audit view must not show them."""
    proposals = conflicted_proposal_ids(user.id)

    def about(table: str, ids):
        return and_(AuditEvent.subject_type == table, AuditEvent.subject_id.in_(ids))

    return or_(about(Proposal.__tablename__, proposals),
               about(Review.__tablename__, select(Review.id).where(Review.proposal_id.in_(proposals))),
               about(Conflict.__tablename__, select(Conflict.id).where(Conflict.proposal_id.in_(proposals))),
               about(JointDecision.__tablename__,
                     select(JointDecision.id).where(signoff.conflicted_decisions_clause(user))))


# Lists of the review pages ----------------------------------------------------------------------------

def _my_reviews_counts(user_id: int):
    """Scalar subqueries: ``user_id``'s reviews that no conflict hides, and the waiting ones among them.

    Each is a count of an index less the count of the reviews on the proposals the reviewer's conflicts
    cover, found from the conflicts (conflicted_proposal_ids) by uq_reviews_proposal_reviewer: the
    conflict rule is not checked on every review."""
    waits = (Review.submitted_at.is_(None), Review.conflict_declared_at.is_(None))
    under_consideration = Proposal.state.in_(UNDER_CONSIDERATION)

    def hidden(*review_is, proposal_is=()):
        conflicted = conflicted_proposal_ids(user_id).subquery()
        review = select(Review.id).where(Review.proposal_id == conflicted.c.id, Review.reviewer_id == user_id,
                                         *review_is).exists()
        counted = select(func.count()).select_from(conflicted)
        if proposal_is:
            counted = counted.join(Proposal, Proposal.id == conflicted.c.id)
        return counted.where(review, *proposal_is).scalar_subquery()

    own = select(func.count()).select_from(Review).where(Review.reviewer_id == user_id).scalar_subquery()
    own_waiting = (select(func.count()).select_from(Review).join(Review.proposal)
                   .where(Review.reviewer_id == user_id, *waits, under_consideration).scalar_subquery())
    return own - hidden(), own_waiting - hidden(*waits, proposal_is=(under_consideration,))


@lru_cache(maxsize=1024)  # immutable, bound by the page: built once per reviewer, kind of page and process
def _my_reviews_statements(user_id: int, first_page: bool):
    """The page's statement (bound by per_page and offset) and the total's (for a page past the end)."""
    total, waiting_total = _my_reviews_counts(user_id)
    per_page, offset = bindparam("per_page", type_=Integer), bindparam("offset", type_=Integer)
    mine = (Review.reviewer_id == user_id, not_(conflicted_proposals_clause(user_id)))
    waits = and_(Review.submitted_at.is_(None), Review.conflict_declared_at.is_(None),
                 Proposal.state.in_(UNDER_CONSIDERATION))
    newest = (Review.assigned_at.desc(), Review.id.desc())
    waiting = (select(Review.id, literal(0).label("first"), Review.assigned_at).join(Review.proposal)
               .where(*mine, waits).order_by(*newest).limit(per_page).offset(offset).subquery())
    # Page 1 starts both parts at their beginning; a later page starts the others past the waiting ones.
    others_from = 0 if first_page else case((waiting_total < offset, offset - waiting_total), else_=0)
    others = (select(Review.id, literal(1).label("first"), Review.assigned_at).join(Review.proposal)
              .where(*mine, not_(waits)).order_by(*newest).limit(per_page).offset(others_from).subquery())
    keys = union_all(select(waiting), select(others)).subquery()
    listed = contains_eager(Review.proposal)
    page = (select(Review, total.label("total")).join(keys, keys.c.id == Review.id).join(Review.proposal)
            # Joined: the page's rows only, the keys having chosen them.
            .options(title_of_call(listed.joinedload(Proposal.challenge)),
                     name_of_venture(listed.joinedload(Proposal.organization)))
            .order_by(keys.c.first, keys.c.assigned_at.desc(), keys.c.id.desc()).limit(per_page))
    return page, select(total)


def reviews_of(user, *, page: int, per_page: int) -> Page:
    """A page of ``user``'s reviews, as far as no conflict hides them: those waiting for them first,
    then the latest assigned.

    In proportion to the page: the waiting reviews from their partial index, the others in assigned
    order from theirs, each read up to the page's end (the conflict rule checked on those only); past
    the waiting ones, the others start at the page's offset less their number. The total (a column of
    the page) and that number are counts less counts (_my_reviews_counts). The page's reviews,
    proposals, calls and ventures are loaded in the same statement; a page past the end counts apart."""
    offset = (page - 1) * per_page
    statement, count = _my_reviews_statements(user.id, offset == 0)
    rows = db.session.execute(statement, {"per_page": per_page, "offset": offset}).all()
    if rows:
        total = rows[0].total
    else:
        total = db.session.scalar(count) if page > 1 else 0
    return Page(items=[row[0] for row in rows], total=total, page=page, per_page=per_page)


class _Reader(NamedTuple):
    """What the calls to review depend on of their reader: a key to build their statements by."""
    id: int
    is_staff: bool
    organization_id: int | None
    is_authenticated: bool = True


def challenges_to_review(user, limit: int) -> list[tuple[Challenge, int]]:
    """Open or closed calls with proposals under consideration that ``user`` sees, with their number:
    all of them for staff, the company's own calls for a company; the nearest deadlines first.

    Starts from the calls the page shows, then counts for those only: counting every proposal in the
    system first and keeping twenty cost 100 ms at 100,000 proposals. Each state is read in deadline
    order from the listing index and stops at ``limit`` calls with a proposal to review (an IN over
    both states would test every open and closed call, then sort)."""
    calls, counted = _to_review_statements(_Reader(user.id, user.is_staff, user.organization_id), limit)
    challenges = db.session.scalars(calls).all()
    if not challenges:
        return []
    counts = dict(db.session.execute(counted, {"ids": [challenge.id for challenge in challenges]}).all())
    return [(challenge, counts[challenge.id]) for challenge in challenges]


@lru_cache(maxsize=1024)  # immutable: built once per reader and process (building cost more than sending)
def _to_review_statements(user: _Reader, limit: int):
    mine = true() if user.is_staff else Challenge.organization_id == user.organization_id
    to_review = (Proposal.state.in_(UNDER_CONSIDERATION), visible_proposals_clause(user))
    # A scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a semi-join that reads every
    # proposal under consideration (200 ms at 100,000); this stays one index probe per call read.
    has_proposals = select(Proposal.id).where(Proposal.challenge_id == Challenge.id, *to_review) \
        .limit(1).scalar_subquery().is_not(None)
    per_state = [select(Challenge.id, Challenge.deadline).where(Challenge.state == state, mine, has_proposals)
                 .order_by(Challenge.deadline, Challenge.id).limit(limit).subquery()
                 for state in (ChallengeState.open, ChallengeState.closed)]
    nearest = union_all(*(select(part.c.id, part.c.deadline) for part in per_state)).subquery()
    shown = select(nearest.c.id).order_by(nearest.c.deadline, nearest.c.id).limit(limit).subquery()
    # Joined to the chosen ids (a probe each), not IN: PostgreSQL walked every call to test IN.
    calls = (select(Challenge).join(shown, shown.c.id == Challenge.id).options(title_of_call(Load(Challenge)))
             .order_by(Challenge.deadline, Challenge.id))
    counted = (select(Proposal.challenge_id, func.count())
               .where(Proposal.challenge_id.in_(bindparam("ids", expanding=True)), *to_review)
               .group_by(Proposal.challenge_id))
    return calls, counted


def conflicts_declared_by(user) -> list[Conflict]:
    """Every conflict ``user`` declared, withdrawn or not, the latest first."""
    return db.session.scalars(
        select(Conflict).where(Conflict.user_id == user.id)
        .options(selectinload(Conflict.organization), selectinload(Conflict.proposal).joinedload(Proposal.challenge))
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
