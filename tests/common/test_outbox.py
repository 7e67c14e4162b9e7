"""The e-mail outbox: rendered in the recipient's language with the change, sent later, at least
once, with back-off while the mail server is away; what finally fails is shown to staff."""
import smtplib
import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.common import outbox
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent, OutboxEmail
from app.common.time import as_utc, utcnow
from app.extensions import db
from tests.conftest import build_app, teardown_app

SUBJECT = "Your Kakehashi password was changed"  # the msgid of email/password_changed.subject.txt


def translated(msgid, locale):
    with force_locale(locale):
        return gettext(msgid)


def failing(error):
    """A deliver() that raises ``error`` for every message."""

    def deliver(row):
        raise error

    return deliver


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
    assert row.subject == outbox.SUBJECT_PREFIX + translated(SUBJECT, locale)
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
        assert row.subject == outbox.SUBJECT_PREFIX + gettext("%(name)s invites you to %(organization)s on Kakehashi",
                                      name=owner.name, organization=owner.organization.name_latin)
    assert "https://kakehashi.test/auth/register?invitation=x" in row.body_text


def test_queue_email_falls_back_to_english(make_user):
    row = outbox.queue_email(make_user(locale=None), "password_changed")
    assert row.locale == "en"
    assert row.subject == outbox.SUBJECT_PREFIX + SUBJECT


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
    now = utcnow()
    assert outbox.send_pending(now=now) == 2  # one bad message does not stop the queue

    failed = db.session.get(OutboxEmail, queued[0].id)
    assert failed.sent_at is None and failed.failed_at is None
    assert failed.attempts == 1
    assert failed.last_error == "SMTP server went away"
    assert outbox.claim_batch(now=now) == []  # not again at once: it waits its turn
    assert outbox.send_pending(now=now) == 0

    later = now + timedelta(hours=1)
    assert [row.id for row in outbox.claim_batch(now=later)] == [failed.id]
    assert outbox.send_pending(now=later) == 0
    assert calls == [row.id for row in queued] + [failed.id]
    assert db.session.get(OutboxEmail, failed.id).attempts == 2


def test_a_temporary_failure_backs_off_exponentially_with_jitter(app, monkeypatch, make_user):
    row = outbox.queue_email(make_user(), "password_changed")
    db.session.commit()
    monkeypatch.setattr(outbox, "deliver", failing(ConnectionRefusedError(111, "Connection refused")))
    now = utcnow()
    waits = []
    for _ in range(4):
        outbox.send_pending(now=now)
        db.session.refresh(row)
        waits.append(as_utc(row.next_attempt_at) - now)
        now = now + waits[-1]
    for attempt, wait in enumerate(waits, start=1):
        nominal = outbox.RETRY_BASE * 2 ** (attempt - 1)
        assert nominal * 0.8 <= wait <= nominal * 1.2, (attempt, wait)
    assert row.attempts == 4 and row.failed_at is None


def test_the_tries_of_a_message_span_more_than_a_day():
    waits = [outbox.retry_delay(attempt, jitter=-outbox.RETRY_JITTER) for attempt in range(1, outbox.MAX_ATTEMPTS)]
    assert sum(waits, timedelta()) > timedelta(hours=24)
    assert waits[0] <= timedelta(minutes=1)  # the first retry comes soon: most outages are short
    assert max(outbox.retry_delay(n, jitter=outbox.RETRY_JITTER) for n in range(1, 100)) <= timedelta(hours=8)
    spread = {outbox.retry_delay(3) for _ in range(20)}
    assert len(spread) > 1, "messages failed together must not all come back together"


def test_a_message_fails_for_good_after_max_attempts(app, monkeypatch, make_user):
    row = outbox.queue_email(make_user(), "password_changed")
    db.session.commit()
    calls = []

    def deliver(message):
        calls.append(message.id)
        raise OSError(f"attempt {len(calls)} failed")

    monkeypatch.setattr(outbox, "deliver", deliver)
    now = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        assert outbox.send_pending(now=now) == 0
        db.session.refresh(row)
        now = max(now, as_utc(row.next_attempt_at))
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error == f"attempt {outbox.MAX_ATTEMPTS} failed"
    assert row.failed_at is not None and row.sent_at is None

    far_later = now + timedelta(days=30)
    assert outbox.claim_batch(now=far_later) == []
    assert outbox.send_pending(now=far_later) == 0
    assert len(calls) == outbox.MAX_ATTEMPTS


