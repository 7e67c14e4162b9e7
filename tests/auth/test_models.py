"""Permission predicates of accounts and organisations, each rule once as a table."""
import itertools
from datetime import timedelta

import pytest

from app.auth.models import (
    VERIFICATION_TRANSITIONS,
    Invitation,
    MemberRole,
    VerificationState,
)
from app.common.models import DecisionState, Institution, JointDecision
from app.common.time import as_utc, utcnow
from app.extensions import db
from tests.conftest import PASSWORD, who

pending, verified, rejected = VerificationState.pending, VerificationState.verified, VerificationState.rejected


def organization_of(users, name):
    """The organisations the tables talk about, found through a person who belongs to them."""
    return {
        "venture": users["venture_owner"].organization,
        "company": users["company_owner"].organization,
        "ipark": users["ipark_staff"].organization,
        "mss": users["mss_staff"].organization,
        "secretariat": users["admin"].organization,
    }[name]


def put_in_state(organization, state):
    organization.verification_state = state
    organization.verified_at = utcnow() if state == verified else None
    db.session.flush()
    return organization


# Organization ------------------------------------------------------------------------------

@pytest.mark.parametrize(("person", "org", "state", "allowed"), [
    ("venture_owner", "venture", pending, True),  # a pending organisation completes its profile
    ("venture_owner", "venture", verified, True),
    ("venture_owner", "venture", rejected, True),
    ("venture_member", "venture", verified, False),
    ("other_venture", "venture", verified, False),
    ("company_owner", "venture", verified, False),
    ("company_owner", "company", pending, True),
    ("company_member", "company", verified, False),
    ("ipark_staff", "venture", verified, False),
    ("mss_staff", "company", pending, False),
    ("ipark_staff", "ipark", verified, False),
    ("admin", "venture", pending, True),
    ("admin", "company", rejected, True),
    ("admin", "ipark", verified, True),
    ("anonymous", "venture", verified, False),
])
def test_organization_can_edit(users, anonymous, person, org, state, allowed):
    organization = put_in_state(organization_of(users, org), state)
    assert organization.can_edit(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "org", "state", "allowed"), [
    ("venture_owner", "venture", verified, True),
    ("venture_member", "venture", pending, True),
    ("other_venture", "venture", verified, False),
    ("company_owner", "venture", verified, False),
    ("company_member", "company", rejected, True),
    ("venture_owner", "company", verified, False),
    ("ipark_staff", "venture", pending, True),
    ("mss_staff", "company", verified, True),
    ("ipark_staff", "ipark", verified, True),
    ("mss_staff", "ipark", verified, True),
    ("venture_owner", "ipark", verified, False),
    ("admin", "venture", rejected, True),
    ("anonymous", "venture", verified, False),
])
def test_organization_can_view_members(users, anonymous, person, org, state, allowed):
    organization = put_in_state(organization_of(users, org), state)
    assert organization.can_view_members(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "org", "state", "allowed"), [
    ("venture_owner", "venture", verified, True),
    ("venture_owner", "venture", pending, True),
    ("venture_member", "venture", verified, False),
    ("other_venture", "venture", verified, False),
    ("company_owner", "company", verified, True),
    ("company_member", "company", verified, False),
    ("company_owner", "venture", verified, False),
    ("ipark_staff", "venture", verified, False),
    ("admin", "venture", verified, False),  # administrators edit, but only owners bring in people
    ("anonymous", "venture", verified, False),
])
def test_organization_can_invite(users, anonymous, person, org, state, allowed):
    organization = put_in_state(organization_of(users, org), state)
    assert organization.can_invite(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("institution", "role"), [
    ("ipark", "owner"), ("ipark", "member"), ("mss", "owner"), ("mss", "member"),
])
def test_nobody_invites_into_an_institution(make_user, institution, role):
    staff = make_user(institution=institution, role=role)
    assert staff.organization.can_invite(staff) is False


def test_nobody_invites_into_the_secretariat(users):
    admin = users["admin"]
    assert admin.role == MemberRole.owner  # the factory makes administrators owners of it
    assert admin.organization.can_invite(admin) is False


