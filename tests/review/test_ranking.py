"""The ranking of a challenge's proposals (weighted score, spread, review count; sorting, paging,
who sees what) and the CSV export of the reviews behind it."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.challenges.models import Challenge, RubricCriterion
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import ProposalState
from app.review.models import Recommendation, Review, ReviewScore
from app.review.ranking import export_csv, ranking

SUBMITTED, SHORTLISTED = ProposalState.submitted, ProposalState.shortlisted


# Helpers and fixtures ---------------------------------------------------------------------------

@pytest.fixture
def challenge(make_challenge):
    """Two criteria weighted 3 and 1."""
    return make_challenge("open", criteria=[RubricCriterion(position=1, name="Science", weight=3),
                                            RubricCriterion(position=2, name="Team", weight=1)])


@pytest.fixture
def reviewers(users, make_user):
    """Staff enough for every review of a proposal to have its own reviewer."""
    return [users["ipark_staff"], users["ipark_staff2"], users["mss_staff"],
            *(make_user(institution="mss", role="member", name=f"Reviewer {n}") for n in range(3))]


def review(proposal, reviewer, *scores, submitted=True, comment="", remarks=None,
           recommendation=Recommendation.support) -> Review:
    """A review with one score per criterion, in the rubric's order; submitted unless told otherwise."""
    now = utcnow()
    remarks = remarks or [""] * len(scores)
    row = Review(proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=reviewer.id, no_conflict_at=now,
                 comment=comment, recommendation=recommendation if submitted else None,
                 submitted_at=now if submitted else None,
                 scores=[ReviewScore(criterion_id=criterion.id, score=score, comment=remark)
                         for criterion, score, remark in zip(proposal.challenge.criteria, scores, remarks,
                                                             strict=True)])
    row.weighted_score = row.weighted_mean() if submitted else None  # as save_review stores it
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def ranked(challenge, make_proposal, make_user, users, reviewers):
    """Three proposals with different scores, and a draft:
    "split": reviews (5, 1) → 4.0 and (2, 2) → 2.0, plus an unsubmitted (1, 1): score 3.0, spread 2.0
    "steady": one review (4, 4) → 4.0: score 4.0, spread 0.0
    "unread": no review: no score, no spread, 0 reviews."""
    start = utcnow() - timedelta(days=3)
    ventures = [users["venture_owner"], users["other_venture"], make_user("venture"), make_user("venture")]
    found = {}
    for n, (name, creator) in enumerate(zip(("split", "steady", "unread", "draft"), ventures, strict=True)):
        state = ProposalState.draft if name == "draft" else SUBMITTED
        found[name] = make_proposal(state, challenge=challenge, creator=creator, title=f"{'CBAD'[n]} {name}",
                                    submitted_at=None if name == "draft" else start + timedelta(hours=(3 - n)))
    review(found["split"], reviewers[0], 5, 1)
    review(found["split"], reviewers[1], 2, 2)
    review(found["split"], reviewers[2], 1, 1, submitted=False)
    review(found["steady"], reviewers[0], 4, 4)
    review(found["draft"], reviewers[0], 5, 5)
    return found


def names(page, ranked):
    by_id = {proposal.id: name for name, proposal in ranked.items()}
    return [by_id[item.proposal.id] for item in page.items]


# Scores -----------------------------------------------------------------------------------------

def test_scores_spread_and_review_count(ranked, users):
    page = ranking(ranked["split"].challenge, users["ipark_staff"])
    rows = {item.proposal.id: (item.score, item.spread, item.reviews) for item in page.items}
    assert rows[ranked["split"].id] == (pytest.approx(3.0), pytest.approx(2.0), 2)
    assert rows[ranked["steady"].id] == (pytest.approx(4.0), pytest.approx(0.0), 1)
    assert rows[ranked["unread"].id] == (None, None, 0)
    assert ranked["draft"].id not in rows  # drafts are the venture's private work, even with a review
    assert page.total == 3


