"""Query budgets: the listed pages' statements read rows in proportion to what the page shows, not to
what the system holds (issue 12). PostgreSQL only: the rows read come from EXPLAIN ANALYZE of each
statement a request sends (tests/plans.py), on bench data of thousands (bench.data.generate).

Each test names its bound and where it comes from. The fixture is small enough to build in seconds and
large enough that a statement that reads every proposal (5,000), every review, every search term or
every audit event is far above any bound: the pages show twenty or twenty-five rows.
"""
import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import Float, cast, func, insert, select, update

from app.auth.models import User
from app.challenges.models import Challenge, ChallengeState, RubricCriterion
from app.common.models import AuditEvent, DecisionState, JointDecision
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import SEEN_BY_STAFF, UNDER_CONSIDERATION, Proposal, ProposalState
from app.review.models import Recommendation, Review, ReviewScore
from app.review.services import DECISION_ACTIONS
from bench.data import BENCH_PASSWORD, generate
from tests.conftest import PASSWORD, shared_fixture
from tests.plans import analyze

pytestmark = pytest.mark.postgresql_only

CHALLENGES, PROPOSALS = 300, 5000
# Tables no listed page may scan whole: each grows with the system, not with a page.
BIG_TABLES = ("proposals", "reviews", "review_scores", "challenge_search_terms", "audit_events", "challenges",
              "joint_decisions")


@shared_fixture
def thousands(users):
    """bench.data.generate at 300 calls and 5,000 proposals, and what the staff pages need on top:
    reviews of every proposal staff see (two with scores on the largest call, one elsewhere) by eight
    staff reviewers, the shared fixture's iPark reviewer among them; joint decisions on a fifth of them
    (a tenth still pending); an audit event per review and decision."""
    summary = generate(challenges=CHALLENGES, proposals=PROPOSALS, seed=1)
    now = utcnow()
    staff = [users["ipark_staff"], users["mss_staff"], users["ipark_staff2"]]
    staff += [User(email=f"reviewer{n}@plans.test", name=f"Reviewer {n}", password_hash=staff[0].password_hash,
                   organization_id=staff[n % 2].organization_id, role=staff[0].role, locale="en",
                   email_verified_at=now) for n in range(5)]
    db.session.add_all(staff[3:])
    db.session.flush()
    seen = db.session.execute(select(Proposal.id, Proposal.challenge_id).where(Proposal.state.in_(SEEN_BY_STAFF))
                              .order_by(Proposal.id)).all()
    per_call = {}
    for row in seen:
        per_call[row.challenge_id] = per_call.get(row.challenge_id, 0) + 1
    largest = max(per_call, key=lambda challenge_id: (per_call[challenge_id], -challenge_id))
    criteria = {}
    for criterion in db.session.execute(select(RubricCriterion.challenge_id, RubricCriterion.id)):
        criteria.setdefault(criterion.challenge_id, []).append(criterion.id)
    reviewers = itertools.cycle(staff)
    review_rows = []
    for n, row in enumerate(seen):
        for reviewer in [next(reviewers) for _ in range(2 if row.challenge_id == largest else 1)]:
            review_rows.append(dict(proposal_id=row.id, reviewer_id=reviewer.id, assigned_by_id=staff[0].id,
                                    assigned_at=now - timedelta(minutes=n), no_conflict_at=now, comment="",
                                    recommendation=Recommendation.support,
                                    submitted_at=now if n % 4 else None, updated_at=now))
    review_ids = list(db.session.scalars(insert(Review).returning(Review.id, sort_by_parameter_order=True),
                                         review_rows))
    challenge_of = {row.id: row.challenge_id for row in seen}
    db.session.execute(insert(ReviewScore), [
        dict(review_id=review_id, criterion_id=criterion_id, score=1 + (review_id + criterion_id) % 5, comment="")
        for review_id, review in zip(review_ids, review_rows, strict=True) if review["submitted_at"]
        for criterion_id in criteria[challenge_of[review["proposal_id"]]]])
    # Each submitted review's weighted mean, as save_review stores it (the ranking reads this column).
    weighted = (select(cast(func.sum(ReviewScore.score * RubricCriterion.weight), Float)
                       / func.sum(RubricCriterion.weight))
                .select_from(ReviewScore).join(RubricCriterion, RubricCriterion.id == ReviewScore.criterion_id)
                .where(ReviewScore.review_id == Review.id).scalar_subquery())
    db.session.execute(update(Review).where(Review.id.in_(review_ids), Review.submitted_at.is_not(None))
                       .values(weighted_score=weighted).execution_options(synchronize_session=False))
    decision_rows = []
    # bench.data.generate makes decisions of its own: at most one pending decision per proposal.
    open_decision = set(db.session.scalars(select(JointDecision.subject_id).where(
        JointDecision.subject_type == Proposal.__tablename__, JointDecision.state == DecisionState.pending)))
    for n, row in enumerate(row for row in seen[::5] if row.id not in open_decision):
        pending = n % 2 == 0
        decision_rows.append(dict(
            subject_type=Proposal.__tablename__, subject_id=row.id, action=DECISION_ACTIONS[ProposalState.shortlisted],
            state=DecisionState.pending if pending else DecisionState.approved, created_at=now - timedelta(minutes=n),
            requested_by_id=staff[0].id, note=None, ipark_signed_by_id=None if pending else staff[0].id,
            ipark_signed_at=None if pending else now, mss_signed_by_id=None if pending else staff[1].id,
            mss_signed_at=None if pending else now, decided_at=None if pending else now))
    decision_ids = list(db.session.scalars(
        insert(JointDecision).returning(JointDecision.id, sort_by_parameter_order=True), decision_rows))
    db.session.execute(insert(AuditEvent), [
        dict(created_at=now, actor_id=staff[0].id, action="review.assigned", subject_type=Review.__tablename__,
             subject_id=review_id, details={}) for review_id in review_ids] + [
        dict(created_at=now, actor_id=staff[0].id, action="decision.requested",
             subject_type=JointDecision.__tablename__, subject_id=decision_id, details={})
        for decision_id in decision_ids])
    db.session.flush()
    analyze(db.session.connection(), [table.name for table in db.metadata.sorted_tables])
    venture_id = db.session.scalar(select(Proposal.organization_id).group_by(Proposal.organization_id)
                                   .order_by(func.count().desc(), Proposal.organization_id).limit(1))
    venture = db.session.scalar(select(User).where(User.organization_id == venture_id))
    return {"summary": summary, "largest": db.session.get(Challenge, largest), "venture": venture,
            "reviewer": users["ipark_staff"]}


