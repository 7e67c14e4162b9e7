"""Wiring of the account pages: happy paths, refusals and bad input. Rules live in test_services."""
import re

import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import Invitation, LoginSession, Organization, User, VerificationState
from app.common.models import AuditEvent, OutboxEmail
from app.common.time import utcnow
from app.demo import DEMO_PASSWORD
from app.extensions import db
from tests.clock import stopped_clock
from tests.conftest import PASSWORD

WRONG = "The e-mail address or the password is not correct."


def text(response) -> str:
    return response.get_data(as_text=True)


def last_link(recipient: str) -> str:
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == recipient)
                              .order_by(OutboxEmail.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body_text).group(1)


# Sign-in and sign-out ---------------------------------------------------------------------

@pytest.mark.parametrize("email", ["admin@demo.test", "ipark@demo.test", "mss@demo.test", "company@demo.test",
                                   "university@demo.test", "venture@demo.test", "venture2@demo.test"])
def test_every_demo_account_signs_in(app, demo, client, email):
    response = client.post("/auth/login", data={"email": email.upper(), "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/auth/profile").status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(client, users):
    unknown = client.post("/auth/login", data={"email": "nobody@example.test", "password": "whatever-it-is"})
    wrong = client.post("/auth/login", data={"email": users["venture_owner"].email, "password": "whatever-it-is"})
    assert unknown.status_code == wrong.status_code == 200
    assert WRONG in text(unknown) and WRONG in text(wrong)


def test_login_redirects_only_to_local_next(client, users):
    response = client.post("/auth/login?next=https://evil.example/x",
                           data={"email": users["venture_owner"].email, "password": PASSWORD})
    assert response.location == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/auth/profile",
                           data={"email": users["venture_owner"].email, "password": PASSWORD})
    assert response.location == "/auth/profile"


def test_ten_wrong_passwords_in_a_row_are_throttled(client, users):
    user = users["venture_owner"]
    for _ in range(10):
        assert client.post("/auth/login", data={"email": user.email, "password": "wrong-password"}).status_code == 200
    throttled = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert "Too many attempts" in text(throttled)


def test_successful_logins_are_not_counted_as_failures(client, users):
    user = users["venture_owner"]
    for _ in range(12):
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        client.post("/auth/logout")


def test_unverified_email_cannot_sign_in(client, make_user):
    user = make_user(verified=False)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "confirm your e-mail address" in text(response)
    assert client.get("/auth/profile").status_code == 302


def test_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    assert WRONG in text(client.post("/auth/login", data={"email": user.email, "password": PASSWORD}))


def test_logout_makes_the_old_session_cookie_useless(app, client, users, login):
    login(users["venture_owner"])
    old_cookie = client.get_cookie("session").value
    assert client.get("/auth/profile").status_code == 200
    assert client.get("/auth/logout").status_code == 405  # logout is a POST
    client.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    response = replay.get("/auth/profile")
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert db.session.scalar(select(LoginSession.ended_at)) is not None


@pytest.mark.parametrize("person", ["venture_owner", "company_member", "ipark_staff", "admin"])
def test_a_signed_in_page_loads_the_session_user_and_organisation_in_one_statement(
        client, users, login, count_queries, person):
    """The home page reads nothing else: what it sends is the cost of being signed in."""
    login(users[person])
    assert client.get("/").status_code == 200  # the first page after signing in
    with count_queries() as queries:
        page = client.get("/?lang=en").get_data(as_text=True)
    assert users[person].name in page  # the user menu: the user and their organisation were read
    assert len(queries) == 1, queries


def test_an_anonymous_page_sends_no_statement(client, count_queries):
    with count_queries() as queries:
        assert client.get("/").status_code == 200
    assert queries == []


