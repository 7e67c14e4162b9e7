"""Reviewing through the services: assigning reviewers, the conflict question, scoring and
submitting, conflicts declared ahead. What each stores and audits, and what it refuses, leaving
nothing changed."""
import pytest
from sqlalchemy import func, select

from app.challenges.models import RubricCriterion
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent, OutboxEmail
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import ProposalState
from app.review import services
from app.review.models import Recommendation, Review, can_view_reviews

SUBMITTED, SHORTLISTED = ProposalState.submitted, ProposalState.shortlisted


# Helpers and fixtures ---------------------------------------------------------------------------

@pytest.fixture
def challenge(make_challenge):
    """A call with a three-line rubric, weighted 3, 2, 1."""
    return make_challenge("open", criteria=[RubricCriterion(position=n, name=name, weight=weight)
                                            for n, (name, weight) in enumerate(
                                                (("Science", 3), ("Fit", 2), ("Team", 1)), 1)])


@pytest.fixture
def proposal(make_proposal, challenge):
    return make_proposal(SUBMITTED, challenge=challenge)


def audit_actions(subject_type=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    return [event.action for event in db.session.scalars(query)]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def assigned(proposal, reviewer, users, *, answered=True) -> Review:
    review = services.assign_reviewer(proposal, reviewer, actor=users["ipark_staff"])
    if answered:
        services.confirm_no_conflict(review, actor=reviewer)
    db.session.commit()
    return review


def full_scores(challenge, *values):
    return {criterion.id: (value, f"On {criterion.name}") for criterion, value in zip(challenge.criteria, values,
                                                                                       strict=True)}


def snapshot(review):
    return (sorted((score.criterion_id, score.score, score.comment) for score in review.scores), review.comment,
            review.recommendation, review.submitted_at, review.updated_at, count(AuditEvent))


# Assigning --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("candidate", "state", "error"), [
    ("ipark_staff2", SUBMITTED, None),
    ("mss_staff", SUBMITTED, None),
    ("ipark_staff", SHORTLISTED, None),  # staff may review what they assign
    ("company_member", SHORTLISTED, None),  # the company once it is shortlisted
    ("company_owner", SUBMITTED, services.NotAReviewer),
    ("venture_owner", SUBMITTED, services.NotAReviewer),  # never one's own proposal
    ("other_venture", SHORTLISTED, services.NotAReviewer),
    ("admin", SUBMITTED, services.NotAReviewer),
])
def test_assign_reviewer_eligibility(make_proposal, challenge, users, candidate, state, error):
    proposal = make_proposal(state, challenge=challenge)
    reviewer = users[candidate]
    if error is not None:
        with pytest.raises(error):
            services.assign_reviewer(proposal, reviewer, actor=users["ipark_staff"])
        assert count(Review) == 0 and count(AuditEvent) == 0 and count(OutboxEmail) == 0
        return
    review = services.assign_reviewer(proposal, reviewer, actor=users["ipark_staff"])
    db.session.commit()
    assert (review.proposal_id, review.reviewer_id, review.assigned_by_id) == (
        proposal.id, reviewer.id, users["ipark_staff"].id)
    assert review.awaits_conflict_answer
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.subject_type, event.details) == (
        "review.assigned", "reviews", {"proposal_id": proposal.id, "reviewer_id": reviewer.id})
    [mail] = db.session.scalars(select(OutboxEmail)).all()
    assert (mail.recipient, mail.locale) == (reviewer.email, reviewer.locale)
    assert f"/review/{review.id}" in mail.body_text


@pytest.mark.parametrize("conflict", ["organisation", "person"])
def test_a_conflicted_or_inactive_person_is_not_assigned(proposal, users, conflict):
    conflicted, inactive = users["mss_staff"], users["ipark_staff2"]
    services.declare_conflict(actor=conflicted, organization=proposal.organization if conflict == "organisation"
                              else None, email=users["venture_member"].email if conflict == "person" else None)
    inactive.active = False
    db.session.commit()
    for reviewer in (conflicted, inactive):
        with pytest.raises(services.NotAReviewer):
            services.assign_reviewer(proposal, reviewer, actor=users["ipark_staff"])
    assert count(Review) == 0


def test_a_reviewer_is_assigned_once(proposal, users):
    services.assign_reviewer(proposal, users["mss_staff"], actor=users["ipark_staff"])
    with pytest.raises(services.AlreadyAssigned):
        services.assign_reviewer(proposal, users["mss_staff"], actor=users["ipark_staff2"])
    assert count(Review) == 1 and audit_actions() == ["review.assigned"]


