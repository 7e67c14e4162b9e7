"""Staff pages: organisation verification, joint decisions, audit log."""
import pytest
from sqlalchemy import select

from app.auth.models import Organization, VerificationState
from app.common import signoff
from app.common.models import AuditEvent, DecisionState, JointDecision
from app.extensions import db


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [
    ("venture_owner", 403), ("company_owner", 403), ("ipark_staff", 200), ("mss_staff", 200), ("admin", 200),
])
@pytest.mark.parametrize("path", ["/staff/organizations", "/staff/decisions", "/staff/audit"])
def test_staff_pages_are_for_staff(client, users, login, who, status, path):
    login(users[who])
    assert client.get(path).status_code == status


def test_verification_queue_and_decision(client, users, login, make_organization, count_queries):
    for _ in range(3):
        make_organization("venture", state=VerificationState.pending)
    pending = make_organization("company", state=VerificationState.pending, name_latin="Waiting Pharma")
    db.session.commit()
    login(users["mss_staff"])
    with count_queries() as queries:
        page = client.get("/staff/organizations")
    assert "Waiting Pharma" in text(page)
    assert len(queries) <= 8, queries  # no query per row

    response = client.post(f"/staff/organizations/{pending.id}/verified", data={"note": "Checked the registry."})
    assert response.status_code == 302
    organization = db.session.get(Organization, pending.id)
    assert organization.verification_state == VerificationState.verified
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organization.verified"))
    assert (event.actor_id, event.from_state, event.to_state) == (users["mss_staff"].id, "pending", "verified")
    # A second "verify" is not a transition: nothing changes, the page explains.
    response = client.post(f"/staff/organizations/{pending.id}/verified", data={"note": ""}, follow_redirects=True)
    assert "not possible in the current state" in text(response)


def test_institutions_are_not_in_the_verification_pages(client, users, login):
    login(users["ipark_staff"])
    institution = users["mss_staff"].organization
    assert client.get(f"/staff/organizations/{institution.id}").status_code == 404
    assert client.post(f"/staff/organizations/{institution.id}/rejected").status_code == 404
    assert client.get("/staff/organizations/99999").status_code == 404


def test_filters_and_bad_page_numbers_do_not_fail(client, users, login):
    login(users["ipark_staff"])
    assert client.get("/staff/organizations?state=bogus&page=abc").status_code == 200
    assert client.get("/staff/organizations?page=999").status_code == 200
    assert client.get("/staff/decisions?state=bogus").status_code == 200
    assert client.get("/staff/audit?action=user.&page=-3").status_code == 200


@pytest.fixture
def decision_action():
    approved = []
    signoff.register_action(signoff.DecisionAction(
        name="test.route_approval", model=Organization, label="Test approval",
        on_approved=lambda subject, **kw: approved.append(subject.id),
        is_conflicted=lambda subject, user: subject.name_latin == f"Conflicted with {user.id}"))
    yield approved
    signoff._actions.pop("test.route_approval")


def test_both_institutions_sign_on_the_decisions_page(client, users, login, make_organization, decision_action):
    subject = make_organization("venture")
    decision = signoff.request_decision(subject, "test.route_approval", actor=users["ipark_staff"])
    db.session.commit()

    login(users["ipark_staff"])
    page = text(client.get("/staff/decisions"))
    assert "Test approval" in page and f"/staff/decisions/{decision.id}/sign" in page
    assert client.post(f"/staff/decisions/{decision.id}/sign").status_code == 302
    assert f"/staff/decisions/{decision.id}/sign" not in text(client.get("/staff/decisions"))
    assert client.post(f"/staff/decisions/{decision.id}/sign").status_code == 403  # iPark has signed
    client.post("/auth/logout")

    login(users["mss_staff"])
    response = client.post(f"/staff/decisions/{decision.id}/sign", follow_redirects=True)
    assert "Both institutions have signed" in text(response)
    assert db.session.get(JointDecision, decision.id).state == DecisionState.approved
    assert decision_action == [subject.id]


def test_rejection_needs_a_reason(client, users, login, make_organization, decision_action):
    decision = signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
    db.session.commit()
    login(users["ipark_staff"])
    response = client.post(f"/staff/decisions/{decision.id}/reject", data={"reason": "  "}, follow_redirects=True)
    assert "Please give a reason" in text(response)
    assert db.session.get(JointDecision, decision.id).state == DecisionState.pending
    client.post(f"/staff/decisions/{decision.id}/reject", data={"reason": "Budget is not available."})
    assert db.session.get(JointDecision, decision.id).state == DecisionState.rejected
    assert "Budget is not available." in text(client.get("/staff/decisions?state=rejected"))


