"""Permission predicates of challenges, each rule once as a table.

A table has one row per person (a venture member twice: without and with the challenge's NDA
accepted) and one column per condition a challenge can be in. Each test case is one row: the
person asks the predicate about one challenge in every condition, and the answers must equal the
row, so a failure names the person and the conditions that differ.
"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.auth.models import VerificationState
from app.challenges.models import (
    Challenge,
    ChallengeAttachment,
    ChallengeState,
    ClarificationQuestion,
    ConfidentialAccess,
    NdaAcceptance,
    NdaVersion,
    Program,
    visible_challenges_clause,
)
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import ProposalBar, can_start_proposal, proposal_bar
from tests.conftest import shared_fixture

Y, N = True, False

# The columns of every table, in this order.
CONDITIONS = (
    "draft",
    "pending_review",
    "open",
    "closed",
    "awarded",
    "cancelled_unpublished",  # cancelled from draft or review: it was never public
    "cancelled_published",  # cancelled after publication: it stays readable
    "open_past_deadline",  # still `open` in the database, the closing job has not run yet
)

# The rows of every table. "+nda": the same person once they accepted the challenge's current NDA.
PEOPLE = (
    "anonymous",
    "venture_owner", "venture_owner+nda",
    "venture_member", "venture_member+nda",  # same venture as venture_owner
    "other_venture", "other_venture+nda",
    "unverified_venture", "unverified_venture+nda",  # its organisation's verification is pending
    "company_owner", "company_member",  # the poster's company
    "other_company",
    "ipark_staff", "mss_staff",
    "admin",
)


def row_of(table: dict[str, tuple[bool, ...]], person: str) -> dict[str, bool]:
    if tuple(table) != PEOPLE or any(len(row) != len(CONDITIONS) for row in table.values()):
        raise ValueError("a table has one row per person in PEOPLE and one column per condition")
    return dict(zip(CONDITIONS, table[person], strict=True))


def rows(table: dict[str, tuple[bool, ...]]):
    """One pytest case per person, expecting {condition: answer}."""
    return [pytest.param(person, row_of(table, person), id=person) for person in PEOPLE]


# Fixtures ---------------------------------------------------------------------------------------

@shared_fixture
def people(users, anonymous, make_user, make_organization):
    return {
        **users,
        "anonymous": anonymous,
        "unverified_venture": make_user(organization=make_organization("venture", state=VerificationState.pending)),
        "other_company": make_user("company", role="member"),
    }


def challenge_in(make_challenge, condition: str, **options) -> Challenge:
    if condition == "cancelled_unpublished":
        return make_challenge("cancelled", **options)
    if condition == "cancelled_published":
        challenge = make_challenge("cancelled", **options)
        challenge.published_at = challenge.cancelled_at - timedelta(days=2)
        db.session.commit()
        return challenge
    if condition == "open_past_deadline":
        return make_challenge("open", deadline=utcnow() - timedelta(hours=1), **options)
    return make_challenge(condition, **options)


@shared_fixture
def challenges(make_challenge):
    """One challenge by users["company_owner"]'s company in each condition."""
    return {condition: challenge_in(make_challenge, condition) for condition in CONDITIONS}


def accept_nda(challenge: Challenge, user) -> None:
    db.session.add(NdaAcceptance(nda_version=challenge.current_nda, challenge_id=challenge.id, user=user))
    db.session.commit()


@pytest.fixture
def user_for(people, challenges):
    """user_for("venture_owner+nda"): the person, having accepted the NDA of every challenge."""

    def find(person: str):
        name, _, nda = person.partition("+")
        user = people[name]
        if nda:
            for challenge in challenges.values():
                accept_nda(challenge, user)
        return user

    return find


def answers(challenges, predicate, user) -> dict[str, bool]:
    return {condition: predicate(challenge, user) for condition, challenge in challenges.items()}


# Reading ----------------------------------------------------------------------------------------

VISIBLE_TO_ALL = (N, N, Y, Y, Y, N, Y, Y)