def test_remember_me_cookie_dies_with_logout(app, client, users):
    client.post("/auth/login", data={"email": users["venture_owner"].email, "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token").value
    client.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/auth/profile").status_code == 302


# Registration and e-mail verification ------------------------------------------------------

REGISTRATION = {
    "name": "Minji Han", "email": "Minji@Example.test", "password": "a long password", "confirm": "a long password",
    "locale": "ko", "timezone": "Asia/Seoul", "kind": "venture", "country": "KR",
    "name_latin": "Hangang Bio", "name_native": "한강바이오", "fields": ["ai_drug_discovery", "diagnostics"],
    "accept_terms": "y",
}


def test_registration_creates_a_pending_organisation_and_sends_verification(client):
    response = client.post("/auth/register", data=REGISTRATION)
    assert response.status_code == 302 and response.location == "/auth/login"
    user = db.session.scalar(select(User).where(User.email == "minji@example.test"))
    assert user.is_owner and not user.email_verified and user.locale == "ko"
    assert user.organization.verification_state == VerificationState.pending
    assert [str(f) for f in user.organization.fields] == ["ai_drug_discovery", "diagnostics"]
    assert client.post("/auth/login", data={"email": user.email, "password": "a long password"}).status_code == 200

    response = client.get(last_link("minji@example.test"))
    assert response.status_code == 302
    assert db.session.get(User, user.id).email_verified
    assert client.post("/auth/login", data={"email": user.email, "password": "a long password"}).status_code == 302


@pytest.mark.parametrize(("change", "message"), [
    ({"email": "not-an-address"}, "Invalid email address."),
    ({"confirm": "something else"}, "The two passwords are not the same."),
    ({"password": "short", "confirm": "short"}, "Use between 10 and 128 characters."),
    ({"kind": "institution"}, "Not a valid choice"),
    ({"fields": ["astrology"]}, "not a valid choice"),
    ({"accept_terms": ""}, "Please agree to continue."),
    ({"name_latin": ""}, "This field is required."),
])
def test_registration_bad_input_changes_nothing(client, change, message):
    response = client.post("/auth/register", data={**REGISTRATION, **change})
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(select(User).where(User.email == "minji@example.test")) is None


def test_registration_with_a_taken_email_creates_nothing(client, users):
    response = client.post("/auth/register", data={**REGISTRATION, "email": users["venture_owner"].email.upper()})
    assert response.status_code == 302 and "already exists" not in text(response)
    assert db.session.scalar(select(Organization).where(Organization.name_latin == "Hangang Bio")) is None


def test_bad_verification_link_is_explained(client):
    response = client.get("/auth/verify/not-a-token", follow_redirects=True)
    assert "invalid or has expired" in text(response)


def test_resend_verification_answers_the_same_for_unknown_addresses(client, make_user):
    user = make_user(verified=False)
    known = client.post("/auth/verify/resend", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/auth/verify/resend", data={"email": "x@example.test"}, follow_redirects=True)
    assert "a new link is on its way" in text(known) and "a new link is on its way" in text(unknown)
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "x@example.test")) is None
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == user.email)) is not None


# Passwords ----------------------------------------------------------------------------------

def test_password_reset_by_link_works_once(client, users):
    user = users["venture_owner"]
    client.post("/auth/reset", data={"email": user.email})
    link = last_link(user.email)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand new password", "confirm": "brand new password"})
    assert response.location == "/auth/login"
    assert client.post("/auth/login", data={"email": user.email, "password": "brand new password"}).status_code == 302
    reused = client.get(link, follow_redirects=True)
    assert "invalid or has expired" in text(reused)


def test_change_password_asks_for_the_current_one(client, users, login):
    user = users["venture_owner"]
    login(user)
    response = client.post("/auth/password", data={"current_password": "not it", "password": "another password",
                                                   "confirm": "another password"})
    assert "The current password is not correct." in text(response)
    response = client.post("/auth/password", data={"current_password": PASSWORD, "password": "another password",
                                                   "confirm": "another password"})
    assert response.location == "/auth/profile"
    assert client.get("/auth/profile").status_code == 200  # this session survives


def test_change_password_ends_other_sessions(app, client, users, login):
    user = users["venture_owner"]
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    login(user)
    client.post("/auth/password", data={"current_password": PASSWORD, "password": "another password",
                                        "confirm": "another password"})
    assert other.get("/auth/profile").status_code == 302


# Profile, organisation, members --------------------------------------------------------------

def test_profile_saves_language_and_time_zone(client, users, login):
    login(users["venture_owner"])
    response = client.post("/auth/profile", data={"name": "Kim", "locale": "ja", "timezone": "Asia/Seoul"})
    assert response.status_code == 302
    user = db.session.get(User, users["venture_owner"].id)
    assert (user.name, user.locale, user.timezone) == ("Kim", "ja", "Asia/Seoul")
    assert 'lang="ja"' in text(client.get("/auth/profile"))


