"""Every service of accounts and organisations: what it changes, what it refuses, what it audits."""
import itertools
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.auth import services
from app.auth.models import (
    Invitation,
    MemberRole,
    Organization,
    OrganizationKind,
    User,
    VerificationState,
)
from app.common.errors import InvalidTransition, PermissionDenied
from app.common.models import AuditEvent, Institution, OutboxEmail
from app.common.taxonomy import Field
from app.common.time import as_utc, utcnow
from app.extensions import db
from tests.clock import stopped_clock
from tests.conftest import PASSWORD

NEW_PASSWORD = "another horse battery"


def audit_events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def audit_summary(event):
    return (event.action, event.actor_id, event.subject_type, event.subject_id, event.from_state, event.to_state)


def outbox():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def translated(msgid, locale="en", **variables):
    with force_locale(locale):
        return gettext(msgid, **variables)


def link_token(mail):
    """The token in the one link of a queued message, wherever the URL carries it."""
    url = urlsplit(re.search(r"https?://\S+", mail.body_text).group(0))
    query = parse_qs(url.query)
    if "invitation" in query:
        return query["invitation"][0]
    return unquote(url.path.rsplit("/", 1)[-1])


def tampered(token):
    return token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def register(**overrides):
    arguments = dict(email="founder@example.test", name=" Founder ", password=PASSWORD, locale="ja",
                     timezone="Asia/Tokyo", kind="company", country="JP", name_latin=" Shonan Pharma ",
                     name_native="湘南製薬", fields=["ai_drug_discovery", "diagnostics"])
    return services.register_organization(**(arguments | overrides))


# Registration and e-mail verification ------------------------------------------------------

def test_register_organization_creates_a_pending_organization_and_its_owner(app):
    user = register(email="  Founder@Example.TEST ")
    db.session.commit()

    organization = user.organization
    assert organization.kind == OrganizationKind.company
    assert organization.verification_state == VerificationState.pending
    assert organization.verified_at is None
    assert (organization.name_latin, organization.name_native) == ("Shonan Pharma", "湘南製薬")
    assert organization.fields == [Field.ai_drug_discovery, Field.diagnostics]
    assert user.email == "founder@example.test"
    assert user.name == "Founder"
    assert user.role == MemberRole.owner
    assert user.email_verified is False
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password(PASSWORD)

    assert [audit_summary(e) for e in audit_events("organization.registered")] == [
        ("organization.registered", user.id, "organizations", organization.id, None, "pending")]
    assert [audit_summary(e) for e in audit_events("user.registered")] == [
        ("user.registered", user.id, "users", user.id, None, None)]
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == ("founder@example.test", "ja")
    assert mail.subject == translated("Confirm your e-mail address for Kakehashi", "ja")


def test_register_organization_refuses_an_institution(app):
    organizations_before = count(Organization)
    with pytest.raises(PermissionDenied):
        register(kind="institution")
    db.session.rollback()
    assert count(Organization) == organizations_before
    assert count(User) == 0
    assert outbox() == []


def test_register_organization_with_an_address_in_use_mails_its_holder(make_user, monkeypatch):
    """No enumeration: nothing is created, the caller cannot tell, the holder hears of it."""
    holder = make_user(email="taken@example.test", locale="ja")
    organizations_before = count(Organization)
    hashed = []
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password))
    assert register(email="TAKEN@Example.Test") is None
    db.session.commit()
    assert hashed == [PASSWORD]  # the same hashing as a new account costs
    assert count(Organization) == organizations_before
    assert count(User) == 1
    assert audit_events("user.registered") == []
    [event] = audit_events("user.registration_attempted")
    assert audit_summary(event) == ("user.registration_attempted", None, "users", holder.id, None, None)
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == ("taken@example.test", "ja")
    assert mail.subject == translated("Someone tried to register on Kakehashi with your address", "ja")
    assert "/auth/login" in mail.body_text and "/auth/reset" in mail.body_text
    assert PASSWORD not in mail.body_text


def test_register_invited_member_with_an_address_in_use_mails_its_holder(users, invited, make_user):
    invitation, _token = invited
    holder = make_user(email="colleague@example.test")
    assert join(invitation) is None
    db.session.commit()
    assert invitation.accepted_at is None
    assert db.session.get(User, holder.id).organization_id != invitation.organization_id
    assert [mail.recipient for mail in outbox()][-1] == "colleague@example.test"
    assert outbox()[-1].subject == translated("Someone tried to register on Kakehashi with your address")


def test_find_user_by_email_ignores_case_and_spaces(make_user):
    user = make_user(email="someone@example.test")
    assert services.find_user_by_email("  SomeOne@EXAMPLE.test ") == user
    assert services.find_user_by_email("nobody@example.test") is None


