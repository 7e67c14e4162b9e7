"""Every service of accounts and organisations: what it changes, what it refuses, what it audits."""
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from sqlalchemy import func, select

from app.auth.models import (
    Invitation,
    MemberRole,
    Organization,
    OrganizationKind,
    User,
    VerificationState,
)
from app.auth.services import registration
from app.auth.services.accounts import find_user_by_email, set_locale, update_profile
from app.auth.services.institutions import ensure_institutions, ensure_secretariat
from app.auth.services.invitations import find_invitation, invite_member, revoke_invitation
from app.auth.services.organizations import remove_member, update_organization
from app.auth.services.passwords import (
    WrongPassword,
    change_password,
    request_password_reset,
    reset_password,
    user_for_reset_token,
)
from app.auth.services.registration import register_invited_member, register_organization
from app.auth.services.sessions import authenticate, end_login_session, load_login_session, start_login_session
from app.auth.services.tokens import InvalidToken
from app.auth.services.two_factor import InvalidCode, check_two_factor, enable_two_factor, new_totp_secret, totp_uri
from app.auth.services.verification import resend_verification, verify_email
from app.common.errors import PermissionDenied
from app.common.models import Institution
from app.common.outbox import SUBJECT_PREFIX
from app.common.taxonomy import Field
from app.common.time import as_utc, utcnow
from app.extensions import db
from tests.clock import stopped_clock
from tests.conftest import PASSWORD
from tests.records import audit_events, audit_summary, outbox, translated

NEW_PASSWORD = "another horse battery"


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
    return register_organization(**(arguments | overrides))


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
    assert mail.subject == SUBJECT_PREFIX + translated("Confirm your e-mail address for Kakehashi", "ja")


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
    monkeypatch.setattr(registration, "hash_password", lambda password: hashed.append(password))
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
    assert mail.subject == SUBJECT_PREFIX + translated("Someone tried to register on Kakehashi with your address", "ja")
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
    assert outbox()[-1].subject == SUBJECT_PREFIX + translated(
        "Someone tried to register on Kakehashi with your address")


def test_find_user_by_email_ignores_case_and_spaces(make_user):
    user = make_user(email="someone@example.test")
    assert find_user_by_email("  SomeOne@EXAMPLE.test ") == user
    assert find_user_by_email("nobody@example.test") is None


@pytest.fixture
def registered(app):
    """A freshly registered owner, and the token of the verification mail sent to them."""
    user = register()
    db.session.commit()
    [mail] = outbox()
    return user, link_token(mail)


def test_verify_email_with_the_mailed_token(registered):
    user, token = registered
    assert verify_email(token) == user
    db.session.commit()
    assert user.email_verified is True
    assert [audit_summary(e) for e in audit_events("user.email_verified")] == [
        ("user.email_verified", user.id, "users", user.id, None, None)]

    verify_email(token)  # a second click changes nothing
    assert len(audit_events("user.email_verified")) == 1


def test_verify_email_refuses_a_tampered_token(registered):
    user, token = registered
    with pytest.raises(InvalidToken):
        verify_email(tampered(token))
    assert user.email_verified is False
    assert audit_events("user.email_verified") == []


def test_verify_email_refuses_an_expired_token(app, registered):
    user, token = registered
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    with pytest.raises(InvalidToken):
        verify_email(token)
    assert user.email_verified is False


def test_verify_email_refuses_a_token_for_an_address_since_changed(registered):
    user, token = registered
    user.email = "changed@example.test"
    db.session.commit()
    with pytest.raises(InvalidToken):
        verify_email(token)
    assert user.email_verified is False


def test_verify_email_refuses_a_password_reset_token(make_user):
    user = make_user(verified=False)
    request_password_reset(user.email)
    [mail] = outbox()
    with pytest.raises(InvalidToken):
        verify_email(link_token(mail))
    assert user.email_verified is False


def test_resend_verification_only_to_unverified_active_accounts(make_user):
    unverified = make_user(verified=False, locale="ko")
    make_user(email="verified@example.test", verified=True)
    make_user(email="gone@example.test", verified=False, active=False)

    resend_verification("nobody@example.test")
    resend_verification("verified@example.test")
    resend_verification("gone@example.test")
    assert outbox() == []

    resend_verification(unverified.email.upper())
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (unverified.email, "ko")
    assert mail.subject == SUBJECT_PREFIX + translated("Confirm your e-mail address for Kakehashi", "ko")
    assert verify_email(link_token(mail)) == unverified


