"""Permission predicates of proposals, each rule once as a table.

A table has one row per person and one column per condition a proposal can be in (its state, and
for some rules the deadline or the programme). Each test case is one row: the person asks the
predicate about one proposal in every condition, and the answers must equal the row, so a failure
names the person and the conditions that differ.
"""
from datetime import timedelta

import pytest
import sqlalchemy.exc
from sqlalchemy import select

from app.challenges.models import Program, ProposalQuestion
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import (
    PROPOSAL_TRANSITIONS,
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalState,
    visible_proposals_clause,
)
from tests.conftest import shared_fixture, who

Y, N = True, False
(DRAFT, SUBMITTED, REVISION, SHORTLISTED, SELECTED, DECLINED, WITHDRAWN) = (
    ProposalState.draft, ProposalState.submitted, ProposalState.revision_requested, ProposalState.shortlisted,
    ProposalState.selected, ProposalState.declined, ProposalState.withdrawn)

# Every person the tables talk about. The venture is venture_owner's; the company posted the call.
PEOPLE = ("anonymous", "venture_owner", "venture_member", "other_venture", "company_owner", "company_member",
          "ipark_staff", "mss_staff", "admin")
STATES = tuple(ProposalState)


def check_table(table: dict[str, tuple[bool, ...]], columns: tuple) -> None:
    if tuple(table) != PEOPLE or any(len(row) != len(columns) for row in table.values()):
        raise ValueError("a table has one row per person in PEOPLE and one column per condition")


def rows(table: dict[str, tuple[bool, ...]], columns: tuple, people=PEOPLE):
    """One pytest case per person, expecting {condition: answer}."""
    check_table(table, columns)
    return [pytest.param(person, dict(zip(columns, table[person], strict=True)), id=person) for person in people]


def answers(proposals: dict, predicate, user) -> dict:
    return {condition: predicate(proposal, user) for condition, proposal in proposals.items()}


def declare(user, kind: str, venture_person) -> None:
    """`user` declares a conflict with the venture itself or with one of its people."""
    if kind == "organisation":
        db.session.add(Conflict(user_id=user.id, organization_id=venture_person.organization_id))
    elif kind == "person":
        db.session.add(Conflict(user_id=user.id, person_id=venture_person.id))
    db.session.commit()


@pytest.fixture
def colleague(users, make_user):
    """A third person of the proposing venture: conflicts "with a person" name them."""
    return make_user(organization=users["venture_owner"].organization, role="member")


def proposal_in(make_challenge, make_proposal, condition, **challenge_options):
    """A proposal by venture_owner's venture, on its own call by company_owner's company."""
    challenge = make_challenge("open", **challenge_options)
    if condition == "declined_after_shortlist":
        proposal = make_proposal(SHORTLISTED, challenge=challenge)
        proposal.state, proposal.decided_at = DECLINED, utcnow()
    elif condition == "withdrawn_after_shortlist":
        proposal = make_proposal(SHORTLISTED, challenge=challenge)
        proposal.state, proposal.withdrawn_at = WITHDRAWN, utcnow()
    else:
        proposal = make_proposal(condition, challenge=challenge)
    db.session.commit()
    return proposal


# Reading ----------------------------------------------------------------------------------------

# The seven states, then a proposal declined and one withdrawn after they had been shortlisted.
SEEN = STATES + ("declined_after_shortlist", "withdrawn_after_shortlist")


@shared_fixture
def seen(make_challenge, make_proposal):
    return {condition: proposal_in(make_challenge, make_proposal, condition) for condition in SEEN}