CAN_VIEW = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "venture_owner":          (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "venture_owner+nda":      (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "venture_member":         (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "venture_member+nda":     (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "other_venture":          (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "other_venture+nda":      (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "unverified_venture":     (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "unverified_venture+nda": (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "company_owner":          (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "company_member":         (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "other_company":          (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "ipark_staff":            (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "mss_staff":              (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "admin":                  (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW))
def test_can_view(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_view, user_for(person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW))
def test_visible_challenges_clause_is_can_view_as_a_query(challenges, user_for, person, expected):
    user = user_for(person)
    found = set(db.session.scalars(select(Challenge.id).where(visible_challenges_clause(user))))
    assert {condition: challenge.id in found for condition, challenge in challenges.items()} == expected
    assert found == {challenge.id for challenge in challenges.values() if challenge.can_view(user)}


# Anonymous users and ventures without the NDA never receive the confidential part; the poster
# and staff always do, wherever they may see the challenge at all.
CAN_VIEW_CONFIDENTIAL = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     Y,   Y,     Y,      N,        Y,        Y),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    # Only a verified venture can accept; once its verification is withdrawn (or pending again)
    # the text closes, though the acceptance it signed still binds it.
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "company_member":         (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "mss_staff":              (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "admin":                  (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_VIEW_CONFIDENTIAL))
def test_can_view_confidential(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_view_confidential, user_for(person)) == expected


# Attachments: a public one goes with the public part, a confidential one with the confidential part.
@pytest.mark.parametrize(("confidential", "person", "expected"), [
    *(pytest.param(False, person, row_of(CAN_VIEW, person), id=f"public-{person}") for person in PEOPLE),
    *(pytest.param(True, person, row_of(CAN_VIEW_CONFIDENTIAL, person), id=f"confidential-{person}")
      for person in PEOPLE),
])
def test_can_view_attachment(challenges, user_for, confidential, person, expected):
    attachments = {}
    for condition, challenge in challenges.items():
        attachments[condition] = ChallengeAttachment(
            challenge_id=challenge.id, filename=f"{condition}.pdf", storage_key=f"{challenge.id}-{confidential}",
            size=1024, sha256="0" * 64, confidential=confidential, uploaded_by_id=challenge.created_by_id)
    db.session.add_all(attachments.values())
    db.session.commit()
    user = user_for(person)
    found = {condition: challenge.can_view_attachment(attachments[condition], user)
             for condition, challenge in challenges.items()}
    assert found == expected


@pytest.mark.parametrize("person", ["company_owner", "ipark_staff", "admin", "anonymous"])
def test_an_attachment_is_seen_only_through_its_own_challenge(make_challenge, people, person):
    own, other = make_challenge("open"), make_challenge("open")
    attachment = ChallengeAttachment(challenge_id=own.id, filename="brief.pdf", storage_key="brief", size=10,
                                     sha256="0" * 64, confidential=False, uploaded_by_id=own.created_by_id)
    db.session.add(attachment)
    db.session.commit()
    assert own.can_view_attachment(attachment, people[person]) is True
    assert other.can_view_attachment(attachment, people[person]) is False


# NDA ----------------------------------------------------------------------------------------------

HAS_ACCEPTED_NDA = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (Y,    Y,     Y,   Y,     Y,      Y,        Y,        Y),
    "company_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(HAS_ACCEPTED_NDA))
def test_has_accepted_nda(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.has_accepted_nda, user_for(person)) == expected


# Members of verified ventures, while the call takes proposals, once per NDA version.
CAN_ACCEPT_NDA = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     Y,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     Y,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     Y,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ACCEPT_NDA))
def test_can_accept_nda(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_accept_nda, user_for(person)) == expected


@pytest.mark.parametrize("person", ["venture_owner", "venture_member", "other_venture"])
def test_a_new_nda_version_withdraws_access_until_accepted_again(make_challenge, people, person):
    challenge = make_challenge("open")
    venture, poster, staff = people[person], people["company_member"], people["mss_staff"]
    accept_nda(challenge, venture)
    assert challenge.can_view_confidential(venture) is True

    challenge.nda_versions.append(NdaVersion(number=2, language=challenge.language,
                                             body="Keep it secret, the new data too."))
    db.session.commit()
    assert challenge.current_nda.number == 2
    assert challenge.has_accepted_nda(venture) is False
    assert challenge.can_view_confidential(venture) is False
    assert challenge.can_accept_nda(venture) is True
    assert challenge.can_view_confidential(poster) is True  # the poster and staff accept nothing
    assert challenge.can_view_confidential(staff) is True

    accept_nda(challenge, venture)
    assert challenge.has_accepted_nda(venture) is True
    assert challenge.can_view_confidential(venture) is True
    assert challenge.can_accept_nda(venture) is False


def test_an_nda_binds_the_person_who_accepted_it_not_their_colleagues(make_challenge, people):
    challenge = make_challenge("open")
    accept_nda(challenge, people["venture_owner"])
    assert challenge.can_view_confidential(people["venture_owner"]) is True
    assert challenge.can_view_confidential(people["venture_member"]) is False
    assert challenge.can_accept_nda(people["venture_member"]) is True


def test_an_nda_accepted_for_one_challenge_opens_no_other(make_challenge, people):
    accepted, other = make_challenge("open"), make_challenge("open")
    accept_nda(accepted, people["venture_owner"])
    assert other.has_accepted_nda(people["venture_owner"]) is False
    assert other.can_view_confidential(people["venture_owner"]) is False


def test_a_challenge_without_an_nda_cannot_be_accepted_nor_read_by_ventures(make_challenge, people):
    challenge = make_challenge("open")
    challenge.nda_versions = []
    db.session.commit()
    venture = people["venture_owner"]
    assert challenge.can_accept_nda(venture) is False
    assert challenge.has_accepted_nda(venture) is False
    assert challenge.can_view_confidential(venture) is False
    assert challenge.can_view_confidential(people["company_owner"]) is True


# What a person is told about the confidential part, where they may not read it: the key the
# challenge page turns into its message (and its button, where there is one to press).
G, A = ConfidentialAccess.granted, ConfidentialAccess.accept_nda
S, V = ConfidentialAccess.sign_in, ConfidentialAccess.verify_organization
C, P = ConfidentialAccess.closed, ConfidentialAccess.parties_only

CONFIDENTIAL_ACCESS = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (S,    S,     S,   S,     S,      S,        S,        S),
    "venture_owner":          (C,    C,     A,   C,     C,      C,        C,        C),
    "venture_owner+nda":      (C,    C,     G,   G,     G,      C,        G,        G),
    "venture_member":         (C,    C,     A,   C,     C,      C,        C,        C),
    "venture_member+nda":     (C,    C,     G,   G,     G,      C,        G,        G),
    "other_venture":          (C,    C,     A,   C,     C,      C,        C,        C),
    "other_venture+nda":      (C,    C,     G,   G,     G,      C,        G,        G),
    "unverified_venture":     (V,    V,     V,   V,     V,      V,        V,        V),
    "unverified_venture+nda": (V,    V,     V,   V,     V,      V,        V,        V),
    "company_owner":          (G,    G,     G,   G,     G,      G,        G,        G),
    "company_member":         (G,    G,     G,   G,     G,      G,        G,        G),
    "other_company":          (P,    P,     P,   P,     P,      P,        P,        P),
    "ipark_staff":            (G,    G,     G,   G,     G,      G,        G,        G),
    "mss_staff":              (G,    G,     G,   G,     G,      G,        G,        G),
    "admin":                  (G,    G,     G,   G,     G,      G,        G,        G),
}


@pytest.mark.parametrize(("person", "expected"), rows(CONFIDENTIAL_ACCESS))
def test_confidential_access(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.confidential_access, user_for(person)) == expected


@pytest.mark.parametrize("person", PEOPLE)
def test_confidential_access_is_granted_exactly_to_those_who_may_read_it(challenges, user_for, person):
    user = user_for(person)
    assert answers(challenges, lambda challenge, user: challenge.confidential_access(user) == G, user) == answers(
        challenges, Challenge.can_view_confidential, user)


def test_a_new_nda_version_asks_for_the_new_acceptance(make_challenge, people):
    challenge = make_challenge("open")
    venture = people["venture_owner"]
    accept_nda(challenge, venture)
    challenge.nda_versions.append(NdaVersion(number=2, language=challenge.language,
                                             body="Keep it secret, the new data too."))
    db.session.commit()
    assert challenge.confidential_access(venture) == ConfidentialAccess.accept_new_nda
    assert challenge.confidential_access(people["venture_member"]) == ConfidentialAccess.accept_nda
    accept_nda(challenge, venture)
    assert challenge.confidential_access(venture) == ConfidentialAccess.granted


# The poster's work ---------------------------------------------------------------------------------

# Anything while a draft; corrections while it takes proposals. Under review, it is the staff's turn.
CAN_EDIT = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (Y,    N,     Y,   N,     N,      N,        N,        N),
    "company_member":         (Y,    N,     Y,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_EDIT))
def test_can_edit(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_edit, user_for(person)) == expected


@pytest.mark.parametrize(("person", "expected"), rows(CAN_EDIT))
def test_can_manage_attachments_is_can_edit(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_manage_attachments, user_for(person)) == expected


CAN_SUBMIT_FOR_REVIEW = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (Y,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (Y,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_SUBMIT_FOR_REVIEW))
def test_can_submit_for_review(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_submit_for_review, user_for(person)) == expected


# Cancelled from any state before awarded, by the poster or by staff (administrators run accounts,
# not calls).
CAN_CANCEL = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (Y,    Y,     Y,   Y,     N,      N,        N,        Y),
    "company_member":         (Y,    Y,     Y,   Y,     N,      N,        N,        Y),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (Y,    Y,     Y,   Y,     N,      N,        N,        Y),
    "mss_staff":              (Y,    Y,     Y,   Y,     N,      N,        N,        Y),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_CANCEL))
def test_can_cancel(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_cancel, user_for(person)) == expected


# The institutions' decisions -------------------------------------------------------------------------

# Staff of either institution publish or send back what is under review; a company member never
# publishes, not even their own call, and administrators are no institution's staff.
CAN_REVIEW_PUBLICATION = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    Y,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    Y,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_REVIEW_PUBLICATION))
def test_can_review_publication(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_review_publication, user_for(person)) == expected


@pytest.mark.parametrize(("person", "allowed"), [
    ("ipark_staff", False),  # wrote the call: someone else approves it
    ("ipark_staff2", True),  # a colleague of the same institution
    ("mss_staff", True),
    ("admin", False),
    ("company_owner", False),
    ("venture_owner", False),
    ("anonymous", False),
])
def test_staff_never_publish_a_call_they_wrote(make_challenge, people, person, allowed):
    challenge = make_challenge("pending_review", program=Program.startup_support, poster=people["ipark_staff"])
    assert challenge.can_review_publication(people[person]) is allowed


# Awarded once closed, by the institutions; a call past its deadline counts as closed already.
CAN_AWARD = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   Y,     N,      N,        N,        Y),
    "mss_staff":              (N,    N,     N,   Y,     N,      N,        N,        Y),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_AWARD))
def test_can_award(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_award, user_for(person)) == expected


# Clarification questions -------------------------------------------------------------------------

# Verified ventures, while the call takes proposals; asking needs no NDA (the question is public).
CAN_ASK_QUESTION = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     Y,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     Y,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     Y,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     Y,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     Y,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     Y,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "company_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ASK_QUESTION))
def test_can_ask_question(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_ask_question, user_for(person)) == expected


# The poster answers while the call is open and after it closes, until the award.
CAN_ANSWER_QUESTIONS = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner":          (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_owner+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member":         (N,    N,     N,   N,     N,      N,        N,        N),
    "venture_member+nda":     (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture":          (N,    N,     N,   N,     N,      N,        N,        N),
    "other_venture+nda":      (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture":     (N,    N,     N,   N,     N,      N,        N,        N),
    "unverified_venture+nda": (N,    N,     N,   N,     N,      N,        N,        N),
    "company_owner":          (N,    N,     Y,   Y,     N,      N,        N,        Y),
    "company_member":         (N,    N,     Y,   Y,     N,      N,        N,        Y),
    "other_company":          (N,    N,     N,   N,     N,      N,        N,        N),
    "ipark_staff":            (N,    N,     N,   N,     N,      N,        N,        N),
    "mss_staff":              (N,    N,     N,   N,     N,      N,        N,        N),
    "admin":                  (N,    N,     N,   N,     N,      N,        N,        N),
}


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ANSWER_QUESTIONS))
def test_can_answer_questions(challenges, user_for, person, expected):
    assert answers(challenges, Challenge.can_answer_questions, user_for(person)) == expected