def test_profile_rejects_an_unknown_time_zone(client, users, login):
    login(users["venture_owner"])
    response = client.post("/auth/profile", data={"name": "Kim", "locale": "ja", "timezone": "Mars/Olympus"})
    assert response.status_code == 200 and "Not a valid choice" in text(response)


def test_owner_edits_the_organisation_and_a_member_cannot(client, users, login):
    form = {"country": "KR", "name_latin": "Renamed Venture", "name_native": "", "website": "https://x.example",
            "description": "We do things.", "fields": ["bioinformatics"]}
    login(users["venture_member"])
    assert client.post("/auth/organization", data=form).status_code == 403
    client.post("/auth/logout")
    login(users["venture_owner"])
    assert client.post("/auth/organization", data=form).status_code == 302
    organization = db.session.get(Organization, users["venture_owner"].organization_id)
    assert organization.name_latin == "Renamed Venture"
    assert [str(f) for f in organization.fields] == ["bioinformatics"]


def test_the_owner_switches_machine_translation_of_confidential_text_on(client, users, login):
    form = {"country": "JP", "name_latin": "Pharma", "name_native": "", "website": "", "description": "",
            "fields": ["bioinformatics"], "machine_translate_confidential": "y"}
    login(users["company_member"])
    page = text(client.get("/auth/organization"))
    assert "Machine translation of confidential text" in page and "Not allowed" in page
    assert client.post("/auth/organization", data=form).status_code == 403
    client.post("/auth/logout")
    login(users["company_owner"])
    assert 'name="machine_translate_confidential"' in text(client.get("/auth/organization"))
    assert client.post("/auth/organization", data=form).status_code == 302
    assert db.session.get(Organization, users["company_owner"].organization_id).machine_translate_confidential
    assert re.search(r'<input checked[^>]*name="machine_translate_confidential"', text(
        client.get("/auth/organization")))
    del form["machine_translate_confidential"]  # an unticked box is not sent
    client.post("/auth/organization", data=form)
    assert not db.session.get(Organization, users["company_owner"].organization_id).machine_translate_confidential


def test_invitation_round_trip(client, users, login):
    owner = users["company_owner"]
    login(owner)
    response = client.post("/auth/organization/invitations", data={"email": "New.Colleague@example.test",
                                                                   "locale": "ja"})
    assert response.location == "/auth/organization/members"
    assert "new.colleague@example.test" in text(client.get("/auth/organization/members"))
    link = last_link("new.colleague@example.test")
    client.post("/auth/logout")

    page = client.get(link)
    assert page.status_code == 200 and "organisation" not in re.sub(r"<[^>]+>", "", text(page)).split("Join")[0]
    response = client.post(link, data={"name": "Colleague", "email": "new.colleague@example.test",
                                       "password": "colleague password", "confirm": "colleague password",
                                       "locale": "ja", "timezone": "Asia/Tokyo", "accept_terms": "y"})
    assert response.location == "/auth/login"
    colleague = db.session.scalar(select(User).where(User.email == "new.colleague@example.test"))
    assert colleague.organization_id == owner.organization_id and not colleague.is_owner
    assert client.get(link, follow_redirects=True).request.path == "/auth/register"  # used up


def test_member_cannot_invite(client, users, login):
    login(users["company_member"])
    response = client.post("/auth/organization/invitations", data={"email": "x@example.test", "locale": "en"})
    assert response.status_code == 403


def test_invitation_of_another_organisation_is_not_found(client, users, login):
    from app.auth.services.invitations import invite_member

    owner = users["company_owner"]
    invite_member(owner.organization, actor=owner, email="a@example.test", locale="en")
    db.session.commit()
    invitation = db.session.scalar(select(Invitation))
    login(users["venture_owner"])
    assert client.post(f"/auth/invitations/{invitation.id}/revoke").status_code == 404