CAN_VIEW = {
    #                  draft subm. revis. short. select. decl. withdr. declined  withdrawn
    #                                                                  after shortlisting
    "anonymous":      (N,    N,    N,     N,     N,      N,    N,      N,        N),
    "venture_owner":  (Y,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "venture_member": (Y,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "other_venture":  (N,    N,    N,     N,     N,      N,    N,      N,        N),
    "company_owner":  (N,    N,    N,     Y,     Y,      N,    N,      Y,        N),
    "company_member": (N,    N,    N,     Y,     Y,      N,    N,      Y,        N),
    "ipark_staff":    (N,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "mss_staff":      (N,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "admin":          (N,    N,    N,     N,     N,      N,    N,      N,        N),
}

# The same people once they declared a conflict (with the venture, or with one of its people):
# the venture's own members still see their work; nobody else sees anything of it.
CAN_VIEW_CONFLICTED = {
    **{person: (N,) * len(SEEN) for person in PEOPLE},
    "venture_owner": (Y,) * len(SEEN),
    "venture_member": (Y,) * len(SEEN),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW, SEEN))
def test_can_view(seen, users, anonymous, person, expected):
    assert answers(seen, Proposal.can_view, who(users, anonymous, person)) == expected


@pytest.mark.parametrize("conflict", ["organisation", "person"])
@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW_CONFLICTED, SEEN, people=PEOPLE[1:]))
def test_a_declared_conflict_hides_the_proposal(seen, users, colleague, person, expected, conflict):
    declare(users[person], conflict, colleague)
    assert answers(seen, Proposal.can_view, users[person]) == expected


def test_a_conflict_with_someone_else_hides_nothing(seen, users, make_user):
    stranger = make_user("venture")
    for person in ("company_owner", "ipark_staff", "mss_staff"):
        declare(users[person], "organisation", stranger)
        declare(users[person], "person", stranger)
        assert answers(seen, Proposal.can_view, users[person]) == dict(zip(SEEN, CAN_VIEW[person], strict=True))


def test_another_company_sees_nothing_even_when_shortlisted(seen, make_user):
    outsider = make_user("company", role="owner")
    assert not any(answers(seen, Proposal.can_view, outsider).values())


@shared_fixture
def proposal_world(users, make_user, make_challenge, make_proposal):
    """Proposals of two ventures in every condition, on calls of two companies and of iPark (a
    startup-support call), so that every branch of the visibility rule has a yes and a no."""
    other_company = make_user("company", role="owner")
    posters = [users["company_owner"], other_company, users["ipark_staff"]]
    proposals = []
    for poster in posters:
        program = Program.startup_support if poster.is_staff else Program.open_innovation
        for condition in SEEN:
            challenge = make_challenge("open", poster=poster, program=program)
            for creator in (users["venture_owner"], users["other_venture"]):
                state = SHORTLISTED if condition.endswith("after_shortlist") else ProposalState(condition)
                proposal = make_proposal(state, challenge=challenge, creator=creator)
                if condition == "declined_after_shortlist":
                    proposal.state, proposal.decided_at = DECLINED, utcnow()
                elif condition == "withdrawn_after_shortlist":
                    proposal.state, proposal.withdrawn_at = WITHDRAWN, utcnow()
                proposals.append(proposal)
    db.session.commit()
    return proposals


@pytest.mark.parametrize(("person", "conflict"), [("anonymous", "none")] + [
    (person, conflict) for person in PEOPLE[1:] + ("ipark_staff2",) for conflict in ("none", "organisation", "person")])
def test_visible_proposals_clause_is_can_view_as_a_query(proposal_world, users, anonymous, colleague, person,
                                                         conflict):
    user = who(users, anonymous, person)
    declare(user, conflict, colleague)
    found = set(db.session.scalars(select(Proposal.id).where(visible_proposals_clause(user))))
    expected = {proposal.id for proposal in proposal_world if proposal.can_view(user)}
    assert found == expected
    if person in {"venture_owner", "ipark_staff", "company_owner"}:
        assert expected  # the comparison is not between two empty sets


# Identity on blind calls: (blind_review, selected) ------------------------------------------------

IDENTITY = ("open_call", "open_call_selected", "blind_call", "blind_call_selected")

CAN_SEE_IDENTITY = {
    #                  open call       blind call
    #                  under review    selected   under review   selected
    "anonymous":      (Y,              Y,         N,             Y),  # sees no proposal at all (can_view)
    "venture_owner":  (Y,              Y,         Y,             Y),
    "venture_member": (Y,              Y,         Y,             Y),
    "other_venture":  (Y,              Y,         N,             Y),
    "company_owner":  (Y,              Y,         N,             Y),
    "company_member": (Y,              Y,         N,             Y),
    "ipark_staff":    (Y,              Y,         N,             Y),
    "mss_staff":      (Y,              Y,         N,             Y),
    "admin":          (Y,              Y,         N,             Y),
}


@shared_fixture
def identity(make_challenge, make_proposal):
    return {condition: make_proposal(SELECTED if condition.endswith("selected") else SHORTLISTED,
                                     challenge=make_challenge("open", blind_review=condition.startswith("blind")))
            for condition in IDENTITY}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_SEE_IDENTITY, IDENTITY))