def ask(challenge: Challenge, asker, *, answered: bool) -> ClarificationQuestion:
    now = utcnow()
    question = ClarificationQuestion(challenge=challenge, asked_by=asker, body="Is the assay data in vitro only?",
                                     asked_at=now - timedelta(days=1))
    if answered:
        question.answer, question.answered_by_id, question.answered_at = "Yes.", challenge.created_by_id, now
    db.session.add(question)
    db.session.commit()
    return question


@pytest.mark.parametrize(("person", "expected"), rows(CAN_ANSWER_QUESTIONS))
def test_question_can_answer_is_the_challenges_rule(challenges, user_for, people, person, expected):
    user = user_for(person)
    questions = {condition: ask(challenge, people["venture_owner"], answered=False)
                 for condition, challenge in challenges.items()}
    assert {condition: question.can_answer(user) for condition, question in questions.items()} == expected


@pytest.mark.parametrize(("person", "before_answer", "after_answer"), [
    ("anonymous", False, True),
    ("venture_owner", True, True),  # the asker
    ("venture_member", False, True),  # the asker's colleague: the question is the asker's own until answered
    ("other_venture", False, True),
    ("unverified_venture", False, True),
    ("company_owner", True, True),
    ("company_member", True, True),
    ("other_company", False, True),
    ("ipark_staff", True, True),
    ("mss_staff", True, True),
    ("admin", True, True),
])
def test_question_can_view(make_challenge, people, person, before_answer, after_answer):
    challenge = make_challenge("open")
    unanswered = ask(challenge, people["venture_owner"], answered=False)
    answered = ask(challenge, people["venture_owner"], answered=True)
    assert unanswered.can_view(people[person]) is before_answer
    assert answered.can_view(people[person]) is after_answer