@pytest.fixture
def registered(app):
    """A freshly registered owner, and the token of the verification mail sent to them."""
    user = register()
    db.session.commit()
    [mail] = outbox()
    return user, link_token(mail)


def test_verify_email_with_the_mailed_token(registered):
    user, token = registered
    assert services.verify_email(token) == user
    db.session.commit()
    assert user.email_verified is True
    assert [audit_summary(e) for e in audit_events("user.email_verified")] == [
        ("user.email_verified", user.id, "users", user.id, None, None)]

    services.verify_email(token)  # a second click changes nothing
    assert len(audit_events("user.email_verified")) == 1


def test_verify_email_refuses_a_tampered_token(registered):
    user, token = registered
    with pytest.raises(services.InvalidToken):
        services.verify_email(tampered(token))
    assert user.email_verified is False
    assert audit_events("user.email_verified") == []


def test_verify_email_refuses_an_expired_token(app, registered):
    user, token = registered
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    with pytest.raises(services.InvalidToken):
        services.verify_email(token)
    assert user.email_verified is False


def test_verify_email_refuses_a_token_for_an_address_since_changed(registered):
    user, token = registered
    user.email = "changed@example.test"
    db.session.commit()
    with pytest.raises(services.InvalidToken):
        services.verify_email(token)
    assert user.email_verified is False


def test_verify_email_refuses_a_password_reset_token(make_user):
    user = make_user(verified=False)
    services.request_password_reset(user.email)
    [mail] = outbox()
    with pytest.raises(services.InvalidToken):
        services.verify_email(link_token(mail))
    assert user.email_verified is False


def test_resend_verification_only_to_unverified_active_accounts(make_user):
    unverified = make_user(verified=False, locale="ko")
    make_user(email="verified@example.test", verified=True)
    make_user(email="gone@example.test", verified=False, active=False)

    services.resend_verification("nobody@example.test")
    services.resend_verification("verified@example.test")
    services.resend_verification("gone@example.test")
    assert outbox() == []

    services.resend_verification(unverified.email.upper())
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (unverified.email, "ko")
    assert mail.subject == translated("Confirm your e-mail address for Kakehashi", "ko")
    assert services.verify_email(link_token(mail)) == unverified


# Login sessions -----------------------------------------------------------------------------

def test_start_login_session_records_the_browser(app, make_user):
    user = make_user()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Tester/1.0"}):
        login_session = services.start_login_session(user)
    db.session.commit()
    assert user.login_session == login_session
    assert user.get_id() == login_session.key
    assert (login_session.user_id, login_session.ip, login_session.user_agent) == (user.id, "203.0.113.7", "Tester/1.0")
    assert login_session.ended_at is None
    [event] = audit_events("user.logged_in")
    assert audit_summary(event) == ("user.logged_in", user.id, "users", user.id, None, None)
    assert event.ip == "203.0.113.7"


def test_load_login_session_finds_the_user_until_the_session_ends(make_user):
    user_id = make_user().id
    key = services.start_login_session(db.session.get(User, user_id)).key
    db.session.commit()
    db.session.expunge_all()  # as in a new request

    loaded = services.load_login_session(key)
    assert loaded.id == user_id
    assert loaded.login_session.key == key

    services.end_login_session(loaded)
    db.session.commit()
    assert loaded.login_session.ended_at is not None
    assert [audit_summary(e) for e in audit_events("user.logged_out")] == [
        ("user.logged_out", user_id, "users", user_id, None, None)]
    assert services.load_login_session(key) is None

    services.end_login_session(loaded)  # ending twice is harmless and audited once
    assert len(audit_events("user.logged_out")) == 1


def test_load_login_session_refuses_an_unknown_key(make_user):
    services.start_login_session(make_user())
    assert services.load_login_session("no-such-key") is None


def test_load_login_session_refuses_a_deactivated_user(make_user):
    user = make_user()
    key = services.start_login_session(user).key
    user.active = False
    db.session.commit()
    assert services.load_login_session(key) is None


# Passwords ----------------------------------------------------------------------------------

def reset_token_for(user):
    services.request_password_reset(user.email)
    db.session.commit()
    return link_token(outbox()[-1])


def test_request_password_reset_mails_a_known_active_user(make_user):
    user = make_user(locale="ja")
    services.request_password_reset("  " + user.email.upper())
    db.session.commit()
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (user.email, "ja")
    assert mail.subject == translated("Choose a new Kakehashi password", "ja")
    assert [audit_summary(e) for e in audit_events("user.password_reset_requested")] == [
        ("user.password_reset_requested", None, "users", user.id, None, None)]