def test_owner_removes_a_member_and_their_sessions_end(app, client, users, login):
    member = users["venture_member"]
    member_client = app.test_client()
    member_client.post("/auth/login", data={"email": member.email, "password": PASSWORD})
    login(users["venture_owner"])
    assert client.post(f"/auth/members/{member.id}/remove").status_code == 302
    assert member_client.get("/auth/profile").status_code == 302
    assert client.post(f"/auth/members/{users['other_venture'].id}/remove").status_code == 404


# Two-factor -----------------------------------------------------------------------------------

def test_staff_two_factor_enrolment_and_sign_in(app, client, users, login):
    staff = users["ipark_staff"]
    login(staff)
    page = client.get("/auth/two-factor/setup")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', text(page)).group(1)
    assert "<svg" in text(page)
    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.location == "/auth/profile"
    client.post("/auth/logout")

    response = client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
    assert response.location.startswith("/auth/two-factor")
    assert client.get("/auth/profile").status_code == 302  # not signed in yet
    assert client.post("/auth/two-factor", data={"code": "000000"}).status_code == 200
    db.session.get(User, staff.id).totp_last_counter = None  # the enrolment used the current step
    db.session.commit()
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 200


def test_required_two_factor_sends_staff_to_enrolment_before_sign_in(app, client, users):
    app.config["STAFF_REQUIRE_2FA"] = True
    response = client.post("/auth/login", data={"email": users["mss_staff"].email, "password": PASSWORD})
    assert response.location.startswith("/auth/two-factor/setup")
    assert client.get("/auth/profile").status_code == 302
    # Ventures are not asked.
    other = app.test_client()
    assert other.post("/auth/login", data={"email": users["venture_owner"].email,
                                           "password": PASSWORD}).location == "/"


def test_ventures_have_no_two_factor_page(client, users, login):
    login(users["venture_owner"])
    assert client.get("/auth/two-factor/setup").status_code == 403


# Language -------------------------------------------------------------------------------------

def test_language_switcher_sets_cookie_and_profile(client, users, login):
    response = client.post("/language", data={"lang": "ko", "next": "/auth/login"})
    assert response.location == "/auth/login"
    assert 'lang="ko"' in text(client.get("/auth/login"))
    login(users["venture_owner"])  # profile says en
    assert 'lang="en"' in text(client.get("/"))
    client.post("/language", data={"lang": "ja", "next": "https://evil.example/"})
    assert db.session.get(User, users["venture_owner"].id).locale == "ja"
    assert 'lang="ja"' in text(client.get("/"))


def test_language_order_query_then_profile_then_cookie_then_browser(client, users, login):
    assert 'lang="ko"' in text(client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}))
    client.set_cookie("lang", "ja")
    assert 'lang="ja"' in text(client.get("/", headers={"Accept-Language": "ko"}))
    assert 'lang="en"' in text(client.get("/?lang=en", headers={"Accept-Language": "ko"}))
    assert client.get_cookie("lang").value == "en"  # ?lang= sticks
    login(users["venture_owner"])  # profile: en
    client.set_cookie("lang", "ko")
    assert 'lang="en"' in text(client.get("/"))
    assert 'lang="ko"' in text(client.get("/?lang=ko"))


def test_unknown_language_is_ignored(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "ja"})
    assert 'lang="ja"' in text(response)
    assert client.get_cookie("lang") is None


# Two-factor enrolment cannot replace a factor without it (issue 9) ------------------------------

def _enrol(user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"):
    user.totp_secret = secret
    db.session.commit()
    return secret


def _setup_secret(page) -> str | None:
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', text(page))
    return found.group(1) if found else None


def test_password_alone_cannot_reach_enrolment_when_a_factor_exists(app, client, users):
    """The bypass: password given, code pending; enrolling a new secret must neither replace
    the account's factor nor sign the person in."""
    staff = users["ipark_staff"]
    original = _enrol(staff)
    for required in (False, True):
        app.config["STAFF_REQUIRE_2FA"] = required
        response = client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
        assert response.location.startswith("/auth/two-factor")
        page = client.get("/auth/two-factor/setup")
        assert page.status_code == 302 and _setup_secret(page) is None
        forged = pyotp.random_base32()
        with client.session_transaction() as session:
            session["totp_setup_secret"] = forged  # even a secret planted in the session
        response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(forged).now()})
        assert response.status_code == 302 and not response.location.startswith("/auth/profile")
        assert db.session.get(User, staff.id).totp_secret == original
        assert client.get("/auth/profile").status_code == 302  # still not signed in
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("user.two_factor_e"))).all() == []


