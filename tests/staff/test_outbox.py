"""Undelivered e-mail: administrators see what the outbox gave up, and can send it again.

Not institution staff: a subject names a proposal and its recipient a venture's person, which
would tell a reviewer who wrote a blind proposal (docs/blind-review.md)."""
import re
import smtplib

import pytest
from sqlalchemy import func, select

from app.auth.models import MemberRole, User
from app.auth.services.institutions import ensure_secretariat
from app.common import outbox
from app.common.models import AuditEvent
from app.common.time import utcnow
from app.extensions import db
from tests.conftest import _PASSWORD_HASH, PASSWORD, build_app, teardown_app


def refuse(row):
    raise smtplib.SMTPRecipientsRefused({row.recipient: (550, b"5.1.1 No such user here")})


def unreachable(row):
    raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def mailbox(app, monkeypatch, make_user):
    """One message given up, one waiting for another try, one sent."""
    failed, waiting, sent = (outbox.queue_email(make_user(), "password_changed") for _ in range(3))
    db.session.commit()
    monkeypatch.setattr(outbox, "deliver", refuse)
    outbox.send_pending(limit=1)
    monkeypatch.setattr(outbox, "deliver", unreachable)
    outbox.send_pending(limit=1)
    monkeypatch.undo()
    outbox.send_pending(limit=1)
    for row in (failed, waiting, sent):
        db.session.refresh(row)
    assert failed.failed_at and waiting.attempts == 1 and not waiting.failed_at and sent.sent_at
    return {"failed": failed, "waiting": waiting, "sent": sent}


@pytest.mark.parametrize(("who", "status"), [
    ("venture_owner", 403), ("company_owner", 403), ("ipark_staff", 403), ("mss_staff", 403), ("admin", 200),
])
def test_the_outbox_page_is_for_administrators(client, users, login, who, status):
    login(users[who])
    assert client.get("/staff/outbox").status_code == status
    assert client.post("/staff/outbox/1/retry").status_code in ((403,) if status == 403 else (404,))


def test_staff_see_failed_messages_without_their_bodies(client, users, login, mailbox):
    login(users["admin"])
    html = client.get("/staff/outbox").get_data(as_text=True)
    failed = mailbox["failed"]
    assert failed.recipient in html and failed.subject in html
    assert "No such user here" in html
    assert mailbox["waiting"].recipient not in html and mailbox["sent"].recipient not in html
    assert "1 other message is waiting for another try." in html
    body_line = next(line for line in failed.body_text.splitlines() if len(line) > 30)
    assert body_line not in html
    assert 'href="/staff/outbox"' in client.get("/challenges/").get_data(as_text=True)  # in the Staff menu


def test_try_again_queues_the_message_and_audits_it(client, users, login, mailbox):
    failed = mailbox["failed"]
    login(users["admin"])
    response = client.post(f"/staff/outbox/{failed.id}/retry", data={"next": "/staff/outbox?page=1"})
    assert response.status_code == 302 and response.location == "/staff/outbox?page=1"
    db.session.refresh(failed)
    assert failed.failed_at is None and failed.attempts == 0
    assert failed.id in {row.id for row in outbox.claim_batch()}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox_email.retried"))
    assert (event.actor_id, event.subject_id) == (users["admin"].id, failed.id)

    assert outbox.send_pending() >= 1
    db.session.refresh(failed)
    assert failed.sent_at is not None


@pytest.mark.parametrize("which", ["waiting", "sent"])
def test_try_again_refuses_what_was_not_given_up(client, users, login, mailbox, which):
    row = mailbox[which]
    before = (row.attempts, row.next_attempt_at, row.sent_at)
    login(users["admin"])
    response = client.post(f"/staff/outbox/{row.id}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert "not waiting for another try" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert (row.attempts, row.next_attempt_at, row.sent_at) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "outbox_email.retried")) == 0


def test_try_again_needs_the_csrf_token(tmp_path, monkeypatch):
    app, ctx = build_app(WTF_CSRF_ENABLED=True, MAIL_FILE_DIR=str(tmp_path / "mail"))
    try:
        staff = User(email="admin@secretariat.example", name="Admin", password_hash=_PASSWORD_HASH,
                     role=MemberRole.member, organization=ensure_secretariat(), is_admin=True, locale="en",
                     email_verified_at=utcnow())
        db.session.add(staff)
        row = outbox.queue_email("gone@example.test", "password_changed", locale="en")
        db.session.commit()
        monkeypatch.setattr(outbox, "deliver", refuse)
        outbox.send_pending()
        monkeypatch.undo()
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})

        assert client.post(f"/staff/outbox/{row.id}/retry").status_code == 400
        db.session.refresh(row)
        assert row.failed_at is not None

        page = client.get("/staff/outbox").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/staff/outbox/{row.id}/retry", data={"csrf_token": token}).status_code == 302
        db.session.refresh(row)
        assert row.failed_at is None
    finally:
        teardown_app(app, ctx)