@pytest.mark.parametrize("address", ["nobody@example.test", "gone@example.test"])
def test_request_password_reset_is_silent_for_unknown_or_inactive_addresses(make_user, address):
    make_user(email="gone@example.test", active=False)
    services.request_password_reset(address)
    assert outbox() == []
    assert audit_events("user.password_reset_requested") == []


def test_reset_password_works_once_and_ends_every_session(make_user):
    user = make_user(verified=False)
    sessions = [services.start_login_session(user) for _ in range(2)]
    token = reset_token_for(user)

    assert services.user_for_reset_token(token) == user
    assert services.reset_password(token, NEW_PASSWORD) == user
    db.session.commit()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert user.email_verified is True  # the mailbox was reached, which proves the address
    for login_session in sessions:
        db.session.refresh(login_session)
        assert login_session.ended_at is not None
    assert [audit_summary(e) for e in audit_events("user.password_reset")] == [
        ("user.password_reset", user.id, "users", user.id, None, None)]

    with pytest.raises(services.InvalidToken):
        services.user_for_reset_token(token)
    with pytest.raises(services.InvalidToken):
        services.reset_password(token, "a third password")
    assert user.check_password(NEW_PASSWORD)


def test_reset_password_refuses_an_expired_token(app, make_user):
    user = make_user()
    token = reset_token_for(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    with pytest.raises(services.InvalidToken):
        services.reset_password(token, NEW_PASSWORD)
    assert user.check_password(PASSWORD)
    assert audit_events("user.password_reset") == []


def test_reset_password_refuses_a_tampered_token(make_user):
    user = make_user()
    token = reset_token_for(user)
    with pytest.raises(services.InvalidToken):
        services.reset_password(tampered(token), NEW_PASSWORD)
    assert user.check_password(PASSWORD)


def test_reset_password_refuses_a_deactivated_user(make_user):
    user = make_user()
    token = reset_token_for(user)
    user.active = False
    db.session.commit()
    with pytest.raises(services.InvalidToken):
        services.reset_password(token, NEW_PASSWORD)


def test_change_password_refuses_a_wrong_current_password(make_user):
    user = make_user()
    login_session = services.start_login_session(user)
    db.session.commit()
    hash_before = user.password_hash

    with pytest.raises(services.WrongPassword):
        services.change_password(user, current_password="not it", new_password=NEW_PASSWORD)
    assert user.password_hash == hash_before
    db.session.refresh(login_session)
    assert login_session.ended_at is None
    assert audit_events("user.password_changed") == []
    assert outbox() == []


def test_change_password_ends_the_other_sessions_but_not_this_one(make_user):
    user = make_user(locale="ko")
    other = services.start_login_session(user)
    current = services.start_login_session(user)
    someone_else = services.start_login_session(make_user())
    assert user.login_session == current
    db.session.commit()

    services.change_password(user, current_password=PASSWORD, new_password=NEW_PASSWORD)
    db.session.commit()
    assert user.check_password(NEW_PASSWORD)
    for login_session in (other, current, someone_else):
        db.session.refresh(login_session)
    assert other.ended_at is not None
    assert current.ended_at is None
    assert someone_else.ended_at is None
    assert services.load_login_session(current.key) == user
    assert [audit_summary(e) for e in audit_events("user.password_changed")] == [
        ("user.password_changed", user.id, "users", user.id, None, None)]
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (user.email, "ko")
    assert mail.subject == translated("Your Kakehashi password was changed", "ko")


# Profiles -----------------------------------------------------------------------------------

def test_update_profile(make_user):
    user = make_user(locale="en")
    services.update_profile(user, name="  Kim Minji ", locale="", timezone="Asia/Seoul")
    db.session.commit()
    assert (user.name, user.locale, user.timezone) == ("Kim Minji", None, "Asia/Seoul")
    assert [audit_summary(e) for e in audit_events("user.profile_updated")] == [
        ("user.profile_updated", user.id, "users", user.id, None, None)]


def test_set_locale(make_user):
    user = make_user(locale="en")
    services.set_locale(user, "ja")
    db.session.commit()
    db.session.expire(user)
    assert user.locale == "ja"


def update_arguments(**overrides):
    return dict(country="KR", name_latin=" Bio Seoul ", name_native="바이오 서울", website="  ",
                description=" Cell therapy. ", fields=["cell_gene_therapy"]) | overrides


@pytest.mark.parametrize("person", ["venture_owner", "admin"])
def test_update_organization(users, person):
    organization = users["venture_owner"].organization
    actor = users[person]
    services.update_organization(organization, actor=actor, **update_arguments())
    db.session.commit()
    assert (organization.name_latin, organization.name_native, organization.website, organization.description) == (
        "Bio Seoul", "바이오 서울", None, "Cell therapy.")
    assert organization.fields == [Field.cell_gene_therapy]
    assert [audit_summary(e) for e in audit_events("organization.updated")] == [
        ("organization.updated", actor.id, "organizations", organization.id, None, None)]


@pytest.mark.parametrize("person", ["venture_member", "other_venture", "ipark_staff"])
def test_update_organization_refused(users, person):
    organization = users["venture_owner"].organization
    name_before = organization.name_latin
    with pytest.raises(PermissionDenied):
        services.update_organization(organization, actor=users[person], **update_arguments())
    assert organization.name_latin == name_before
    assert audit_events("organization.updated") == []


# Invitations --------------------------------------------------------------------------------

@pytest.fixture
def invited(users):
    """An invitation sent by the venture's owner, and the token from the mail."""
    owner = users["venture_owner"]
    invitation = services.invite_member(owner.organization, actor=owner, email=" Colleague@Example.TEST ",
                                        locale="ko")
    db.session.commit()
    [mail] = outbox()
    return invitation, link_token(mail)


def join(invitation, email="colleague@example.test"):
    return services.register_invited_member(invitation, email=email, name="Colleague", password=NEW_PASSWORD,
                                            locale="ko", timezone="Asia/Seoul")


def test_invite_member(app, users, invited):
    invitation, token = invited
    owner = users["venture_owner"]
    assert invitation.email == "colleague@example.test"
    assert invitation.organization == owner.organization
    assert invitation.invited_by == owner
    expected_expiry = utcnow() + timedelta(days=app.config["INVITATION_DAYS"])
    assert abs(as_utc(invitation.expires_at) - expected_expiry) < timedelta(minutes=1)
    assert invitation.is_usable()
    assert token not in invitation.token_hash  # only a hash of the token is stored
    assert services.find_invitation(token) == invitation

    [event] = audit_events("invitation.sent")
    assert audit_summary(event) == ("invitation.sent", owner.id, "invitations", invitation.id, None, None)
    assert event.details == {"email": "colleague@example.test"}
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == ("colleague@example.test", "ko")
    assert mail.subject == translated("%(name)s invites you to %(organization)s on Kakehashi", "ko",
                                      name=owner.name, organization=owner.organization.name_latin)


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_find_invitation_unknown_token(invited, token):
    assert services.find_invitation(token) is None


@pytest.mark.parametrize("person", ["venture_member", "other_venture", "company_owner", "ipark_staff", "admin"])
def test_invite_member_refused_to_others_than_the_owner(users, person):
    organization = users["venture_owner"].organization
    with pytest.raises(PermissionDenied):
        services.invite_member(organization, actor=users[person], email="x@example.test", locale=None)
    assert count(Invitation) == 0
    assert outbox() == []


def test_invite_member_of_an_address_in_use_looks_the_same_to_the_owner(users):
    """The owner sees a pending invitation either way; the holder learns they cannot join,
    and gets no link that could move the account."""
    owner, holder = users["venture_owner"], users["company_member"]
    invitation = services.invite_member(owner.organization, actor=owner, email=holder.email.upper(),
                                        locale=None)
    db.session.commit()
    assert invitation.is_usable() and invitation.email == holder.email
    [event] = audit_events("invitation.sent")
    assert event.details == {"email": holder.email}
    [mail] = outbox()
    assert mail.recipient == holder.email
    assert mail.subject == translated("%(name)s invites you to %(organization)s on Kakehashi",
                                      name=owner.name, organization=owner.organization.name_latin)
    assert "invitation=" not in mail.body_text and "/auth/login" in mail.body_text
    assert holder.organization_id != owner.organization_id


def test_register_invited_member_joins_as_a_verified_member(users, invited):
    invitation, token = invited
    user = join(services.find_invitation(token), email=" COLLEAGUE@example.test")
    db.session.commit()
    assert user.organization == users["venture_owner"].organization
    assert user.role == MemberRole.member
    assert user.email == "colleague@example.test"
    assert user.email_verified is True
    assert invitation.accepted_at is not None
    assert invitation.is_usable() is False
    [event] = audit_events("user.joined")
    assert audit_summary(event) == ("user.joined", user.id, "organizations", user.organization_id, None, None)
    assert event.details == {"invitation_id": invitation.id}


def test_register_invited_member_refuses_another_address(invited):
    invitation, _token = invited
    with pytest.raises(services.InvalidToken):
        join(invitation, email="someone.else@example.test")
    assert invitation.accepted_at is None
    assert count(User) == 9  # the users fixture's people only


def test_an_invitation_is_used_once(invited):
    invitation, _token = invited
    join(invitation)
    db.session.commit()
    with pytest.raises(services.InvalidToken):
        join(invitation)
    assert len(audit_events("user.joined")) == 1


def test_register_invited_member_refuses_an_expired_invitation(invited):
    invitation, _token = invited
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(services.InvalidToken):
        join(invitation)
    assert audit_events("user.joined") == []


def test_revoke_invitation(users, invited):
    invitation, _token = invited
    owner = users["venture_owner"]
    services.revoke_invitation(invitation, actor=owner)
    db.session.commit()
    assert invitation.revoked_at is not None
    assert [audit_summary(e) for e in audit_events("invitation.revoked")] == [
        ("invitation.revoked", owner.id, "invitations", invitation.id, None, None)]
    with pytest.raises(services.InvalidToken):
        join(invitation)
    with pytest.raises(PermissionDenied):  # withdrawn already
        services.revoke_invitation(invitation, actor=owner)


@pytest.mark.parametrize("person", ["venture_member", "other_venture", "ipark_staff", "admin"])
def test_revoke_invitation_refused_to_others_than_the_owner(users, invited, person):
    invitation, _token = invited
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(invitation, actor=users[person])
    assert invitation.revoked_at is None
    assert audit_events("invitation.revoked") == []


def test_an_accepted_invitation_cannot_be_revoked(users, invited):
    invitation, _token = invited
    join(invitation)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(invitation, actor=users["venture_owner"])
    assert invitation.revoked_at is None


# Members ------------------------------------------------------------------------------------

def test_remove_member_deactivates_and_signs_out(users):
    owner, member = users["venture_owner"], users["venture_member"]
    sessions = [services.start_login_session(member) for _ in range(2)]
    owners_session = services.start_login_session(owner)
    db.session.commit()

    services.remove_member(member, actor=owner)
    db.session.commit()
    assert member.active is False
    for login_session in sessions:
        db.session.refresh(login_session)
        assert login_session.ended_at is not None
    db.session.refresh(owners_session)
    assert owners_session.ended_at is None
    assert services.load_login_session(sessions[0].key) is None
    [event] = audit_events("user.removed")
    assert audit_summary(event) == ("user.removed", owner.id, "users", member.id, None, None)
    assert event.details == {"organization_id": owner.organization_id}


@pytest.mark.parametrize(("person", "target"), [
    ("venture_owner", "venture_owner"),  # not oneself
    ("venture_member", "venture_owner"),
    ("venture_member", "venture_member"),
    ("other_venture", "venture_member"),
    ("company_owner", "venture_member"),
    ("ipark_staff", "venture_member"),
])
def test_remove_member_refused(users, person, target):
    member = users[target]
    login_session = services.start_login_session(member)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.remove_member(member, actor=users[person])
    assert member.active is True
    db.session.refresh(login_session)
    assert login_session.ended_at is None
    assert audit_events("user.removed") == []


# Organisation verification ------------------------------------------------------------------

ALLOWED = {
    (VerificationState.pending, VerificationState.verified),
    (VerificationState.pending, VerificationState.rejected),
    (VerificationState.verified, VerificationState.rejected),
    (VerificationState.rejected, VerificationState.verified),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(VerificationState, repeat=2)))