def test_pending_enrolment_is_only_for_the_required_first_factor(app, client, users):
    """Without STAFF_REQUIRE_2FA a password-only session is never sent to enrolment."""
    staff = users["mss_staff"]
    app.config["STAFF_REQUIRE_2FA"] = False
    with client.session_transaction() as session:
        session["pending_two_factor"] = {"uid": staff.id, "remember": False, "at": int(utcnow().timestamp())}
    assert client.get("/auth/two-factor/setup").status_code == 302
    assert db.session.get(User, staff.id).totp_secret is None


def test_required_first_enrolment_signs_in_and_is_audited(app, client, users):
    app.config["STAFF_REQUIRE_2FA"] = True
    staff = users["mss_staff"]
    response = client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
    assert response.location.startswith("/auth/two-factor/setup")
    secret = _setup_secret(client.get("/auth/two-factor/setup"))
    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 200
    assert db.session.get(User, staff.id).totp_secret == secret
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.two_factor_enabled")).all()
    assert (event.actor_id, event.subject_id) == (staff.id, staff.id)


def test_replacing_a_factor_needs_a_current_code(app, client, users, login):
    staff = users["ipark_staff"]
    app.config["STAFF_REQUIRE_2FA"] = False
    login(staff)  # signed in before the factor existed (or an administrator reset it)
    original = _enrol(staff)
    page = client.get("/auth/two-factor/setup")
    assert page.status_code == 200 and 'name="current_code"' in text(page)
    new = _setup_secret(page)

    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(new).now()})
    assert response.status_code == 200
    assert db.session.get(User, staff.id).totp_secret == original
    wrong = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(new).now(), "current_code": "000000"})
    assert wrong.status_code == 200
    assert db.session.get(User, staff.id).totp_secret == original

    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(new).now(),
                                                           "current_code": pyotp.TOTP(original).now()})
    assert response.location == "/auth/profile"
    assert db.session.get(User, staff.id).totp_secret == new
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == staff.id,
                                                                AuditEvent.action.startswith("user.two_factor"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["user.two_factor_change_refused"] * 2 + ["user.two_factor_replaced"]


# Links are built from PUBLIC_BASE_URL, never from the Host header (issue 9) ----------------------

def test_reset_link_uses_the_public_address_whatever_the_host(app, client, users):
    app.config["PUBLIC_BASE_URL"] = "https://kakehashi.example"
    user = users["venture_owner"]
    response = client.post("/auth/reset", data={"email": user.email}, base_url="http://127.0.0.1")
    assert response.status_code == 302  # 127.0.0.1 is a trusted alternative in development
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == user.email)).one()
    assert re.search(r"https://kakehashi\.example/auth/reset/\S+", mail.body_text)
    assert "127.0.0.1" not in mail.body_text and "localhost" not in mail.body_text


def test_forged_host_gets_a_clean_400_and_no_mail(client, users):
    response = client.post("/auth/reset", data={"email": users["venture_owner"].email},
                           headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert "<html" in text(response) and "attacker.example" not in text(response)
    assert db.session.scalars(select(OutboxEmail)).all() == []


# No form tells whether an address has an account (issue 9) -------------------------------------

def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]*"', "", html)


def test_registration_answers_the_same_for_a_taken_address(app, users):
    taken = users["venture_owner"]
    answers = {}
    for label, email in (("new", "someone.new@example.test"), ("taken", taken.email.upper())):
        client = app.test_client()
        response = client.post("/auth/register", data={**REGISTRATION, "email": email})
        followed = client.get(response.location)
        answers[label] = (response.status_code, response.location, _without_csrf(text(followed)))
    assert answers["new"] == answers["taken"]
    assert db.session.scalar(select(User).where(User.email == "someone.new@example.test")) is not None
    assert db.session.scalars(select(Organization).where(Organization.name_latin == "Hangang Bio")).all() != []
    assert len(db.session.scalars(select(Organization).where(Organization.name_latin == "Hangang Bio")).all()) == 1
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == taken.email)).one()
    assert "/auth/reset" in mail.body_text and "/auth/login" in mail.body_text