def test_can_see_identity(identity, users, anonymous, person, expected):
    assert answers(identity, Proposal.can_see_identity, who(users, anonymous, person)) == expected


# Editing, submitting, withdrawing --------------------------------------------------------------

# The seven states before the deadline; then the states a venture works in, past the deadline;
# then a draft on a call the company cancelled.
EDITING = STATES + ("draft_past_deadline", "submitted_past_deadline", "revision_requested_past_deadline",
                    "draft_cancelled_call")


@shared_fixture
def editing(make_challenge, make_proposal):
    proposals = {}
    for condition in EDITING:
        state, _, when = condition.partition("_past_")
        if condition == "draft_cancelled_call":
            proposals[condition] = make_proposal(DRAFT, challenge=make_challenge("cancelled"))
        elif when:
            challenge = make_challenge("closed", deadline=utcnow() - timedelta(minutes=5))
            proposals[condition] = make_proposal(state, challenge=challenge)
        else:
            proposals[condition] = make_proposal(condition)
    return proposals


VENTURE_ONLY = {person: (N,) * len(EDITING) for person in PEOPLE}

CAN_EDIT = {
    **VENTURE_ONLY,
    #                  draft subm. revis. short. select. decl. withdr. draft subm. revis.  cancelled
    #                                                                  past the deadline
    "venture_owner":  (Y,    Y,    Y,     N,     N,      N,    N,      N,    N,    Y,      N),
    "venture_member": (Y,    Y,    Y,     N,     N,      N,    N,      N,    N,    Y,      N),
}

CAN_SUBMIT = {
    **VENTURE_ONLY,
    "venture_owner":  (Y,    N,    Y,     N,     N,      N,    N,      N,    N,    Y,      N),
    "venture_member": (Y,    N,    Y,     N,     N,      N,    N,      N,    N,    Y,      N),
}

CAN_WITHDRAW = {
    **VENTURE_ONLY,
    "venture_owner":  (Y,    Y,    Y,     Y,     N,      N,    N,      Y,    Y,    Y,      Y),
    "venture_member": (Y,    Y,    Y,     Y,     N,      N,    N,      Y,    Y,    Y,      Y),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_EDIT, EDITING))
def test_can_edit(editing, users, anonymous, person, expected):
    assert answers(editing, Proposal.can_edit, who(users, anonymous, person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_EDIT, EDITING))
def test_can_manage_attachments_is_can_edit(editing, users, anonymous, person, expected):
    assert answers(editing, Proposal.can_manage_attachments, who(users, anonymous, person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_SUBMIT, EDITING))
def test_can_submit(editing, users, anonymous, person, expected):
    assert answers(editing, Proposal.can_submit, who(users, anonymous, person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_WITHDRAW, EDITING))
def test_can_withdraw(editing, users, anonymous, person, expected):
    assert answers(editing, Proposal.can_withdraw, who(users, anonymous, person)) == expected