def test_set_verification_every_transition(make_organization, make_user, users, current, target):
    organization = make_organization("company", state=current)
    owner = make_user(organization=organization, role="owner", locale="ja")
    make_user(organization=organization, role="member")
    staff = users["mss_staff"]

    if (current, target) not in ALLOWED:
        with pytest.raises(InvalidTransition):
            services.set_verification(organization, target, actor=staff)
        assert organization.verification_state == current
        assert audit_events(f"organization.{target}") == []
        assert outbox() == []
        return

    services.set_verification(organization, target, actor=staff, note="  Checked the registry. ")
    db.session.commit()
    assert organization.verification_state == target
    assert (organization.verified_at is not None) is (target == VerificationState.verified)
    assert organization.verification_note == "Checked the registry."
    [event] = audit_events(f"organization.{target}")
    assert audit_summary(event) == (f"organization.{target}", staff.id, "organizations", organization.id,
                                    str(current), str(target))
    assert event.details == {"note": "Checked the registry."}
    [mail] = outbox()  # to the owner only, in the owner's language
    assert (mail.recipient, mail.locale) == (owner.email, "ja")
    msgid = ("%(organization)s is verified on Kakehashi" if target == VerificationState.verified
             else "%(organization)s could not be verified on Kakehashi")
    assert mail.subject == translated(msgid, "ja", organization=organization.name_latin)


