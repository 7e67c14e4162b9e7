"""Permission predicates of reviews and conflicts, each rule once as a table; the weighted score;
what the database refuses."""
import pytest
import sqlalchemy.exc
from sqlalchemy import and_, not_, or_, select

from app.challenges.models import Challenge, RubricCriterion
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import (
    Conflict,
    conflicted_user_ids,
    proposals_declared_on_by,
    teams_met_blind_by,
    teams_named_by,
)
from app.proposals.models import (
    SEEN_BY_STAFF,
    Proposal,
    ProposalState,
    conflicted_proposal_ids,
    conflicted_proposals_clause,
    not_conflicted_clause,
    visible_proposals_clause,
)
from app.review.models import Recommendation, Review, ReviewScore, can_view_reviews, reviews_of
from tests.conftest import shared_fixture, who

Y, N = True, False
PEOPLE = ("anonymous", "venture_owner", "venture_member", "other_venture", "company_owner", "company_member",
          "ipark_staff", "mss_staff", "admin")


def rows(table: dict[str, tuple[bool, ...]], columns: tuple):
    if tuple(table) != PEOPLE or any(len(row) != len(columns) for row in table.values()):
        raise ValueError("a table has one row per person in PEOPLE and one column per condition")
    return [pytest.param(person, dict(zip(columns, table[person], strict=True)), id=person) for person in PEOPLE]


def criteria(*weights):
    return [RubricCriterion(position=n, name=f"Criterion {n}", weight=weight) for n, weight in enumerate(weights, 1)]


def review_of(proposal: Proposal, reviewer, *, answered=True, scores=None, submitted=False,
              conflict=False) -> Review:
    """A review row as the services leave it: assigned, then conflict answered, scored, submitted."""
    now = utcnow()
    review = Review(proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=reviewer.id,
                    no_conflict_at=now if answered and not conflict else None,
                    conflict_declared_at=now if conflict else None)
    if scores is not None:
        review.scores = [ReviewScore(criterion_id=criterion.id, score=score)
                         for criterion, score in zip(proposal.challenge.criteria, scores, strict=False)]
    if submitted:
        review.recommendation, review.submitted_at = Recommendation.support, now
    if conflict:
        db.session.add(Conflict(user_id=reviewer.id, organization_id=proposal.organization_id))
    db.session.add(review)
    db.session.commit()
    return review


# Review predicates ------------------------------------------------------------------------------

# ipark_staff's review of a proposal in each condition. The conflict is declared with another
# venture (other_venture's), so that it hides only that proposal.
REVIEWS = ("awaiting_answer", "no_conflict", "conflict_declared", "submitted", "awaiting_answer_declined",
           "submitted_declined", "submitted_shortlisted")


@shared_fixture
def reviews(make_challenge, make_proposal, users):
    reviewer = users["ipark_staff"]
    found = {}
    for condition in REVIEWS:
        state = {"declined": ProposalState.declined, "shortlisted": ProposalState.shortlisted}.get(
            condition.rsplit("_", 1)[-1], ProposalState.submitted)
        creator = users["other_venture"] if condition == "conflict_declared" else users["venture_owner"]
        proposal = make_proposal(state, challenge=make_challenge("open", criteria=criteria(2, 1)), creator=creator)
        submitted = condition.startswith("submitted")
        found[condition] = review_of(proposal, reviewer, answered=not condition.startswith("awaiting"),
                                     scores=(4, 5) if submitted else None, submitted=submitted,
                                     conflict=condition == "conflict_declared")
    return found


CAN_ANSWER_CONFLICT = {
    #                 awaiting no conflict conflict submitted awaiting  submitted  submitted
    #                 answer   confirmed   declared           (declined proposal)  (shortlisted)
    **{person: (N, N, N, N, N, N, N) for person in PEOPLE},
    "ipark_staff":   (Y,       N,          N,       N,        N,        N,         N),
}

CAN_SCORE = {
    **{person: (N, N, N, N, N, N, N) for person in PEOPLE},
    # A submitted review can be corrected while the institutions still weigh the proposal.
    "ipark_staff":   (N,       Y,          N,       Y,        N,        N,         Y),
}