@pytest.mark.parametrize("condition", ["closed", "awarded", "cancelled_published", "open_past_deadline"])
def test_answered_questions_stay_public_with_the_call(make_challenge, people, condition):
    challenge = challenge_in(make_challenge, condition)
    answered = ask(challenge, people["venture_owner"], answered=True)
    unanswered = ask(challenge, people["venture_owner"], answered=False)
    assert answered.can_view(people["anonymous"]) is True
    assert answered.can_view(people["other_venture"]) is True
    assert unanswered.can_view(people["other_venture"]) is False
    assert unanswered.can_view(people["venture_owner"]) is True


@pytest.mark.parametrize("condition", ["draft", "pending_review", "cancelled_unpublished"])
def test_questions_on_a_call_nobody_may_see_are_hidden_too(make_challenge, people, condition):
    challenge = challenge_in(make_challenge, condition)
    answered = ask(challenge, people["venture_owner"], answered=True)
    assert answered.can_view(people["venture_owner"]) is False
    assert answered.can_view(people["anonymous"]) is False
    assert answered.can_view(people["company_member"]) is True
    assert answered.can_view(people["ipark_staff"]) is True


# Who may write a proposal, and what the others are told ------------------------------------------

# Members of verified ventures, while the call takes proposals (one proposal per venture); the
# others learn why not: None where they may start one.
GO, NV, NA = None, ProposalBar.not_a_venture, ProposalBar.not_verified
NO = ProposalBar.not_accepting