@pytest.mark.parametrize(("actor", "state"), [
    ("company_owner", SHORTLISTED),  # the company reviews but does not assign
    ("venture_owner", SUBMITTED),
    ("admin", SUBMITTED),
    ("ipark_staff", ProposalState.draft),
    ("ipark_staff", ProposalState.revision_requested),  # the venture's turn
    ("ipark_staff", ProposalState.declined),
    ("ipark_staff", ProposalState.withdrawn),
])
def test_who_assigns_and_when(make_proposal, challenge, users, actor, state):
    proposal = make_proposal(state, challenge=challenge)
    with pytest.raises(PermissionDenied):
        services.assign_reviewer(proposal, users["mss_staff"], actor=users[actor])
    assert count(Review) == 0


def test_a_conflicted_staff_member_assigns_nobody(proposal, users):
    services.declare_conflict(actor=users["ipark_staff"], organization=proposal.organization)
    with pytest.raises(PermissionDenied):
        services.assign_reviewer(proposal, users["mss_staff"], actor=users["ipark_staff"])


def test_eligible_reviewers(make_proposal, challenge, users, make_user):
    submitted = make_proposal(SUBMITTED, challenge=challenge)
    shortlisted = make_proposal(SHORTLISTED, challenge=challenge, creator=users["other_venture"])
    make_user(institution="mss", active=False)
    staff = {users[name] for name in ("ipark_staff", "ipark_staff2", "mss_staff")}
    assert set(services.eligible_reviewers(submitted)) == staff
    assert set(services.eligible_reviewers(shortlisted)) == staff | {users["company_owner"], users["company_member"]}

    services.assign_reviewer(submitted, users["mss_staff"], actor=users["ipark_staff"])
    services.declare_conflict(actor=users["ipark_staff2"], email=users["venture_owner"].email)
    assert services.eligible_reviewers(submitted) == [users["ipark_staff"]]
    assert users["ipark_staff2"] in services.eligible_reviewers(shortlisted)  # another venture


def test_unassign(proposal, users):
    review = assigned(proposal, users["mss_staff"], users)
    review_id = review.id
    with pytest.raises(PermissionDenied):
        services.unassign_reviewer(review, actor=users["company_owner"])
    services.unassign_reviewer(review, actor=users["ipark_staff2"])
    db.session.commit()
    assert db.session.get(Review, review_id) is None
    assert audit_actions("reviews") == ["review.assigned", "review.no_conflict", "review.unassigned"]


def test_a_submitted_review_stays(proposal, challenge, users):
    review = assigned(proposal, users["mss_staff"], users)
    services.save_review(review, actor=users["mss_staff"], scores=full_scores(challenge, 3, 3, 3), comment="",
                         recommendation="neutral", submit=True)
    with pytest.raises(PermissionDenied):
        services.unassign_reviewer(review, actor=users["ipark_staff"])
    assert count(Review) == 1


# The conflict question --------------------------------------------------------------------------

def test_confirm_no_conflict(proposal, users):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users, answered=False)
    with pytest.raises(PermissionDenied):
        services.confirm_no_conflict(review, actor=users["ipark_staff"])  # only the reviewer answers
    assert review.awaits_conflict_answer
    services.confirm_no_conflict(review, actor=reviewer)
    db.session.commit()
    assert review.no_conflict_at is not None and review.can_score(reviewer)
    with pytest.raises(PermissionDenied):  # answered once
        services.declare_review_conflict(review, actor=reviewer)
    assert review.conflict_declared_at is None and count(Conflict) == 0


def test_declaring_a_conflict_hides_the_venture_from_the_reviewer(make_proposal, challenge, proposal, users,
                                                                   make_challenge):
    reviewer = users["mss_staff"]
    elsewhere = make_proposal(SUBMITTED, challenge=make_challenge("open"))  # the same venture's other proposal
    review = assigned(proposal, reviewer, users, answered=False)
    services.declare_review_conflict(review, actor=reviewer, reason="  I advise this venture.  ")
    db.session.commit()

    assert review.conflict_declared and review.no_conflict_at is None
    [conflict] = db.session.scalars(select(Conflict)).all()
    assert (conflict.user_id, conflict.organization_id, conflict.person_id, conflict.reason) == (
        reviewer.id, proposal.organization_id, None, "I advise this venture.")
    assert (proposal.can_view(reviewer), elsewhere.can_view(reviewer)) == (False, False)
    assert (review.can_view(reviewer), review.can_score(reviewer), review.can_answer_conflict(reviewer)) == (
        False, False, False)
    assert proposal.can_view(users["ipark_staff"])  # the others still see it
    assert audit_actions("reviews")[-1] == "review.conflict_declared"
    with pytest.raises(PermissionDenied):
        services.save_review(review, actor=reviewer, scores=full_scores(proposal.challenge, 5, 5, 5), comment="",
                             recommendation="support", submit=True)


