"""Proposal pages: the wiring (who gets 200, 403, 404), the happy paths, bad input, the deadline
and uploads. The rules themselves are tested on the predicates and services."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from app.challenges.models import ProposalQuestion
from app.common import uploads
from app.common.models import AuditEvent
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, ProposalAnswer, ProposalAttachment, ProposalState
from tests.conftest import stored_keys

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text(response) -> str:
    return response.get_data(as_text=True)


def squeezed(response) -> str:
    return " ".join(text(response).split())


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def reload(proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def audit_actions(proposal) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "proposals", AuditEvent.subject_id == proposal.id).order_by(AuditEvent.id)))


def edit_data(**overrides) -> dict:
    data = {"title": "Graph models for KRAS binders", "summary": "We screen binders with GNNs.",
            "approach": "An *active learning* loop.", "team": "Two chemists.", "trl": "4",
            "budget": "50000000", "currency": "KRW",
            "milestones-0-due_on": "2031-03-01", "milestones-0-title": "First hits",
            "milestones-1-due_on": "", "milestones-1-title": "", "save": "y"}
    data.update(overrides)
    return data


def upload(client, proposal, content=PDF, name="plan.pdf", **kwargs):
    return client.post(f"/proposals/{proposal.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)}, **kwargs)


@pytest.fixture
def challenge(make_challenge):
    challenge = make_challenge("open", title="KRAS binders challenge")
    challenge.questions = [ProposalQuestion(position=1, text="Describe your model.", required=True, max_length=200),
                           ProposalQuestion(position=2, text="Any prior data?", required=False, max_length=2000)]
    db.session.commit()
    return challenge


@pytest.fixture
def draft(make_proposal, challenge):
    return make_proposal("draft", challenge=challenge, title="Our draft")


def answer_key(challenge, position: int) -> str:
    return f"answer_{challenge.questions[position - 1].id}"


# Login and visibility ------------------------------------------------------------------------------

def test_pages_ask_anonymous_users_to_sign_in(client, draft):
    for method, path in [("GET", f"/proposals/{draft.id}"), ("GET", f"/proposals/{draft.id}/edit"),
                         ("GET", "/proposals/mine"), ("POST", f"/proposals/{draft.id}/submit"),
                         ("GET", f"/challenges/{draft.challenge_id}/proposals/new")]:
        response = client.open(path, method=method)
        assert response.status_code == 302 and response.location.startswith("/auth/login"), path


def _every_proposal_url(proposal, attachment_id):
    base = f"/proposals/{proposal.id}"
    return [("GET", base), ("GET", f"{base}/edit"), ("POST", f"{base}/edit"), ("POST", f"{base}/submit"),
            ("POST", f"{base}/withdraw"), ("POST", f"{base}/attachments"),
            ("GET", f"{base}/attachments/{attachment_id}"), ("POST", f"{base}/attachments/{attachment_id}/delete"),
            ("POST", f"{base}/choose"), ("POST", f"{base}/unchoose")]


def _attach(client, login, proposal, user):
    login(user)
    upload(client, proposal)
    client.post("/auth/logout")
    return db.session.scalar(select(ProposalAttachment.id).where(ProposalAttachment.proposal_id == proposal.id))


@pytest.mark.parametrize(("who", "state"), [
    ("other_venture", "submitted"),  # another venture's proposal
    ("company_owner", "submitted"),  # the company, before the shortlist
    ("ipark_staff", "draft"),  # staff never see drafts
    ("ipark_staff", "conflicted"),  # staff with a declared conflict see nothing
])
def test_invisible_proposals_are_not_found(client, users, login, make_proposal, challenge, store, who, state):
    proposal = make_proposal("draft", challenge=challenge)
    attachment_id = _attach(client, login, proposal, users["venture_owner"])
    if state != "draft":
        proposal.state, proposal.submitted_at = ProposalState.submitted, utcnow()
    if state == "conflicted":
        db.session.add(Conflict(user_id=users[who].id, organization_id=proposal.organization_id))
    db.session.commit()
    login(users[who])
    for method, path in _every_proposal_url(proposal, attachment_id):
        assert client.open(path, method=method).status_code == 404, (method, path)
    assert reload(proposal).state == (ProposalState.draft if state == "draft" else ProposalState.submitted)
    document = db.session.get(ProposalAttachment, attachment_id)
    assert document is not None and stored_keys(store) == [document.storage_key]


def test_an_unknown_attachment_of_a_visible_proposal_is_not_found(client, users, login, make_proposal, challenge):
    mine = make_proposal("draft", challenge=challenge)
    theirs = make_proposal("draft", challenge=challenge, creator=users["other_venture"])
    theirs_attachment = _attach(client, login, theirs, users["other_venture"])
    login(users["venture_owner"])
    assert client.get(f"/proposals/{mine.id}/attachments/{theirs_attachment}").status_code == 404
    assert client.post(f"/proposals/{mine.id}/attachments/{theirs_attachment}/delete").status_code == 404
    assert client.get(f"/proposals/{mine.id}/attachments/999").status_code == 404
    assert db.session.get(ProposalAttachment, theirs_attachment) is not None


@pytest.mark.parametrize(("who", "path"), [
    ("ipark_staff", "/edit"), ("ipark_staff", "/submit"), ("ipark_staff", "/withdraw"),
    ("ipark_staff", "/attachments"), ("ipark_staff", "/choose"),
    ("company_member", "/edit"), ("company_member", "/withdraw"), ("venture_member", "/choose"),
    ("venture_member", "/unchoose"),
])
def test_visible_but_not_allowed_is_forbidden(client, users, login, make_proposal, challenge, who, path):
    proposal = make_proposal("shortlisted", challenge=challenge)
    login(users[who])
    method = "GET" if path == "/edit" else "POST"
    assert client.open(f"/proposals/{proposal.id}{path}", method=method).status_code == 403
    proposal = reload(proposal)
    assert proposal.state == ProposalState.shortlisted and not proposal.company_has_chosen


def test_staff_cannot_delete_a_ventures_file(client, users, login, make_proposal, challenge):
    proposal = make_proposal("draft", challenge=challenge)
    attachment_id = _attach(client, login, proposal, users["venture_owner"])
    proposal.state, proposal.submitted_at = ProposalState.submitted, utcnow()
    db.session.commit()
    login(users["mss_staff"])
    assert client.get(f"/proposals/{proposal.id}/attachments/{attachment_id}").status_code == 200
    assert client.post(f"/proposals/{proposal.id}/attachments/{attachment_id}/delete").status_code == 403
    assert db.session.get(ProposalAttachment, attachment_id) is not None


# Starting ------------------------------------------------------------------------------------------

def test_venture_member_starts_a_draft(client, users, login, challenge):
    login(users["venture_member"])
    assert client.get(f"/challenges/{challenge.id}/proposals/new").status_code == 200
    response = client.post(f"/challenges/{challenge.id}/proposals/new", data={"title": "  Our idea  "})
    proposal = db.session.scalar(select(Proposal))
    assert response.status_code == 302 and response.location == f"/proposals/{proposal.id}/edit"
    assert proposal.title == "Our idea" and proposal.state == ProposalState.draft
    assert proposal.organization_id == users["venture_member"].organization_id
    assert audit_actions(proposal) == ["proposal.started"]


def test_a_second_start_leads_to_the_existing_proposal(client, users, login, draft):
    login(users["venture_member"])
    for method in ("GET", "POST"):
        response = client.open(f"/challenges/{draft.challenge_id}/proposals/new", method=method,
                               data={"title": "Another"})
        assert response.status_code == 302 and response.location == f"/proposals/{draft.id}/edit"
    assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_starting_needs_a_title(client, users, login, challenge):
    login(users["venture_owner"])
    response = client.post(f"/challenges/{challenge.id}/proposals/new", data={"title": "  "})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize(("who", "challenge_state", "message"), [
    ("company_owner", "open", "Proposals are written by members of ventures."),
    ("ipark_staff", "open", "Proposals are written by members of ventures."),
    ("unverified_venture", "open", "Your organisation must be verified by staff"),
    ("venture_owner", "closed", "This challenge does not accept proposals now."),
])
def test_who_may_not_start_is_told_why(client, users, login, make_user, make_organization, make_challenge,
                                       who, challenge_state, message):
    user = (make_user(organization=make_organization("venture", state="pending"))
            if who == "unverified_venture" else users[who])
    challenge = make_challenge(challenge_state)
    login(user)
    for method in ("GET", "POST"):
        response = client.open(f"/challenges/{challenge.id}/proposals/new", method=method, data={"title": "X"})
        assert response.status_code == 403
        assert message in text(response)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_starting_on_an_invisible_challenge_is_not_found(client, users, login, make_challenge):
    login(users["venture_owner"])
    assert client.get(f"/challenges/{make_challenge('draft').id}/proposals/new").status_code == 404
    assert client.get("/challenges/999/proposals/new").status_code == 404


def test_an_open_challenge_page_invites_ventures_to_write(client, users, login, challenge):
    login(users["venture_member"])
    page = text(client.get(f"/challenges/{challenge.id}"))
    assert f'href="/challenges/{challenge.id}/proposals/new"' in page and "Write a proposal" in page


def test_the_challenge_page_links_the_ventures_own_proposal(client, users, login, draft):
    login(users["venture_member"])
    page = text(client.get(f"/challenges/{draft.challenge_id}"))
    assert f'href="/proposals/{draft.id}"' in page and "Your proposal" in page
    assert "/proposals/new" not in page


def test_the_challenge_page_offers_no_proposal_to_the_company(client, users, login, challenge):
    login(users["company_member"])
    page = text(client.get(f"/challenges/{challenge.id}"))
    assert "Write a proposal" not in page and "/proposals/new" not in page
    assert f'href="/review/challenges/{challenge.id}"' in page  # the shortlisted proposals, for the poster


def test_ventures_get_no_link_to_the_list_of_proposals(client, users, login, challenge):
    login(users["venture_owner"])
    assert "/review/challenges/" not in text(client.get(f"/challenges/{challenge.id}"))


# Editing -------------------------------------------------------------------------------------------

def test_edit_form_shows_the_questions_and_the_deadline(client, users, login, draft):
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{draft.id}/edit"))
    assert "Describe your model." in page and "(required)" in page and 'maxlength="200"' in page
    assert "Up to 200 characters." in page
    assert "Save draft" in page and "Save and submit" in page
    assert "Deadline:" in page and "locked" not in page


def test_save_draft_without_required_answers(client, users, login, draft, challenge):
    login(users["venture_member"])
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=edit_data(**{answer_key(challenge, 2): "Some data.\r\nMore."}))
    assert response.status_code == 302 and response.location == f"/proposals/{draft.id}/edit"
    proposal = reload(draft)
    assert proposal.state == ProposalState.draft
    assert (proposal.title, proposal.trl, proposal.budget_minor, proposal.currency) == (
        "Graph models for KRAS binders", 4, 50_000_000, "KRW")
    assert proposal.answer_to(challenge.questions[1]) == "Some data.\nMore."
    assert proposal.answer_to(challenge.questions[0]) == ""
    assert [(m.due_on, m.title) for m in proposal.milestones] == [(date(2031, 3, 1), "First hits")]
    assert "Your changes are saved." in flashes(client)


def test_the_saved_proposal_fills_the_form_again(client, users, login, draft, challenge):
    login(users["venture_owner"])
    client.post(f"/proposals/{draft.id}/edit", data=edit_data(**{answer_key(challenge, 1): "A GNN."}))
    page = text(client.get(f"/proposals/{draft.id}/edit"))
    assert 'value="Graph models for KRAS binders"' in page and "A GNN.</textarea>" in page
    assert 'value="2031-03-01"' in page and 'value="First hits"' in page and 'value="50000000"' in page
    assert 'name="milestones-3-title"' in page  # one filled row, three empty ones


def test_save_and_submit(client, users, login, draft, challenge):
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(
        save="", submit="y", **{answer_key(challenge, 1): "A GNN."}))
    assert response.status_code == 302 and response.location == f"/proposals/{draft.id}"
    proposal = reload(draft)
    assert proposal.state == ProposalState.submitted and proposal.submitted_at is not None
    assert audit_actions(proposal)[-2:] == ["proposal.updated", "proposal.submitted"]


def test_save_and_submit_keeps_the_text_when_an_answer_is_missing(client, users, login, draft):
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(save="", submit="y", title="Kept"))
    assert response.status_code == 302 and response.location == f"/proposals/{draft.id}/edit"
    proposal = reload(draft)
    assert proposal.state == ProposalState.draft and proposal.title == "Kept"
    messages = flashes(client)
    assert any("answer to question 1" in message for message in messages)
    assert "Your changes are saved, but the proposal was not submitted." in messages


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "This field is required."),
    ({"budget": "12.5", "currency": "KRW"}, "Enter an amount such as"),
    ({"budget": "-3"}, "Enter an amount such as"),
    ({"trl": "12"}, "Not a valid choice"),
    ({"milestones-0-due_on": "next week"}, "Not a valid date value"),
    ({"milestones-0-due_on": ""}, "Give this milestone a due date."),
    ({"milestones-1-due_on": "2031-05-01"}, "Say what is delivered by this date"),
    ({"answer_Q1": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_bad_input_is_explained_and_changes_nothing(client, users, login, draft, challenge, overrides, message):
    overrides = {answer_key(challenge, 1) if key == "answer_Q1" else key: value for key, value in overrides.items()}
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert "Nothing was saved." in text(response)
    proposal = reload(draft)
    assert proposal.title == "Our draft" and proposal.budget_minor is None and not proposal.milestones
    assert audit_actions(proposal) == []


def test_a_submitted_proposal_is_saved_without_a_submit_button(client, users, login, make_proposal, challenge):
    proposal = make_proposal("submitted", challenge=challenge)
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{proposal.id}/edit"))
    assert "Save changes" in page and "Save and submit" not in page
    client.post(f"/proposals/{proposal.id}/edit", data=edit_data(title="Improved"))
    assert reload(proposal).title == "Improved" and reload(proposal).state == ProposalState.submitted


def _pass_the_deadline(challenge):
    challenge.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_after_the_deadline_the_form_is_locked_and_nothing_changes(client, users, login, draft, challenge):
    _pass_the_deadline(challenge)
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{draft.id}/edit"))
    assert 'id="locked"' in page and "this proposal is locked" in page and "<fieldset disabled>" in page
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(
        save="", submit="y", **{answer_key(challenge, 1): "A GNN."}))
    assert response.status_code == 200
    assert "The deadline for this challenge has passed" in text(response)
    proposal = reload(draft)
    assert proposal.state == ProposalState.draft and proposal.title == "Our draft"
    assert audit_actions(proposal) == []


def test_submit_after_the_deadline_fails_with_the_reason(client, users, login, make_proposal, challenge):
    proposal = make_proposal("draft", challenge=challenge, title="T")
    _pass_the_deadline(challenge)
    login(users["venture_owner"])
    response = client.post(f"/proposals/{proposal.id}/submit", follow_redirects=True)
    assert "The deadline for this challenge has passed" in text(response)
    assert reload(proposal).state == ProposalState.draft


def test_submit_from_the_proposal_page(client, users, login, make_proposal, challenge):
    proposal = make_proposal("draft", challenge=challenge)
    login(users["venture_owner"])
    response = client.post(f"/proposals/{proposal.id}/submit", follow_redirects=True)
    assert "answer to question 1" in text(response)  # the required answer is missing
    assert reload(proposal).state == ProposalState.draft
    db.session.add(ProposalAnswer(proposal_id=proposal.id, question_id=challenge.questions[0].id, body="A GNN."))
    db.session.commit()
    response = client.post(f"/proposals/{proposal.id}/submit")
    assert response.status_code == 302 and response.location == f"/proposals/{proposal.id}"
    assert reload(proposal).state == ProposalState.submitted


def test_withdraw(client, users, login, make_proposal, challenge):
    proposal = make_proposal("submitted", challenge=challenge)
    login(users["venture_member"])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'action="/proposals/{proposal.id}/withdraw"' in page and "data-confirm=" in page
    response = client.post(f"/proposals/{proposal.id}/withdraw")
    assert response.status_code == 302
    assert reload(proposal).state == ProposalState.withdrawn
    assert client.post(f"/proposals/{proposal.id}/withdraw").status_code == 403  # not twice


# Reading -------------------------------------------------------------------------------------------

def test_the_venture_sees_its_proposal_and_history(client, users, login, challenge):
    login(users["venture_owner"])
    client.post(f"/challenges/{challenge.id}/proposals/new", data={"title": "Started here"})
    proposal = db.session.scalar(select(Proposal))
    client.post(f"/proposals/{proposal.id}/edit", data=edit_data(
        save="", submit="y", **{answer_key(challenge, 1): "A **GNN**."}))
    response = client.get(f"/proposals/{proposal.id}")
    page = squeezed(response)
    assert response.status_code == 200
    assert "Graph models for KRAS binders" in page and "<em>active learning</em>" in page
    assert "A **GNN**." in page  # answers are plain text
    assert "₩50,000,000" in page and "TRL 4" in page and "First hits" in page
    assert users["venture_owner"].organization.display_name in page
    timeline = page.split('id="proposal-timeline"')[1].split("</ol>")[0]
    assert timeline.index("Started") < timeline.index("Submitted")
    assert users["venture_owner"].name in timeline
    assert f'href="/proposals/{proposal.id}/edit"' in page


def test_the_history_shows_the_institutions_words(client, users, login, make_proposal, challenge):
    proposal = make_proposal("submitted", challenge=challenge, revision_note="Please add in-vivo data.")
    db.session.add_all([
        AuditEvent(actor_id=users["venture_owner"].id, action="proposal.submitted", subject_type="proposals",
                   subject_id=proposal.id, from_state="draft", to_state="submitted", details={}),
        AuditEvent(actor_id=users["mss_staff"].id, action="proposal.revision_requested", subject_type="proposals",
                   subject_id=proposal.id, from_state="submitted", to_state="revision_requested", details={}),
    ])
    proposal.state = ProposalState.revision_requested
    db.session.commit()
    login(users["venture_member"])
    page = squeezed(client.get(f"/proposals/{proposal.id}"))
    timeline = page.split('id="proposal-timeline"')[1].split("</ol>")[0]
    assert "Revision requested" in timeline and "Please add in-vivo data." in timeline
    assert users["venture_owner"].name in timeline and users["mss_staff"].name not in timeline
    assert "Submit the revision" in page


def test_blind_review_hides_the_venture_from_staff(client, users, login, make_proposal, make_challenge):
    challenge = make_challenge("open", blind_review=True)
    proposal = make_proposal("submitted", challenge=challenge)
    venture_name = users["venture_owner"].organization.display_name
    login(users["ipark_staff"])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "Venture hidden (blind review)" in page and venture_name not in page
    assert 'id="proposal-timeline"' not in page  # the history is the venture's
    client.post("/auth/logout")
    login(users["venture_owner"])
    assert venture_name in text(client.get(f"/proposals/{proposal.id}"))


def test_the_company_sees_a_shortlisted_proposal_and_chooses_it(client, users, login, make_proposal, challenge):
    proposal = make_proposal("shortlisted", challenge=challenge)
    login(users["company_member"])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'action="/proposals/{proposal.id}/choose"' in page
    assert f'action="/proposals/{proposal.id}/withdraw"' not in page and "/edit" not in page
    assert client.post(f"/proposals/{proposal.id}/choose").status_code == 302
    assert reload(proposal).company_has_chosen
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'action="/proposals/{proposal.id}/unchoose"' in page
    assert client.post(f"/proposals/{proposal.id}/unchoose").status_code == 302
    assert not reload(proposal).company_has_chosen
    assert audit_actions(proposal) == ["proposal.chosen_by_company", "proposal.choice_withdrawn_by_company"]


# Attachments ---------------------------------------------------------------------------------------

def test_upload_download_and_delete(client, users, login, draft, store):
    login(users["venture_owner"])
    response = upload(client, draft)
    assert response.status_code == 302 and response.location == f"/proposals/{draft.id}#attachments"
    document = db.session.scalar(select(ProposalAttachment))
    assert stored_keys(store) == [document.storage_key] and uploads.read(document.storage_key) == PDF
    page = text(client.get(f"/proposals/{draft.id}"))
    assert f'href="/proposals/{draft.id}/attachments/{document.id}"' in page and "plan.pdf" in page
    download = client.get(f"/proposals/{draft.id}/attachments/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Length"] == str(len(PDF))
    assert download.headers["Content-Disposition"] == "attachment; filename=plan.pdf"
    assert download.headers["Cache-Control"] == "private, no-store"
    response = client.post(f"/proposals/{draft.id}/attachments/{document.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(ProposalAttachment.id))) == 0 and stored_keys(store) == []


def test_a_non_pdf_is_refused_and_nothing_is_stored(client, users, login, draft, store):
    login(users["venture_owner"])
    response = upload(client, draft, content=b"MZ\x90\x00 not a pdf", name="tool.pdf", follow_redirects=True)
    assert "is not a PDF file" in text(response)
    assert db.session.scalar(select(func.count(ProposalAttachment.id))) == 0
    assert stored_keys(store) == []


def test_an_upload_without_a_file_is_explained(client, users, login, draft):
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/attachments", data={}, follow_redirects=True)
    assert "Choose a PDF file." in text(response)
    assert db.session.scalar(select(func.count(ProposalAttachment.id))) == 0


def test_an_oversized_upload_gets_the_clear_page(client, users, login, draft):
    login(users["venture_owner"])
    response = upload(client, draft, content=PDF + b"0" * (20 * 1024 * 1024))
    assert response.status_code == 413
    assert "File too large" in text(response) and "20 MB" in text(response)
    assert db.session.scalar(select(func.count(ProposalAttachment.id))) == 0


def upload_named(client, proposal, name: str, content=PDF):
    """Send the file name exactly as given: a browser's multipart body, with the name as an RFC 7578
    quoted string (the test client would pass backslashes and quotes through unescaped)."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"').encode()
    body = (b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="' + quoted
            + b'"\r\nContent-Type: application/pdf\r\n\r\n' + content + b"\r\n--BOUNDARY--\r\n")
    return client.post(f"/proposals/{proposal.id}/attachments", data=body,
                        content_type="multipart/form-data; boundary=BOUNDARY")


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\x\\y.pdf", "y.pdf"),
    ('résumé "final";\t.pdf', 'résumé "final";.pdf'),
])
def test_file_names_never_become_paths(client, users, login, draft, store, name, shown):
    login(users["venture_owner"])
    assert upload_named(client, draft, name).status_code == 302
    document = db.session.scalar(select(ProposalAttachment))
    assert document.filename == shown
    assert document.storage_key.isalnum() and stored_keys(store) == [document.storage_key]
    page = text(client.get(f"/proposals/{draft.id}"))
    assert "etc/passwd" not in page and "C:\\x" not in page
    disposition = client.get(f"/proposals/{draft.id}/attachments/{document.id}").headers["Content-Disposition"]
    kind, options = parse_options_header(disposition)
    assert kind == "attachment" and "\n" not in disposition
    assert options["filename"] == shown  # the UTF-8 name (filename*) where there is one
    assert "/" not in options["filename"] and "\\" not in options["filename"]