REVIEW_CAN_VIEW = {
    **{person: (N, N, N, N, N, N, N) for person in PEOPLE},
    # The reviewer reads their own review whatever its stage, unless they declared a conflict.
    "ipark_staff":   (Y,       Y,          N,       Y,        Y,        Y,         Y),
    # Other staff read submitted reviews only.
    "mss_staff":     (N,       N,          N,       Y,        N,        Y,         Y),
    # The company sees the shortlisted proposal, but reads its reviews only after writing its own.
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ANSWER_CONFLICT, REVIEWS))
def test_can_answer_conflict(reviews, users, anonymous, person, expected):
    user = who(users, anonymous, person)
    assert {condition: review.can_answer_conflict(user) for condition, review in reviews.items()} == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_SCORE, REVIEWS))
def test_can_score(reviews, users, anonymous, person, expected):
    user = who(users, anonymous, person)
    assert {condition: review.can_score(user) for condition, review in reviews.items()} == expected


@pytest.mark.parametrize(("person", "expected"), rows(REVIEW_CAN_VIEW, REVIEWS))
def test_review_can_view(reviews, users, anonymous, person, expected):
    user = who(users, anonymous, person)
    assert {condition: review.can_view(user) for condition, review in reviews.items()} == expected


def test_a_reviewer_conflicted_after_assignment_can_no_longer_answer_nor_score(make_proposal, users):
    """A conflict declared ahead (on the conflicts page) hides the proposal: the reviewer may not then
    confirm having no conflict, nor score."""
    reviewer = users["mss_staff"]
    proposal = make_proposal(ProposalState.submitted)
    awaiting = review_of(proposal, reviewer, answered=False)
    db.session.add(Conflict(user_id=reviewer.id, organization_id=proposal.organization_id))
    db.session.commit()
    assert (awaiting.can_answer_conflict(reviewer), awaiting.can_score(reviewer), awaiting.can_view(reviewer)) == (
        False, False, False)


# Reading the others' reviews --------------------------------------------------------------------

OWN_REVIEW = ("no_review", "own_unsubmitted", "own_submitted")

CAN_VIEW_REVIEWS = {
    #                  no review  own review    own review
    #                             in progress   submitted
    "anonymous":      (N,         N,            N),
    "venture_owner":  (N,         N,            N),  # never the scores of their own proposal
    "venture_member": (N,         N,            N),
    "other_venture":  (N,         N,            N),
    "company_owner":  (N,         N,            N),  # never the institutions' reviews (as on the ranking)
    "company_member": (N,         N,            N),
    "ipark_staff":    (Y,         N,            Y),  # a reviewer is not swayed by the others' scores
    "mss_staff":      (Y,         N,            Y),
    "admin":          (N,         N,            N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW_REVIEWS, OWN_REVIEW))
def test_can_view_reviews(make_challenge, make_proposal, users, anonymous, person, expected):
    user = who(users, anonymous, person)
    colleague = users["ipark_staff2"]  # another reviewer, whose submitted review is there in every case
    answers = {}
    for condition in OWN_REVIEW:
        proposal = make_proposal(ProposalState.shortlisted, challenge=make_challenge("open", criteria=criteria(1)))
        theirs = review_of(proposal, colleague, scores=(3,), submitted=True)
        if condition != "no_review" and user.is_authenticated:
            review_of(proposal, user, scores=(4,), submitted=condition == "own_submitted")
        answers[condition] = can_view_reviews(proposal, user)
        assert theirs.can_view(user) is answers[condition]  # a review of someone else: the same rule
    assert answers == expected


def test_a_conflicted_reviewer_reads_no_reviews(make_proposal, users):
    proposal = make_proposal(ProposalState.shortlisted)
    review_of(proposal, users["ipark_staff"], submitted=True)
    staff = users["mss_staff"]
    assert can_view_reviews(proposal, staff) is True
    db.session.add(Conflict(user_id=staff.id, person_id=users["venture_member"].id))
    db.session.commit()
    assert can_view_reviews(proposal, staff) is False