def test_set_verification_mails_every_active_owner(make_organization, make_user, users):
    organization = make_organization("venture", state=VerificationState.pending)
    owners = [make_user(organization=organization, role="owner") for _ in range(2)]
    make_user(organization=organization, role="owner", active=False)
    make_user(organization=organization, role="member")
    services.set_verification(organization, VerificationState.verified, actor=users["admin"], note="")
    db.session.commit()
    assert organization.verification_note is None
    assert sorted(mail.recipient for mail in outbox()) == sorted(owner.email for owner in owners)


@pytest.mark.parametrize(("person", "org"), [
    ("venture_owner", "venture"),
    ("venture_member", "venture"),
    ("company_owner", "venture"),
    ("ipark_staff", "mss"),  # institutions are not verified by anyone
    ("admin", "ipark"),
])
def test_set_verification_refused(users, person, org):
    organization = {"venture": users["venture_owner"].organization, "mss": users["mss_staff"].organization,
                    "ipark": users["ipark_staff"].organization}[org]
    current = organization.verification_state
    target = VerificationState.rejected if current == VerificationState.verified else VerificationState.verified
    with pytest.raises(PermissionDenied):
        services.set_verification(organization, target, actor=users[person])
    assert organization.verification_state == current
    assert audit_events(f"organization.{target}") == []