def test_files_cannot_change_after_the_deadline(client, users, login, draft, challenge):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    _pass_the_deadline(challenge)
    response = upload(client, draft, follow_redirects=True)
    assert "The deadline for this challenge has passed" in text(response)
    response = client.post(f"/proposals/{draft.id}/attachments/{document.id}/delete", follow_redirects=True)
    assert "The deadline for this challenge has passed" in text(response)
    assert db.session.scalar(select(func.count(ProposalAttachment.id))) == 1


# My proposals --------------------------------------------------------------------------------------

def test_my_proposals_lists_the_ventures_proposals_with_progress(client, users, login, make_proposal,
                                                                 make_challenge):
    draft = make_proposal("draft", title="Early idea")
    declined = make_proposal("declined", title="Turned down")
    theirs = make_proposal("submitted", title="Someone else's", creator=users["other_venture"])
    login(users["venture_member"])
    response = client.get("/proposals/mine")
    page = squeezed(response)
    assert response.status_code == 200
    assert draft.title in page and declined.title in page and theirs.title not in page
    assert draft.challenge.title in page
    assert page.index("Turned down") < page.index("Early idea")  # latest activity first
    row = page.split("Turned down")[1].split("</tr>")[0]
    assert "Declined" in row and "Shortlisted" not in row  # the steps never reached are not shown