# Login sessions -----------------------------------------------------------------------------

def test_start_login_session_records_the_browser(app, make_user):
    user = make_user()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Tester/1.0"}):
        login_session = start_login_session(user)
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
    key = start_login_session(db.session.get(User, user_id)).key
    db.session.commit()
    db.session.expunge_all()  # as in a new request

    loaded = load_login_session(key)
    assert loaded.id == user_id
    assert loaded.login_session.key == key

    end_login_session(loaded)
    db.session.commit()
    assert loaded.login_session.ended_at is not None
    assert [audit_summary(e) for e in audit_events("user.logged_out")] == [
        ("user.logged_out", user_id, "users", user_id, None, None)]
    assert load_login_session(key) is None

    end_login_session(loaded)  # ending twice is harmless and audited once
    assert len(audit_events("user.logged_out")) == 1


def test_load_login_session_is_one_statement_with_the_user_and_organisation(make_user, count_queries):
    """Every signed-in page starts here: the session, its user and their organisation in one
    statement, and nothing the navbar does not read (the organisation's fields)."""
    user = make_user("venture")
    user.organization.fields = [Field.diagnostics]
    key = start_login_session(user).key
    db.session.commit()
    db.session.expunge_all()  # as in a new request

    with count_queries() as queries:
        loaded = load_login_session(key)
        assert (loaded.login_session.key, loaded.organization.kind, loaded.is_venture) == (
            key, OrganizationKind.venture, True)
    assert len(queries) == 1, queries
    assert "field_rows" not in loaded.organization.__dict__  # left for the pages that show them
    assert loaded.organization.fields == [Field.diagnostics]


def test_load_login_session_refuses_an_unknown_key(make_user):
    start_login_session(make_user())
    assert load_login_session("no-such-key") is None


def test_load_login_session_refuses_a_deactivated_user(make_user):
    user = make_user()
    key = start_login_session(user).key
    user.active = False
    db.session.commit()
    assert load_login_session(key) is None


# Passwords ----------------------------------------------------------------------------------

def reset_token_for(user):
    request_password_reset(user.email)
    db.session.commit()
    return link_token(outbox()[-1])


def test_request_password_reset_mails_a_known_active_user(make_user):
    user = make_user(locale="ja")
    request_password_reset("  " + user.email.upper())
    db.session.commit()
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (user.email, "ja")
    assert mail.subject == SUBJECT_PREFIX + translated("Choose a new Kakehashi password", "ja")
    assert [audit_summary(e) for e in audit_events("user.password_reset_requested")] == [
        ("user.password_reset_requested", None, "users", user.id, None, None)]


@pytest.mark.parametrize("address", ["nobody@example.test", "gone@example.test"])
def test_request_password_reset_is_silent_for_unknown_or_inactive_addresses(make_user, address):
    make_user(email="gone@example.test", active=False)
    request_password_reset(address)
    assert outbox() == []
    assert audit_events("user.password_reset_requested") == []


def test_reset_password_works_once_and_ends_every_session(make_user):
    user = make_user(verified=False)
    sessions = [start_login_session(user) for _ in range(2)]
    token = reset_token_for(user)

    assert user_for_reset_token(token) == user
    assert reset_password(token, NEW_PASSWORD) == user
    db.session.commit()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert user.email_verified is True  # the mailbox was reached, which proves the address
    for login_session in sessions:
        db.session.refresh(login_session)
        assert login_session.ended_at is not None
    assert [audit_summary(e) for e in audit_events("user.password_reset")] == [
        ("user.password_reset", user.id, "users", user.id, None, None)]

    with pytest.raises(InvalidToken):
        user_for_reset_token(token)
    with pytest.raises(InvalidToken):
        reset_password(token, "a third password")
    assert user.check_password(NEW_PASSWORD)