# Two-factor ---------------------------------------------------------------------------------

MOMENT = datetime(2030, 4, 1, 9, 0, 15, tzinfo=UTC)


@pytest.fixture
def clock():
    """The whole app's clock, stopped at MOMENT; clock.advance(seconds) moves it."""
    with stopped_clock(MOMENT) as clock:
        yield clock


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # fixed, so that every code below is known to differ


@pytest.fixture
def secret():
    return SECRET


def test_new_totp_secret_is_random_base32():
    first, second = services.new_totp_secret(), services.new_totp_secret()
    assert first != second
    assert len(first) == 32
    assert pyotp.TOTP(first).now().isdigit()


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment)


def test_totp_uri_names_the_user_and_issuer(make_user, secret):
    user = make_user(institution="ipark")
    uri = services.totp_uri(user, secret)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert "issuer=Kakehashi" in uri


def test_enable_two_factor_with_the_current_code(make_user, clock, secret):
    user = make_user(institution="ipark")
    code = code_at(secret, clock.now)
    services.enable_two_factor(user, secret=secret, code=f"{code[:3]} {code[3:]}")
    db.session.commit()
    assert user.totp_secret == secret
    assert user.has_two_factor
    assert [audit_summary(e) for e in audit_events("user.two_factor_enabled")] == [
        ("user.two_factor_enabled", user.id, "users", user.id, None, None)]


@pytest.mark.parametrize("offset", [-60, 60, 3600])
def test_enable_two_factor_refuses_a_wrong_code(make_user, clock, secret, offset):
    user = make_user(institution="mss")
    wrong = code_at(secret, clock.now + timedelta(seconds=offset))
    assert wrong not in {code_at(secret, clock.now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    with pytest.raises(services.InvalidCode):
        services.enable_two_factor(user, secret=secret, code=wrong)
    assert user.totp_secret is None
    assert audit_events("user.two_factor_enabled") == []


def test_enable_two_factor_is_for_staff_and_administrators(make_user, clock, secret):
    user = make_user("venture")
    with pytest.raises(PermissionDenied):
        services.enable_two_factor(user, secret=secret, code=code_at(secret, clock.now))
    assert user.totp_secret is None
    admin = make_user(admin=True)
    services.enable_two_factor(admin, secret=secret, code=code_at(secret, clock.now))
    assert admin.has_two_factor


@pytest.fixture
def enrolled(make_user, clock, secret):
    """Staff who enabled two-factor with the code of MOMENT's step."""
    user = make_user(institution="ipark")
    services.enable_two_factor(user, secret=secret, code=code_at(secret, clock.now))
    db.session.commit()
    return user


def test_check_two_factor_accepts_a_new_code(enrolled, clock, secret):
    clock.advance(30)
    services.check_two_factor(enrolled, code_at(secret, clock.now))
    assert audit_events("user.login_failed") == []


NEW_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def test_replacing_a_factor_needs_a_code_of_the_current_one(enrolled, clock, secret):
    clock.advance(30)
    for current in (None, "", "000000", code_at(NEW_SECRET, clock.now)):
        with pytest.raises(services.InvalidCode):
            services.enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                                       current_code=current)
        assert enrolled.totp_secret == secret
    assert [audit_summary(e) for e in audit_events("user.two_factor_change_refused")] == [
        ("user.two_factor_change_refused", enrolled.id, "users", enrolled.id, None, None)] * 4
    with pytest.raises(services.InvalidCode):  # the code enrolment used cannot prove it again
        services.enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                                   current_code=code_at(secret, clock.now - timedelta(seconds=30)))

    services.enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                               current_code=code_at(secret, clock.now))
    assert enrolled.totp_secret == NEW_SECRET
    assert [audit_summary(e) for e in audit_events("user.two_factor_replaced")] == [
        ("user.two_factor_replaced", enrolled.id, "users", enrolled.id, None, None)]
    with pytest.raises(services.InvalidCode):  # and the new code is used up too
        services.check_two_factor(enrolled, code_at(NEW_SECRET, clock.now))


