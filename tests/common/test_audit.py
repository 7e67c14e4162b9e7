"""The audit log: who did what to which object, from which state to which, from where; never rewritten."""
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app.auth.models import VerificationState
from app.common import audit
from app.common.models import AuditEvent
from app.extensions import db


def stored(event):
    db.session.commit()
    db.session.expire_all()
    return db.session.get(AuditEvent, event.id)


def test_record_stores_actor_subject_states_and_details(users):
    actor, subject = users["ipark_staff"], users["venture_owner"].organization
    event = stored(audit.record(actor, "organization.verified", subject, from_state=VerificationState.pending,
                                to_state=VerificationState.verified, note="Registry checked"))
    assert (event.actor_id, event.actor) == (actor.id, actor)
    assert (event.action, event.subject_type, event.subject_id) == (
        "organization.verified", "organizations", subject.id)
    assert (event.from_state, event.to_state) == ("pending", "verified")
    assert event.details == {"note": "Registry checked"}
    assert event.ip is None  # no request: the CLI or a worker
    assert event.created_at is not None


def test_record_without_actor_or_states(users):
    subject = users["venture_owner"]
    event = stored(audit.record(None, "user.password_reset_requested", subject))
    assert (event.actor_id, event.from_state, event.to_state, event.details) == (None, None, None, {})
    assert (event.subject_type, event.subject_id) == ("users", subject.id)


def test_record_stores_the_requests_address(app, users):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.23"}):
        event = audit.record(users["mss_staff"], "user.logged_in", users["mss_staff"])
    assert stored(event).ip == "198.51.100.23"


@pytest.fixture
def event(users):
    return stored(audit.record(users["admin"], "user.profile_updated", users["admin"]))


def test_an_audit_event_cannot_be_changed(event):
    event.action = "user.nothing_happened"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert stored(event).action == "user.profile_updated"


def test_an_audit_event_cannot_be_deleted(event):
    db.session.delete(event)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id) is not None


def test_an_audit_event_cannot_be_changed_in_bulk(event):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditEvent).values(action="user.nothing_happened"))
    db.session.rollback()
    assert stored(event).action == "user.profile_updated"


@pytest.mark.parametrize("style", ["statement", "legacy query"])
def test_audit_events_cannot_be_deleted_in_bulk(event, style):
    with pytest.raises(DBAPIError, match="append-only"):
        if style == "statement":
            db.session.execute(delete(AuditEvent).where(AuditEvent.id == event.id))
        else:
            AuditEvent.query.filter_by(id=event.id).delete()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.id)).all() == [event.id]


def test_an_audit_event_cannot_be_changed_by_raw_sql(event):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'rewritten'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert stored(event).action == "user.profile_updated"
