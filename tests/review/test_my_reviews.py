"""My reviews (reviews_of): the same reviews, order and total on every page as the first version, which
sorted all of a reviewer's reviews (the waiting ones first, then the latest assigned) with the conflict
rule checked on each and a window count for the total. That version is kept here as the reference."""
from datetime import timedelta

import pytest
from sqlalchemy import and_, case, func, select

from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import UNDER_CONSIDERATION, Proposal, not_conflicted_clause
from app.review.models import Recommendation, Review, reviews_of
from tests.conftest import shared_fixture

REVIEWERS = ("ipark_staff", "ipark_staff2", "mss_staff", "admin")
PER_PAGE = 7


def reference(user) -> tuple[list[int], int]:
    """The first version: every review of ``user``'s that no conflict hides, sorted."""
    awaiting = and_(Review.submitted_at.is_(None), Review.conflict_declared_at.is_(None),
                    Proposal.state.in_(UNDER_CONSIDERATION))
    first = case((awaiting, 0), else_=1)
    ids = db.session.scalars(
        select(Review.id).join(Review.proposal).where(Review.reviewer_id == user.id, not_conflicted_clause(user))
        .order_by(first, Review.assigned_at.desc(), Review.id.desc())).all()
    return list(ids), len(ids)


@shared_fixture
def reviews(make_challenge, make_proposal, make_user, users):
    """Proposals in every state (but draft) from six ventures to blind and named calls; each of four
    reviewers asked to review most of them, the reviews waiting, scoring, submitted or with a conflict
    declared, assigned at times some of which tie; conflicts of every kind, some withdrawn."""
    now = utcnow()
    ventures = [users["venture_owner"], users["other_venture"]] + [make_user("venture") for _ in range(6)]
    calls = [make_challenge("open", blind_review=n % 2 == 0, title=f"Call {n}") for n in range(9)]
    states = ["submitted", "shortlisted", "revision_requested", "submitted", "selected", "declined", "shortlisted",
              "withdrawn", "submitted", "submitted", "shortlisted"]
    proposals = [make_proposal(states[n % len(states)], challenge=calls[n // len(ventures)],
                               creator=ventures[n % len(ventures)], title=f"Proposal {n}")
                 for n in range(len(calls) * len(ventures))]
    by = users["mss_staff"]
    rows = []
    for r, person in enumerate(REVIEWERS):
        reviewer = users[person]
        for n, proposal in enumerate(proposals):
            if (n + r) % 9 == 0:
                continue  # not asked
            kind = (n * 7 + r) % 5  # waiting, scoring, submitted, submitted, conflict declared
            assigned = now - timedelta(hours=(n * 5 + r) % 13)  # ties at every hour
            review = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, assigned_by_id=by.id,
                            assigned_at=assigned)
            if kind in (1, 2, 3):
                review.no_conflict_at = assigned
            if kind in (2, 3):
                review.submitted_at, review.recommendation = assigned, Recommendation.support
            if kind == 4:
                review.conflict_declared_at = assigned
            rows.append(review)
    db.session.add_all(rows)
    blind = next(proposal for proposal in proposals if proposal.challenge.blind_review
                 and proposal.organization_id == ventures[4].organization_id)
    withdrawn = dict(withdrawn_at=now, withdrawn_by_id=by.id, withdrawal_reason="In error.")
    db.session.add_all([
        # ipark_staff: a venture named, a proposal, a team met blind; ipark_staff2: a person; mss_staff: an
        # address and a proposal; each kind once more withdrawn.
        Conflict(user_id=users["ipark_staff"].id, organization_id=users["other_venture"].organization_id),
        Conflict(user_id=users["ipark_staff"].id, organization_id=proposals[2].organization_id,
                 proposal_id=proposals[2].id),
        Conflict(user_id=users["ipark_staff"].id, organization_id=blind.organization_id, proposal_id=blind.id,
                 identity_hidden=True),
        Conflict(user_id=users["ipark_staff2"].id, person_id=ventures[5].id),
        Conflict(user_id=users["mss_staff"].id, email=ventures[6].email),
        Conflict(user_id=users["mss_staff"].id, organization_id=proposals[9].organization_id,
                 proposal_id=proposals[9].id),
        Conflict(user_id=users["ipark_staff"].id, organization_id=ventures[3].organization_id, **withdrawn),
        Conflict(user_id=users["ipark_staff2"].id, organization_id=proposals[8].organization_id,
                 proposal_id=proposals[8].id, **withdrawn),
        Conflict(user_id=users["mss_staff"].id, organization_id=blind.organization_id, proposal_id=blind.id,
                 identity_hidden=True, **withdrawn),
        Conflict(user_id=users["ipark_staff"].id, person_id=ventures[2].id, **withdrawn),
        Conflict(user_id=users["ipark_staff2"].id, email=ventures[3].email, **withdrawn),
        Conflict(user_id=users["admin"].id, organization_id=ventures[0].organization_id, **withdrawn),
    ])
    db.session.commit()
    return len(rows)


@pytest.mark.parametrize("person", REVIEWERS)
def test_every_page_lists_the_same_reviews_in_the_same_order_as_sorting_them_all(reviews, users, person):
    user = users[person]
    expected, total = reference(user)
    pages = -(-total // PER_PAGE)
    listed = []
    for number in range(1, pages + 3):  # and two pages past the end
        page = reviews_of(user, page=number, per_page=PER_PAGE)
        assert page.total == total, number
        assert len(page.items) == (PER_PAGE if number < pages else total - PER_PAGE * (pages - 1)
                                   if number == pages else 0), number
        listed += [review.id for review in page.items]
    assert listed == expected


@pytest.mark.parametrize("per_page", [1, 25, 500])
def test_any_page_size_agrees(reviews, users, per_page):
    user = users["ipark_staff"]
    expected, total = reference(user)
    listed = []
    for number in range(1, total // per_page + 3):
        page = reviews_of(user, page=number, per_page=per_page)
        assert page.total == total
        listed += [review.id for review in page.items]
    assert listed == expected


def test_the_fixture_compares_something(reviews, users):
    """Waiting reviews on several pages, on either side of a page's edge; conflicts hide some reviews of
    each reviewer who has one in force and none of the others'; ties of assigned_at."""
    assert reviews > 100
    for person in REVIEWERS:
        user = users[person]
        expected, total = reference(user)
        own = db.session.scalar(select(func.count()).select_from(Review).where(Review.reviewer_id == user.id))
        assert (total < own) is (person != "admin"), person
        waiting = db.session.scalar(
            select(func.count()).select_from(Review).join(Review.proposal)
            .where(Review.id.in_(expected), Review.submitted_at.is_(None), Review.conflict_declared_at.is_(None),
                   Proposal.state.in_(UNDER_CONSIDERATION)))
        assert PER_PAGE < waiting < total - PER_PAGE and waiting % PER_PAGE, person
    times = db.session.scalars(select(Review.assigned_at).where(Review.reviewer_id == users["admin"].id)).all()
    assert len(set(times)) < len(times)


def test_no_review_no_page(users, make_user):
    reviewer = make_user(institution="ipark")
    for number in (1, 2):
        page = reviews_of(reviewer, page=number, per_page=PER_PAGE)
        assert (page.items, page.total) == ([], 0)