def test_reset_password_refuses_an_expired_token(app, make_user):
    user = make_user()
    token = reset_token_for(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    with pytest.raises(InvalidToken):
        reset_password(token, NEW_PASSWORD)
    assert user.check_password(PASSWORD)
    assert audit_events("user.password_reset") == []


def test_reset_password_refuses_a_tampered_token(make_user):
    user = make_user()
    token = reset_token_for(user)
    with pytest.raises(InvalidToken):
        reset_password(tampered(token), NEW_PASSWORD)
    assert user.check_password(PASSWORD)


def test_reset_password_refuses_a_deactivated_user(make_user):
    user = make_user()
    token = reset_token_for(user)
    user.active = False
    db.session.commit()
    with pytest.raises(InvalidToken):
        reset_password(token, NEW_PASSWORD)


def test_change_password_refuses_a_wrong_current_password(make_user):
    user = make_user()
    login_session = start_login_session(user)
    db.session.commit()
    hash_before = user.password_hash

    with pytest.raises(WrongPassword):
        change_password(user, current_password="not it", new_password=NEW_PASSWORD)
    assert user.password_hash == hash_before
    db.session.refresh(login_session)
    assert login_session.ended_at is None
    assert audit_events("user.password_changed") == []
    assert outbox() == []


def test_change_password_ends_the_other_sessions_but_not_this_one(make_user):
    user = make_user(locale="ko")
    other = start_login_session(user)
    current = start_login_session(user)
    someone_else = start_login_session(make_user())
    assert user.login_session == current
    db.session.commit()

    change_password(user, current_password=PASSWORD, new_password=NEW_PASSWORD)
    db.session.commit()
    assert user.check_password(NEW_PASSWORD)
    for login_session in (other, current, someone_else):
        db.session.refresh(login_session)
    assert other.ended_at is not None
    assert current.ended_at is None
    assert someone_else.ended_at is None
    assert load_login_session(current.key) == user
    assert [audit_summary(e) for e in audit_events("user.password_changed")] == [
        ("user.password_changed", user.id, "users", user.id, None, None)]
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == (user.email, "ko")
    assert mail.subject == SUBJECT_PREFIX + translated("Your Kakehashi password was changed", "ko")


# Profiles -----------------------------------------------------------------------------------

def test_update_profile(make_user):
    user = make_user(locale="en")
    update_profile(user, name="  Kim Minji ", locale="", timezone="Asia/Seoul")
    db.session.commit()
    assert (user.name, user.locale, user.timezone) == ("Kim Minji", None, "Asia/Seoul")
    assert [audit_summary(e) for e in audit_events("user.profile_updated")] == [
        ("user.profile_updated", user.id, "users", user.id, None, None)]


def test_set_locale(make_user):
    user = make_user(locale="en")
    set_locale(user, "ja")
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
    update_organization(organization, actor=actor, **update_arguments())
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
        update_organization(organization, actor=users[person], **update_arguments())
    assert organization.name_latin == name_before
    assert audit_events("organization.updated") == []


def test_consent_to_machine_translation_of_confidential_text_is_off_until_an_owner_gives_it(users):
    organization = users["company_owner"].organization
    assert organization.machine_translate_confidential is False
    update_organization(organization, actor=users["company_owner"], **update_arguments())
    assert organization.machine_translate_confidential is False and \
        audit_events("organization.machine_translation_consent") == []

    update_organization(organization, actor=users["company_owner"],
                        **update_arguments(machine_translate_confidential=True))
    update_organization(organization, actor=users["company_owner"],
                        **update_arguments(machine_translate_confidential=True))
    update_organization(organization, actor=users["company_owner"],
                        **update_arguments(machine_translate_confidential=False))

    assert organization.machine_translate_confidential is False
    assert [(e.actor_id, e.details) for e in audit_events("organization.machine_translation_consent")] == [
        (users["company_owner"].id, {"confidential": True}), (users["company_owner"].id, {"confidential": False})]


def test_a_member_cannot_consent_to_machine_translation(users):
    organization = users["company_owner"].organization
    with pytest.raises(PermissionDenied):
        update_organization(organization, actor=users["company_member"],
                            **update_arguments(machine_translate_confidential=True))
    assert organization.machine_translate_confidential is False


# Invitations --------------------------------------------------------------------------------

@pytest.fixture
def invited(users):
    """An invitation sent by the venture's owner, and the token from the mail."""
    owner = users["venture_owner"]
    invitation = invite_member(owner.organization, actor=owner, email=" Colleague@Example.TEST ",
                               locale="ko")
    db.session.commit()
    [mail] = outbox()
    return invitation, link_token(mail)


def join(invitation, email="colleague@example.test"):
    return register_invited_member(invitation, email=email, name="Colleague", password=NEW_PASSWORD,
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
    assert find_invitation(token) == invitation

    [event] = audit_events("invitation.sent")
    assert audit_summary(event) == ("invitation.sent", owner.id, "invitations", invitation.id, None, None)
    assert event.details == {"email": "colleague@example.test"}
    [mail] = outbox()
    assert (mail.recipient, mail.locale) == ("colleague@example.test", "ko")
    assert mail.subject == SUBJECT_PREFIX + translated("%(name)s invites you to %(organization)s on Kakehashi", "ko",
                                      name=owner.name, organization=owner.organization.name_latin)


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_find_invitation_unknown_token(invited, token):
    assert find_invitation(token) is None


@pytest.mark.parametrize("person", ["venture_member", "other_venture", "company_owner", "ipark_staff", "admin"])
def test_invite_member_refused_to_others_than_the_owner(users, person):
    organization = users["venture_owner"].organization
    with pytest.raises(PermissionDenied):
        invite_member(organization, actor=users[person], email="x@example.test", locale=None)
    assert count(Invitation) == 0
    assert outbox() == []


def test_invite_member_of_an_address_in_use_looks_the_same_to_the_owner(users):
    """The owner sees a pending invitation either way; the holder learns they cannot join,
    and gets no link that could move the account."""
    owner, holder = users["venture_owner"], users["company_member"]
    invitation = invite_member(owner.organization, actor=owner, email=holder.email.upper(),
                               locale=None)
    db.session.commit()
    assert invitation.is_usable() and invitation.email == holder.email
    [event] = audit_events("invitation.sent")
    assert event.details == {"email": holder.email}
    [mail] = outbox()
    assert mail.recipient == holder.email
    assert mail.subject == SUBJECT_PREFIX + translated("%(name)s invites you to %(organization)s on Kakehashi",
                                      name=owner.name, organization=owner.organization.name_latin)
    assert "invitation=" not in mail.body_text and "/auth/login" in mail.body_text
    assert holder.organization_id != owner.organization_id


def test_register_invited_member_joins_as_a_verified_member(users, invited):
    invitation, token = invited
    user = join(find_invitation(token), email=" COLLEAGUE@example.test")
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
    with pytest.raises(InvalidToken):
        join(invitation, email="someone.else@example.test")
    assert invitation.accepted_at is None
    assert count(User) == 9  # the users fixture's people only


def test_an_invitation_is_used_once(invited):
    invitation, _token = invited
    join(invitation)
    db.session.commit()
    with pytest.raises(InvalidToken):
        join(invitation)
    assert len(audit_events("user.joined")) == 1


def test_register_invited_member_refuses_an_expired_invitation(invited):
    invitation, _token = invited
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(InvalidToken):
        join(invitation)
    assert audit_events("user.joined") == []


def test_revoke_invitation(users, invited):
    invitation, _token = invited
    owner = users["venture_owner"]
    revoke_invitation(invitation, actor=owner)
    db.session.commit()
    assert invitation.revoked_at is not None
    assert [audit_summary(e) for e in audit_events("invitation.revoked")] == [
        ("invitation.revoked", owner.id, "invitations", invitation.id, None, None)]
    with pytest.raises(InvalidToken):
        join(invitation)
    with pytest.raises(PermissionDenied):  # withdrawn already
        revoke_invitation(invitation, actor=owner)


@pytest.mark.parametrize("person", ["venture_member", "other_venture", "ipark_staff", "admin"])
def test_revoke_invitation_refused_to_others_than_the_owner(users, invited, person):
    invitation, _token = invited
    with pytest.raises(PermissionDenied):
        revoke_invitation(invitation, actor=users[person])
    assert invitation.revoked_at is None
    assert audit_events("invitation.revoked") == []


def test_an_accepted_invitation_cannot_be_revoked(users, invited):
    invitation, _token = invited
    join(invitation)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        revoke_invitation(invitation, actor=users["venture_owner"])
    assert invitation.revoked_at is None


# Members ------------------------------------------------------------------------------------

def test_remove_member_deactivates_and_signs_out(users):
    owner, member = users["venture_owner"], users["venture_member"]
    sessions = [start_login_session(member) for _ in range(2)]
    owners_session = start_login_session(owner)
    db.session.commit()

    remove_member(member, actor=owner)
    db.session.commit()
    assert member.active is False
    for login_session in sessions:
        db.session.refresh(login_session)
        assert login_session.ended_at is not None
    db.session.refresh(owners_session)
    assert owners_session.ended_at is None
    assert load_login_session(sessions[0].key) is None
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
    login_session = start_login_session(member)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        remove_member(member, actor=users[person])
    assert member.active is True
    db.session.refresh(login_session)
    assert login_session.ended_at is None
    assert audit_events("user.removed") == []


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
    first, second = new_totp_secret(), new_totp_secret()
    assert first != second
    assert len(first) == 32
    assert pyotp.TOTP(first).now().isdigit()


def code_at(secret, moment):
    return pyotp.TOTP(secret).at(moment)


def test_totp_uri_names_the_user_and_issuer(make_user, secret):
    user = make_user(institution="ipark")
    uri = totp_uri(user, secret)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert "issuer=Kakehashi" in uri


def test_enable_two_factor_with_the_current_code(make_user, clock, secret):
    user = make_user(institution="ipark")
    code = code_at(secret, clock.now)
    enable_two_factor(user, secret=secret, code=f"{code[:3]} {code[3:]}")
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
    with pytest.raises(InvalidCode):
        enable_two_factor(user, secret=secret, code=wrong)
    assert user.totp_secret is None
    assert audit_events("user.two_factor_enabled") == []


def test_enable_two_factor_is_for_staff_and_administrators(make_user, clock, secret):
    user = make_user("venture")
    with pytest.raises(PermissionDenied):
        enable_two_factor(user, secret=secret, code=code_at(secret, clock.now))
    assert user.totp_secret is None
    admin = make_user(admin=True)
    enable_two_factor(admin, secret=secret, code=code_at(secret, clock.now))
    assert admin.has_two_factor


@pytest.fixture
def enrolled(make_user, clock, secret):
    """Staff who enabled two-factor with the code of MOMENT's step."""
    user = make_user(institution="ipark")
    enable_two_factor(user, secret=secret, code=code_at(secret, clock.now))
    db.session.commit()
    return user


def test_check_two_factor_accepts_a_new_code(enrolled, clock, secret):
    clock.advance(30)
    check_two_factor(enrolled, code_at(secret, clock.now))
    assert audit_events("user.login_failed") == []


NEW_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def test_replacing_a_factor_needs_a_code_of_the_current_one(enrolled, clock, secret):
    clock.advance(30)
    for current in (None, "", "000000", code_at(NEW_SECRET, clock.now)):
        with pytest.raises(InvalidCode):
            enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                              current_code=current)
        assert enrolled.totp_secret == secret
    assert [audit_summary(e) for e in audit_events("user.two_factor_change_refused")] == [
        ("user.two_factor_change_refused", enrolled.id, "users", enrolled.id, None, None)] * 4
    with pytest.raises(InvalidCode):  # the code enrolment used cannot prove it again
        enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                          current_code=code_at(secret, clock.now - timedelta(seconds=30)))

    enable_two_factor(enrolled, secret=NEW_SECRET, code=code_at(NEW_SECRET, clock.now),
                      current_code=code_at(secret, clock.now))
    assert enrolled.totp_secret == NEW_SECRET
    assert [audit_summary(e) for e in audit_events("user.two_factor_replaced")] == [
        ("user.two_factor_replaced", enrolled.id, "users", enrolled.id, None, None)]
    with pytest.raises(InvalidCode):  # and the new code is used up too
        check_two_factor(enrolled, code_at(NEW_SECRET, clock.now))