def test_the_score_is_the_mean_of_the_weighted_review_means(challenge, make_proposal, reviewers, users):
    """Not the weighted mean of all scores pooled: each review counts once, whatever its weights."""
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    review(proposal, reviewers[0], 5, 5)  # 5.0
    review(proposal, reviewers[1], 1, 5)  # (3 + 5) / 4 = 2.0
    review(proposal, reviewers[2], 2, 1)  # (6 + 1) / 4 = 1.75
    [item] = ranking(challenge, users["mss_staff"]).items
    assert item.score == pytest.approx((5.0 + 2.0 + 1.75) / 3)
    assert item.spread == pytest.approx(5.0 - 1.75)
    assert item.reviews == 3
    assert [r.weighted_mean() for r in db.session.scalars(select(Review).order_by(Review.id))] == [
        5.0, 2.0, 1.75]


def test_an_unsubmitted_review_does_not_count(challenge, make_proposal, reviewers, users):
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    draft = review(proposal, reviewers[0], 1, 1, submitted=False)
    assert ranking(challenge, users["ipark_staff"]).items[0].reviews == 0
    draft.recommendation, draft.submitted_at = Recommendation.oppose, utcnow()
    draft.weighted_score = draft.weighted_mean()
    db.session.commit()
    [item] = ranking(challenge, users["ipark_staff"]).items
    assert (item.score, item.spread, item.reviews) == (1.0, 0.0, 1)



def test_a_submitted_review_without_scores_does_not_count(challenge, make_proposal, reviewers, users):
    """The database lets a review be submitted without scores (the form does not): it has no mean, so
    neither its proposal's score nor its number of reviews takes it in."""
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    now = utcnow()
    db.session.add(Review(proposal=proposal, reviewer_id=reviewers[0].id, assigned_by_id=reviewers[0].id,
                          no_conflict_at=now, recommendation=Recommendation.neutral, submitted_at=now))
    db.session.commit()
    [item] = ranking(challenge, users["ipark_staff"]).items
    assert (item.score, item.spread, item.reviews) == (None, None, 0)
    scored = review(proposal, reviewers[1], 4, 2)
    [item] = ranking(challenge, users["ipark_staff"]).items
    assert (item.score, item.spread, item.reviews) == (pytest.approx(scored.weighted_mean()), 0.0, 1)
    assert ranking(challenge, users["ipark_staff"], sort="reviews").items[0].reviews == 1

# Sorting and paging -----------------------------------------------------------------------------

@pytest.mark.parametrize(("sort", "descending", "expected"), [
    ("score", True, ["steady", "split", "unread"]),
    ("score", False, ["split", "steady", "unread"]),  # no score: last either way
    ("spread", True, ["split", "steady", "unread"]),
    ("spread", False, ["steady", "split", "unread"]),
    ("reviews", True, ["split", "steady", "unread"]),
    ("reviews", False, ["unread", "steady", "split"]),
    ("submitted", True, ["split", "steady", "unread"]),  # "split" was submitted last
    ("submitted", False, ["unread", "steady", "split"]),
    ("title", True, ["split", "steady", "unread"]),  # titles "C split", "B steady", "A unread"
    ("title", False, ["unread", "steady", "split"]),
    ("nonsense", True, ["steady", "split", "unread"]),  # an unknown key sorts by score
])
def test_sort(ranked, users, sort, descending, expected):
    page = ranking(ranked["split"].challenge, users["ipark_staff"], sort=sort, descending=descending)
    assert names(page, ranked) == expected


def test_equal_scores_keep_a_stable_order(challenge, make_proposal, make_user, reviewers, users):
    proposals = [make_proposal(SUBMITTED, challenge=challenge, creator=make_user("venture")) for _ in range(4)]
    for proposal in proposals:
        review(proposal, reviewers[0], 3, 3)
    for descending in (True, False):
        page = ranking(challenge, users["ipark_staff"], descending=descending)
        assert [item.proposal.id for item in page.items] == [proposal.id for proposal in proposals]


def test_pagination(challenge, make_proposal, make_user, reviewers, users):
    proposals = [make_proposal(SUBMITTED, challenge=challenge, creator=make_user("venture")) for _ in range(7)]
    for n, proposal in enumerate(proposals):
        review(proposal, reviewers[0], 1 + n % 5, 5 - n % 5)
    everything = [item.proposal.id for item in ranking(challenge, users["ipark_staff"], per_page=50).items]
    assert len(everything) == 7
    pages = [ranking(challenge, users["ipark_staff"], page=number, per_page=3) for number in (1, 2, 3)]
    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert [item.proposal.id for page in pages for item in page.items] == everything
    assert {(page.total, page.pages) for page in pages} == {(7, 3)}
    assert (pages[0].has_prev, pages[0].has_next, pages[2].has_next) == (False, True, False)
    past_the_end = ranking(challenge, users["ipark_staff"], page=4, per_page=3)
    assert (past_the_end.items, past_the_end.total) == ([], 7)  # the total comes with a page's rows: counted apart
    assert ranking(challenge, users["ipark_staff"], page=0, per_page=3).page == 1  # a bad page number is page 1