# Unassigning ------------------------------------------------------------------------------------

CAN_UNASSIGN = {
    #                 awaiting no conflict conflict submitted awaiting  submitted  submitted
    #                 answer   confirmed   declared           (declined proposal)  (shortlisted)
    **{person: (N, N, N, N, N, N, N) for person in PEOPLE},
    # Staff who see the proposal, until the review is in (the reviewer conflicted on one of them).
    "ipark_staff":   (Y,       Y,          N,       N,        Y,        N,         N),
    "mss_staff":     (Y,       Y,          Y,       N,        Y,        N,         N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_UNASSIGN, REVIEWS))
def test_can_unassign(reviews, users, anonymous, person, expected):
    user = who(users, anonymous, person)
    assert {condition: review.can_unassign(user) for condition, review in reviews.items()} == expected


# The weighted score -----------------------------------------------------------------------------

@pytest.mark.parametrize(("weights", "scores", "expected"), [
    ((3, 1), (5, 1), 4.0),  # (3·5 + 1·1) / 4
    ((1, 1, 2), (2, 4, 3), 3.0),
    ((30, 25, 20, 15, 10), (5, 5, 5, 5, 5), 5.0),
    ((3, 1), (5,), None),  # a criterion not scored yet
    ((), (), None),  # no rubric
])
def test_weighted_score(make_challenge, make_proposal, users, weights, scores, expected):
    proposal = make_proposal(ProposalState.submitted, challenge=make_challenge("open", criteria=criteria(*weights)))
    review = review_of(proposal, users["ipark_staff"], scores=scores)
    assert review.weighted_mean() == expected


# Conflicts --------------------------------------------------------------------------------------

def test_conflicted_user_ids_and_proposals(users, make_user, make_proposal, make_challenge):
    """The one-proposal form (conflicted_user_ids) and the query form (conflicted_proposals_clause) agree."""
    mine = make_proposal(ProposalState.submitted)
    blind = make_proposal(ProposalState.submitted, challenge=make_challenge("open", blind_review=True))
    stranger = make_user("venture", email="stranger@example.test")
    theirs = make_proposal(ProposalState.submitted, creator=stranger)
    venture = users["venture_owner"].organization
    by_organization, by_person, by_address, elsewhere, on_blind, withdrawn, free = (
        users["ipark_staff"], users["mss_staff"], users["company_owner"], users["company_member"],
        make_user(institution="ipark"), make_user(institution="mss"), users["ipark_staff2"])
    db.session.add_all([
        Conflict(user_id=by_organization.id, organization_id=venture.id),
        Conflict(user_id=by_person.id, person_id=users["venture_member"].id),
        Conflict(user_id=by_address.id, email=users["venture_member"].email),
        Conflict(user_id=elsewhere.id, email="stranger@example.test"),
        Conflict(user_id=on_blind.id, organization_id=venture.id, proposal_id=blind.id, identity_hidden=True),
        Conflict(user_id=withdrawn.id, organization_id=venture.id, withdrawn_at=utcnow(),
                 withdrawn_by_id=free.id, withdrawal_reason="A mistake."),
    ])
    db.session.commit()
    everyone = [u.id for u in (by_organization, by_person, by_address, elsewhere, on_blind, withdrawn, free)]
    assert conflicted_user_ids(mine, candidates=everyone) == {by_organization.id, by_person.id, by_address.id}
    assert conflicted_user_ids(blind, candidates=everyone) == {by_organization.id, by_person.id, by_address.id,
                                                               on_blind.id}
    assert conflicted_user_ids(theirs, candidates=everyone) == {elsewhere.id}
    assert conflicted_user_ids(mine, candidates=[]) == set()

    def proposals(user):
        return set(db.session.scalars(select(Proposal.id).where(conflicted_proposals_clause(user.id))))

    for user in (by_organization, by_person, by_address):
        assert proposals(user) == {mine.id, blind.id}
    assert proposals(elsewhere) == {theirs.id}
    assert proposals(on_blind) == {blind.id}
    assert proposals(withdrawn) == proposals(free) == set()



