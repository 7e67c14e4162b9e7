"""The ranking of a challenge's proposals: weighted rubric scores, their spread and the review
count, computed by the database (one query per page, whatever the number of reviews), and the
CSV export of every review behind it."""
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.challenges.models import Challenge, RubricCriterion
from app.common.csv_export import csv_text
from app.common.pagination import Page
from app.extensions import db
from app.proposals.models import Proposal, ProposalState, name_of_venture, visible_proposals_clause
from app.review.models import Review, ReviewScore, with_reviewer_and_scores

PER_PAGE = 50


def _review_totals(challenge_id: int):
    """Each submitted review's weighted mean (1–5), for the proposals to one call only."""
    return (select(Review.id.label("review_id"), Review.proposal_id.label("proposal_id"),
                   (cast(func.sum(ReviewScore.score * RubricCriterion.weight), Float)
                    / func.sum(RubricCriterion.weight)).label("weighted"))
            .join(ReviewScore, ReviewScore.review_id == Review.id)
            .join(RubricCriterion, RubricCriterion.id == ReviewScore.criterion_id)
            .where(Review.submitted_at.is_not(None),
                   Review.proposal_id.in_(select(Proposal.id).where(Proposal.challenge_id == challenge_id)))
            .group_by(Review.id, Review.proposal_id)
            .subquery())


def _per_proposal(challenge_id: int):
    totals = _review_totals(challenge_id)
    return (select(totals.c.proposal_id,
                   func.avg(totals.c.weighted).label("score"),
                   (func.max(totals.c.weighted) - func.min(totals.c.weighted)).label("spread"),
                   func.count().label("reviews"))
            .group_by(totals.c.proposal_id)
            .subquery())


@dataclass(frozen=True)
class RankedProposal:
    proposal: Proposal
    score: float | None
    spread: float | None
    reviews: int


SORTS = ("score", "spread", "reviews", "submitted", "title")


def ranking(challenge: Challenge, user, *, sort: str = "score", descending: bool = True, page: int = 1,
            per_page: int = PER_PAGE, states: set[ProposalState] | None = None) -> Page:
    """The proposals ``user`` may see on this challenge, drafts excepted, with their scores."""
    scores = _per_proposal(challenge.id)
    columns = {"score": scores.c.score, "spread": scores.c.spread,
               "reviews": func.coalesce(scores.c.reviews, 0), "submitted": Proposal.submitted_at,
               "title": Proposal.title}
    key = columns.get(sort, scores.c.score)
    order = key.desc() if descending else key.asc()
    where = [Proposal.challenge_id == challenge.id, Proposal.state != ProposalState.draft,
             visible_proposals_clause(user)]
    if states:
        where.append(Proposal.state.in_(states))
    page = max(page, 1)
    # The total comes with the page (a window over the rows the sort reads anyway): a count of its own
    # read the call's proposals once more. Only a page past the end counts apart.
    rows = db.session.execute(
        select(Proposal, scores.c.score, scores.c.spread, func.coalesce(scores.c.reviews, 0), func.count().over())
        .outerjoin(scores, scores.c.proposal_id == Proposal.id)
        # The ventures of the page only (a join would join every proposal before sorting by score); the
        # call is the page's, already loaded.
        .options(name_of_venture(selectinload(Proposal.organization)))
        .where(*where)
        .order_by(order.nulls_last(), Proposal.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(select(func.count()).select_from(Proposal).where(*where)) if page > 1 else 0
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
        weighted = review.weighted_score()
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
