"""The file store behind uploads (app/common/uploads.py): the local disk, and any S3-compatible object
store, here moto's S3 in server mode over HTTP. What every store must do (store, serve, remove) is
also tested by the proposal and challenge tests that take the ``store`` fixture, on both."""
import io
import logging

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app import create_app
from app.common import uploads
from app.common.models import AuditEvent
from app.extensions import db
from app.proposals import services
from app.proposals.models import ProposalAttachment
from tests.conftest import free_port, stored_keys

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
STORE_DOWN = "Files cannot be stored at the moment"
FETCH_DOWN = "This file cannot be fetched at the moment"


def upload(client, proposal, content=PDF, name="plan.pdf", **kwargs):
    return client.post(f"/proposals/{proposal.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)}, **kwargs)


def attachments() -> int:
    return db.session.scalar(select(func.count(ProposalAttachment.id)))


def added_audit_rows() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "proposal.attachment_added"))


@pytest.fixture
def draft(make_proposal):
    return make_proposal("draft")


@pytest.fixture
def s3_requests(s3_storage):
    """Every request the app's boto3 client sends to the store during the test, by operation."""
    sent = []

    def count(model, **kwargs):
        sent.append(model.name)

    s3_storage.client.meta.events.register("before-call.s3", count)
    yield sent
    s3_storage.client.meta.events.unregister("before-call.s3", count)


@pytest.fixture
def store_down(app, s3_client):
    """Puts in place an S3 store whose endpoint answers nothing (nothing listens on the port); the
    app's own store is back after the test."""
    config = dict(S3_BUCKET="kakehashi", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", S3_REGION="us-east-1",
                  S3_TIMEOUT=1, S3_ADDRESSING_STYLE="path")
    replaced = []

    def put_in_place():
        replaced.append(uploads.use_storage(app, uploads.S3Storage.from_config(config)))

    yield put_in_place
    if replaced:
        uploads.use_storage(app, replaced[0])


# The S3 store --------------------------------------------------------------------------------------

def test_an_upload_is_a_private_object_under_a_random_key(client, users, login, draft, s3_storage):
    login(users["venture_owner"])
    assert upload(client, draft, name="Our plan (final).pdf").status_code == 302
    document = db.session.scalar(select(ProposalAttachment))
    assert stored_keys(s3_storage) == [document.storage_key] and "plan" not in document.storage_key
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=document.storage_key)
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(PDF)
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=document.storage_key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's, and nobody else's
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)


def test_a_download_is_streamed_from_the_store_after_the_permission_check(client, users, login, draft, s3_storage,
                                                                          s3_requests):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    s3_requests.clear()
    response = client.get(f"/proposals/{draft.id}/attachments/{document.id}", buffered=False)
    assert response.is_streamed and s3_requests == ["GetObject"]
    assert response.get_data() == PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=plan.pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    response.close()


@pytest.mark.parametrize("who", ["other_venture", "company_owner", "ipark_staff"])
def test_a_refused_download_never_reaches_the_store(client, users, login, draft, s3_storage, s3_requests, who):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    client.post("/auth/logout")
    login(users[who])
    s3_requests.clear()
    assert client.get(f"/proposals/{draft.id}/attachments/{document.id}").status_code == 404
    assert client.post(f"/proposals/{draft.id}/attachments/{document.id}/delete").status_code == 404
    assert s3_requests == []
    assert stored_keys(s3_storage) == [document.storage_key] and attachments() == 1


def test_the_poster_cannot_upload_to_a_submitted_proposal_of_theirs_without_touching_the_store(
        client, users, login, make_proposal, s3_storage, s3_requests):
    proposal = make_proposal("shortlisted")
    login(users["venture_owner"])
    s3_requests.clear()
    response = upload(client, proposal)
    assert response.status_code in {302, 403}
    assert s3_requests == [] and stored_keys(s3_storage) == [] and attachments() == 0


# Both stores ---------------------------------------------------------------------------------------

def test_a_missing_file_is_not_found(client, users, login, draft, store):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    store.delete(document.storage_key)  # lost behind the app's back
    response = client.get(f"/proposals/{draft.id}/attachments/{document.id}")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_a_file_whose_transaction_does_not_commit_is_discarded(app, draft, users, store):
    services.add_attachment(draft, actor=users["venture_owner"],
                            upload=FileStorage(stream=io.BytesIO(PDF), filename="plan.pdf"))
    assert len(stored_keys(store)) == 1  # stored first, then its row
    db.session.rollback()
    assert stored_keys(store) == [] and attachments() == 0