def test_filter_by_state(ranked, users):
    challenge = ranked["split"].challenge
    ranked["steady"].state, ranked["steady"].shortlisted_at = SHORTLISTED, utcnow()
    db.session.commit()
    page = ranking(challenge, users["ipark_staff"], states={SHORTLISTED})
    assert (names(page, ranked), page.total) == (["steady"], 1)


# Who sees what ----------------------------------------------------------------------------------

def visible_ids(challenge, user):
    return {item.proposal.id for item in ranking(challenge, user).items}


def test_the_company_ranks_only_the_shortlisted(ranked, users):
    challenge = ranked["split"].challenge
    assert visible_ids(challenge, users["company_owner"]) == set()
    ranked["split"].state, ranked["split"].shortlisted_at = SHORTLISTED, utcnow()
    db.session.commit()
    assert visible_ids(challenge, users["company_member"]) == {ranked["split"].id}
    [item] = ranking(challenge, users["company_member"]).items
    assert (item.score, item.reviews) == (pytest.approx(3.0), 2)


@pytest.mark.parametrize("person", ["anonymous", "venture_owner", "venture_member", "other_venture",
                                    "company_owner", "ipark_staff", "mss_staff", "admin"])
def test_the_ranking_holds_what_the_person_may_see(ranked, users, anonymous, person):
    from tests.conftest import who

    user = who(users, anonymous, person)
    challenge = ranked["split"].challenge
    expected = {proposal.id for proposal in ranked.values() if proposal.state != ProposalState.draft
                and proposal.can_view(user)}
    assert visible_ids(challenge, user) == expected
    assert ranking(challenge, user).total == len(expected)


def test_a_conflicted_reviewer_does_not_see_the_venture_ranked(ranked, users):
    challenge, staff = ranked["split"].challenge, users["mss_staff"]
    db.session.add(Conflict(user_id=staff.id, person_id=users["venture_member"].id))
    db.session.commit()
    assert visible_ids(challenge, staff) == {ranked["steady"].id, ranked["unread"].id}


def test_another_challenge_is_not_mixed_in(ranked, make_challenge, make_proposal, users, reviewers):
    elsewhere = make_proposal(SUBMITTED, challenge=make_challenge("open"))
    assert elsewhere.id not in visible_ids(ranked["split"].challenge, users["ipark_staff"])
    assert visible_ids(elsewhere.challenge, users["ipark_staff"]) == {elsewhere.id}


def test_ranking_uses_a_constant_number_of_queries(app, challenge, make_proposal, make_user, reviewers, users,
                                                   count_queries):
    def queries_for_ranking():
        with app.app_context():  # a fresh session, as in a request: nothing cached
            staff = db.session.get(User, staff_id)
            call = db.session.get(Challenge, challenge_id)
            staff.is_staff  # noqa: B018  (the reader's organisation, loaded once per request anyway)
            with count_queries() as queries:
                page = ranking(call, staff)
                shown = [(item.proposal.title, item.proposal.organization.display_name, item.proposal.state.label,
                          item.proposal.challenge.blind_review) for item in page.items]  # what the page shows
            return len(queries), len(shown)

    challenge_id, staff_id = challenge.id, users["ipark_staff"].id
    for _ in range(2):
        proposal = make_proposal(SUBMITTED, challenge=challenge, creator=make_user("venture"))
        review(proposal, reviewers[0], 4, 2)
        review(proposal, reviewers[1], 3, 3)
    few, shown = queries_for_ranking()
    assert shown == 2
    for n in range(10):
        proposal = make_proposal(SUBMITTED, challenge=challenge, creator=make_user("venture"))
        for reviewer in reviewers[: 1 + n % 4]:
            review(proposal, reviewer, 1 + n % 5, 5)
    many, shown = queries_for_ranking()
    assert shown == 12
    assert many == few
    # The page with its ventures and the total; the call is the page's, already loaded.
    assert few == 1