def test_invitation_answers_the_same_for_an_address_with_an_account(client, users, login):
    owner = users["company_owner"]
    login(owner)
    answers = []
    for email in ("fresh@example.test", users["other_venture"].email):
        response = client.post("/auth/organization/invitations", data={"email": email, "locale": "en"})
        page = text(client.get(response.location))
        answers.append((response.status_code, response.location, page.count(email)))
    assert answers[0] == answers[1]
    held = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == users["other_venture"].email)).one()
    assert "/auth/register?invitation=" not in held.body_text
    assert db.session.get(User, users["other_venture"].id).organization_id == users["other_venture"].organization_id


# Failed sign-ins in the audit log (issue 9) ------------------------------------------------------

def _failed_logins():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login_failed")
                              .order_by(AuditEvent.id)).all()


def test_failed_sign_ins_are_audited_without_the_password(app, client, users, make_user, login):
    unverified = make_user(verified=False)
    inactive = make_user(active=False)
    owner = users["venture_owner"]
    attempts = [("Nobody@Example.test", PASSWORD, "unknown_address"),
                (owner.email, "wrong password 1", "wrong_password"),
                (inactive.email, PASSWORD, "inactive"),
                (unverified.email, PASSWORD, "unverified")]
    for email, password, _reason in attempts:
        client.post("/auth/login", data={"email": email, "password": password},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    staff = users["ipark_staff"]
    _enrol(staff)
    client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
    client.post("/auth/two-factor", data={"code": "000000"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})

    events = _failed_logins()
    assert [(e.details["email"], e.details["reason"]) for e in events] == [
        ("nobody@example.test", "unknown_address"), (owner.email, "wrong_password"),
        (inactive.email, "inactive"), (unverified.email, "unverified"), (staff.email, "two_factor_code")]
    assert {e.ip for e in events} == {"203.0.113.9"}
    assert all(e.actor_id is None for e in events)
    assert [(e.subject_type, e.subject_id) for e in events] == [
        ("login", 0), ("users", owner.id), ("users", inactive.id), ("users", unverified.id), ("users", staff.id)]
    stored = " ".join(str(e.details) for e in events)
    assert PASSWORD not in stored and "wrong password 1" not in stored

    login(users["admin"])
    page = client.get("/staff/audit?action=user.login_failed")
    assert page.status_code == 200 and text(page).count("user.login_failed") >= 5


def test_an_account_removed_after_the_password_cannot_finish_signing_in(client, users):
    staff = users["ipark_staff"]
    secret = _enrol(staff)
    assert client.post("/auth/login", data={"email": staff.email, "password": PASSWORD}).status_code == 302
    db.session.get(User, staff.id).active = False
    db.session.commit()
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.location.startswith("/auth/login")
    assert client.get("/auth/profile").status_code == 302


def test_the_second_factor_is_throttled_per_account_whatever_the_address(client, users):
    """A stolen password must not buy a million codes from a thousand addresses: ten wrong codes
    per account in fifteen minutes, counted across IP addresses."""
    staff = users["ipark_staff"]
    _enrol(staff)
    statuses = []
    for n in range(11):
        ip = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        client.post("/auth/login", data={"email": staff.email, "password": PASSWORD}, environ_base=ip)
        statuses.append(client.post("/auth/two-factor", data={"code": "000000"}, environ_base=ip).status_code)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_a_pending_second_factor_expires(client, users):
    """The password step is good for ten minutes; an old half-signed-in cookie is worth nothing."""
    from datetime import timedelta

    staff = users["ipark_staff"]
    secret = _enrol(staff)
    client.post("/auth/login", data={"email": staff.email, "password": PASSWORD})
    with stopped_clock(utcnow() + timedelta(minutes=11)):
        response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and response.location.startswith("/auth/login")
        assert client.get("/auth/profile").status_code == 302


def test_replacing_a_factor_is_throttled_per_account_whatever_the_address(client, login, users):
    """A stolen session must not buy guesses of the current code from many addresses either."""
    staff = users["ipark_staff"]
    login(staff)  # a complete session; the factor is enrolled after it
    _enrol(staff)
    statuses = [client.post("/auth/two-factor/setup", data={"code": "000000", "current_code": "000000"},
                            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"}).status_code for n in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