def test_replacing_a_factor_with_a_wrong_new_code_keeps_the_current_code_usable(enrolled, clock, secret):
    clock.advance(30)
    with pytest.raises(services.InvalidCode):
        services.enable_two_factor(enrolled, secret=NEW_SECRET, code="000000",
                                   current_code=code_at(secret, clock.now))
    assert enrolled.totp_secret == secret
    services.check_two_factor(enrolled, code_at(secret, clock.now))


def test_check_two_factor_accepts_the_next_step_for_clock_drift(enrolled, clock, secret):
    clock.advance(30)
    services.check_two_factor(enrolled, code_at(secret, clock.now + timedelta(seconds=30)))


def test_a_code_cannot_be_used_twice(enrolled, clock, secret):
    used = code_at(secret, clock.now)
    with pytest.raises(services.InvalidCode):
        services.check_two_factor(enrolled, used)  # the code enrolment just used

    clock.advance(30)
    fresh = code_at(secret, clock.now)
    services.check_two_factor(enrolled, fresh)
    with pytest.raises(services.InvalidCode):
        services.check_two_factor(enrolled, fresh)
    with pytest.raises(services.InvalidCode):
        services.check_two_factor(enrolled, used)  # an older step, still inside the window
    assert [audit_summary(e) for e in audit_events("user.login_failed")] == [
        ("user.login_failed", None, "users", enrolled.id, None, None)] * 3
    assert {e.details["reason"] for e in audit_events("user.login_failed")} == {"two_factor_code"}


