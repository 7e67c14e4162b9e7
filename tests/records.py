"""What a service leaves behind, as the service tests read it: audit rows and queued e-mail."""
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.common.models import AuditEvent, OutboxEmail
from app.extensions import db


def audit_events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def audit_summary(event):
    return (event.action, event.actor_id, event.subject_type, event.subject_id, event.from_state, event.to_state)


def outbox():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def translated(msgid, locale="en", **variables):
    with force_locale(locale):
        return gettext(msgid, **variables)
