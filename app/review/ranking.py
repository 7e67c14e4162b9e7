"""The ranking of a challenge's proposals: weighted rubric scores, their spread and the review
count, computed by the database (one query per page, whatever the number of reviews), and the
CSV export of every review behind it."""
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.challenges.models import Challenge
from app.common.csv_export import csv_text
from app.common.pagination import Page
from app.extensions import db
from app.proposals.models import Proposal, ProposalState, name_of_venture, visible_proposals_clause
from app.review.models import Review, with_reviewer_and_scores

PER_PAGE = 50


@dataclass(frozen=True)
class RankedProposal:
    proposal: Proposal
    score: float | None
    spread: float | None
    reviews: int


SORTS = ("score", "spread", "reviews", "submitted", "title")


def _settled(mean):
    """``mean`` to nine decimals: equal means summed in another order differ in their last bits (1.3 and
    1.2999999999999998), and would be ordered by those; settled, they are equal and the ids order them.
    Distinct means differ by far more: each is a fraction over the rubric's total weight (whole numbers)
    times the number of reviews."""
    return func.round(mean * 1e9) / 1e9


def ranking(challenge: Challenge, user, *, sort: str = "score", descending: bool = True, page: int = 1,
            per_page: int = PER_PAGE, states: set[ProposalState] | None = None) -> Page:
    """The proposals ``user`` may see on this challenge, drafts excepted, with their scores."""
    where = [Proposal.challenge_id == challenge.id, Proposal.state != ProposalState.draft,
             visible_proposals_clause(user)]
    if states:
        where.append(Proposal.state.in_(states))
    page = max(page, 1)
    # Sort the keys, then load the page: the sort reads the ids and scores of the call's proposals (not
    # their texts), and the total comes with them (a window over the rows the sort reads anyway: a count
    # of its own read the call's proposals once more). Only a page past the end counts apart.
    # Each review's weighted mean is stored on submission (Review.weighted_score): a review without
    # every score has none, and counts for nothing. Starting from the proposals (their reviews by
    # uq_reviews_proposal_reviewer), no join between the proposals and an aggregate of the call's reviews
    # is left to an estimate: PostgreSQL misjudged how many proposals a conflict leaves and compared
    # every pair (1,546 × 1,303).
    weighted = Review.weighted_score
    score, spread = _settled(func.avg(weighted)).label("score"), \
        _settled(func.max(weighted) - func.min(weighted)).label("spread")
    reviews = func.count(weighted).label("reviews")
    column = {"submitted": Proposal.submitted_at, "title": Proposal.title}.get(sort)
    key = column if column is not None else {"spread": spread, "reviews": reviews}.get(sort, score)
    keys = (select(Proposal.id.label("id"), key.label("key"), score, spread, reviews,
                   func.count().over().label("total"))
            .outerjoin(Review, and_(Review.proposal_id == Proposal.id, Review.submitted_at.is_not(None)))
            .where(*where)
            .group_by(Proposal.id)
            .order_by((key.desc() if descending else key.asc()).nulls_last(), Proposal.id)
            .limit(per_page).offset((page - 1) * per_page)
            .subquery())
    shown = keys.c.key.desc() if descending else keys.c.key.asc()
    rows = db.session.execute(
        select(Proposal, keys.c.score, keys.c.spread, keys.c.reviews, keys.c.total)
        .join(keys, keys.c.id == Proposal.id)
        # Joined: the page's ventures only, the keys having chosen the rows; the call is the page's,
        # already loaded.
        .options(name_of_venture(joinedload(Proposal.organization)))
        .order_by(shown.nulls_last(), Proposal.id)).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(select(func.count()).select_from(Proposal).where(*where)) if page > 1 else 0
    for proposal, *_ in rows:  # the page's call, as the lazy load would find it (for less)
        set_committed_value(proposal, "challenge", challenge)
    items = [RankedProposal(proposal, score, spread, reviews) for proposal, score, spread, reviews, _ in rows]
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def export_rows(challenge: Challenge, user) -> Iterator[list]:
    """The CSV export (app.common.csv_export writes it): a header, then one line per submitted review
    ``user`` may read — the proposal, the reviewer, each criterion's score and comment, the weighted
    score and the recommendation. Blind calls keep the venture unnamed."""
    criteria = list(challenge.criteria)
    header = ["proposal_id", "title", "venture", "state", "reviewer", "weighted_score", "recommendation",
              "comment"]
    for criterion in criteria:
        header += [f"{criterion.name} (×{criterion.weight})", f"{criterion.name}: comment"]
    yield header
    reviews = db.session.scalars(
        select(Review).join(Review.proposal)
        .options(contains_eager(Review.proposal).joinedload(Proposal.organization), *with_reviewer_and_scores())
        .where(Proposal.challenge_id == challenge.id, Review.submitted_at.is_not(None),
               visible_proposals_clause(user))
        .order_by(Proposal.id, Review.id))
    for review in reviews:
        proposal = review.proposal
        if not review.can_view(user):
            continue
        weighted = review.weighted_mean()
        row = [proposal.id, proposal.title,
               proposal.organization.display_name if proposal.can_see_identity(user) else "",
               str(proposal.state), review.reviewer.name,
               "" if weighted is None else f"{weighted:.2f}",
               str(review.recommendation.label), review.comment]
        for criterion in criteria:
            score = review.score_for(criterion)
            row += [score.score if score else "", score.comment if score else ""]
        yield row


def export_csv(challenge: Challenge, user) -> str:
    return csv_text(export_rows(challenge, user))
