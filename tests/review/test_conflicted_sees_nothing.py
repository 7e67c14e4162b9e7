"""A person who declared a conflict with a proposal sees nothing of it anywhere: decisions page (notes,
rejection reasons, bulk signing), audit view, review lists and counts, the poster's counts, e-mail."""
import pytest
from sqlalchemy import select

from app.common import audit, signoff
from app.common.models import JointDecision, OutboxEmail
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import ProposalState
from app.review import services
from app.review.models import Review


def text(response) -> str:
    return response.get_data(as_text=True)


def switch_to(client, login, user):
    client.post("/auth/logout")
    login(user)


@pytest.fixture
def proposal(make_proposal):
    return make_proposal("submitted", title="Conflicted binders")


def declare(user, proposal):
    db.session.add(Conflict(user_id=user.id, organization_id=proposal.organization_id))
    db.session.commit()


def test_the_decisions_page_shows_a_conflicted_person_nothing_of_the_decision(client, login, users, proposal):
    pending = services.request_proposal_decision(proposal, ProposalState.declined, actor=users["ipark_staff"],
                                                 note="Pending note: weak data.")
    db.session.commit()
    signoff.reject_decision(pending, actor=users["ipark_staff2"], reason="Rejection reason: keep it.")
    services.request_proposal_decision(proposal, ProposalState.revision_requested, actor=users["ipark_staff"],
                                       note="Second note: add controls.")
    db.session.commit()
    declare(users["mss_staff"], proposal)
    switch_to(client, login, users["mss_staff"])
    for state in ("pending", "rejected"):
        page = text(client.get(f"/staff/decisions?state={state}"))
        assert "Joint decisions" in page
        for secret in ("Pending note", "Rejection reason", "Second note", "Conflicted binders"):
            assert secret not in page
    switch_to(client, login, users["ipark_staff2"])
    assert "Rejection reason" in text(client.get("/staff/decisions?state=rejected"))
    assert "Second note" in text(client.get("/staff/decisions"))


def test_a_conflicted_person_cannot_sign_in_bulk_nor_learn_why(client, login, users, proposal):
    decision = services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    db.session.commit()
    declare(users["mss_staff"], proposal)
    assert not decision.can_view(users["mss_staff"])
    switch_to(client, login, users["mss_staff"])
    response = client.post("/staff/decisions/sign", data={"decision_ids": [str(decision.id)]},
                           follow_redirects=True)
    assert "not found" in text(response) and "declared a conflict" not in text(response)
    db.session.expire_all()
    assert decision.mss_signed_at is None
    assert client.post(f"/staff/decisions/{decision.id}/sign").status_code == 404


def test_the_audit_view_leaves_out_a_conflicted_persons_subjects(client, login, users, proposal):
    decision = services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    review = services.assign_reviewer(proposal, users["ipark_staff2"], actor=users["ipark_staff"])
    audit.record(users["venture_owner"], "proposal.updated", proposal)
    db.session.commit()
    declare(users["mss_staff"], proposal)
    shown = [f"proposals #{proposal.id}<", f"joint_decisions #{decision.id}<", f"reviews #{review.id}<"]
    switch_to(client, login, users["ipark_staff"])
    page = text(client.get("/staff/audit"))
    assert all(row in page for row in shown)
    switch_to(client, login, users["mss_staff"])
    page = text(client.get("/staff/audit"))
    assert not any(row in page for row in shown)


def test_the_audit_view_does_not_name_the_venture_member_behind_a_blind_proposal(client, login, users,
                                                                                 make_challenge, make_proposal):
    from app.proposals import services as proposals

    draft = make_proposal("draft", challenge=make_challenge("open", blind_review=True))
    proposals.withdraw_proposal(draft, actor=users["venture_owner"])
    db.session.commit()
    switch_to(client, login, users["ipark_staff"])
    page = text(client.get("/staff/audit?action=proposal."))
    assert f"proposals #{draft.id}" in page and users["venture_owner"].name not in page


def test_a_blind_proposal_withdrawn_under_a_pending_decision_does_not_name_its_member(
        client, login, users, make_challenge, make_proposal):
    """Withdrawing lapses the open decision, recorded as rejected by the venture member: the
    decisions page and the audit view must not name that person to staff who may not know."""
    from app.proposals import services as proposals

    blind = make_proposal("submitted", challenge=make_challenge("open", blind_review=True))
    services.request_proposal_decision(blind, ProposalState.shortlisted, actor=users["ipark_staff"])
    db.session.commit()
    proposals.withdraw_proposal(blind, actor=users["venture_owner"])
    db.session.commit()
    member = users["venture_owner"].name
    switch_to(client, login, users["mss_staff"])
    decisions = client.get("/staff/decisions?state=rejected")
    assert decisions.status_code == 200 and "A member of the venture (blind review)" in text(decisions)
    assert member not in text(decisions)
    audit_page = client.get("/staff/audit")
    assert audit_page.status_code == 200 and "decision.withdrawn" in text(audit_page)
    assert member not in text(audit_page)


def test_my_reviews_and_their_counts_leave_out_a_conflicted_proposal(client, login, users, proposal):
    staff = users["ipark_staff2"]
    review = Review(proposal_id=proposal.id, reviewer_id=staff.id, assigned_by_id=users["ipark_staff"].id)
    db.session.add(review)
    db.session.commit()
    login(staff)
    page = text(client.get("/review/"))
    assert "Conflicted binders" in page and proposal.challenge.title in page
    declare(staff, proposal)
    page = text(client.get("/review/"))
    assert "Conflicted binders" not in page and proposal.challenge.title not in page
    assert "Hidden: you declared a conflict" not in page


def test_the_posters_counts_leave_out_a_conflicted_proposal(client, login, users, make_proposal):
    shortlisted = make_proposal("shortlisted")
    switch_to(client, login, users["company_member"])
    assert "Shortlisted 1" in " ".join(text(client.get("/challenges/mine")).split())
    declare(users["company_member"], shortlisted)
    assert "Shortlisted 1" not in " ".join(text(client.get("/challenges/mine")).split())


def test_a_conflicted_company_member_is_not_told_of_the_shortlisting(users, proposal):
    declare(users["company_member"], proposal)
    decision = services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["mss_staff"])
    db.session.commit()
    assert decision.state == "approved"
    recipients = set(db.session.scalars(select(OutboxEmail.recipient)))
    assert users["company_owner"].email in recipients and users["company_member"].email not in recipients


def test_decisions_on_a_conflicted_subject_are_filtered_in_the_query(users, proposal, make_proposal):
    other = make_proposal("submitted", creator=users["other_venture"])
    hidden = services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    shown = services.request_proposal_decision(other, ProposalState.shortlisted, actor=users["ipark_staff"])
    db.session.commit()
    declare(users["mss_staff"], proposal)
    from sqlalchemy import not_

    ids = set(db.session.scalars(select(JointDecision.id).where(
        not_(signoff.conflicted_decisions_clause(users["mss_staff"])))))
    assert shown.id in ids and hidden.id not in ids