def test_replacing_a_factor_with_a_wrong_new_code_keeps_the_current_code_usable(enrolled, clock, secret):
    clock.advance(30)
    with pytest.raises(InvalidCode):
        enable_two_factor(enrolled, secret=NEW_SECRET, code="000000",
                          current_code=code_at(secret, clock.now))
    assert enrolled.totp_secret == secret
    check_two_factor(enrolled, code_at(secret, clock.now))


def test_check_two_factor_accepts_the_next_step_for_clock_drift(enrolled, clock, secret):
    clock.advance(30)
    check_two_factor(enrolled, code_at(secret, clock.now + timedelta(seconds=30)))


def test_a_code_cannot_be_used_twice(enrolled, clock, secret):
    used = code_at(secret, clock.now)
    with pytest.raises(InvalidCode):
        check_two_factor(enrolled, used)  # the code enrolment just used

    clock.advance(30)
    fresh = code_at(secret, clock.now)
    check_two_factor(enrolled, fresh)
    with pytest.raises(InvalidCode):
        check_two_factor(enrolled, fresh)
    with pytest.raises(InvalidCode):
        check_two_factor(enrolled, used)  # an older step, still inside the window
    assert [audit_summary(e) for e in audit_events("user.login_failed")] == [
        ("user.login_failed", None, "users", enrolled.id, None, None)] * 3
    assert {e.details["reason"] for e in audit_events("user.login_failed")} == {"two_factor_code"}


