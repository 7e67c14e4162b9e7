"""Under blind review, attachment file names (which ventures often fill with their own name) are
replaced by neutral ones for everyone who may not see the venture: on the page and on download."""
import io

import pytest

from app.extensions import db
from app.proposals.models import ProposalAttachment

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NAME = "AcmeBio-pitch-deck.pdf"


def text(response) -> str:
    return response.get_data(as_text=True)


def switch_to(client, login, user):
    client.post("/auth/logout")
    login(user)


def attach(client, login, proposal, owner):
    switch_to(client, login, owner)
    client.post(f"/proposals/{proposal.id}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), NAME)})
    return db.session.query(ProposalAttachment).filter_by(proposal_id=proposal.id).one()


@pytest.mark.parametrize("person", ["ipark_staff", "company_owner"])
def test_a_blind_proposals_files_have_neutral_names(client, login, users, make_challenge, make_proposal, person):
    proposal = make_proposal("draft", challenge=make_challenge("open", blind_review=True))
    document = attach(client, login, proposal, users["venture_owner"])
    proposal.state = "shortlisted"
    proposal.submitted_at = proposal.shortlisted_at = document.created_at
    db.session.commit()
    neutral = f"proposal-{proposal.id}-attachment-{document.id}.pdf"
    switch_to(client, login, users[person])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert neutral in page and "AcmeBio" not in page
    response = client.get(f"/proposals/{proposal.id}/attachments/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert neutral in disposition and "AcmeBio" not in disposition


def test_the_venture_and_readers_of_named_calls_keep_the_name(client, login, users, make_challenge, make_proposal):
    blind = make_proposal("draft", challenge=make_challenge("open", blind_review=True))
    named = make_proposal("draft", challenge=make_challenge("open"))
    blind_document = attach(client, login, blind, users["venture_owner"])
    named_document = attach(client, login, named, users["venture_owner"])
    assert NAME in client.get(f"/proposals/{blind.id}/attachments/{blind_document.id}").headers["Content-Disposition"]
    assert NAME in text(client.get(f"/proposals/{blind.id}"))
    named.state, named.submitted_at = "submitted", named_document.created_at
    db.session.commit()
    switch_to(client, login, users["ipark_staff"])
    assert NAME in client.get(f"/proposals/{named.id}/attachments/{named_document.id}").headers["Content-Disposition"]


def test_ventures_are_told_where_they_upload_to_keep_their_name_out(client, login, users, make_challenge,
                                                                   make_proposal):
    blind = make_proposal("draft", challenge=make_challenge("open", blind_review=True))
    named = make_proposal("draft", challenge=make_challenge("open"))
    switch_to(client, login, users["venture_owner"])
    assert 'id="blind-upload-hint"' in text(client.get(f"/proposals/{blind.id}"))
    assert 'id="blind-edit-hint"' in text(client.get(f"/proposals/{blind.id}/edit"))
    assert 'id="blind-upload-hint"' not in text(client.get(f"/proposals/{named.id}"))
