"""The joint sign-off on its own, with a test action on organisations: one iPark and one MSS
signature make a decision take effect; either side may stop it with a reason."""
from dataclasses import dataclass, field

import pytest
import sqlalchemy.exc
from sqlalchemy import select

from app.auth.models import Organization
from app.common import signoff
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent, DecisionState, JointDecision
from app.common.time import utcnow
from app.extensions import db


@dataclass
class Recorder:
    """What the registered callbacks saw, and whom the action reports as conflicted."""

    name: str = "test.verify"
    approved: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    conflicted_ids: set = field(default_factory=set)


@pytest.fixture
def action(app):
    recorder = Recorder()
    signoff.register_action(signoff.DecisionAction(
        name=recorder.name, model=Organization, label="Test",
        on_approved=lambda subject, *, decision, actor: recorder.approved.append((subject, decision, actor)),
        on_rejected=lambda subject, *, decision, actor: recorder.rejected.append((subject, decision, actor)),
        is_conflicted=lambda subject, user: user.id in recorder.conflicted_ids))
    yield recorder
    signoff._actions.pop(recorder.name)


@pytest.fixture
def subject(users):
    return users["venture_owner"].organization


@pytest.fixture
def decision(action, subject, users):
    """A decision requested by iPark staff and committed, waiting for both signatures."""
    opened = signoff.request_decision(subject, action.name, actor=users["ipark_staff"], note="Looks complete")
    db.session.commit()
    return opened


def audit_events(action_name, decision=None):
    query = select(AuditEvent).where(AuditEvent.action == action_name).order_by(AuditEvent.id)
    if decision is not None:
        query = query.where(AuditEvent.subject_type == "joint_decisions", AuditEvent.subject_id == decision.id)
    return db.session.scalars(query).all()


def audit_summary(event):
    return (event.action, event.actor_id, event.from_state, event.to_state)


# Requesting ---------------------------------------------------------------------------------

def test_request_opens_a_pending_decision(action, subject, users, decision):
    requester = users["ipark_staff"]
    assert decision.state == DecisionState.pending
    assert (decision.subject_type, decision.subject_id, decision.action) == ("organizations", subject.id, action.name)
    assert (decision.requested_by_id, decision.note) == (requester.id, "Looks complete")
    assert decision.decided_at is None
    assert decision.subject == subject
    assert signoff.pending_decision(subject, action.name) == decision
    [event] = audit_events("decision.requested", decision)
    assert audit_summary(event) == ("decision.requested", requester.id, None, "pending")
    assert event.details == {"action": action.name, "subject_type": "organizations", "subject_id": subject.id}


def test_request_refuses_a_subject_of_another_model(action, users):
    with pytest.raises(TypeError):
        signoff.request_decision(users["venture_owner"], action.name, actor=users["ipark_staff"])


def test_one_pending_decision_per_subject_and_action(action, subject, users, decision):
    with pytest.raises(signoff.DecisionAlreadyOpen):
        signoff.request_decision(subject, action.name, actor=users["mss_staff"])
    assert len(audit_events("decision.requested")) == 1

    other_subject = users["company_owner"].organization  # another subject is independent
    assert signoff.request_decision(other_subject, action.name, actor=users["mss_staff"]).state == DecisionState.pending


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_a_new_decision_may_be_requested_once_the_last_is_taken(action, subject, users, decision, outcome):
    if outcome == "approved":
        signoff.sign_decision(decision, actor=users["ipark_staff"])
        signoff.sign_decision(decision, actor=users["mss_staff"])
    else:
        signoff.reject_decision(decision, actor=users["mss_staff"], reason="Incomplete")
    db.session.commit()
    assert signoff.pending_decision(subject, action.name) is None

    again = signoff.request_decision(subject, action.name, actor=users["ipark_staff"])
    db.session.commit()
    assert again.id != decision.id
    assert signoff.pending_decision(subject, action.name) == again


# Signing ------------------------------------------------------------------------------------

def test_one_signature_leaves_it_pending(action, users, decision):
    staff = users["ipark_staff"]
    signoff.sign_decision(decision, actor=staff)
    db.session.commit()
    assert decision.state == DecisionState.pending
    assert (decision.ipark_signed_by_id, decision.mss_signed_by_id) == (staff.id, None)
    assert decision.ipark_signed_at is not None
    assert decision.decided_at is None
    assert action.approved == []
    assert [audit_summary(e) for e in audit_events("decision.signed", decision)] == [
        ("decision.signed", staff.id, None, None)]
    assert audit_events("decision.approved") == []