def test_check_two_factor_refuses_a_code_from_another_time(enrolled, clock, secret):
    clock.advance(30)
    stale = code_at(secret, clock.now - timedelta(minutes=5))
    assert stale not in {code_at(secret, clock.now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    with pytest.raises(services.InvalidCode):
        services.check_two_factor(enrolled, stale)
    assert len(audit_events("user.login_failed")) == 1


def test_check_two_factor_without_two_factor(make_user, clock, secret):
    user = make_user(institution="mss")
    with pytest.raises(services.InvalidCode):
        services.check_two_factor(user, code_at(secret, clock.now))
    assert [audit_summary(e) for e in audit_events("user.login_failed")] == [
        ("user.login_failed", None, "users", user.id, None, None)]


# Institutions and staff ---------------------------------------------------------------------

def test_ensure_institutions_is_idempotent(app):
    first = services.ensure_institutions()
    second = services.ensure_institutions()
    db.session.commit()
    assert set(first) == {Institution.ipark, Institution.mss}
    assert {k: v.id for k, v in first.items()} == {k: v.id for k, v in second.items()}
    institutions = db.session.scalars(select(Organization).where(Organization.institution.is_not(None))).all()
    assert len(institutions) == 2
    for organization in institutions:
        assert organization.kind == OrganizationKind.institution
        assert organization.is_verified


def test_ensure_secretariat_is_idempotent(app):
    first = services.ensure_secretariat()
    assert services.ensure_secretariat().id == first.id
    assert first.kind == OrganizationKind.institution
    assert first.institution is None


@pytest.mark.parametrize(("institution", "is_admin", "timezone"), [
    (Institution.ipark, False, "Asia/Tokyo"),
    (Institution.mss, False, "Asia/Seoul"),
    (None, True, "Asia/Tokyo"),
])
def test_create_staff(app, institution, is_admin, timezone):
    user = services.create_staff(email="Staff@Example.TEST", name="Staff", password=NEW_PASSWORD,
                                 institution=institution, is_admin=is_admin, locale="ja")
    db.session.commit()
    assert user.email == "staff@example.test"
    assert user.institution == institution
    assert user.is_staff is (institution is not None)
    assert user.is_admin is is_admin
    assert user.role == MemberRole.member
    assert user.email_verified is True
    assert user.timezone == timezone
    assert user.check_password(NEW_PASSWORD)
    if institution is None:
        assert user.organization == services.ensure_secretariat()
    else:
        assert user.organization == services.ensure_institutions()[institution]
    [event] = audit_events("user.staff_created")
    assert audit_summary(event) == ("user.staff_created", None, "users", user.id, None, None)
    assert event.details == {"institution": str(institution or "")}


def test_create_staff_refuses_an_address_in_use(make_user):
    make_user(email="staff@example.test")
    with pytest.raises(services.EmailTaken):
        services.create_staff(email="STAFF@example.test", name="Staff", password=NEW_PASSWORD,
                              institution=Institution.ipark)


def test_the_last_owner_cannot_be_removed(users):
    from app.auth.services import LastOwner, remove_member

    owner = users["venture_owner"]
    with pytest.raises(LastOwner):
        remove_member(owner, actor=users["admin"])
    assert owner.active
    remove_member(users["venture_member"], actor=users["admin"])  # members may go
    assert not users["venture_member"].active


def test_authenticate_is_the_same_answer_for_unknown_address_wrong_password_and_removed_user(users, make_user):
    from app.auth.services import authenticate

    assert authenticate(users["venture_owner"].email.upper(), PASSWORD) == users["venture_owner"]
    assert authenticate("nobody@example.test", PASSWORD) is None
    assert authenticate(users["venture_owner"].email, "wrong password") is None
    assert authenticate(make_user(active=False).email, PASSWORD) is None


@pytest.mark.parametrize(("who", "password", "reason"), [
    ("unknown", PASSWORD, "unknown_address"),
    ("owner", "wrong password", "wrong_password"),
    ("removed", PASSWORD, "inactive"),
])
def test_authenticate_audits_each_refusal_without_the_password(users, make_user, who, password, reason):
    user = {"owner": users["venture_owner"], "removed": make_user(active=False), "unknown": None}[who]
    email = user.email.upper() if user else "Nobody@Example.test"
    assert services.authenticate(email, password) is None
    [event] = audit_events("user.login_failed")
    subject = ("users", user.id) if user else ("login", 0)
    assert audit_summary(event) == ("user.login_failed", None, *subject, None, None)
    assert event.details == {"email": email.lower(), "reason": reason}


def test_authenticate_audits_nothing_on_success(users):
    assert services.authenticate(users["venture_owner"].email, PASSWORD) == users["venture_owner"]
    assert audit_events("user.login_failed") == []


def test_an_unknown_address_still_costs_one_password_hash(users, monkeypatch):
    from app.auth import services

    hashed = []
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password))
    services.authenticate("nobody@example.test", "anything at all")
    assert hashed == ["anything at all"]


# Administration of accounts -------------------------------------------------------------------

@pytest.mark.parametrize(("actor", "target", "allowed"), [
    ("admin", "venture_owner", True),
    ("admin", "ipark_staff", True),
    ("admin", "admin", False),
    ("ipark_staff", "venture_owner", False),
    ("venture_owner", "venture_member", False),
])
def test_who_manages_accounts(users, actor, target, allowed):
    assert users[target].can_be_managed_by(users[actor]) is allowed


def test_create_staff_account_needs_an_administrator_and_mails_a_password_link(users):
    from app.auth.services import create_staff_account
    from app.common.errors import PermissionDenied
    from app.common.models import Institution, OutboxEmail

    with pytest.raises(PermissionDenied):
        create_staff_account(actor=users["ipark_staff"], email="x@example.test", name="X",
                             institution=Institution.ipark, is_admin=False, locale="ja")
    user = create_staff_account(actor=users["admin"], email="new@ipark.example", name="New",
                                institution=Institution.ipark, is_admin=False, locale="ja")
    assert user.institution == Institution.ipark and not user.check_password("")
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "new@ipark.example"))
    assert "/auth/reset/" in mail.body_text and mail.locale == "ja"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == user.id,
                                                                AuditEvent.subject_type == "users")).all()
    assert "user.staff_invited" in actions


def test_set_account_active_transitions(users):
    from app.auth.services import set_account_active
    from app.common.errors import InvalidTransition, PermissionDenied

    target = users["venture_member"]
    set_account_active(target, False, actor=users["admin"])
    assert not target.active
    with pytest.raises(InvalidTransition):
        set_account_active(target, False, actor=users["admin"])
    with pytest.raises(PermissionDenied):
        set_account_active(target, True, actor=users["venture_owner"])
    set_account_active(target, True, actor=users["admin"])
    assert target.active
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == target.id,
                                                                AuditEvent.subject_type == "users")).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]