@pytest.mark.parametrize(("person", "org", "state", "allowed"), [
    ("ipark_staff", "venture", pending, True),
    ("ipark_staff", "venture", verified, True),
    ("mss_staff", "company", rejected, True),
    ("admin", "company", pending, True),
    ("venture_owner", "venture", pending, False),
    ("venture_member", "venture", pending, False),
    ("company_owner", "company", pending, False),
    ("company_owner", "venture", pending, False),
    ("anonymous", "venture", pending, False),
    # Institutions are verified by construction: nobody changes that, not even their own staff.
    ("ipark_staff", "ipark", verified, False),
    ("mss_staff", "ipark", verified, False),
    ("ipark_staff", "mss", verified, False),
    ("admin", "ipark", verified, False),
    ("admin", "secretariat", verified, False),
])
def test_organization_can_verify(users, anonymous, person, org, state, allowed):
    organization = put_in_state(organization_of(users, org), state)
    assert organization.can_verify(who(users, anonymous, person)) is allowed


ALLOWED_VERIFICATION_CHANGES = {
    (pending, verified), (pending, rejected), (verified, rejected), (rejected, verified),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(VerificationState, repeat=2)))
def test_organization_can_become(make_organization, current, target):
    organization = make_organization(state=current)
    allowed = (current, target) in ALLOWED_VERIFICATION_CHANGES
    assert (target in VERIFICATION_TRANSITIONS[current]) is allowed
    assert organization.can_become(target) is allowed


@pytest.mark.parametrize(("state", "note", "shown"), [
    (pending, "Please add the company number.", True),
    (rejected, "Not a registered company.", True),
    (verified, "Checked the registry.", False),  # staff's own remark once all is well
    (pending, None, False),
    (rejected, None, False),
])
def test_organization_shows_verification_note(make_organization, state, note, shown):
    organization = make_organization(state=state, verification_note=note)
    assert organization.shows_verification_note is shown


def test_every_verification_state_has_its_transitions():
    assert set(VERIFICATION_TRANSITIONS) == set(VerificationState)


# Invitation --------------------------------------------------------------------------------

@pytest.fixture
def make_invitation(users):
    """An invitation into the venture of users["venture_owner"], in one of its four conditions."""

    def make(condition="fresh"):
        owner = users["venture_owner"]
        now = utcnow()
        invitation = Invitation(
            organization=owner.organization, email=f"{condition}@example.test",
            token_hash=f"{condition}-hash", invited_by=owner,
            expires_at=now - timedelta(seconds=1) if condition == "expired" else now + timedelta(days=14),
            accepted_at=now if condition == "accepted" else None,
            revoked_at=now if condition == "revoked" else None)
        db.session.add(invitation)
        db.session.commit()
        db.session.expire(invitation)  # read expires_at back as the database returns it
        return invitation

    return make


@pytest.mark.parametrize(("condition", "usable"), [
    ("fresh", True), ("expired", False), ("accepted", False), ("revoked", False),
])
def test_invitation_is_usable(make_invitation, condition, usable):
    assert make_invitation(condition).is_usable() is usable


@pytest.mark.parametrize(("person", "condition", "allowed"), [
    ("venture_owner", "fresh", True),
    ("venture_owner", "expired", False),
    ("venture_owner", "accepted", False),
    ("venture_owner", "revoked", False),
    ("venture_member", "fresh", False),
    ("other_venture", "fresh", False),
    ("company_owner", "fresh", False),
    ("ipark_staff", "fresh", False),
    ("admin", "fresh", False),
    ("anonymous", "fresh", False),
])
def test_invitation_can_revoke(make_invitation, users, anonymous, person, condition, allowed):
    assert make_invitation(condition).can_revoke(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "allowed"), [
    ("venture_owner", True),
    ("venture_member", True),  # sees it exists (the members page lists it to owners); revoking is the owner's
    ("other_venture", False),
    ("company_owner", False),
    ("ipark_staff", False),
    ("admin", False),
    ("anonymous", False),
])
def test_invitation_can_view(make_invitation, users, anonymous, person, allowed):
    assert make_invitation("fresh").can_view(who(users, anonymous, person)) is allowed


# User --------------------------------------------------------------------------------------