@pytest.mark.parametrize("order", [("ipark_staff", "mss_staff"), ("mss_staff", "ipark_staff")])
def test_both_institutions_signing_approve(action, subject, users, decision, order):
    first, second = (users[name] for name in order)
    signoff.sign_decision(decision, actor=first)
    signoff.sign_decision(decision, actor=second)
    db.session.commit()

    assert decision.state == DecisionState.approved
    assert decision.decided_at is not None
    assert (decision.ipark_signed_by_id, decision.mss_signed_by_id) == (users["ipark_staff"].id, users["mss_staff"].id)
    assert decision.signed_by(users["mss_staff"].institution) == users["mss_staff"]
    assert action.approved == [(subject, decision, second)]
    assert action.rejected == []
    signed = audit_events("decision.signed", decision)
    assert [audit_summary(e) for e in signed] == [("decision.signed", first.id, None, None),
                                                 ("decision.signed", second.id, None, None)]
    assert [e.details["institution"] for e in signed] == [str(first.institution), str(second.institution)]
    assert [audit_summary(e) for e in audit_events("decision.approved", decision)] == [
        ("decision.approved", second.id, "pending", "approved")]


def test_an_institution_signs_once(action, users, decision):
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    for staff in (users["ipark_staff2"], users["ipark_staff"]):
        assert decision.can_sign(staff) is False
        with pytest.raises(PermissionDenied):
            signoff.sign_decision(decision, actor=staff)
    assert decision.state == DecisionState.pending
    assert decision.ipark_signed_by_id == users["ipark_staff"].id
    assert decision.mss_signed_at is None
    assert len(audit_events("decision.signed")) == 1
    assert action.approved == []


def test_a_conflicted_staff_member_can_neither_sign_nor_reject(action, users, decision):
    conflicted = users["mss_staff"]
    action.conflicted_ids.add(conflicted.id)
    assert decision.can_sign(conflicted) is False
    assert decision.can_reject(conflicted) is False
    with pytest.raises(PermissionDenied):
        signoff.sign_decision(decision, actor=conflicted)
    with pytest.raises(PermissionDenied):
        signoff.reject_decision(decision, actor=conflicted, reason="I would rather not")
    assert (decision.state, decision.mss_signed_at, decision.rejected_at) == (DecisionState.pending, None, None)
    assert audit_events("decision.signed") == [] and audit_events("decision.rejected") == []

    signoff.sign_decision(decision, actor=users["ipark_staff"])  # the others still can
    assert decision.ipark_signed_at is not None
    assert action.approved == []


@pytest.mark.parametrize("person", ["company_owner", "company_member", "venture_owner", "admin"])
def test_only_institution_staff_sign_or_reject(action, users, decision, person):
    with pytest.raises(PermissionDenied):
        signoff.sign_decision(decision, actor=users[person])
    with pytest.raises(PermissionDenied):
        signoff.reject_decision(decision, actor=users[person], reason="No")
    assert decision.state == DecisionState.pending
    assert (decision.ipark_signed_at, decision.mss_signed_at, decision.rejected_at) == (None, None, None)
    assert audit_events("decision.signed") == [] and audit_events("decision.rejected") == []


# Rejecting ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   \n ", None])
def test_a_rejection_needs_a_reason(action, users, decision, reason):
    with pytest.raises(signoff.RejectionNeedsReason):
        signoff.reject_decision(decision, actor=users["mss_staff"], reason=reason)
    assert decision.state == DecisionState.pending
    assert action.rejected == []
    assert audit_events("decision.rejected") == []


@pytest.mark.parametrize("signed_first", [False, True])
def test_reject(action, subject, users, decision, signed_first):
    if signed_first:  # iPark's signature does not stop MSS from rejecting
        signoff.sign_decision(decision, actor=users["ipark_staff"])
    staff = users["mss_staff"]
    signoff.reject_decision(decision, actor=staff, reason="  The registry entry is missing. ")
    db.session.commit()

    assert decision.state == DecisionState.rejected
    assert (decision.rejected_by_id, decision.rejection_reason) == (staff.id, "The registry entry is missing.")
    assert decision.rejected_at is not None and decision.decided_at is not None
    assert action.rejected == [(subject, decision, staff)]
    assert action.approved == []
    [event] = audit_events("decision.rejected", decision)
    assert audit_summary(event) == ("decision.rejected", staff.id, "pending", "rejected")
    assert event.details == {"action": action.name, "reason": "The registry entry is missing."}