# Scoring ----------------------------------------------------------------------------------------

def test_a_draft_review_keeps_partial_scores(proposal, challenge, users):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users)
    science, fit, team = challenge.criteria
    services.save_review(review, actor=reviewer, scores={science.id: (4, " Solid "), fit.id: (None, "")},
                         comment=" So far so good ", recommendation=None, submit=False)
    db.session.commit()
    assert [(score.criterion_id, score.score, score.comment) for score in review.scores] == [
        (science.id, 4, "Solid")]
    assert (review.comment, review.recommendation, review.is_submitted) == ("So far so good", None, False)
    assert review.weighted_mean() is None
    assert audit_actions("reviews")[-1] == "review.saved"

    services.save_review(review, actor=reviewer, scores={fit.id: (2, "")}, comment="", recommendation="oppose",
                         submit=False)  # a score left out is a score taken back
    db.session.commit()
    assert [(score.criterion_id, score.score) for score in review.scores] == [(fit.id, 2)]


def test_submit_review(proposal, challenge, users):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users)
    assert can_view_reviews(proposal, reviewer) is False
    services.save_review(review, actor=reviewer, scores=full_scores(challenge, 5, 2, 1), comment="Convincing.",
                         recommendation="strongly_support", submit=True)
    db.session.commit()
    assert review.is_submitted and review.recommendation == Recommendation.strongly_support
    assert review.weighted_mean() == pytest.approx((3 * 5 + 2 * 2 + 1 * 1) / 6)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.submitted")).all()
    science, fit, team = challenge.criteria
    assert event.details == {"proposal_id": proposal.id, "recommendation": "strongly_support",
                             "scores": {str(science.id): 5, str(fit.id): 2, str(team.id): 1}}
    assert can_view_reviews(proposal, reviewer) is True  # now the others' reviews show

    submitted_at = review.submitted_at
    services.save_review(review, actor=reviewer, scores=full_scores(challenge, 4, 2, 1), comment="Corrected.",
                         recommendation="support", submit=True)  # a correction keeps the first time
    db.session.commit()
    assert (review.submitted_at, review.score_for(science).score) == (submitted_at, 4)
    assert audit_actions("reviews")[-1] == "review.saved"


@pytest.mark.parametrize(("values", "recommendation"), [
    ((5, 5, None), "support"),  # a criterion left out
    ((5, 5, 5), None),  # no recommendation
    ((5, 5, 5), ""),
])
def test_an_incomplete_review_is_not_submitted(proposal, challenge, users, values, recommendation):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users)
    before = snapshot(review)
    with pytest.raises(services.IncompleteReview):
        services.save_review(review, actor=reviewer, scores=full_scores(challenge, *values), comment="Half",
                             recommendation=recommendation, submit=True)
    assert snapshot(review) == before
    assert review.comment == ""


@pytest.mark.parametrize(("value", "recommendation"), [
    (0, "support"), (6, "support"), (-1, "support"), ("4", "support"), (2.5, "support"),
    (3, "brilliant"),  # not one of the recommendations
])
@pytest.mark.parametrize("submit", [False, True])
def test_a_bad_score_is_refused_and_nothing_changes(proposal, challenge, users, value, recommendation, submit):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users)
    services.save_review(review, actor=reviewer, scores=full_scores(challenge, 1, 1, 1), comment="First",
                         recommendation="neutral", submit=False)
    db.session.commit()
    before = snapshot(review)
    with pytest.raises(services.IncompleteReview):
        services.save_review(review, actor=reviewer, scores=full_scores(challenge, 4, value, 4), comment="Second",
                             recommendation=recommendation, submit=submit)
    assert snapshot(review) == before
    assert review.comment == "First"


def test_a_submitted_review_cannot_be_emptied(proposal, challenge, users):
    reviewer = users["mss_staff"]
    review = assigned(proposal, reviewer, users)
    services.save_review(review, actor=reviewer, scores=full_scores(challenge, 3, 3, 3), comment="",
                         recommendation="neutral", submit=True)
    db.session.commit()
    before = snapshot(review)
    with pytest.raises(services.IncompleteReview):  # saving without submit still needs it complete
        services.save_review(review, actor=reviewer, scores=full_scores(challenge, 3, 3, None), comment="",
                             recommendation="neutral", submit=False)
    assert snapshot(review) == before


@pytest.mark.parametrize("situation", ["before the conflict answer", "someone else", "proposal declined",
                                       "proposal withdrawn"])
