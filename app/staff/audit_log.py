"""The audit log as a staff member reads it: without the events about proposals they declared a
conflict with, and without the names that blind review hides from them."""
from sqlalchemy import not_, select
from sqlalchemy.orm import joinedload

from app.common.models import AuditEvent, JointDecision
from app.extensions import db
from app.proposals.models import Proposal
from app.review.models import conflicted_audit_events_clause


def events_seen_by(user, *, action: str = ""):
    """The events ``user`` may read, those of actions starting with ``action`` if given, the latest
    first (a query to paginate)."""
    query = select(AuditEvent).where(not_(conflicted_audit_events_clause(user))).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    # By time, then by id: the same order as the ids for events written live, and the story's order
    # for history written with its own dates (the demo's).
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def blind_actors(events, user) -> set[int]:
    """The events whose actor is a member of a venture that blind review hides from ``user``: the
    log shows what happened to the proposal (or to a decision on it: a withdrawal lapses one), not
    who in the venture did it."""
    decision_ids = {event.subject_id for event in events if event.subject_type == JointDecision.__tablename__}
    decided = dict(db.session.execute(select(JointDecision.id, JointDecision.subject_id).where(
        JointDecision.id.in_(decision_ids), JointDecision.subject_type == Proposal.__tablename__)).all()
    ) if decision_ids else {}

    def proposal_id(event) -> int | None:
        if event.subject_type == Proposal.__tablename__:
            return event.subject_id
        return decided.get(event.subject_id) if event.subject_type == JointDecision.__tablename__ else None

    ids = {pid for event in events if (pid := proposal_id(event)) is not None}
    proposals = {proposal.id: proposal for proposal in db.session.scalars(
        select(Proposal).where(Proposal.id.in_(ids)).options(joinedload(Proposal.challenge)))} if ids else {}
    return {event.id for event in events
            if (proposal := proposals.get(proposal_id(event))) is not None and event.actor is not None
            and event.actor.organization_id == proposal.organization_id and not proposal.can_see_identity(user)}