def reference_conflicted_clause(user_id: int):
    """The first form of conflicted_proposals_clause (IN over every proposal), kept as the meaning the
    correlated form must keep."""
    blind_calls = select(Challenge.id).where(Challenge.blind_review.is_(True))
    return or_(Proposal.organization_id.in_(teams_named_by(user_id)),
               Proposal.id.in_(proposals_declared_on_by(user_id)),
               and_(Proposal.organization_id.in_(teams_met_blind_by(user_id)), Proposal.challenge_id.in_(blind_calls)))


def test_the_correlated_conflict_forms_mean_what_the_first_form_meant(users, make_user, make_proposal,
                                                                       make_challenge):
    """Every way to declare, withdrawn or not, on named and blind calls, a venture's proposals in several
    states: the correlated clause, its negation, the list of ids and the visibility rule give, for each
    declarer, the proposals the first form (IN over every proposal) gave."""
    venture, other = users["venture_owner"], make_user("venture", email="other-venture@example.test")
    blind_call = make_challenge("open", blind_review=True)
    named = [make_proposal(state) for state in (ProposalState.submitted, ProposalState.shortlisted,
                                                ProposalState.draft)]
    blind = make_proposal(ProposalState.submitted, challenge=blind_call)
    blind_other = make_proposal(ProposalState.submitted, creator=other,
                                challenge=make_challenge("open", blind_review=True))
    theirs = [make_proposal(ProposalState.submitted, creator=other),
              make_proposal(ProposalState.declined, creator=other, challenge=make_challenge("closed"))]
    people = [make_user(institution="ipark" if n % 2 else "mss") for n in range(9)]
    (by_team, by_person, by_address, on_named, on_blind, two_ways, withdrawn, no_account, free) = people
    lifter = users["admin"]
    gone = dict(withdrawn_at=utcnow(), withdrawn_by_id=lifter.id, withdrawal_reason="A mistake.")
    db.session.add_all([
        Conflict(user_id=by_team.id, organization_id=venture.organization_id),
        Conflict(user_id=by_person.id, person_id=users["venture_member"].id),
        Conflict(user_id=by_address.id, email=other.email),
        Conflict(user_id=on_named.id, organization_id=venture.organization_id, proposal_id=named[0].id),
        Conflict(user_id=on_blind.id, organization_id=venture.organization_id, proposal_id=blind.id,
                 identity_hidden=True),
        Conflict(user_id=two_ways.id, organization_id=other.organization_id, proposal_id=blind_other.id,
                 identity_hidden=True),
        Conflict(user_id=two_ways.id, email=users["venture_member"].email),
        Conflict(user_id=withdrawn.id, organization_id=venture.organization_id, **gone),
        Conflict(user_id=withdrawn.id, person_id=other.id, **gone),
        Conflict(user_id=no_account.id, email="nobody-yet@example.test"),
    ])
    db.session.commit()
    everything = set(db.session.scalars(select(Proposal.id)))

    def ids(clause):
        return set(db.session.scalars(select(Proposal.id).where(clause)))

    found = {}
    for user in people:
        expected = ids(reference_conflicted_clause(user.id))
        assert ids(conflicted_proposals_clause(user.id)) == expected, user.email
        assert set(db.session.scalars(conflicted_proposal_ids(user.id))) == expected, user.email
        assert ids(not_conflicted_clause(user)) == everything - expected, user.email
        assert ids(visible_proposals_clause(user)) == ids(and_(
            Proposal.state.in_(SEEN_BY_STAFF), not_(reference_conflicted_clause(user.id)))), user.email
        found[user] = expected
    mine = {proposal.id for proposal in named} | {blind.id}
    assert found[by_team] == found[by_person] == mine
    assert found[by_address] == {blind_other.id} | {proposal.id for proposal in theirs}
    assert found[on_named] == mine  # the team was seen: all of its proposals
    assert found[on_blind] == {blind.id}  # met blind: its blind proposals only
    assert found[two_ways] == mine | {blind_other.id}
    assert found[withdrawn] == found[no_account] == found[free] == set()


