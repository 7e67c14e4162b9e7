"""Where a proposal stands, told to its venture: the dated history of its states (from the audit
log, which already records every change) and the compact progress shown in lists."""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.common.models import AuditEvent, JointDecision
from app.extensions import db
from app.proposals.models import Proposal, ProposalState

# In the history, entering the draft state is the moment the proposal was started.
STARTED = _l("Started")
RESUBMITTED = _l("Resubmitted")

# The road every proposal hopes to travel; the other states end it or send it back.
PROGRESS_STEPS = (ProposalState.draft, ProposalState.submitted, ProposalState.shortlisted, ProposalState.selected)


@dataclass(frozen=True)
class TimelineEntry:
    state: ProposalState  # the state entered, shown as its badge
    label: str
    at: datetime
    by: str | None  # the venture member who acted; the institutions' signers stay unnamed
    note: str | None  # what the institutions wrote with a revision request or a decline


def status_timeline(proposal: Proposal) -> list[TimelineEntry]:
    """Every change of state, oldest first. Two queries, however long the history."""
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == Proposal.__tablename__,
                                 AuditEvent.subject_id == proposal.id, AuditEvent.to_state.is_not(None))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at, AuditEvent.id)))
    decision_ids = {event.details.get("decision_id") for event in events if (event.details or {}).get("decision_id")}
    notes = {row.id: row.note for row in db.session.execute(
        select(JointDecision.id, JointDecision.note).where(JointDecision.id.in_(decision_ids)))} if decision_ids else {}
    latest_revision = max((n for n, e in enumerate(events) if e.to_state == ProposalState.revision_requested),
                          default=None)
    entries = []
    for n, event in enumerate(events):
        try:
            state = ProposalState(event.to_state)
        except ValueError:  # a state that no longer exists: history stays readable without it
            continue
        label = STARTED if state == ProposalState.draft else state.label
        if state == ProposalState.submitted and event.from_state == ProposalState.revision_requested:
            label = RESUBMITTED
        note = notes.get((event.details or {}).get("decision_id"))
        if state == ProposalState.revision_requested and n == latest_revision:
            note = proposal.revision_note or note
        elif state == ProposalState.declined:
            note = proposal.decision_reason or note
        elif state not in {ProposalState.revision_requested, ProposalState.declined}:
            note = None
        actor = event.actor
        by = actor.name if actor is not None and actor.organization_id == proposal.organization_id else None
        entries.append(TimelineEntry(state=state, label=label, at=event.created_at, by=by, note=note))
    return entries


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    current: bool


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]
    outcome: ProposalState | None  # declined, withdrawn, revision requested: shown after the steps reached
    key: tuple  # what it follows from: equal keys, equal progress (a list renders each one once)


def progress_of(proposal) -> Progress:
    """Draft → submitted → shortlisted → selected, from the proposal's own columns (no query)."""
    return _progress(ProposalState(proposal.state), proposal.submitted_at is not None,
                     proposal.shortlisted_at is not None)


@cache  # a few dozen at most; the labels translate when shown
def _progress(state: ProposalState, submitted: bool, shortlisted: bool) -> Progress:
    reached = {
        ProposalState.draft: True,
        ProposalState.submitted: submitted,
        ProposalState.shortlisted: shortlisted,
        ProposalState.selected: state == ProposalState.selected,
    }
    steps = tuple(Step(label=step.label, done=reached[step], current=state == step) for step in PROGRESS_STEPS)
    key = (state, submitted, shortlisted)
    if state in PROGRESS_STEPS:
        return Progress(steps=steps, outcome=None, key=key)
    if state in {ProposalState.declined, ProposalState.withdrawn}:  # the road ends here
        steps = tuple(step for step in steps if step.done)
    return Progress(steps=steps, outcome=state, key=key)
