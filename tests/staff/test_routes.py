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


def test_audit_log_lists_the_latest_moment_first(client, users, login):
    """Events written with their own dates (the demo's history) read in time order, not id order."""
    from datetime import timedelta

    from app.common.models import AuditEvent
    from app.common.time import utcnow

    now = utcnow()
    for action, days_ago in (("test.second", 2), ("test.first", 3), ("test.latest", 1)):
        db.session.add(AuditEvent(action=action, subject_type="users", subject_id=users["admin"].id,
                                  created_at=now - timedelta(days=days_ago)))
    db.session.commit()
    login(users["ipark_staff"])
    page = text(client.get("/staff/audit?action=test."))
    assert page.index("test.latest") < page.index("test.second") < page.index("test.first")


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
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.body_text).group(1)  # on PUBLIC_BASE_URL
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


def test_accounts_are_found_by_either_name_of_their_organisation(client, users, login, make_organization,
                                                                make_user):
    member = make_user(organization=make_organization("venture", name_latin="Hanbit AI Discovery Inc.",
                                                      name_native="한빛에이아이디스커버리"), name="김민준")
    login(users["admin"])
    for q in ("hanbit ai", "한빛에이아이", "김민준"):
        assert member.email in text(client.get("/staff/accounts", query_string={"q": q})), q


# Signing several decisions at once, and coming back to where the signer was -------------------------

def test_bulk_signing_signs_each_and_counts_what_took_effect(client, users, login, make_organization,
                                                             decision_action):
    first, second, conflicted = (make_organization("venture") for _ in range(3))
    conflicted.name_latin = f"Conflicted with {users['mss_staff'].id}"
    decisions = [signoff.request_decision(subject, "test.route_approval", actor=users["ipark_staff"])
                 for subject in (first, second, conflicted)]
    db.session.commit()
    ids = [decision.id for decision in decisions]

    login(users["ipark_staff"])
    page = text(client.get("/staff/decisions"))
    assert "/staff/decisions/sign" in page and f'name="decision_ids" value="{ids[0]}"' in page
    response = client.post("/staff/decisions/sign", data={"decision_ids": ids[:2]}, follow_redirects=True)
    assert "Signed: 2. Took effect (both institutions have signed): 0." in text(response)
    assert all(db.session.get(JointDecision, i).ipark_signed_by_id == users["ipark_staff"].id for i in ids[:2])
    assert decision_action == []
    client.post("/auth/logout")

    login(users["mss_staff"])
    response = client.post("/staff/decisions/sign", data={"decision_ids": [*ids, ids[0], 424242, "x"]},
                           follow_redirects=True)
    page = text(response)
    assert "Signed: 2. Took effect (both institutions have signed): 2." in page
    assert "2 decisions could not be signed" in page  # the conflicted one and the unknown id
    assert [db.session.get(JointDecision, i).state for i in ids] == [
        DecisionState.approved, DecisionState.approved, DecisionState.pending]
    assert sorted(decision_action) == sorted([first.id, second.id])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.signed")).all()
    assert len(events) == 4


def test_bulk_signing_needs_a_selection_and_staff(client, users, login, make_organization, decision_action):
    decision = signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
    db.session.commit()
    login(users["ipark_staff"])
    response = client.post("/staff/decisions/sign", data={}, follow_redirects=True)
    assert "Select the decisions to sign." in text(response)
    client.post("/auth/logout")
    for name in ["company_owner", "admin"]:
        login(users[name])
        status = client.post("/staff/decisions/sign", data={"decision_ids": [decision.id]}).status_code
        assert status == (403 if name == "company_owner" else 302), name
        client.post("/auth/logout")
    assert db.session.get(JointDecision, decision.id).ipark_signed_at is None  # admin signs nothing
    assert db.session.get(JointDecision, decision.id).mss_signed_at is None


@pytest.mark.parametrize(("next_url", "location"), [
    ("/challenges/", "/challenges/"),
    ("/proposals/7#review-panel", "/proposals/7#review-panel"),
    ("//evil.example/", "/staff/decisions"),
    ("https://evil.example/", "/staff/decisions"),
    ("/\\evil.example", "/staff/decisions"),
    ("", "/staff/decisions"),
])
def test_signing_returns_to_a_safe_next_page(client, users, login, make_organization, decision_action, next_url,
                                             location):
    signed = signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
    rejected = signoff.request_decision(make_organization("venture"), "test.route_approval", actor=users["mss_staff"])
    db.session.commit()
    login(users["ipark_staff"])
    assert client.post(f"/staff/decisions/{signed.id}/sign", data={"next": next_url}).location == location
    response = client.post(f"/staff/decisions/{rejected.id}/reject", data={"next": next_url, "reason": "No."})
    assert response.location == location
    assert client.post("/staff/decisions/sign", data={"decision_ids": [signed.id],
                                                      "next": next_url}).location == location


def test_decision_cards_link_to_the_proposal(client, users, login, make_proposal, make_user, count_queries):
    from app.proposals.models import ProposalState
    from app.review import services

    def proposed(n):
        for _ in range(n):
            proposal = make_proposal("submitted", creator=make_user("venture"), title="Binder screen")
            services.request_proposal_decision(proposal, ProposalState.declined, actor=users["mss_staff"],
                                               note="Outside the call's scope.")
        db.session.commit()
        with count_queries() as queries:
            page = client.get("/staff/decisions")
        return text(page), len(queries)

    login(users["ipark_staff"])
    page, few = proposed(2)
    assert "Decline the proposal" in page and "Binder screen" in page and "Outside the call" in page
    proposal_id = db.session.scalar(select(JointDecision.subject_id))
    assert f'href="/proposals/{proposal_id}"' in page
    page, many = proposed(6)
    assert many == few


def test_bulk_signing_undoes_only_the_decision_that_failed(client, users, login, make_organization):
    from app.common.errors import DomainError

    def approve(subject, **kw):
        if subject.name_latin == "Refuses":
            subject.name_latin = "Half-changed"  # undone with the failed signature
            db.session.flush()
            raise DomainError("The subject refused.")

    signoff.register_action(signoff.DecisionAction(name="test.fragile", model=Organization, label="Fragile",
                                                   on_approved=approve))
    try:
        fine, refusing = make_organization("venture"), make_organization("venture", name_latin="Refuses")
        decisions = [signoff.request_decision(subject, "test.fragile", actor=users["ipark_staff"])
                     for subject in (fine, refusing)]
        for decision in decisions:
            signoff.sign_decision(decision, actor=users["ipark_staff"])
        db.session.commit()
        ids = [decision.id for decision in decisions]
        login(users["mss_staff"])
        response = client.post("/staff/decisions/sign", data={"decision_ids": ids}, follow_redirects=True)
        assert "Signed: 1. Took effect (both institutions have signed): 1." in text(response)
        assert "1 decision could not be signed" in text(response) and "The subject refused." in text(response)
        assert [db.session.get(JointDecision, i).state for i in ids] == [DecisionState.approved,
                                                                         DecisionState.pending]
        assert db.session.get(JointDecision, ids[1]).mss_signed_at is None
        assert db.session.get(Organization, refusing.id).name_latin == "Refuses"
    finally:
        signoff._actions.pop("test.fragile")