@pytest.mark.parametrize(("error", "permanent"), [
    (smtplib.SMTPRecipientsRefused({"a@example.test": (550, b"5.1.1 No such user")}), True),
    (smtplib.SMTPRecipientsRefused({"a@example.test": (450, b"4.2.1 Mailbox busy")}), False),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "no-reply@kakehashi.test"), True),
    (smtplib.SMTPSenderRefused(451, b"4.3.0 Try later", "no-reply@kakehashi.test"), False),
    (smtplib.SMTPDataError(554, b"5.6.0 Message refused"), True),
    (smtplib.SMTPDataError(421, b"4.4.2 Timeout"), False),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),  # our configuration
    (ConnectionRefusedError(111, "Connection refused"), False),
    (TimeoutError("timed out"), False),
])
def test_permanent_refusals_fail_at_once_temporary_ones_wait(app, monkeypatch, make_user, error, permanent):
    row = outbox.queue_email(make_user(), "password_changed")
    db.session.commit()

    monkeypatch.setattr(outbox, "deliver", failing(error))
    now = utcnow()
    assert outbox.send_pending(now=now) == 0
    db.session.refresh(row)
    assert row.attempts == 1 and row.sent_at is None and row.last_error
    assert (row.failed_at is not None) is permanent
    assert (outbox.claim_batch(now=now + timedelta(days=1)) == []) is permanent


def test_a_failing_message_does_not_starve_newer_ones(app, monkeypatch, queued):
    """Oldest due first, but a message that failed goes to the back until its next try."""
    stuck = queued[0]
    delivered = []

    def deliver(row):
        if row.id == stuck.id:
            raise ConnectionRefusedError(111, "Connection refused")
        delivered.append(row.id)

    monkeypatch.setattr(outbox, "deliver", deliver)
    now = utcnow()
    for _ in range(3):
        outbox.send_pending(limit=1, now=now)
    assert delivered == [queued[1].id, queued[2].id]


@pytest.mark.parametrize(("sender", "domain"), [
    ("Kakehashi <no-reply@mail.kakehashi.example>", "mail.kakehashi.example"),
    (("Kakehashi", "no-reply@kakehashi.example"), "kakehashi.example"),  # Flask-Mail also takes a pair
    ("no-reply", "kakehashi.invalid"),
])
def test_message_id_is_in_the_senders_domain(app, sender, domain):
    app.config["MAIL_DEFAULT_SENDER"] = sender
    assert outbox.new_message_id().endswith(f"@{domain}>")


def test_message_id_is_chosen_at_queue_time_and_kept_for_every_try(app, monkeypatch, queued):
    ids = [row.message_id for row in queued]
    assert len(set(ids)) == 3
    assert all(i.startswith("<") and i.endswith("@kakehashi.test>") for i in ids)

    real_deliver = outbox.deliver

    def fail_once(row):
        monkeypatch.setattr(outbox, "deliver", real_deliver)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(outbox, "deliver", fail_once)
    now = utcnow()
    outbox.send_pending(now=now)
    outbox.send_pending(now=now + timedelta(hours=1))
    messages = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in mail_files(app)]
    assert sorted(m["Message-ID"] for m in messages) == sorted(ids)
    assert [db.session.get(OutboxEmail, row.id).message_id for row in queued] == ids


def test_deliver_goes_through_flask_mail_when_a_server_is_set(app, make_user):
    from app.extensions import mail

    row = outbox.queue_email(make_user(locale="ja"), "password_changed")
    db.session.commit()
    app.config["MAIL_SERVER"] = "smtp.example.test"  # MAIL_SUPPRESS_SEND keeps it from connecting
    with mail.record_messages() as sent:
        assert outbox.send_pending() == 1
    [message] = sent
    assert (message.recipients, message.subject) == ([row.recipient], row.subject)
    assert message.msgId == row.message_id
    assert message.as_bytes().count(b"Message-ID: ") == 1
    assert mail_files(app) == []


# Several workers ----------------------------------------------------------------------------

@pytest.mark.postgresql_only
@pytest.mark.commits
def test_two_workers_never_claim_the_same_message(app, make_user):
    user = make_user()
    rows = [outbox.queue_email(user, "password_changed") for _ in range(6)]
    db.session.commit()
    all_ids = {row.id for row in rows}

    # Another worker, on its own connection, holds the first two rows in an open transaction.
    other_worker = Session(db.engine)
    try:
        claimed_elsewhere = other_worker.scalars(
            select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None))
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


# `flask jobs run` -------------------------------------------------------------------------------

def test_jobs_run_fails_when_messages_were_due_and_none_could_be_sent(app, monkeypatch, queued):
    monkeypatch.setattr(outbox, "deliver", failing(ConnectionRefusedError(111, "Connection refused")))
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code != 0
    assert "3" in result.output  # how many could not be sent
    assert all(row.attempts == 1 for row in db.session.scalars(select(OutboxEmail)))