def test_my_reviews_put_the_waiting_first_then_the_latest_and_count_them(users, make_user, make_proposal,
                                                                          make_challenge):
    """reviews_of: a page of the reviewer's reviews, those waiting for them first, then the latest
    assigned; the total comes with the page, and a page past the end still knows it; a conflict hides
    its reviews from the list and from the total."""
    staff = users["ipark_staff"]
    call = make_challenge("open", criteria=criteria(1))
    proposals = [make_proposal(ProposalState.submitted, challenge=call, creator=make_user("venture"))
                 for _ in range(5)]
    done = [review_of(proposal, staff, scores=(3,), submitted=True) for proposal in proposals[:3]]
    waiting = [review_of(proposal, staff) for proposal in proposals[3:]]
    hidden = make_proposal(ProposalState.submitted, challenge=call, creator=make_user("venture"))
    review_of(hidden, staff)
    db.session.add(Conflict(user_id=staff.id, person_id=hidden.created_by_id))
    review_of(proposals[0], users["mss_staff"])  # someone else's
    db.session.commit()
    first, second, past = (reviews_of(staff, page=number, per_page=3) for number in (1, 2, 3))
    order = [review.id for page in (first, second) for review in page.items]
    assert order == [waiting[1].id, waiting[0].id, done[2].id, done[1].id, done[0].id]
    assert (first.total, second.total, past.total, past.items, first.pages) == (5, 5, 5, [], 2)
    assert reviews_of(users["mss_staff"], page=1, per_page=3).total == 1

# What the database refuses ----------------------------------------------------------------------

def test_a_conflict_names_one_counterpart(users):
    staff, venture = users["ipark_staff"], users["venture_owner"]
    for columns in ({}, {"organization_id": venture.organization_id, "person_id": venture.id},
                    {"organization_id": venture.organization_id, "email": "x@example.test"},
                    {"email": "Upper@Example.test"}, {"person_id": venture.id, "identity_hidden": True},
                    {"email": "x@example.test", "withdrawn_at": utcnow()}):
        db.session.add(Conflict(user_id=staff.id, **columns))
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("counterpart", ["organization", "person", "email"])
def test_a_conflict_is_declared_once(users, counterpart):
    staff, venture = users["ipark_staff"], users["venture_owner"]
    columns = {"organization": {"organization_id": venture.organization_id}, "person": {"person_id": venture.id},
               "email": {"email": "someone@example.test"}}[counterpart]
    db.session.add(Conflict(user_id=staff.id, **columns))
    db.session.commit()
    db.session.add(Conflict(user_id=staff.id, **columns))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Conflict(user_id=users["mss_staff"].id, **columns))  # someone else may declare the same
    db.session.commit()


@pytest.mark.parametrize("shape", ["score 0", "score 6", "submitted without recommendation",
                                   "submitted without conflict answer", "both conflict answers",
                                   "assigned twice"])
def test_the_database_refuses_an_inconsistent_review(make_challenge, make_proposal, users, shape):
    proposal = make_proposal(ProposalState.submitted, challenge=make_challenge("open", criteria=criteria(1)))
    review = review_of(proposal, users["ipark_staff"], answered=False)
    now = utcnow()
    if shape.startswith("score"):
        review.scores = [ReviewScore(criterion_id=proposal.challenge.criteria[0].id, score=int(shape[-1]))]
    elif shape == "submitted without recommendation":
        review.no_conflict_at = review.submitted_at = now
    elif shape == "submitted without conflict answer":
        review.recommendation, review.submitted_at = Recommendation.neutral, now
    elif shape == "both conflict answers":
        review.no_conflict_at = review.conflict_declared_at = now
    else:
        db.session.add(Review(proposal=proposal, reviewer_id=users["ipark_staff"].id,
                              assigned_by_id=users["mss_staff"].id))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
