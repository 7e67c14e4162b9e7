"""Each submitted review's weighted mean is stored (Review.weighted_score): save_review keeps it on every
submission and correction, the migration computes it for the reviews before it, and the ranking reads it
— with results equal to those computed from the scores themselves."""
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.challenges.models import RubricCriterion
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, ProposalState
from app.review import services
from app.review.models import Recommendation, Review, ReviewScore
from app.review.ranking import SORTS, ranking

SUBMITTED, SHORTLISTED = ProposalState.submitted, ProposalState.shortlisted
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "c5a1reviewscore_reviews_weighted_score.py"


@pytest.fixture
def challenge(make_challenge):
    """Three criteria weighted 3, 2 and 1: means in sixths, which no float holds exactly."""
    return make_challenge("open", criteria=[RubricCriterion(position=n, name=name, weight=weight)
                                            for n, (name, weight) in enumerate(
                                                (("Science", 3), ("Fit", 2), ("Team", 1)), 1)])


@pytest.fixture
def reviewers(users, make_user):
    return [users["ipark_staff"], users["ipark_staff2"], users["mss_staff"],
            *(make_user(institution="mss", role="member", name=f"Reviewer {n}") for n in range(2))]


def scores_of(challenge, *values):
    return {criterion.id: (value, "") for criterion, value in zip(challenge.criteria, values, strict=True)}


def reviewed(proposal, reviewer, users, *values, submit=True, recommendation="support") -> Review:
    """A review through the services: assigned, no conflict, scored (and submitted unless told otherwise)."""
    review = services.assign_reviewer(proposal, reviewer, actor=users["ipark_staff"])
    services.confirm_no_conflict(review, actor=reviewer)
    services.save_review(review, actor=reviewer, scores=scores_of(proposal.challenge, *values), comment="",
                         recommendation=recommendation if submit else None, submit=submit)
    db.session.commit()
    return review


def mean_from_scores(review: Review) -> float | None:
    """The weighted mean from the review's score rows and the rubric's weights, as the reviewers read it."""
    weights = {criterion.id: criterion.weight for criterion in review.proposal.challenge.criteria}
    given = {score.criterion_id: score.score for score in review.scores}
    if not weights or set(given) != set(weights):
        return None
    return sum(given[criterion] * weight for criterion, weight in weights.items()) / sum(weights.values())


# Stored by save_review ----------------------------------------------------------------------------

def test_save_review_stores_the_weighted_mean_on_submission_and_on_each_correction(challenge, make_proposal,
                                                                                   users):
    proposal, reviewer = make_proposal(SUBMITTED, challenge=challenge), users["mss_staff"]
    review = reviewed(proposal, reviewer, users, 4, None, None, submit=False)
    assert review.weighted_score is None  # a draft counts for nothing yet
    services.save_review(review, actor=reviewer, scores=scores_of(challenge, 5, 4, 4), comment="",
                         recommendation="support", submit=False)
    db.session.commit()
    assert review.weighted_score is None  # complete, but not submitted
    services.save_review(review, actor=reviewer, scores=scores_of(challenge, 5, 2, 1), comment="",
                         recommendation="support", submit=True)
    db.session.commit()
    assert review.weighted_score == review.weighted_mean() == (3 * 5 + 2 * 2 + 1 * 1) / 6
    services.save_review(review, actor=reviewer, scores=scores_of(challenge, 1, 2, 4), comment="",
                         recommendation="oppose", submit=False)  # a correction: submitted stays submitted
    db.session.commit()
    db.session.expire_all()
    assert review.weighted_score == review.weighted_mean() == (3 * 1 + 2 * 2 + 1 * 4) / 6
    with pytest.raises(services.IncompleteReview):  # a correction that takes a score back is refused
        services.save_review(review, actor=reviewer, scores=scores_of(challenge, 1, 2, None), comment="",
                             recommendation="oppose", submit=True)
    db.session.rollback()
    assert db.session.get(Review, review.id).weighted_score == (3 * 1 + 2 * 2 + 1 * 4) / 6


# The ranking reads it -----------------------------------------------------------------------------

