"""E-mail outbox: rows written with the change, sent by `flask jobs run`.

Several workers may run at once: on PostgreSQL each claims its message with
``FOR UPDATE SKIP LOCKED``, so two workers never send the same message at the same time.

What the outbox promises: every message is sent **at least once**, or shown to staff as failed.
A message is marked sent in the transaction after the mail server accepted it; a worker that dies
between the two sends it again on the next run. Each message therefore carries one Message-ID,
chosen when it is queued and used for every try, so that receiving systems can drop the copy.

A server that cannot be reached, or answers 4xx, is a temporary failure: the message is tried
again later, after 1, 2, 4 … minutes (at most 6 hours, ±20 % at random so that messages that
failed together do not all come back together), MAX_ATTEMPTS times over more than a day.
A 5xx refusal of the sender, the recipient or the message is permanent: the message fails at once.
"""
import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Message
from sqlalchemy import func, select

from app.common import audit
from app.common.errors import DomainError, PermissionDenied
from app.common.i18n import DEFAULT_ZONES, force_timezone, is_known_zone
from app.common.locking import lock
from app.common.models import OutboxEmail
from app.common.time import utcnow
from app.extensions import db, mail

log = logging.getLogger(__name__)
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
RETRY_JITTER = 0.2
MAX_ATTEMPTS = 14  # the 13 waits between them add up to 26 hours at the least
# Every subject starts with it, in every language, so that readers and their mail filters know
# the sender at a glance (docs/glossary.md, Rules).
SUBJECT_PREFIX = "[Kakehashi] "


def queue_email(recipient, template: str, **context) -> OutboxEmail:
    """Render ``email/<template>.txt`` (and ``.html`` if present) in the recipient's language.

    ``recipient`` is a User (their language) or an e-mail address with ``locale=`` in context.
    """
    address = getattr(recipient, "email", recipient)
    locale = context.pop("locale", None) or getattr(recipient, "locale", None) or "en"
    zone = getattr(recipient, "timezone", None)
    if not is_known_zone(zone):
        zone = DEFAULT_ZONES.get(locale, "UTC")
    with force_locale(locale), force_timezone(zone):
        subject = render_template(f"email/{template}.subject.txt", recipient=recipient, **context)
        body_text = render_template(f"email/{template}.txt", recipient=recipient, **context)
    row = OutboxEmail(recipient=address, locale=locale, subject=subject_line(subject),
                      body_text=body_text, message_id=new_message_id(), next_attempt_at=utcnow())
    db.session.add(row)
    return row


def subject_line(subject: str) -> str:
    """The rendered subject on one line, after the prefix."""
    return SUBJECT_PREFIX + " ".join(subject.split())


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, always on PUBLIC_BASE_URL: never on the Host header of the
    request that queued it, which the client chooses (a forged one would carry a token away)."""
    from urllib.parse import urlsplit

    public = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def new_message_id() -> str:
    """Unique, in the sender's domain (RFC 5322 wants it on the right of the @)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    address = sender[1] if isinstance(sender, tuple | list) else parseaddr(sender)[1]  # Flask-Mail takes both
    _, at, domain = address.rpartition("@")
    return make_msgid(domain=domain if at and domain else "kakehashi.invalid")


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th try failed; ``jitter`` in ±RETRY_JITTER."""
    if jitter is None:
        jitter = random.uniform(-RETRY_JITTER, RETRY_JITTER)
    delay = min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 20), RETRY_CAP)
    return delay * (1 + jitter)


def is_permanent(error: BaseException) -> bool:
    """A 5xx refusal of this message (its sender, its recipient, its content): trying again
    changes nothing. Anything else — no connection, a timeout, a 4xx, a refused login — is about
    the server or our configuration, and may pass."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def claim_batch(limit: int = 50, *, now: datetime | None = None) -> list[OutboxEmail]:
    """Messages due for a try, the longest due first (a message that keeps failing waits longer
    each time, so it never holds back newer ones)."""
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None),
               OutboxEmail.next_attempt_at <= (now or utcnow()))
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


@dataclass
class OutboxRun:
    tried: int = 0
    sent: int = 0
    failed: int = 0  # given up for good in this run


def send_due(limit: int = 50, *, now: datetime | None = None) -> OutboxRun:
    """Try up to ``limit`` due messages, each in its own transaction, so that a crash half-way
    never sends a delivered message again."""
    run = OutboxRun()
    for _ in range(limit):
        batch = claim_batch(1, now=now)
        if not batch:
            break
        row = batch[0]
        run.tried += 1
        attempted_at = now or utcnow()
        row.attempts += 1
        try:
            deliver(row)
        except Exception as error:  # a bad address or a server away must not stop the queue
            log.warning("sending outbox e-mail %s failed (try %s)", row.id, row.attempts, exc_info=True)
            row.last_error = (str(error) or type(error).__name__)[:2000]
            if is_permanent(error) or row.attempts >= MAX_ATTEMPTS:
                row.failed_at = attempted_at
                run.failed += 1
            else:
                row.next_attempt_at = attempted_at + retry_delay(row.attempts)
        else:
            row.sent_at = utcnow()
            run.sent += 1
        db.session.commit()
    return run


def send_pending(limit: int = 50, *, now: datetime | None = None) -> int:
    """Send up to ``limit`` due messages. Returns how many were sent."""
    return send_due(limit, now=now).sent


def given_up_emails():
    """E-mail given up for good (refused, or a day of tries in vain), the latest first (a query to paginate)."""
    return (select(OutboxEmail).where(OutboxEmail.failed_at.is_not(None), OutboxEmail.sent_at.is_(None))
            .order_by(OutboxEmail.failed_at.desc(), OutboxEmail.id.desc()))


def retrying_count() -> int:
    """How many messages failed at least once and are still being tried."""
    return db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None), OutboxEmail.attempts > 0))


def retry_email(row: OutboxEmail, *, actor) -> None:
    """A message given up goes back in the queue, due now, with a fresh series of tries. For
    administrators only: see staff.routes.outbox."""
    if not OutboxEmail.can_manage(actor):
        raise PermissionDenied()
    lock(row)
    if not row.is_failed:
        raise DomainError(_l("This message is not waiting for another try."))
    audit.record(actor, "outbox_email.retried", row, attempts=row.attempts, failed_at=row.failed_at.isoformat())
    row.failed_at = None
    row.attempts = 0
    row.next_attempt_at = utcnow()
    db.session.flush()


def deliver(row: OutboxEmail) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        message = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                          sender=config["MAIL_DEFAULT_SENDER"],
                          extra_headers={"Content-Language": row.locale})
        message.msgId = row.message_id  # the same on every try
        mail.send(message)
        return
    write_eml(row, Path(config["MAIL_FILE_DIR"]))


def write_eml(row: OutboxEmail, folder: Path) -> Path:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = row.message_id
    message.set_content(row.body_text)
    message["Content-Language"] = row.locale  # after set_content, which drops every Content-* header
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.id:08d}-{row.recipient.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    return path
