"""The calls listed on /review/ (challenges_to_review): the same calls, order and counts for every
role as the first version, which grouped every proposal under consideration in the system before
keeping twenty. That version is kept here as the reference the page's query must agree with."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, true

from app.challenges.models import Challenge, ChallengeState
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import UNDER_CONSIDERATION, Proposal, visible_proposals_clause
from app.review.models import challenges_to_review
from tests.conftest import shared_fixture

PEOPLE = ("venture_owner", "venture_member", "other_venture", "company_owner", "company_member", "ipark_staff",
          "ipark_staff2", "mss_staff", "admin")


def reference(user, limit: int) -> list:
    """The first version: every proposal under consideration that ``user`` sees, counted per call."""
    mine = true() if user.is_staff else Challenge.organization_id == user.organization_id
    counts = (select(Proposal.challenge_id, func.count().label("proposals"))
              .where(Proposal.state.in_(UNDER_CONSIDERATION), visible_proposals_clause(user))
              .group_by(Proposal.challenge_id).subquery())
    return db.session.execute(
        select(Challenge, counts.c.proposals).join(counts, counts.c.challenge_id == Challenge.id)
        .where(Challenge.state.in_({ChallengeState.open, ChallengeState.closed}), mine)
        .order_by(Challenge.deadline, Challenge.id).limit(limit)).all()


@shared_fixture
def calls(make_challenge, make_proposal, make_user, make_organization, users):
    """Calls in every state, by the company, another company and an institution, some with the same
    deadline; proposals in every state from several ventures (the venture_owner's among them);
    conflicts of every kind, some on blind calls; a call whose only proposals are hidden from some."""
    now = utcnow()
    other_company = make_user("company")
    institution_poster = users["ipark_staff2"]
    ventures = [users["venture_owner"], users["other_venture"]] + [make_user("venture") for _ in range(4)]
    posters = [users["company_owner"], other_company, institution_poster]
    states = ["open", "closed", "open", "awarded", "draft", "pending_review", "cancelled", "closed", "open"]
    proposal_states = ["draft", "submitted", "revision_requested", "shortlisted", "selected", "declined",
                       "withdrawn"]
    made = []
    for n in range(27):
        state = states[n % len(states)]
        deadline = now + timedelta(days=(n % 5) - 2, hours=n % 3) if state != "closed" else now - timedelta(days=n % 4)
        challenge = make_challenge(state, poster=posters[n % len(posters)], deadline=deadline,
                                   blind_review=n % 4 == 0, title=f"Call {n}")
        for m, venture in enumerate(ventures[: n % (len(ventures) + 1)]):
            proposal_state = proposal_states[(n + m) % len(proposal_states)]
            extra = {"company_chosen_at": now, "company_chosen_by_id": users["company_owner"].id} \
                if proposal_state == "shortlisted" and m % 2 else {}
            made.append(make_proposal(proposal_state, challenge=challenge, creator=venture, **extra))
    # Withdrawn after a shortlist: the company no longer sees it.
    withdrawn = next(proposal for proposal in made if proposal.state == "withdrawn")
    withdrawn.shortlisted_at = now
    # Conflicts: a venture named (ipark_staff), a proposal (mss_staff), a team met blind (company_member),
    # a person (admin), an e-mail address (ipark_staff2), one withdrawn (company_owner).
    on_blind = next(proposal for proposal in made if proposal.challenge.blind_review
                    and proposal.state in UNDER_CONSIDERATION)
    under = [proposal for proposal in made if proposal.state in UNDER_CONSIDERATION]
    db.session.add_all([
        Conflict(user_id=users["ipark_staff"].id, organization_id=users["other_venture"].organization_id),
        Conflict(user_id=users["mss_staff"].id, organization_id=under[0].organization_id, proposal_id=under[0].id),
        Conflict(user_id=users["mss_staff"].id, organization_id=under[3].organization_id, proposal_id=under[3].id),
        Conflict(user_id=users["company_member"].id, organization_id=on_blind.organization_id,
                 proposal_id=on_blind.id, identity_hidden=True),
        Conflict(user_id=users["admin"].id, person_id=ventures[2].id),
        Conflict(user_id=users["ipark_staff2"].id, email=ventures[3].email),
        Conflict(user_id=users["company_owner"].id, organization_id=users["venture_owner"].organization_id,
                 withdrawn_at=now, withdrawn_by_id=users["ipark_staff"].id, withdrawal_reason="In error."),
    ])
    db.session.commit()
    return len(made)


@pytest.mark.parametrize("limit", [3, 20])
@pytest.mark.parametrize("person", PEOPLE)
def test_the_same_calls_counts_and_order_as_counting_everything(calls, users, person, limit):
    user = users[person]
    expected = [(challenge.id, count) for challenge, count in reference(user, limit)]
    listed = [(challenge.id, count) for challenge, count in challenges_to_review(user, limit=limit)]
    assert listed == expected


def test_the_fixture_lists_something_for_staff_and_the_company(calls, users):
    """The matrix compares something: staff see more than the limit, the company some of its calls."""
    assert calls > 50
    assert len(reference(users["ipark_staff"], 20)) > 3
    assert 0 < len(reference(users["company_owner"], 20)) < len(reference(users["mss_staff"], 20))
    staff_counts = dict((challenge.id, count) for challenge, count in reference(users["ipark_staff2"], 20))
    admin_counts = dict((challenge.id, count) for challenge, count in reference(users["mss_staff"], 20))
    assert staff_counts != admin_counts  # the conflicts change the counts


def test_a_call_the_user_cannot_see_any_proposal_of_is_not_listed(make_challenge, make_proposal, make_user,
                                                                   users):
    challenge = make_challenge("open", title="Only conflicted")
    venture = users["other_venture"]
    make_proposal("submitted", challenge=challenge, creator=venture)
    db.session.add(Conflict(user_id=users["ipark_staff"].id, organization_id=venture.organization_id))
    db.session.commit()
    assert challenge.id not in [c.id for c, _ in challenges_to_review(users["ipark_staff"], limit=20)]
    assert (challenge.id, 1) in [(c.id, n) for c, n in challenges_to_review(users["mss_staff"], limit=20)]