def test_my_proposals_empty_state(client, users, login):
    login(users["venture_owner"])
    page = text(client.get("/proposals/mine"))
    assert "has not written a proposal yet" in page and 'href="/challenges/"' in page


def test_my_proposals_explains_who_writes_proposals(client, users, login):
    login(users["company_owner"])
    response = client.get("/proposals/mine")
    assert response.status_code == 200
    assert "Proposals are written by Korean ventures" in text(response)


def test_my_proposals_query_count_does_not_grow(client, users, login, make_proposal, count_queries):
    def queries_for_page():
        with count_queries() as queries:
            response = client.get("/proposals/mine")
        assert response.status_code == 200
        return len(queries)

    make_proposal("submitted")
    login(users["venture_owner"])
    one = queries_for_page()
    for state in ("draft", "shortlisted", "withdrawn", "declined", "selected", "revision_requested"):
        make_proposal(state)
    assert queries_for_page() == one
    assert one <= 10


def test_every_form_carries_a_csrf_token(client, users, login, draft, app, make_challenge):
    another = make_challenge("open")
    login(users["venture_owner"])
    app.config["WTF_CSRF_ENABLED"] = True
    for path in (f"/proposals/{draft.id}", f"/proposals/{draft.id}/edit", "/proposals/mine",
                 f"/challenges/{another.id}/proposals/new"):
        page = text(client.get(path, follow_redirects=True))
        assert page.count("<form") == page.count('name="csrf_token"'), path
    assert client.post(f"/proposals/{draft.id}/withdraw").status_code == 400
    assert reload(draft).state == ProposalState.draft


def test_navigation_links(client, users, login):
    login(users["venture_owner"])
    page = text(client.get("/challenges/"))
    assert 'href="/proposals/mine"' in page and 'href="/review/"' not in page
    client.post("/auth/logout")
    login(users["company_member"])
    page = text(client.get("/challenges/"))
    assert 'href="/proposals/mine"' not in page and 'href="/review/"' in page
    client.post("/auth/logout")
    login(users["ipark_staff"])
    assert 'href="/review/"' in text(client.get("/challenges/"))