@pytest.fixture
def scored_call(challenge, make_proposal, make_user, users, reviewers):
    """Proposals reviewed through the services: several reviews each, corrections, a draft review, a
    submitted review without scores (which the database allows), equal scores, a shortlisted one, an
    unread one, and a draft proposal with a review. mss_staff has a conflict with one venture."""
    start = utcnow() - timedelta(days=5)
    proposals = [make_proposal(SHORTLISTED if n == 4 else SUBMITTED, challenge=challenge,
                               creator=make_user("venture"), title=f"{'FBDAEGC'[n]} proposal {n}",
                               submitted_at=start + timedelta(hours=(7 * n) % 11))
                 for n in range(7)]
    draft = make_proposal(ProposalState.draft, challenge=challenge, creator=make_user("venture"), title="Draft")
    first, second, third, fourth, fifth, sixth, _unread = proposals
    reviewed(first, reviewers[0], users, 5, 1, 3)
    reviewed(first, reviewers[1], users, 2, 2, 5)
    reviewed(first, reviewers[3], users, 4, 4, None, submit=False)  # not submitted: not counted
    corrected = reviewed(second, reviewers[0], users, 1, 1, 1)
    services.save_review(corrected, actor=reviewers[0], scores=scores_of(challenge, 4, 3, 5), comment="Second look.",
                         recommendation="support", submit=True)
    reviewed(second, reviewers[4], users, 3, 5, 2)
    reviewed(third, reviewers[1], users, 3, 3, 3)
    reviewed(fourth, reviewers[1], users, 3, 3, 3)  # equal to the third: the ids decide
    reviewed(fifth, reviewers[2], users, 5, 5, 4)
    reviewed(fifth, reviewers[3], users, 2, 4, 2)
    now = utcnow()
    db.session.add(Review(proposal=sixth, reviewer_id=reviewers[2].id, assigned_by_id=reviewers[0].id,
                          no_conflict_at=now, recommendation=Recommendation.neutral, submitted_at=now))
    reviewed(sixth, reviewers[4], users, 2, 1, 2)
    db.session.add(Review(proposal=draft, reviewer_id=reviewers[0].id, assigned_by_id=reviewers[0].id,
                          no_conflict_at=now, recommendation=Recommendation.support, submitted_at=now,
                          scores=[ReviewScore(criterion_id=criterion.id, score=5) for criterion in challenge.criteria]))
    db.session.add(Conflict(user_id=users["mss_staff"].id, organization_id=second.organization_id))
    db.session.commit()
    return challenge


def expected_rows(challenge, user) -> dict[int, tuple]:
    """(score, spread, reviews) of each proposal ``user`` may see, computed from the score rows."""
    rows = {}
    for proposal in db.session.scalars(select(Proposal).where(Proposal.challenge_id == challenge.id)):
        if proposal.state == ProposalState.draft or not proposal.can_view(user):
            continue
        means = [mean for review in db.session.scalars(select(Review).where(Review.proposal_id == proposal.id,
                                                                            Review.submitted_at.is_not(None)))
                 if (mean := mean_from_scores(review)) is not None]
        rows[proposal.id] = ((sum(means) / len(means), max(means) - min(means), len(means)) if means
                             else (None, None, 0))
    return rows


def expected_order(challenge, rows, sort, descending) -> list[int]:
    proposals = {proposal.id: proposal for proposal in db.session.scalars(
        select(Proposal).where(Proposal.challenge_id == challenge.id))}

    def key(proposal_id):
        score, spread, reviews = rows[proposal_id]
        proposal = proposals[proposal_id]
        return {"spread": None if spread is None else round(spread, 9), "reviews": reviews,
                "submitted": proposal.submitted_at, "title": proposal.title}.get(
            sort, None if score is None else round(score, 9))

    present = sorted((proposal_id for proposal_id in rows if key(proposal_id) is not None),
                     key=lambda proposal_id: proposal_id)
    present.sort(key=key, reverse=descending)  # stable both ways: equal keys stay in id order
    return present + sorted(proposal_id for proposal_id in rows if key(proposal_id) is None)


def approx_rows(rows):
    return {proposal_id: (None if score is None else pytest.approx(score, abs=1e-9),
                          None if spread is None else pytest.approx(spread, abs=1e-9), reviews)
            for proposal_id, (score, spread, reviews) in rows.items()}