def test_check_password_against_an_argon2id_hash(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password(PASSWORD) is True
    assert user.check_password(PASSWORD.upper()) is False


def test_set_password_stores_a_new_argon2id_hash(make_user):
    user = make_user()
    before = as_utc(user.password_changed_at)
    user.set_password("a brand new passphrase")
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("a brand new passphrase") is True
    assert user.check_password(PASSWORD) is False
    assert as_utc(user.password_changed_at) >= before


def test_check_password_is_false_for_a_broken_hash(make_user):
    user = make_user()
    user.password_hash = "not-an-argon2-hash"
    assert user.check_password("not-an-argon2-hash") is False


def test_set_password_uses_rfc_9106_costs_outside_tests(app, make_user):
    user = make_user()
    del app.config["ARGON2_PARAMETERS"]  # what every configuration but TestConfig has
    user.set_password("a brand new passphrase")
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert user.check_password("a brand new passphrase") is True


@pytest.mark.parametrize(("kind", "options", "institution", "is_staff", "needs_two_factor"), [
    ("venture", {}, None, False, False),
    ("company", {}, None, False, False),
    ("university", {}, None, False, False),
    ("research_institute", {}, None, False, False),
    ("venture", {"institution": "ipark"}, Institution.ipark, True, True),
    ("venture", {"institution": "mss"}, Institution.mss, True, True),
    ("venture", {"admin": True}, None, False, True),  # administrators sign nothing jointly
])
def test_user_institution_and_staff(make_user, kind, options, institution, is_staff, needs_two_factor):
    user = make_user(kind, **options)
    assert user.institution == institution
    assert user.is_staff is is_staff
    assert user.needs_two_factor is needs_two_factor


ENROLLED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_factor(user, enrolled):
    user.totp_secret = ENROLLED_SECRET if enrolled else None
    return user


@pytest.mark.parametrize(("person", "enrolled", "reminded"), [
    ("venture_owner", False, False),  # only staff and administrators use a second factor
    ("company_member", False, False),
    ("ipark_staff", False, True),
    ("mss_staff", False, True),
    ("admin", False, True),
    ("ipark_staff", True, False),
    ("admin", True, False),
])
def test_user_should_enrol_two_factor(users, person, enrolled, reminded):
    assert with_factor(users[person], enrolled).should_enrol_two_factor is reminded


@pytest.mark.parametrize(("person", "enrolled", "required", "must_enrol", "asked"), [
    # Not required (STAFF_REQUIRE_2FA off): only those who enrolled give a code.
    ("venture_owner", False, False, False, False),
    ("ipark_staff", False, False, False, False),
    ("admin", False, False, False, False),
    ("ipark_staff", True, False, False, True),
    ("admin", True, False, False, True),
    # Required: staff and administrators without a factor enrol before they are signed in.
    ("venture_owner", False, True, False, False),
    ("company_owner", False, True, False, False),
    ("ipark_staff", False, True, True, True),
    ("mss_staff", False, True, True, True),
    ("admin", False, True, True, True),
    ("ipark_staff", True, True, False, True),
    ("mss_staff", True, True, False, True),
])
def test_user_second_factor_at_sign_in(users, person, enrolled, required, must_enrol, asked):
    user = with_factor(users[person], enrolled)
    assert user.must_enrol_two_factor(required) is must_enrol
    assert user.asks_for_second_factor(required) is asked


def test_anonymous_is_nobody(anonymous):
    assert anonymous.is_authenticated is False
    assert anonymous.is_staff is False
    assert anonymous.institution is None


# JointDecision -----------------------------------------------------------------------------

@pytest.fixture
def make_decision(users):
    """A decision on the venture, under an action no workflow registered (so nobody is conflicted):
    pending, pending with iPark's signature (by users["ipark_staff"]), approved, or rejected."""

    def make(condition):
        now = utcnow()
        decision = JointDecision(subject_type="organizations", subject_id=users["venture_owner"].organization_id,
                                 action="test.unregistered", requested_by_id=users["ipark_staff"].id)
        if condition in ("ipark_signed", "approved"):
            decision.ipark_signed_by_id, decision.ipark_signed_at = users["ipark_staff"].id, now
        if condition == "approved":
            decision.mss_signed_by_id, decision.mss_signed_at = users["mss_staff"].id, now
            decision.state, decision.decided_at = DecisionState.approved, now
        if condition == "rejected":
            decision.state, decision.decided_at = DecisionState.rejected, now
            decision.rejected_by_id, decision.rejected_at = users["mss_staff"].id, now
            decision.rejection_reason = "Not ready"
        db.session.add(decision)
        db.session.commit()
        return decision

    return make


@pytest.mark.parametrize(("person", "condition", "allowed"), [
    ("ipark_staff", "pending", True),
    ("ipark_staff2", "pending", True),
    ("mss_staff", "pending", True),
    ("company_owner", "pending", False),
    ("company_member", "pending", False),
    ("venture_owner", "pending", False),
    ("admin", "pending", False),
    ("anonymous", "pending", False),
    ("ipark_staff", "ipark_signed", False),
    ("ipark_staff2", "ipark_signed", False),  # one signature per institution
    ("mss_staff", "ipark_signed", True),
    ("admin", "ipark_signed", False),
    ("ipark_staff", "approved", False),
    ("ipark_staff2", "approved", False),
    ("mss_staff", "approved", False),
    ("ipark_staff", "rejected", False),
    ("ipark_staff2", "rejected", False),
    ("mss_staff", "rejected", False),
])
def test_joint_decision_can_sign(make_decision, users, anonymous, person, condition, allowed):
    assert make_decision(condition).can_sign(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "condition", "allowed"), [
    ("ipark_staff", "pending", True),
    ("mss_staff", "pending", True),
    ("company_owner", "pending", False),
    ("venture_owner", "pending", False),
    ("admin", "pending", False),
    ("anonymous", "pending", False),
    ("ipark_staff2", "ipark_signed", True),  # either institution may still stop it
    ("mss_staff", "ipark_signed", True),
    ("company_owner", "ipark_signed", False),
    ("ipark_staff", "approved", False),
    ("mss_staff", "approved", False),
    ("ipark_staff", "rejected", False),
    ("mss_staff", "rejected", False),
])
def test_joint_decision_can_reject(make_decision, users, anonymous, person, condition, allowed):
    assert make_decision(condition).can_reject(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "allowed"), [
    ("ipark_staff", True), ("mss_staff", True), ("admin", True),
    ("company_owner", False), ("venture_owner", False), ("anonymous", False),
])
def test_joint_decision_can_view(make_decision, users, anonymous, person, allowed):
    assert make_decision("pending").can_view(who(users, anonymous, person)) is allowed