def test_reject_without_an_on_rejected_callback(subject, users):
    signoff.register_action(signoff.DecisionAction(name="test.quiet", model=Organization, label="Quiet",
                                                   on_approved=lambda subject, **_: None))
    try:
        decision = signoff.request_decision(subject, "test.quiet", actor=users["ipark_staff"])
        signoff.reject_decision(decision, actor=users["ipark_staff2"], reason="Not now")
        db.session.commit()
        assert decision.state == DecisionState.rejected
    finally:
        signoff._actions.pop("test.quiet")


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_nothing_changes_a_taken_decision(action, users, decision, outcome):
    if outcome == "approved":
        signoff.sign_decision(decision, actor=users["ipark_staff"])
        signoff.sign_decision(decision, actor=users["mss_staff"])
    else:
        signoff.reject_decision(decision, actor=users["ipark_staff"], reason="No")
    db.session.commit()
    audit_before = len(audit_events("decision.signed")) + len(audit_events("decision.rejected"))

    for staff in (users["ipark_staff2"], users["mss_staff"]):
        with pytest.raises(signoff.DecisionNotPending):
            signoff.sign_decision(decision, actor=staff)
        with pytest.raises(signoff.DecisionNotPending):
            signoff.reject_decision(decision, actor=staff, reason="Changed my mind")
    assert decision.state == DecisionState(outcome)
    assert len(action.approved) == (outcome == "approved")
    assert len(action.rejected) == (outcome == "rejected")
    assert len(audit_events("decision.signed")) + len(audit_events("decision.rejected")) == audit_before


# What the database itself refuses -----------------------------------------------------------

def raw_decision(users, subject, **columns):
    """A row written straight to the table, past every service."""
    return JointDecision(subject_type="organizations", subject_id=subject.id, action="test.verify",
                         requested_by_id=users["ipark_staff"].id, **columns)


def invalid_rows(users, now):
    ipark, mss = users["ipark_staff"].id, users["mss_staff"].id
    return {
        "approved with one signature": dict(state=DecisionState.approved, decided_at=now,
                                            ipark_signed_by_id=ipark, ipark_signed_at=now),
        "pending with both signatures": dict(ipark_signed_by_id=ipark, ipark_signed_at=now,
                                             mss_signed_by_id=mss, mss_signed_at=now),
        "one person signing twice": dict(state=DecisionState.approved, decided_at=now,
                                         ipark_signed_by_id=ipark, ipark_signed_at=now,
                                         mss_signed_by_id=ipark, mss_signed_at=now),
        "signature without a time": dict(ipark_signed_by_id=ipark),
        "rejected without a reason": dict(state=DecisionState.rejected, decided_at=now,
                                          rejected_by_id=mss, rejected_at=now),
        "approved without decided_at": dict(state=DecisionState.approved, ipark_signed_by_id=ipark,
                                            ipark_signed_at=now, mss_signed_by_id=mss, mss_signed_at=now),
        "pending with decided_at": dict(decided_at=now),
    }


@pytest.mark.parametrize("shape", [
    "approved with one signature", "pending with both signatures", "one person signing twice",
    "signature without a time", "rejected without a reason", "approved without decided_at",
    "pending with decided_at",
])
def test_the_database_refuses_an_inconsistent_decision(users, subject, shape):
    db.session.add(raw_decision(users, subject, **invalid_rows(users, utcnow())[shape]))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalars(select(JointDecision)).all() == []


def test_the_database_accepts_a_consistent_approved_decision(users, subject):
    now, ipark, mss = utcnow(), users["ipark_staff"].id, users["mss_staff"].id
    db.session.add(raw_decision(users, subject, state=DecisionState.approved, decided_at=now,
                                ipark_signed_by_id=ipark, ipark_signed_at=now,
                                mss_signed_by_id=mss, mss_signed_at=now))
    db.session.commit()
    assert len(db.session.scalars(select(JointDecision)).all()) == 1


def test_the_database_refuses_a_second_pending_decision(users, subject):
    now = utcnow()
    db.session.add(raw_decision(users, subject, state=DecisionState.rejected, decided_at=now,
                                rejected_by_id=users["mss_staff"].id, rejected_at=now, rejection_reason="No"))
    db.session.add(raw_decision(users, subject))
    db.session.commit()  # one pending beside a taken one is fine
    db.session.add(raw_decision(users, subject))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