def test_who_scores_and_when(make_proposal, challenge, users, situation):
    reviewer = users["mss_staff"]
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    review = assigned(proposal, reviewer, users, answered=situation != "before the conflict answer")
    actor = users["ipark_staff"] if situation == "someone else" else reviewer
    if situation.startswith("proposal"):
        state = ProposalState(situation.split()[-1])
        stamp = "decided_at" if state == ProposalState.declined else "withdrawn_at"
        proposal.state = state
        setattr(proposal, stamp, utcnow())
        db.session.commit()
    before = snapshot(review)
    with pytest.raises(PermissionDenied):
        services.save_review(review, actor=actor, scores=full_scores(challenge, 3, 3, 3), comment="",
                             recommendation="neutral", submit=True)
    assert snapshot(review) == before


def test_the_company_reviews_a_shortlisted_proposal(make_proposal, challenge, users):
    proposal = make_proposal(SHORTLISTED, challenge=challenge)
    staff_review = assigned(proposal, users["ipark_staff2"], users)
    services.save_review(staff_review, actor=users["ipark_staff2"], scores=full_scores(challenge, 2, 2, 2),
                         comment="", recommendation="oppose", submit=True)
    company = users["company_member"]
    review = assigned(proposal, company, users)
    assert (staff_review.can_view(company), can_view_reviews(proposal, company)) == (False, False)
    services.save_review(review, actor=company, scores=full_scores(challenge, 5, 5, 4), comment="We want them.",
                         recommendation="strongly_support", submit=True)
    db.session.commit()
    # Its own review is in; the institutions' stay theirs (the ranking shows a company no scores).
    assert (staff_review.can_view(company), can_view_reviews(proposal, company), review.can_view(company)) == (
        False, False, True)


# Conflicts declared ahead -----------------------------------------------------------------------

def test_declare_and_withdraw_conflicts(make_proposal, users):
    proposal = make_proposal(SUBMITTED)
    staff = users["ipark_staff"]
    with_person = services.declare_conflict(actor=staff, email=f" {users['venture_member'].email.upper()} ",
                                            reason=" Former colleague ")
    db.session.commit()
    assert (with_person.email, with_person.person_id, with_person.organization_id, with_person.reason) == (
        users["venture_member"].email, None, None, "Former colleague")
    assert proposal.can_view(staff) is False
    with pytest.raises(services.ConflictExists):
        services.declare_conflict(actor=staff, email=users["venture_member"].email)
    with_organization = services.declare_conflict(actor=staff, organization=proposal.organization)
    with pytest.raises(services.ConflictExists):
        services.declare_conflict(actor=staff, organization=proposal.organization)
    db.session.commit()
    assert count(Conflict) == 2

    for who in ("ipark_staff", "company_owner", "venture_owner"):  # never the declarer
        with pytest.raises(PermissionDenied):
            services.withdraw_conflict(with_person, actor=users[who], reason="Mistake.")
    with pytest.raises(services.WithdrawalNeedsReason):
        services.withdraw_conflict(with_person, actor=users["mss_staff"], reason=" ")
    services.withdraw_conflict(with_person, actor=users["mss_staff"], reason="Wrong address.")
    db.session.commit()
    assert proposal.can_view(staff) is False  # the organisation conflict still holds
    services.withdraw_conflict(with_organization, actor=users["mss_staff"], reason="Wrong venture.")
    db.session.commit()
    assert proposal.can_view(staff) is True
    with pytest.raises(PermissionDenied):  # once
        services.withdraw_conflict(with_organization, actor=users["mss_staff"], reason="Again.")
    assert count(Conflict) == 2  # kept, marked withdrawn
    assert audit_actions("review_conflicts") == ["conflict.declared", "conflict.declared", "conflict.withdrawn",
                                                 "conflict.withdrawn"]


@pytest.mark.parametrize("counterparts", ["none", "both"])
def test_a_conflict_has_exactly_one_counterpart(users, counterparts):
    venture = users["venture_owner"]
    with pytest.raises(ValueError):
        if counterparts == "none":
            services.declare_conflict(actor=users["ipark_staff"])
        else:
            services.declare_conflict(actor=users["ipark_staff"], organization=venture.organization,
                                      email=venture.email)
    assert count(Conflict) == 0


def test_pending_decisions_in_one_query(make_challenge, make_proposal, users, count_queries):
    challenge = make_challenge("open")
    proposals = [make_proposal(SUBMITTED, challenge=challenge, creator=creator)
                 for creator in (users["venture_owner"], users["other_venture"])]
    decision = services.request_proposal_decision(proposals[0], SHORTLISTED, actor=users["ipark_staff"])
    db.session.commit()
    ids = [proposal.id for proposal in proposals]
    with count_queries() as queries:
        found = services.pending_decisions(proposals)
    assert len(queries) == 1
    assert {proposal_id: found_decision.id for proposal_id, found_decision in found.items()} == {
        ids[0]: decision.id}
    assert services.pending_decisions([]) == {}