@pytest.mark.parametrize(("person", "allowed"), [
    ("anonymous", False), ("venture_owner", False), ("company_member", False),
    ("ipark_staff", True), ("mss_staff", True), ("admin", True),
])
def test_can_use_staff_pages(users, anonymous, person, allowed):
    assert who(users, anonymous, person).can_use_staff_pages is allowed


# Staff review every call's proposals; the members of the organisations that post calls review
# those shortlisted for them. Ventures, the administrators' secretariat and visitors review nothing.
@pytest.mark.parametrize(("kind", "options", "allowed"), [
    ("venture", {}, False),
    ("company", {}, True),
    ("company", {"role": "member"}, True),
    ("university", {}, True),
    ("research_institute", {}, True),
    ("venture", {"institution": "ipark"}, True),
    ("venture", {"institution": "mss"}, True),
    ("venture", {"admin": True}, False),
])
def test_can_use_review_pages(make_user, kind, options, allowed):
    assert make_user(kind, **options).can_use_review_pages is allowed


def test_visitors_use_no_review_pages(anonymous):
    assert anonymous.can_use_review_pages is False


@pytest.mark.parametrize(("actor", "member", "allowed"), [
    ("venture_owner", "venture_member", True),
    ("venture_owner", "venture_owner", False),  # never oneself
    ("venture_member", "venture_owner", False),
    ("company_owner", "venture_member", False),
    ("ipark_staff", "venture_member", False),
    ("admin", "venture_owner", True),
])
def test_can_be_removed_by(users, actor, member, allowed):
    assert users[member].can_be_removed_by(users[actor]) is allowed


@pytest.mark.parametrize(("person", "member", "colleague"), [
    ("venture_owner", "venture_member", True),
    ("venture_member", "venture_owner", True),
    ("venture_owner", "venture_owner", True),  # oneself is on the members page too
    ("other_venture", "venture_member", False),
    ("company_owner", "venture_member", False),
    ("ipark_staff", "venture_member", False),
    ("admin", "venture_member", False),  # administrators manage accounts from the staff pages
    ("ipark_staff", "ipark_staff2", True),
    ("anonymous", "venture_member", False),
])
def test_user_is_colleague_of(users, anonymous, person, member, colleague):
    assert users[member].is_colleague_of(who(users, anonymous, person)) is colleague


def test_a_removed_member_is_nobodys_colleague(users):
    users["venture_member"].active = False
    assert not users["venture_member"].is_colleague_of(users["venture_owner"])


def test_a_removed_member_cannot_be_removed_again(users):
    users["venture_member"].active = False
    assert not users["venture_member"].can_be_removed_by(users["venture_owner"])