@pytest.mark.parametrize(("state", "offset", "editable"), [
    (DRAFT, -1, True),  # the last second before the deadline
    (DRAFT, 0, False),  # the deadline's own second is already too late
    (DRAFT, +1, False),
    (SUBMITTED, -1, True),
    (SUBMITTED, 0, False),
    (REVISION, 0, True),  # sent back for revision: editable until resubmitted, whatever the deadline
    (REVISION, +3600, True),
])
def test_the_deadline_locks_to_the_second(make_challenge, make_proposal, users, state, offset, editable):
    deadline = utcnow().replace(microsecond=0) + timedelta(days=2)
    proposal = make_proposal(state, challenge=make_challenge("open", deadline=deadline))
    now = deadline + timedelta(seconds=offset)
    owner = users["venture_owner"]
    assert proposal.challenge.deadline_passed(now) is (offset >= 0)
    assert proposal.can_edit(owner, now) is editable
    assert proposal.can_submit(owner, now) is (editable and state != SUBMITTED)


# The company's choice ---------------------------------------------------------------------------

CHOICE = tuple(f"{program}:{condition}" for program in Program
               for condition in ("submitted", "shortlisted", "shortlisted_chosen", "selected_chosen"))


@shared_fixture
def choice(make_challenge, make_proposal, users):
    """Every call is posted by company_owner's company, so that only the programme differs."""
    proposals = {}
    for column in CHOICE:
        program, _, condition = column.partition(":")
        state, _, chosen = condition.partition("_")
        extra = {"company_chosen_at": utcnow(), "company_chosen_by_id": users["company_owner"].id} if chosen else {}
        proposals[column] = make_proposal(state, challenge=make_challenge("open", program=program), **extra)
    return proposals


NOBODY = (N,) * len(CHOICE)

CAN_CHOOSE = {
    **{person: NOBODY for person in PEOPLE},
    #                  open innovation                joint R&D                      startup support
    #                  subm. short. chosen selected   subm. short. chosen selected   subm. short. chosen selected
    "company_owner":  (N,    Y,     N,     N,         N,    Y,     N,     N,         N,    N,     N,     N),
    "company_member": (N,    Y,     N,     N,         N,    Y,     N,     N,         N,    N,     N,     N),
}

CAN_UNCHOOSE = {
    **{person: NOBODY for person in PEOPLE},
    "company_owner":  (N,    N,     Y,     N,         N,    N,     Y,     N,         N,    N,     N,     N),
    "company_member": (N,    N,     Y,     N,         N,    N,     Y,     N,         N,    N,     N,     N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_CHOOSE, CHOICE))
def test_can_choose(choice, users, anonymous, person, expected):
    assert answers(choice, Proposal.can_choose, who(users, anonymous, person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_UNCHOOSE, CHOICE))
def test_can_unchoose(choice, users, anonymous, person, expected):
    assert answers(choice, Proposal.can_unchoose, who(users, anonymous, person)) == expected


def test_a_conflicted_company_member_neither_chooses_nor_unchooses(make_proposal, users, colleague):
    chooser, conflicted = users["company_owner"], users["company_member"]
    fresh = make_proposal(SHORTLISTED)
    chosen = make_proposal(SHORTLISTED, company_chosen_at=utcnow(), company_chosen_by_id=chooser.id)
    declare(conflicted, "person", colleague)
    assert (fresh.can_choose(chooser), chosen.can_unchoose(chooser)) == (True, True)
    assert (fresh.can_choose(conflicted), chosen.can_unchoose(conflicted)) == (False, False)


# Decisions the staff may put to both institutions -----------------------------------------------

# For each state, the targets staff may ask both institutions to sign (a selection in a company
# call once the company has chosen: see the next test).
DECISION_TARGETS = {
    DRAFT: set(),  # staff do not see drafts
    SUBMITTED: {SHORTLISTED, DECLINED, REVISION},
    REVISION: set(),  # the venture's turn: only resubmitting or withdrawing moves it
    SHORTLISTED: {SELECTED, DECLINED},
    SELECTED: set(),
    DECLINED: set(),
    WITHDRAWN: set(),
}
STAFF = {"ipark_staff", "mss_staff"}