@pytest.mark.parametrize("viewer", ["ipark_staff", "mss_staff"])  # mss_staff is conflicted with one venture
@pytest.mark.parametrize("sort", [*SORTS, "nonsense"])
@pytest.mark.parametrize("descending", [True, False])
def test_the_ranking_equals_the_scores_recomputed(scored_call, users, viewer, sort, descending):
    user = users[viewer]
    rows = expected_rows(scored_call, user)
    assert len(rows) == (6 if viewer == "mss_staff" else 7)
    page = ranking(scored_call, user, sort=sort, descending=descending)
    assert {item.proposal.id: (item.score, item.spread, item.reviews) for item in page.items} == approx_rows(rows)
    assert [item.proposal.id for item in page.items] == expected_order(scored_call, rows, sort, descending)
    assert page.total == len(rows)
    paged = [item.proposal.id for number in (1, 2, 3)
             for item in ranking(scored_call, user, sort=sort, descending=descending, page=number, per_page=3).items]
    assert paged == [item.proposal.id for item in page.items]


def test_the_ranking_filtered_by_state_equals_the_scores_recomputed(scored_call, users):
    user = users["ipark_staff"]
    shortlisted = {proposal_id: row for proposal_id, row in expected_rows(scored_call, user).items()
                   if db.session.get(Proposal, proposal_id).state == SHORTLISTED}
    page = ranking(scored_call, user, states={SHORTLISTED})
    assert {item.proposal.id: (item.score, item.spread, item.reviews) for item in page.items} == \
        approx_rows(shortlisted)
    assert len(shortlisted) == 1 and page.total == 1


# The migration fills it in for the reviews before it ----------------------------------------------

def migration():
    spec = importlib.util.spec_from_file_location("reviews_weighted_score", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_computes_what_the_model_does(scored_call, make_challenge, make_proposal, users):
    """Submitted reviews get their weighted mean, in SQL, equal to Review.weighted_mean(); a draft, a
    submitted review without scores or with some of them (which the database allows) get none."""
    partial = make_proposal(SUBMITTED, challenge=scored_call)
    now = utcnow()
    db.session.add(Review(proposal=partial, reviewer_id=users["mss_staff"].id, assigned_by_id=users["mss_staff"].id,
                          no_conflict_at=now, recommendation=Recommendation.neutral, submitted_at=now,
                          scores=[ReviewScore(criterion_id=scored_call.criteria[0].id, score=4)]))
    unrubricked = make_proposal(SUBMITTED, challenge=make_challenge("open"))
    unrubricked.challenge.criteria = []
    db.session.add(Review(proposal=unrubricked, reviewer_id=users["mss_staff"].id,
                          assigned_by_id=users["mss_staff"].id, no_conflict_at=now,
                          recommendation=Recommendation.neutral, submitted_at=now))
    db.session.commit()
    db.session.execute(update(Review).values(weighted_score=None))
    migration().fill_in_weighted_scores(db.session.connection())
    db.session.expire_all()
    reviews = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert len(reviews) == 14
    assert [(review.id, review.weighted_score) for review in reviews] == [
        (review.id, review.weighted_mean() if review.is_submitted else None) for review in reviews]
    assert sum(review.weighted_score is not None for review in reviews) == 10


@pytest.mark.parametrize("descending", [True, False])
def test_equal_means_summed_in_another_order_tie(make_challenge, make_proposal, make_user, reviewers, users,
                                                 descending):
    """(1.0 + 1.0 + 1.3) / 3 is 1.0999999999999999 in floating point, whatever the order: it ties with a
    single review of 1.1 all the same, and the ids order the two either way."""
    call = make_challenge("open", criteria=[RubricCriterion(position=n, name=f"C{n}", weight=weight)
                                            for n, weight in enumerate((30, 25, 20, 15, 10), 1)])
    averaged, single = (make_proposal(SUBMITTED, challenge=call, creator=make_user("venture")) for _ in range(2))
    for reviewer, last in zip(reviewers, (1, 1, 4), strict=False):
        reviewed(averaged, reviewer, users, 1, 1, 1, 1, last)  # 1.0, 1.0 and 1.3
    reviewed(single, reviewers[3], users, 1, 1, 1, 1, 2)  # 1.1
    page = ranking(call, users["ipark_staff"], descending=descending)
    assert [(item.proposal.id, item.score) for item in page.items] == [(averaged.id, 1.1), (single.id, 1.1)]