def test_check_two_factor_refuses_a_code_from_another_time(enrolled, clock, secret):
    clock.advance(30)
    stale = code_at(secret, clock.now - timedelta(minutes=5))
    assert stale not in {code_at(secret, clock.now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    with pytest.raises(InvalidCode):
        check_two_factor(enrolled, stale)
    assert len(audit_events("user.login_failed")) == 1


def test_check_two_factor_without_two_factor(make_user, clock, secret):
    user = make_user(institution="mss")
    with pytest.raises(InvalidCode):
        check_two_factor(user, code_at(secret, clock.now))
    assert [audit_summary(e) for e in audit_events("user.login_failed")] == [
        ("user.login_failed", None, "users", user.id, None, None)]


# Institutions and staff ---------------------------------------------------------------------

def test_ensure_institutions_is_idempotent(app):
    first = ensure_institutions()
    second = ensure_institutions()
    db.session.commit()
    assert set(first) == {Institution.ipark, Institution.mss}
    assert {k: v.id for k, v in first.items()} == {k: v.id for k, v in second.items()}
    institutions = db.session.scalars(select(Organization).where(Organization.institution.is_not(None))).all()
    assert len(institutions) == 2
    for organization in institutions:
        assert organization.kind == OrganizationKind.institution
        assert organization.is_verified


def test_ensure_secretariat_is_idempotent(app):
    first = ensure_secretariat()
    assert ensure_secretariat().id == first.id
    assert first.kind == OrganizationKind.institution
    assert first.institution is None


def test_the_last_owner_cannot_be_removed(users):
    from app.auth.services.organizations import LastOwner, remove_member

    owner = users["venture_owner"]
    with pytest.raises(LastOwner):
        remove_member(owner, actor=users["admin"])
    assert owner.active
    remove_member(users["venture_member"], actor=users["admin"])  # members may go
    assert not users["venture_member"].active


def test_authenticate_is_the_same_answer_for_unknown_address_wrong_password_and_removed_user(users, make_user):
    from app.auth.services.sessions import authenticate

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
    assert authenticate(email, password) is None
    [event] = audit_events("user.login_failed")
    subject = ("users", user.id) if user else ("login", 0)
    assert audit_summary(event) == ("user.login_failed", None, *subject, None, None)
    assert event.details == {"email": email.lower(), "reason": reason}


def test_authenticate_audits_nothing_on_success(users):
    assert authenticate(users["venture_owner"].email, PASSWORD) == users["venture_owner"]
    assert audit_events("user.login_failed") == []


def test_an_unknown_address_still_costs_one_password_hash(users, monkeypatch):
    from app.auth.services import sessions

    hashed = []
    monkeypatch.setattr(sessions, "hash_password", lambda password: hashed.append(password))
    authenticate("nobody@example.test", "anything at all")
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