@pytest.mark.parametrize("state", STATES)
def test_can_request_decision(make_proposal, users, anonymous, state):
    proposal = make_proposal(state, company_chosen_at=utcnow(), company_chosen_by_id=users["company_owner"].id)
    asked = {(person, target): proposal.can_request_decision(who(users, anonymous, person), target)
             for person in PEOPLE for target in STATES}
    expected = {(person, target): person in STAFF and target in DECISION_TARGETS[state]
                for person in PEOPLE for target in STATES}
    assert asked == expected


@pytest.mark.parametrize(("program", "chosen", "allowed"), [
    (Program.open_innovation, False, False),
    (Program.open_innovation, True, True),
    (Program.joint_rnd, False, False),
    (Program.joint_rnd, True, True),
    (Program.startup_support, False, True),  # the institutions' own call: no company to choose
])
def test_a_selection_in_a_company_call_waits_for_the_companys_choice(make_challenge, make_proposal, users,
                                                                     program, chosen, allowed):
    poster = users["ipark_staff"] if program == Program.startup_support else users["company_owner"]
    extra = {"company_chosen_at": utcnow(), "company_chosen_by_id": poster.id} if chosen else {}
    proposal = make_proposal(SHORTLISTED, challenge=make_challenge("open", program=program, poster=poster), **extra)
    for staff in STAFF:
        assert proposal.can_request_decision(users[staff], SELECTED) is allowed
        assert proposal.can_request_decision(users[staff], DECLINED) is True


def test_conflicted_staff_request_no_decision(make_proposal, users, colleague):
    proposal = make_proposal(SUBMITTED)
    declare(users["mss_staff"], "organisation", colleague)
    assert not any(proposal.can_request_decision(users["mss_staff"], target) for target in STATES)
    assert proposal.can_request_decision(users["ipark_staff"], SHORTLISTED)


# Reviewing --------------------------------------------------------------------------------------

MAY_REVIEW = {
    #                  draft subm. revis. short. select. decl. withdr. declined  withdrawn
    #                                                                  after shortlisting
    "anonymous":      (N,) * len(SEEN),  # not asked: only accounts are candidates
    "venture_owner":  (N,    N,    N,     N,     N,      N,    N,      N,        N),
    "venture_member": (N,    N,    N,     N,     N,      N,    N,      N,        N),
    "other_venture":  (N,    N,    N,     N,     N,      N,    N,      N,        N),
    "company_owner":  (N,    N,    N,     Y,     N,      N,    N,      N,        N),
    "company_member": (N,    N,    N,     Y,     N,      N,    N,      N,        N),
    # The candidate's side only: the states in which reviewers are assigned are can_assign_reviewers.
    "ipark_staff":    (Y,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "mss_staff":      (Y,    Y,    Y,     Y,     Y,      Y,    Y,      Y,        Y),
    "admin":          (N,    N,    N,     N,     N,      N,    N,      N,        N),
}

CAN_ASSIGN_REVIEWERS = {
    **{person: (N,) * len(SEEN) for person in PEOPLE},
    "ipark_staff":    (N,    Y,    N,     Y,     N,      N,    N,      N,        N),
    "mss_staff":      (N,    Y,    N,     Y,     N,      N,    N,      N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(MAY_REVIEW, SEEN, people=PEOPLE[1:]))
def test_may_review(seen, users, person, expected):
    assert answers(seen, Proposal.may_review, users[person]) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ASSIGN_REVIEWERS, SEEN))
def test_can_assign_reviewers(seen, users, anonymous, person, expected):
    assert answers(seen, Proposal.can_assign_reviewers, who(users, anonymous, person)) == expected


@pytest.mark.parametrize("conflict", ["organisation", "person"])
def test_conflicted_or_inactive_people_may_not_review(make_proposal, users, colleague, conflict):
    proposal = make_proposal(SHORTLISTED)
    declare(users["ipark_staff"], conflict, colleague)
    declare(users["company_member"], conflict, colleague)
    users["mss_staff"].active = False
    db.session.commit()
    assert [proposal.may_review(users[person]) for person in
            ("ipark_staff", "company_member", "mss_staff", "ipark_staff2", "company_owner")] == [N, N, N, Y, Y]