def _sign_in(client, user, password=PASSWORD):
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.status_code


def _get(client, record_plans, url):
    with record_plans() as plans:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return plans, response.get_data(as_text=True)


# A page may read, of each big table: the rows it counts for a total it prints (`counted`), PER_ROW rows
# per row it shows (the row, its eager loads, an index look-up or two) and SLACK for what every page
# reads (the login session, the user, the organisation). Nothing else: no row of another call, another
# reviewer, another venture.
PER_ROW = 5
SLACK = 20


def within_budget(plans, *, shown: int, counted: dict[str, int] | None = None, why: str) -> None:
    """Every big table within its budget, and none read by a sequential scan; a failure lists every breach."""
    counted = counted or {}
    breaches = []
    for check in [lambda: plans.assert_no_seq_scan(*BIG_TABLES)] + [
            lambda table=table: plans.assert_reads_at_most(
                table, counted.get(table, 0) + PER_ROW * shown + SLACK,
                why=f"{why}; {table}: {counted.get(table, 0)} counted + {PER_ROW} x {shown} shown + {SLACK}")
            for table in BIG_TABLES]:
        try:
            check()
        except AssertionError as breach:
            breaches.append(str(breach))
    if breaches:
        raise AssertionError("\n\n".join(breaches))


def _open_calls() -> int:
    return db.session.scalar(select(func.count()).select_from(Challenge).where(
        Challenge.state == ChallengeState.open, Challenge.deadline > utcnow()))


def test_a_statement_that_reads_every_proposal_breaks_any_budget(thousands, record_plans):
    """The budgets can fail: one proposal found by a condition no index serves reads all 5,000."""
    title = db.session.scalar(select(Proposal.title).order_by(Proposal.id.desc()).limit(1))
    with record_plans() as plans:
        found = db.session.scalars(select(Proposal).where(Proposal.title == title).limit(20)).all()
    assert 1 <= len(found) < 20  # fewer than the limit: nothing stops the scan early
    assert plans.rows_read("proposals") >= PROPOSALS
    with pytest.raises(AssertionError, match=r"(?s)rows of proposals read, more than 25 \(one proposal.*"
                                             r"-> (Seq|Index) Scan .*on proposals: \d+ rows read"):
        within_budget(plans, shown=1, why="one proposal")


def test_the_home_page_reads_nothing(client, thousands, record_plans):
    plans, _ = _get(client, record_plans, "/")
    assert plans.statements == []


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "venture"])
def test_the_list_of_calls_reads_its_page_and_counts_the_open_calls(signed_in, client, thousands, record_plans):
    if signed_in:
        _sign_in(client, thousands["venture"], BENCH_PASSWORD)
    plans, _ = _get(client, record_plans, "/challenges/")
    within_budget(plans, shown=20, counted={"challenges": _open_calls()},
                  why="the list shows 20 open calls and the number of open calls")