def test_jobs_run_succeeds_when_it_sent_or_had_nothing_to_send(app, queued):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run"])
    assert first.exit_code == 0, first.output
    assert "sent 3" in first.output
    assert runner.invoke(args=["jobs", "run"]).exit_code == 0  # nothing due is no failure


def test_jobs_run_loop_waits_out_a_database_outage(app, monkeypatch, queued):
    """A worker started with --loop outlives a database restart instead of dying with it."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    real_send_due = outbox.send_due
    rounds = []

    def send_due_after_an_outage(*args, **kwargs):
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("SELECT", {}, psycopg.OperationalError("connection refused"))
        return real_send_due(*args, **kwargs)

    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt  # stop the worker: it has waited out the outage, then sent

    monkeypatch.setattr(outbox, "send_due", send_due_after_an_outage)
    monkeypatch.setattr("app.cli.time.sleep", sleep)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--loop", "--interval", "0.5"])
    assert not isinstance(result.exception, OperationalError), result.output
    assert "database" in result.output and "sent 3" in result.output
    assert sleeps[0] >= 0.5
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) == 0


def test_jobs_run_without_loop_stops_on_a_database_outage(app, monkeypatch):
    import psycopg
    from sqlalchemy.exc import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT", {}, psycopg.OperationalError("connection refused"))

    monkeypatch.setattr(outbox, "send_due", unreachable)
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code != 0


# A real mail server, down then up ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_down_then_up_gets_every_message_exactly_once(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as MessageHandler

    received = []

    class Inbox(MessageHandler):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    app, ctx = build_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                         MAIL_SUPPRESS_SEND=False, MAIL_FILE_DIR=str(tmp_path / "mail"))
    controller = None
    try:
        rows = [outbox.queue_email(f"person{n}@example.test", "password_changed", locale=locale)
                for n, locale in enumerate(["en", "ja", "ko", "en"])]
        db.session.commit()
        ids = {row.id: row.message_id for row in rows}

        now = utcnow()  # the server is down: nothing listens on the port
        assert outbox.send_due(now=now) == outbox.OutboxRun(tried=4, sent=0, failed=0)
        for row in rows:
            db.session.refresh(row)
            assert row.attempts == 1 and row.failed_at is None and as_utc(row.next_attempt_at) > now
            assert "refused" in row.last_error.lower()

        controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
        controller.start()  # the server is back
        assert outbox.send_pending(now=now) == 0  # not due yet: the back-off holds
        assert outbox.send_pending(now=now + timedelta(hours=1)) == 4
        assert outbox.send_pending(now=now + timedelta(days=3)) == 0
        assert Path(app.config["MAIL_FILE_DIR"]).exists() is False  # sent by SMTP, not written to files

        assert sorted(message["Message-ID"] for message in received) == sorted(ids.values())
        assert sorted(message["To"] for message in received) == sorted(row.recipient for row in rows)
        assert {message["Content-Language"] for message in received} == {"en", "ja", "ko"}
    finally:
        if controller is not None:
            controller.stop()
        teardown_app(app, ctx)


# Staff's "Try again" ---------------------------------------------------------------------------

def test_retry_email_puts_a_failed_message_back_in_the_queue(app, monkeypatch, users, queued):
    row = queued[0]
    refused = smtplib.SMTPRecipientsRefused({row.recipient: (550, b"No such user")})
    monkeypatch.setattr(outbox, "deliver", failing(refused))
    outbox.send_pending(limit=1)
    db.session.refresh(row)
    assert row.failed_at is not None

    with pytest.raises(PermissionDenied):  # staff review; a recipient and subject can name a blind venture
        outbox.retry_email(row, actor=users["ipark_staff"])
    outbox.retry_email(row, actor=users["admin"])
    db.session.commit()
    assert row.failed_at is None and row.attempts == 0 and row.sent_at is None
    assert row.id in {r.id for r in outbox.claim_batch()}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox_email.retried"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (users["admin"].id, "outbox_emails", row.id)


@pytest.mark.parametrize("state", ["waiting", "sent"])
def test_only_a_failed_message_can_be_retried(app, users, queued, state):
    from app.common.errors import DomainError

    row = queued[0]
    if state == "sent":
        outbox.send_pending()
        db.session.refresh(row)
    before = (row.sent_at, row.attempts, row.next_attempt_at)
    with pytest.raises(DomainError):
        outbox.retry_email(row, actor=users["ipark_staff"])
    db.session.rollback()
    db.session.refresh(row)
    assert (row.sent_at, row.attempts, row.next_attempt_at) == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox_email.retried")) is None
