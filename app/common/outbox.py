"""E-mail outbox: rows written with the change, sent by `flask jobs run`.

Several workers may run at once: on PostgreSQL each claims its batch with
``FOR UPDATE SKIP LOCKED``, so no message is sent twice.
"""
import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import select

from app.common.i18n import DEFAULT_ZONES, force_timezone
from app.common.models import OutboxEmail
from app.common.time import utcnow
from app.extensions import db, mail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue_email(recipient, template: str, **context) -> OutboxEmail:
    """Render ``email/<template>.txt`` (and ``.html`` if present) in the recipient's language.

    ``recipient`` is a User (their language) or an e-mail address with ``locale=`` in context.
    """
    address = getattr(recipient, "email", recipient)
    locale = context.pop("locale", None) or getattr(recipient, "locale", None) or "en"
    zone = getattr(recipient, "timezone", None) or DEFAULT_ZONES.get(locale, "UTC")
    with force_locale(locale), force_timezone(zone):
        subject = render_template(f"email/{template}.subject.txt", recipient=recipient, **context)
        body_text = render_template(f"email/{template}.txt", recipient=recipient, **context)
    row = OutboxEmail(recipient=address, locale=locale, subject=" ".join(subject.split()),
                      body_text=body_text)
    db.session.add(row)
    return row


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also from the CLI or a worker, where there is no request."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def claim_batch(limit: int = 50, *, after_id: int = 0) -> list[OutboxEmail]:
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS,
               OutboxEmail.id > after_id)
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def send_pending(limit: int = 50) -> int:
    """Send up to ``limit`` messages, each in its own transaction, so that a crash half-way
    through never sends a delivered message again. Returns how many were sent."""
    sent = last_id = 0
    for _ in range(limit):
        batch = claim_batch(1, after_id=last_id)  # a failure waits for the next run
        if not batch:
            break
        row = batch[0]
        last_id = row.id
        row.attempts += 1
        try:
            deliver(row)
        except Exception as error:  # a bad address must not stop the queue
            log.exception("sending outbox e-mail %s failed", row.id)
            row.last_error = str(error)[:2000]
        else:
            row.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent


def deliver(row: OutboxEmail) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        mail.send(Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                          sender=config["MAIL_DEFAULT_SENDER"],
                          extra_headers={"Content-Language": row.locale}))
        return
    write_eml(row, Path(config["MAIL_FILE_DIR"]))


def write_eml(row: OutboxEmail, folder: Path) -> Path:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kakehashi.test")
    message.set_content(row.body_text)
    message["Content-Language"] = row.locale  # after set_content, which drops every Content-* header
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.id:08d}-{row.recipient.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    return path