PROPOSAL_BAR = {
    #                          draft review open closed awarded cancelled cancelled open past
    #                                                           unpubl.   publ.     deadline
    "anonymous":              (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "venture_owner":          (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "venture_owner+nda":      (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "venture_member":         (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "venture_member+nda":     (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "other_venture":          (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "other_venture+nda":      (NO,   NO,    GO,  NO,    NO,     NO,       NO,       NO),
    "unverified_venture":     (NA,   NA,    NA,  NA,    NA,     NA,       NA,       NA),
    "unverified_venture+nda": (NA,   NA,    NA,  NA,    NA,     NA,       NA,       NA),
    "company_owner":          (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "company_member":         (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "other_company":          (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "ipark_staff":            (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "mss_staff":              (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
    "admin":                  (NV,   NV,    NV,  NV,    NV,     NV,       NV,       NV),
}


@pytest.mark.parametrize(("person", "expected"), rows(PROPOSAL_BAR))
def test_proposal_bar(challenges, user_for, person, expected):
    user = user_for(person)
    assert answers(challenges, proposal_bar, user) == expected
    assert answers(challenges, can_start_proposal, user) == {
        condition: bar is None for condition, bar in expected.items()}


def test_a_venture_with_a_proposal_starts_no_other(make_challenge, make_proposal, people):
    challenge = make_challenge("open")
    make_proposal("draft", challenge=challenge, creator=people["venture_owner"])
    assert proposal_bar(challenge, people["venture_member"]) == ProposalBar.not_accepting
    assert proposal_bar(challenge, people["other_venture"]) is None


@pytest.mark.parametrize(("bar", "message"), [
    (ProposalBar.not_a_venture, "Proposals are written by members of ventures."),
    (ProposalBar.not_verified, "Your organisation must be verified by staff before you can write a proposal."),
    (ProposalBar.not_accepting, "This challenge does not accept proposals now."),
])
def test_each_proposal_bar_has_its_message(app, bar, message):
    with app.test_request_context():
        assert str(bar.label) == message


@pytest.mark.parametrize(("program", "chooses"), [
    (Program.open_innovation, True),
    (Program.joint_rnd, True),
    (Program.startup_support, False),  # the institutions' own cohort call: no company to choose
])
def test_the_company_chooses_in_company_calls(program, chooses):
    assert program.company_chooses is chooses


# Time -----------------------------------------------------------------------------------------------

DEADLINE = datetime(2031, 3, 31, 15, 0, 0, tzinfo=UTC)  # midnight, 1 April, in Tokyo and Seoul
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(("moment", "passed", "effective_state", "accepting"), [
    pytest.param(DEADLINE - timedelta(days=1), False, ChallengeState.open, True, id="a day before"),
    pytest.param(DEADLINE - timedelta(seconds=1), False, ChallengeState.open, True, id="1s before"),
    pytest.param(DEADLINE - timedelta(microseconds=1), False, ChallengeState.open, True, id="1us before"),
    pytest.param(DEADLINE, True, ChallengeState.closed, False, id="at the deadline"),
    pytest.param(DEADLINE + timedelta(seconds=1), True, ChallengeState.closed, False, id="1s after"),
    pytest.param(DEADLINE.astimezone(TOKYO) - timedelta(seconds=1), False, ChallengeState.open, True,
                 id="1s before, read in Tokyo time"),
    pytest.param(DEADLINE.astimezone(TOKYO), True, ChallengeState.closed, False, id="at the deadline in Tokyo time"),
])
def test_an_open_call_closes_at_its_deadline_second(make_challenge, moment, passed, effective_state, accepting):
    challenge = make_challenge("open", deadline=DEADLINE)
    db.session.expire(challenge)  # read the deadline back as the database returns it (naive on SQLite)
    assert challenge.deadline_passed(moment) is passed
    assert challenge.effective_state(moment) == effective_state
    assert challenge.is_accepting(moment) is accepting


@pytest.mark.parametrize("state", [ChallengeState.draft, ChallengeState.pending_review, ChallengeState.closed,
                                   ChallengeState.awarded, ChallengeState.cancelled])
@pytest.mark.parametrize("offset", [timedelta(seconds=-1), timedelta(0), timedelta(seconds=1)],
                         ids=["1s before", "at the deadline", "1s after"])
def test_only_an_open_call_changes_state_with_time(make_challenge, state, offset):
    challenge = make_challenge(state, deadline=DEADLINE)
    db.session.expire(challenge)
    assert challenge.deadline_passed(DEADLINE + offset) is (offset >= timedelta(0))
    assert challenge.effective_state(DEADLINE + offset) == state
    assert challenge.is_accepting(DEADLINE + offset) is False


def test_without_a_moment_the_clock_decides(make_challenge):
    running = make_challenge("open", deadline=utcnow() + timedelta(minutes=5))
    expired = make_challenge("open", deadline=utcnow() - timedelta(seconds=1))
    assert (running.deadline_passed(), running.effective_state(), running.is_accepting()) == (
        False, ChallengeState.open, True)
    assert (expired.deadline_passed(), expired.effective_state(), expired.is_accepting()) == (
        True, ChallengeState.closed, False)
