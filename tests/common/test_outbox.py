"""The e-mail outbox: rendered in the recipient's language with the change, sent later, once."""
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.common import outbox
from app.common.models import OutboxEmail
from app.extensions import db

SUBJECT = "Your Kakehashi password was changed"  # the msgid of email/password_changed.subject.txt


def translated(msgid, locale):
    with force_locale(locale):
        return gettext(msgid)


def mail_files(app):
    folder = Path(app.config["MAIL_FILE_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


@pytest.fixture
def queued(make_user):
    """Three committed messages to three people, in English, Japanese and Korean."""
    rows = [outbox.queue_email(make_user(locale=locale), "password_changed") for locale in ("en", "ja", "ko")]
    db.session.commit()
    return rows


# Queueing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "ja", "ko"])
def test_queue_email_renders_in_the_recipients_language(make_user, locale):
    user = make_user(locale=locale, name="Sato Hanako")
    row = outbox.queue_email(user, "password_changed")
    db.session.commit()
    assert (row.recipient, row.locale) == (user.email, locale)
    assert row.subject == translated(SUBJECT, locale)
    assert translated("Hello %(name)s,", locale) % {"name": "Sato Hanako"} in row.body_text
    assert row.sent_at is None and row.attempts == 0


def test_queue_email_renders_with_the_recipients_locale_active(monkeypatch, make_user):
    """Independent of the catalogs' progress: the locale in force while the templates render."""
    seen = []
    render = outbox.render_template

    def spy(template, **context):
        seen.append((template, str(get_locale())))
        return render(template, **context)

    monkeypatch.setattr(outbox, "render_template", spy)
    outbox.queue_email(make_user(locale="ko"), "password_changed")
    assert seen == [("email/password_changed.subject.txt", "ko"), ("email/password_changed.txt", "ko")]


def test_queue_email_to_an_address_takes_the_given_locale(users):
    """Invitations go to people without an account yet: the inviter chooses the language."""
    owner = users["venture_owner"]
    row = outbox.queue_email("someone@example.test", "invitation", locale="ja", organization=owner.organization,
                             inviter=owner, link="https://kakehashi.test/auth/register?invitation=x")
    assert (row.recipient, row.locale) == ("someone@example.test", "ja")
    with force_locale("ja"):
        assert row.subject == gettext("%(name)s invites you to %(organization)s on Kakehashi",
                                      name=owner.name, organization=owner.organization.name_latin)
    assert "https://kakehashi.test/auth/register?invitation=x" in row.body_text


def test_queue_email_falls_back_to_english(make_user):
    row = outbox.queue_email(make_user(locale=None), "password_changed")
    assert row.locale == "en"
    assert row.subject == SUBJECT


def test_queue_email_subject_is_one_line(make_user):
    row = outbox.queue_email(make_user(), "password_changed")
    assert "\n" not in row.subject and row.subject == row.subject.strip()


# Sending ------------------------------------------------------------------------------------

def test_send_pending_writes_one_eml_per_message(app, queued):
    app.config["MAIL_SERVER"] = ""
    assert outbox.send_pending() == 3

    files = mail_files(app)
    assert len(files) == 3
    messages = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in files]
    assert [(m["To"], m["Subject"], m["Content-Language"]) for m in messages] == [
        (row.recipient, row.subject, row.locale) for row in queued]
    assert messages[1].get_content().strip() == queued[1].body_text.strip()
    for row in queued:
        db.session.refresh(row)
        assert row.sent_at is not None
        assert row.attempts == 1
        assert row.last_error is None


def test_a_second_run_sends_nothing(app, queued):
    assert outbox.send_pending() == 3
    assert outbox.send_pending() == 0
    assert len(mail_files(app)) == 3
    assert outbox.claim_batch() == []


def test_send_pending_sends_in_batches(app, queued):
    assert outbox.send_pending(limit=2) == 2
    assert outbox.send_pending(limit=2) == 1
    assert len(mail_files(app)) == 3


def test_a_failed_delivery_is_kept_for_another_try(app, monkeypatch, queued):
    calls = []

    def deliver(row):
        calls.append(row.id)
        if row.id == queued[0].id:
            raise ConnectionError("SMTP server went away")
        outbox.write_eml(row, Path(app.config["MAIL_FILE_DIR"]))

    monkeypatch.setattr(outbox, "deliver", deliver)
    assert outbox.send_pending() == 2  # one bad message does not stop the queue

    failed = db.session.get(OutboxEmail, queued[0].id)
    assert failed.sent_at is None
    assert failed.attempts == 1
    assert failed.last_error == "SMTP server went away"
    assert [row.id for row in outbox.claim_batch()] == [failed.id]

    assert outbox.send_pending() == 0
    assert calls == [row.id for row in queued] + [failed.id]
    assert db.session.get(OutboxEmail, failed.id).attempts == 2


def test_a_message_is_given_up_after_max_attempts(app, monkeypatch, make_user):
    row = outbox.queue_email(make_user(), "password_changed")
    db.session.commit()
    calls = []

    def deliver(message):
        calls.append(message.id)
        raise OSError(f"attempt {len(calls)} failed")

    monkeypatch.setattr(outbox, "deliver", deliver)
    for _ in range(outbox.MAX_ATTEMPTS):
        assert outbox.send_pending() == 0
    db.session.refresh(row)
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error == f"attempt {outbox.MAX_ATTEMPTS} failed"

    assert outbox.claim_batch() == []
    assert outbox.send_pending() == 0
    assert len(calls) == outbox.MAX_ATTEMPTS
    assert row.sent_at is None


def test_deliver_goes_through_flask_mail_when_a_server_is_set(app, make_user):
    from app.extensions import mail

    row = outbox.queue_email(make_user(locale="ja"), "password_changed")
    db.session.commit()
    app.config["MAIL_SERVER"] = "smtp.example.test"  # MAIL_SUPPRESS_SEND keeps it from connecting
    with mail.record_messages() as sent:
        assert outbox.send_pending() == 1
    [message] = sent
    assert (message.recipients, message.subject) == ([row.recipient], row.subject)
    assert mail_files(app) == []


# Several workers ----------------------------------------------------------------------------

@pytest.mark.postgresql_only
def test_two_workers_never_claim_the_same_message(app, make_user):
    user = make_user()
    rows = [outbox.queue_email(user, "password_changed") for _ in range(6)]
    db.session.commit()
    all_ids = {row.id for row in rows}

    # Another worker, on its own connection, holds the first two rows in an open transaction.
    other_worker = Session(db.engine)
    try:
        claimed_elsewhere = other_worker.scalars(
            select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < outbox.MAX_ATTEMPTS)
            .order_by(OutboxEmail.id).limit(2).with_for_update(skip_locked=True)).all()
        elsewhere = {row.id for row in claimed_elsewhere}
        assert len(elsewhere) == 2

        here = {row.id for row in outbox.claim_batch(limit=2)}
        assert len(here) == 2
        assert here.isdisjoint(elsewhere)

        # A third worker (its own app context, so its own session) running the real claim_batch.
        with app.app_context():
            third = {row.id for row in outbox.claim_batch()}
        assert third == all_ids - elsewhere - here

        db.session.rollback()
        assert outbox.send_pending() == 4  # everything but what the other worker still holds
    finally:
        other_worker.rollback()
        other_worker.close()

    assert outbox.send_pending() == 2
    assert outbox.send_pending() == 0
    assert len(mail_files(app)) == 6


def test_a_crash_half_way_never_sends_a_delivered_message_again(app, monkeypatch, queued):
    real_deliver = outbox.deliver
    calls = []

    def deliver_then_crash(row):
        calls.append(row.id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed while sending the second message
        real_deliver(row)

    monkeypatch.setattr(outbox, "deliver", deliver_then_crash)
    with pytest.raises(KeyboardInterrupt):
        outbox.send_pending()
    db.session.rollback()
    assert db.session.get(OutboxEmail, calls[0]).sent_at is not None
    monkeypatch.setattr(outbox, "deliver", real_deliver)
    outbox.send_pending()
    assert len(mail_files(app)) == len(queued)