def test_a_committed_file_stays(app, draft, users, store):
    document = services.add_attachment(draft, actor=users["venture_owner"],
                                       upload=FileStorage(stream=io.BytesIO(PDF), filename="plan.pdf"))
    db.session.commit()
    key = document.storage_key
    db.session.rollback()  # a later transaction of the same session that fails takes nothing with it
    db.session.remove()
    assert stored_keys(store) == [key]


def test_an_upload_whose_row_fails_leaves_no_file(client, users, login, draft, store, monkeypatch):
    """Stored, then the row: when the row is refused after the file went in, the file goes again."""
    from app.common.errors import DomainError

    def refuse(*args, **kwargs):
        raise DomainError("The audit log refused the row.")

    login(users["venture_owner"])
    monkeypatch.setattr(services.audit, "record", refuse)
    response = upload(client, draft, follow_redirects=True)
    assert "The audit log refused the row." in response.get_data(as_text=True)
    assert attachments() == 0 and stored_keys(store) == []


# A store out of reach ------------------------------------------------------------------------------

def test_an_upload_to_a_store_out_of_reach_is_a_clear_503_and_saves_nothing(client, users, login, draft,
                                                                              store_down):
    login(users["venture_owner"])
    before = db.session.get(type(draft), draft.id).updated_at
    store_down()
    response = upload(client, draft)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and STORE_DOWN in page and "nothing was saved" in page
    assert response.headers["Retry-After"]
    db.session.expire_all()
    assert attachments() == 0 and added_audit_rows() == 0
    assert db.session.get(type(draft), draft.id).updated_at == before


def test_a_download_from_a_store_out_of_reach_is_a_clear_503(client, users, login, draft, s3_storage, store_down):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    store_down()
    response = client.get(f"/proposals/{draft.id}/attachments/{document.id}")
    page = response.get_data(as_text=True)
    # A download changes nothing: the page says the file could not be fetched, not that nothing was saved.
    assert response.status_code == 503 and FETCH_DOWN in page and "saved" not in page


def test_a_stopped_store_is_a_503_too(client, users, login, draft, s3_client, app):
    """The store was there and went away (the server stopped), rather than never reachable."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    config = dict(S3_BUCKET="kakehashi", S3_ENDPOINT_URL=f"http://127.0.0.1:{port}", S3_REGION="us-east-1",
                  S3_TIMEOUT=1, S3_ADDRESSING_STYLE="path")
    store = uploads.S3Storage.from_config(config)
    previous = uploads.use_storage(app, store)
    try:
        store.client.create_bucket(Bucket="kakehashi")
        login(users["venture_owner"])
        assert upload(client, draft).status_code == 302
        server.stop()
        assert upload(client, draft).status_code == 503
        document = db.session.scalar(select(ProposalAttachment))
        assert client.get(f"/proposals/{draft.id}/attachments/{document.id}").status_code == 503
        assert attachments() == 1
    finally:
        uploads.use_storage(app, previous)


def test_removing_a_file_while_the_store_is_out_of_reach_removes_the_row_and_logs_the_object(
        client, users, login, draft, s3_storage, store_down, caplog):
    login(users["venture_owner"])
    upload(client, draft)
    document = db.session.scalar(select(ProposalAttachment))
    document_id, key = document.id, document.storage_key
    store_down()
    with caplog.at_level(logging.ERROR, logger="app.common.uploads"):
        response = client.post(f"/proposals/{draft.id}/attachments/{document_id}/delete")
    assert response.status_code == 302 and attachments() == 0
    assert [record.getMessage() for record in caplog.records if record.name == "app.common.uploads"
            and "could not be removed" in record.getMessage()] == [
        f"stored file {key} could not be removed; no row names it any more"]
    assert stored_keys(s3_storage) == [key]  # never served again: no row names it


# Configuration -------------------------------------------------------------------------------------

def test_the_store_is_chosen_from_the_configuration(moto_s3, s3_client):
    s3_client.create_bucket(Bucket="configured")
    app = create_app("testing", UPLOAD_BACKEND="s3", S3_BUCKET="configured", S3_ENDPOINT_URL=moto_s3,
                     S3_REGION="us-east-1")
    with app.app_context():
        store = uploads.storage()
        assert isinstance(store, uploads.S3Storage) and store.bucket == "configured"
        store.put("abc123", PDF)  # credentials from the environment, as boto3 finds them in production
    assert s3_client.get_object(Bucket="configured", Key="abc123")["Body"].read() == PDF
    assert isinstance(create_app("testing").extensions["kakehashi.uploads"], uploads.DiskStorage)


@pytest.mark.parametrize(("settings", "message"), [
    ({"UPLOAD_BACKEND": "s3"}, "S3_BUCKET"),
    ({"UPLOAD_BACKEND": "ftp"}, "UPLOAD_BACKEND"),
])
def test_a_store_without_its_settings_refuses_to_start(settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app("testing", **settings)