@pytest.mark.parametrize("q", ["抗体", "항체 폐암", "machine learning"], ids=["ja", "ko", "en"])
def test_a_search_reads_the_matches_of_its_words(q, client, thousands, record_plans):
    from app.auth.models import AnonymousUser
    from app.challenges.search import find_challenges

    _sign_in(client, thousands["venture"], BENCH_PASSWORD)
    plans, _ = _get(client, record_plans, f"/challenges/?q={q}")
    anyone = AnonymousUser()
    total = find_challenges(user=anyone, q=q).total
    # Each word is looked up on its own before the calls that hold them all are kept: the rows of each
    # word's matches (a term row per version of a call, three versions at most, and a concept row and a
    # bigram or two per word), however few calls hold every word.
    each = sum(find_challenges(user=anyone, q=word).total for word in q.split())
    within_budget(plans, shown=20, counted={"challenges": 2 * total, "challenge_search_terms": 3 * 3 * each},
                  why=f"the search shows 20 of {total} matching calls ({each} match its words one by one)")


def test_a_call_reads_the_call(client, thousands, record_plans):
    _sign_in(client, thousands["venture"], BENCH_PASSWORD)
    plans, _ = _get(client, record_plans, f"/challenges/{thousands['largest'].id}")
    within_budget(plans, shown=1, why="a call's page shows the call, and the reader's own proposal to it")


def test_my_proposals_reads_the_ventures_proposals(client, thousands, record_plans):
    venture = thousands["venture"]
    _sign_in(client, venture, BENCH_PASSWORD)
    plans, _ = _get(client, record_plans, "/proposals/mine")
    own = db.session.scalar(select(func.count()).select_from(Proposal)
                            .where(Proposal.organization_id == venture.organization_id))
    # The list is sorted by latest activity: the count and the sort each read the venture's proposals.
    within_budget(plans, shown=min(own, 20), counted={"proposals": 2 * own},
                  why=f"the page shows 20 of the venture's {own} proposals")


def test_the_ranking_reads_the_calls_proposals_and_their_reviews(client, thousands, record_plans):
    largest = thousands["largest"]
    _sign_in(client, thousands["reviewer"])
    plans, _ = _get(client, record_plans, f"/review/challenges/{largest.id}")
    of_call = select(Proposal.id).where(Proposal.challenge_id == largest.id)
    proposals = db.session.scalar(select(func.count()).select_from(of_call.subquery()))
    reviews = db.session.scalar(select(func.count()).select_from(Review).where(Review.proposal_id.in_(of_call)))
    # Sorted by score: every proposal of the call is scored to pick the 25 shown (and counted for the
    # total), from each submitted review's stored mean, so the call's proposals (twice) and reviews are
    # read — no score row, and no other call's.
    within_budget(plans, shown=25, counted={"proposals": 2 * proposals, "reviews": reviews},
                  why=f"the ranking shows 25 of the call's {proposals} proposals, scored from {reviews} reviews")


def test_my_reviews_reads_the_reviewers_reviews_and_the_calls_it_lists(client, thousands, record_plans):
    reviewer = thousands["reviewer"]
    _sign_in(client, reviewer)
    plans, page = _get(client, record_plans, "/review/")
    calls = {int(found) for found in re.findall(r"/review/challenges/(\d+)", page)}
    assert 0 < len(calls) <= 20
    own = db.session.scalar(select(func.count()).select_from(Review).where(Review.reviewer_id == reviewer.id))
    under_consideration = db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.challenge_id.in_(calls), Proposal.state.in_(UNDER_CONSIDERATION)))
    # The reviewer's list (25 of their reviews, the waiting ones first) reads the waiting ones, then the
    # others in order until the page is full, and counts the reviewer's reviews from an index (less those
    # their conflicts cover, found from the conflicts); each listed call shows its number of proposals
    # under consideration, which counts those.
    within_budget(plans, shown=25 + len(calls),
                  counted={"reviews": own, "proposals": under_consideration},
                  why=f"the page shows 25 of the reviewer's {own} reviews and {len(calls)} calls with "
                      f"{under_consideration} proposals under consideration")


def test_the_decisions_read_the_pending_page(client, thousands, record_plans):
    _sign_in(client, thousands["reviewer"])
    plans, _ = _get(client, record_plans, "/staff/decisions")
    pending = db.session.scalar(select(func.count()).select_from(JointDecision)
                                .where(JointDecision.state == DecisionState.pending))
    within_budget(plans, shown=25, counted={"joint_decisions": pending},
                  why=f"the page shows 25 of the {pending} pending decisions, and their number")