# The CSV export ---------------------------------------------------------------------------------

def parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_export_has_one_row_per_submitted_review(ranked, users, reviewers):
    challenge = ranked["split"].challenge
    table = parse(export_csv(challenge, users["ipark_staff"]))
    header, rows = table[0], table[1:]
    assert header == ["proposal_id", "title", "venture", "state", "reviewer", "weighted_score", "recommendation",
                      "comment", "Science (×3)", "Science: comment", "Team (×1)", "Team: comment"]
    assert [(row[0], row[4], row[5], row[8], row[10]) for row in rows] == [
        (str(ranked["split"].id), reviewers[0].name, "4.00", "5", "1"),
        (str(ranked["split"].id), reviewers[1].name, "2.00", "2", "2"),
        (str(ranked["steady"].id), reviewers[0].name, "4.00", "4", "4"),
    ]  # neither the unsubmitted review nor the draft's
    assert {row[2] for row in rows} == {ranked["split"].organization.display_name,
                                        ranked["steady"].organization.display_name}
    assert {row[6] for row in rows} == {"Recommend"}


def test_a_blind_call_exports_no_venture_names(ranked, users):
    challenge = ranked["split"].challenge
    challenge.blind_review = True
    db.session.commit()
    rows = parse(export_csv(challenge, users["ipark_staff"]))[1:]
    assert len(rows) == 3
    assert {row[2] for row in rows} == {""}
    assert not any(ranked["split"].organization.name_latin in cell for row in rows for cell in row)


def test_export_neutralises_formulas(challenge, make_proposal, reviewers, users):
    proposal = make_proposal(SUBMITTED, challenge=challenge, title='=HYPERLINK("http://evil.test","click")')
    review(proposal, reviewers[0], 3, 4, comment="+SUM(A1:A9)", remarks=["@cmd", "-2+3"])
    [row] = parse(export_csv(challenge, users["ipark_staff"]))[1:]
    assert row[1] == """'=HYPERLINK("http://evil.test","click")"""
    assert (row[7], row[9], row[11]) == ("'+SUM(A1:A9)", "'@cmd", "'-2+3")
    assert (row[8], row[10]) == ("3", "4")  # numbers stay numbers
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_export_neutralises_formulas_in_the_header_too(challenge, make_proposal, reviewers, users):
    """Criterion names are typed by the posting company: the header row is user text as well."""
    challenge.criteria[0].name = '=cmd|"/C calc"!A0'
    db.session.commit()
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    review(proposal, reviewers[0], 3, 4)
    header = parse(export_csv(challenge, users["ipark_staff"]))[0]
    assert header[8:10] == ["""'=cmd|"/C calc"!A0 (×3)""", """'=cmd|"/C calc"!A0: comment"""]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in header)


def test_export_follows_who_may_read_reviews(ranked, users, reviewers):
    challenge = ranked["split"].challenge
    ranked["split"].state, ranked["split"].shortlisted_at = SHORTLISTED, utcnow()
    db.session.commit()
    assert parse(export_csv(challenge, users["company_owner"]))[1:] == []  # before the company's own review
    review(ranked["split"], users["company_owner"], 5, 5)
    rows = parse(export_csv(challenge, users["company_owner"]))[1:]
    assert [(row[0], row[4]) for row in rows] == [(str(ranked["split"].id), users["company_owner"].name)]  # its own
    for person in ("venture_owner", "other_venture", "admin"):
        assert parse(export_csv(challenge, users[person]))[1:] == []
    db.session.add(Conflict(user_id=users["mss_staff"].id, organization_id=ranked["split"].organization_id))
    db.session.commit()
    assert {row[0] for row in parse(export_csv(challenge, users["mss_staff"]))[1:]} == {str(ranked["steady"].id)}


def test_a_proposal_is_exported_under_its_own_challenge_only(ranked, make_challenge, users):
    other = make_challenge("open")  # no rubric, no proposals
    assert parse(export_csv(other, users["ipark_staff"])) == [
        ["proposal_id", "title", "venture", "state", "reviewer", "weighted_score", "recommendation", "comment"]]
