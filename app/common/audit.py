from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.common.models import AuditEvent
from app.extensions import db


def record(actor, action: str, subject, /, *, from_state=None, to_state=None, **details) -> AuditEvent:
    """Append one row to the audit log. Call it from services, inside the change's transaction."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        from_state=None if from_state is None else str(from_state),
        to_state=None if to_state is None else str(to_state),
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


def history_of(subject, *, limit: int) -> list[AuditEvent]:
    """The latest ``limit`` events about ``subject``, the latest first."""
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == subject.__tablename__, AuditEvent.subject_id == subject.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)).all()