# Attachments ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW, SEEN))
def test_an_attachment_is_seen_by_whoever_sees_its_proposal(seen, users, anonymous, person, expected):
    attachments = {}
    for condition, proposal in seen.items():
        attachments[condition] = ProposalAttachment(proposal_id=proposal.id, filename="plan.pdf",
                                                    storage_key=f"key{proposal.id}", size=5, sha256="0" * 64,
                                                    uploaded_by_id=users["venture_owner"].id)
        db.session.add(attachments[condition])
    db.session.commit()
    user = who(users, anonymous, person)
    assert {condition: proposal.can_view_attachment(attachments[condition], user)
            for condition, proposal in seen.items()} == expected
    # Never through another proposal, even one the person sees.
    submitted, shortlisted = seen["submitted"], seen["shortlisted"]
    assert shortlisted.can_view_attachment(attachments["submitted"], user) is False
    assert submitted.can_view_attachment(attachments["shortlisted"], user) is False


# What blocks a submission -----------------------------------------------------------------------

def test_missing_basics_and_required_answers(make_challenge, make_proposal):
    challenge = make_challenge("open", questions=[
        ProposalQuestion(position=1, text="Why you?", required=True),
        ProposalQuestion(position=2, text="Anything else?", required=False),
        ProposalQuestion(position=3, text="Your target?", required=True),
    ])
    proposal = make_proposal(DRAFT, challenge=challenge, title="  ", summary="", approach="x")
    why, other, target = challenge.questions
    assert proposal.missing_basics() == ["title", "summary"]
    assert proposal.missing_required_answers() == [why, target]
    proposal.answers = [ProposalAnswer(question_id=why.id, body="   "), ProposalAnswer(question_id=target.id,
                                                                                        body="KRAS")]
    db.session.commit()
    assert proposal.missing_required_answers() == [why]
    assert (proposal.answer_to(target), proposal.answer_to(other)) == ("KRAS", "")


# The transitions table and what the database refuses ----------------------------------------------

def test_the_transitions_table():
    """The workflow of DESIGN.md: a venture may also withdraw a draft it no longer wants to send."""
    assert PROPOSAL_TRANSITIONS == {
        DRAFT: {SUBMITTED, WITHDRAWN},
        SUBMITTED: {SHORTLISTED, DECLINED, REVISION, WITHDRAWN},
        REVISION: {SUBMITTED, WITHDRAWN},
        SHORTLISTED: {SELECTED, DECLINED, WITHDRAWN},
        SELECTED: set(),
        DECLINED: set(),
        WITHDRAWN: set(),
    }


@pytest.mark.parametrize(("state", "columns"), [
    (SUBMITTED, {"submitted_at": None}),
    (SHORTLISTED, {"shortlisted_at": None}),
    (SELECTED, {"decided_at": None}),
    (DECLINED, {"decided_at": None}),
    (SUBMITTED, {"decided_at": utcnow()}),
    (WITHDRAWN, {"withdrawn_at": None}),
    (SUBMITTED, {"withdrawn_at": utcnow()}),
    (SHORTLISTED, {"company_chosen_at": utcnow()}),  # a choice without the person who made it
    (SUBMITTED, {"trl": 10}),
    (SUBMITTED, {"budget_minor": 1000}),  # an amount without its currency
])
def test_the_database_refuses_an_inconsistent_proposal(make_proposal, state, columns):
    proposal = make_proposal(state)
    for name, value in columns.items():
        setattr(proposal, name, value)
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.refresh(proposal)
    assert all(getattr(proposal, name) != value for name, value in columns.items())


def test_one_proposal_per_venture_per_challenge(make_challenge, make_proposal, users):
    challenge = make_challenge("open")
    make_proposal(DRAFT, challenge=challenge)
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        make_proposal(DRAFT, challenge=challenge, creator=users["venture_member"])
    db.session.rollback()
    make_proposal(DRAFT, challenge=challenge, creator=users["other_venture"])