def test_non_staff_cannot_see_or_sign_decisions(client, users, login, make_organization, decision_action):
    decision = signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
    db.session.commit()
    login(users["company_owner"])
    assert client.post(f"/staff/decisions/{decision.id}/sign").status_code == 403
    client.post("/auth/logout")
    login(users["admin"])  # administrators belong to neither institution: they cannot sign
    assert client.post(f"/staff/decisions/{decision.id}/sign").status_code == 403
    assert client.post("/staff/decisions/424242/sign").status_code == 404


def test_audit_log_lists_events_with_a_filter(client, users, login):
    login(users["venture_owner"])  # writes user.logged_in
    client.post("/auth/logout")
    login(users["ipark_staff"])
    page = text(client.get("/staff/audit?action=user.logged_out"))
    assert "user.logged_out" in page and "user.logged_in" not in page


def test_decisions_page_queries_do_not_grow_with_the_number_of_decisions(
        client, users, login, make_organization, decision_action, count_queries):
    def requested(n):
        for _ in range(n):
            signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
        db.session.commit()
        with count_queries() as queries:
            assert client.get("/staff/decisions").status_code == 200
        return len(queries)

    login(users["ipark_staff"])
    few = requested(2)
    many = requested(10)
    assert many == few


# Accounts (administrators) --------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [("ipark_staff", 403), ("mss_staff", 403), ("venture_owner", 403),
                                             ("admin", 200)])
def test_accounts_pages_are_for_administrators(client, users, login, who, status):
    login(users[who])
    assert client.get("/staff/accounts").status_code == status
    assert client.get("/staff/accounts/new").status_code == status


def test_administrator_opens_a_staff_account_and_the_person_chooses_a_password(client, users, login):
    import re

    from app.auth.models import User
    from app.common.models import Institution, OutboxEmail

    login(users["admin"])
    response = client.post("/staff/accounts/new", data={"name": "Officer Park", "email": "Park@MSS.example",
                                                        "institution": "mss", "locale": "ko"})
    assert response.location == "/staff/accounts"
    officer = db.session.scalar(select(User).where(User.email == "park@mss.example"))
    assert officer.institution == Institution.mss and not officer.is_admin and officer.email_verified
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "park@mss.example"))
    assert mail.locale == "ko"
    link = re.search(r"http://localhost(/\S+)", mail.body_text).group(1)
    client.post("/auth/logout")
    client.post(link, data={"password": "officer password", "confirm": "officer password"})
    assert client.post("/auth/login", data={"email": "park@mss.example",
                                            "password": "officer password"}).location == "/"
    # The same address cannot be used twice.
    client.post("/auth/logout")
    login(users["admin"])
    again = client.post("/staff/accounts/new", data={"name": "X", "email": "park@mss.example",
                                                     "institution": "ipark", "locale": "en"})
    assert again.status_code == 200 and "already exists" in text(again)


def test_administrator_blocks_and_allows_sign_in(app, client, users, login):
    venture = users["venture_owner"]
    venture_client = app.test_client()
    venture_client.post("/auth/login", data={"email": venture.email, "password": "correct horse battery"})
    login(users["admin"])
    assert client.post(f"/staff/accounts/{venture.id}/deactivate").status_code == 302
    assert venture_client.get("/auth/profile").status_code == 302  # signed out at once
    assert "cannot sign in" in text(client.get(f"/staff/accounts?q={venture.email}"))
    response = client.post(f"/staff/accounts/{venture.id}/deactivate", follow_redirects=True)
    assert "not possible in the current state" in text(response)
    client.post(f"/staff/accounts/{venture.id}/reactivate")
    assert venture_client.post("/auth/login", data={"email": venture.email,
                                                    "password": "correct horse battery"}).status_code == 302
    assert client.post(f"/staff/accounts/{users['admin'].id}/deactivate").status_code == 403  # not oneself
    assert client.post("/staff/accounts/99999/deactivate").status_code == 404


def test_administrator_resets_a_lost_two_factor(client, users, login):
    from app.auth.models import User

    staff = users["ipark_staff"]
    staff.totp_secret = "JBSWY3DPEHPK3PXP"
    db.session.commit()
    login(users["admin"])
    assert client.post(f"/staff/accounts/{staff.id}/reset-two-factor").status_code == 302
    assert db.session.get(User, staff.id).totp_secret is None
    response = client.post(f"/staff/accounts/{staff.id}/reset-two-factor", follow_redirects=True)
    assert "not possible in the current state" in text(response)  # nothing left to reset
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset"))
    assert event.actor_id == users["admin"].id and event.subject_id == staff.id


def test_account_search_and_pages(client, users, login, count_queries):
    login(users["admin"])
    assert users["mss_staff"].email in text(client.get(f"/staff/accounts?q={users['mss_staff'].email.upper()}"))
    assert "No accounts match." in text(client.get("/staff/accounts?q=nobody-at-all"))
    with count_queries() as queries:
        assert client.get("/staff/accounts?page=2").status_code == 200
    assert len(queries) <= 6
