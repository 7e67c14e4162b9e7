"""Every change to a proposal: starting, editing, submitting, withdrawing, attachments, the
company's choice, and the effects of the joint decisions (shortlist, decline, revision, select).

Each function checks the rule, changes state and timestamps, records an audit event, queues the
e-mails, and flushes; the caller commits. The deadline is checked here, to the second, whatever
the page showed.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.challenges.models import Challenge
from app.challenges.services import poster_members
from app.common import audit, signals, signoff, uploads
from app.common.errors import DomainError, PermissionDenied, require_transition
from app.common.locking import lock
from app.common.names import language_name
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import (
    MAX_ATTACHMENTS,
    PROPOSAL_TRANSITIONS,
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalMilestone,
    ProposalState,
    can_start_proposal,
    default_proposal_language,
    proposal_of,
)

EDITABLE = ("title", "summary", "approach", "team", "language", "trl", "budget_minor", "currency")


class SubmissionClosed(DomainError):
    default_message = _l("The deadline for this challenge has passed: proposals can no longer be "
                         "submitted or changed.")


class ProposalExists(DomainError):
    default_message = _l("Your organisation already has a proposal for this challenge.")


class IncompleteProposal(DomainError):
    def __init__(self, missing: list[str]):
        super().__init__(_l("Before submitting, please complete: %(missing)s", missing="; ".join(missing)))


class AnswerTooLong(DomainError):
    def __init__(self, number: int, limit: int):
        super().__init__(_l("The answer to question %(number)d is longer than its limit of %(limit)d characters.",
                            number=number, limit=limit))


class TooManyAttachments(DomainError):
    default_message = _l("A proposal can hold at most %(count)d files. Remove one first.", count=MAX_ATTACHMENTS)


class LanguageNotAccepted(DomainError):
    def __init__(self, challenge: Challenge):
        super().__init__(_l("This challenge accepts proposals written in these languages only: %(languages)s.",
                            languages=", ".join(language_name(code) for code in challenge.proposal_language_list)))


class CompanyChoiceMissing(DomainError):
    default_message = _l("The posting company has not chosen this proposal yet.")


BASIC_LABELS = {"title": _l("Title"), "summary": _l("Summary"), "approach": _l("Approach")}


# -- notifications ----------------------------------------------------------------------------------

def venture_members(proposal: Proposal) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.organization_id == proposal.organization_id, User.active.is_(True))))


def _notify(users, template: str, proposal: Proposal, **context) -> None:
    url = external_url("proposals.show", proposal_id=proposal.id)
    # Someone who declared a conflict with the proposal hears nothing of it either.
    for user in {user.id: user for user in users if user.active and not proposal.is_conflicted(user)}.values():
        queue_email(user, template, proposal=proposal, challenge=proposal.challenge, url=url, **context)


def tell_proposers_the_call_closed(challenge: Challenge) -> None:
    """At the deadline: submitted proposals are locked and go to review; drafts can no longer be sent.
    Hears signals.challenge_closed."""
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.challenge_id == challenge.id,
        Proposal.state.in_({ProposalState.draft, ProposalState.submitted})).order_by(Proposal.id))
    for proposal in proposals:
        _notify(venture_members(proposal), "proposal_call_closed", proposal, was_draft=proposal.is_draft)


def proposers_following(challenge: Challenge):
    """SELECT of the members of ventures with a proposal under way to ``challenge``: they hear of its
    changes, answers, cancellation and award (answers signals.challenge_followers)."""
    return (select(User.id).join(Proposal, Proposal.organization_id == User.organization_id)
            .where(Proposal.challenge_id == challenge.id,
                   Proposal.state.not_in({ProposalState.withdrawn, ProposalState.declined})))


# -- the venture's work -----------------------------------------------------------------------------

def _require_accepted_language(challenge: Challenge, language: str) -> None:
    if language not in challenge.proposal_language_list:
        raise LanguageNotAccepted(challenge)


def start_proposal(challenge: Challenge, *, actor: User, title: str, language: str | None = None,
                   now: datetime | None = None) -> Proposal:
    """A draft for the actor's venture, in ``language`` (by default the writer's own when the call
    accepts it). One per venture per challenge: the challenge's lock makes a colleague starting one at
    the same moment wait, then find this one."""
    lock(challenge)
    if proposal_of(challenge, actor) is not None:
        raise ProposalExists()
    if challenge.deadline_passed(now):
        raise SubmissionClosed()
    if not can_start_proposal(challenge, actor, now):
        raise PermissionDenied()
    language = language or default_proposal_language(challenge, actor)
    _require_accepted_language(challenge, language)
    proposal = Proposal(challenge=challenge, organization_id=actor.organization_id, created_by_id=actor.id,
                        title=title.strip(), language=language)
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.started", proposal, to_state=ProposalState.draft, challenge_id=challenge.id,
                 language=language)
    return proposal


def _require_editable(proposal: Proposal, actor: User, now: datetime | None) -> None:
    if proposal.can_edit(actor, now):
        return
    if proposal.is_member(actor) and proposal.state in {ProposalState.draft, ProposalState.submitted}:
        raise SubmissionClosed()
    raise PermissionDenied()


def update_proposal(proposal: Proposal, *, actor: User, changes: dict, answers: dict[int, str],
                    milestones: list[tuple[date, str]], now: datetime | None = None) -> list[str]:
    """Save the form. Drafts may leave required answers blank; lengths are checked always.
    Returns the names of what changed (also in the audit log).

    The original's language must be one the call accepts. Declared in another language, the proposal
    keeps no translation into that one: the venture's text is now the original in it."""
    lock(proposal)
    _require_editable(proposal, actor, now)
    if "language" in changes and changes["language"] != proposal.language:
        _require_accepted_language(proposal.challenge, changes["language"])
        if (superseded := proposal.translation(changes["language"])) is not None:
            proposal.translations.remove(superseded)
    questions = {question.id: (number, question) for number, question in enumerate(proposal.challenge.questions, 1)}
    for question_id, body in answers.items():
        number, question = questions[question_id]
        if len(body) > question.max_length:
            raise AnswerTooLong(number, question.max_length)
    changed = [name for name in EDITABLE if name in changes and getattr(proposal, name) != changes[name]]
    for name in changed:
        setattr(proposal, name, changes[name])
    by_question = {answer.question_id: answer for answer in proposal.answers}
    for question_id, body in answers.items():
        body = body.strip()
        answer = by_question.get(question_id)
        if answer is None and body:
            proposal.answers.append(ProposalAnswer(question_id=question_id, body=body))
            changed.append(f"answer:{questions[question_id][0]}")
        elif answer is not None and answer.body != body:
            answer.body = body
            changed.append(f"answer:{questions[question_id][0]}")
    wanted = [(due_on, title.strip()) for due_on, title in milestones if title and title.strip()]
    if wanted != [(milestone.due_on, milestone.title) for milestone in proposal.milestones]:
        proposal.milestones = [ProposalMilestone(position=n, due_on=due_on, title=title)
                               for n, (due_on, title) in enumerate(wanted, 1)]
        changed.append("milestones")
    if changed:
        proposal.updated_at = utcnow()
        audit.record(actor, "proposal.updated", proposal, state=str(proposal.state), changed=changed)
    db.session.flush()
    return changed


def submit_proposal(proposal: Proposal, *, actor: User, now: datetime | None = None) -> None:
    """Send a draft (before the deadline) or a revised proposal to the institutions. Two tabs at once
    submit once: the second finds it submitted (or withdrawn) under the lock."""
    lock(proposal)
    require_transition(PROPOSAL_TRANSITIONS, proposal.state, ProposalState.submitted)
    _require_editable(proposal, actor, now)
    missing = [str(BASIC_LABELS[name]) for name in proposal.missing_basics()]
    numbers = {question.id: number for number, question in enumerate(proposal.challenge.questions, 1)}
    missing += [str(_l("answer to question %(number)d", number=numbers[question.id]))
                for question in proposal.missing_required_answers()]
    if missing:
        raise IncompleteProposal(missing)
    previous = proposal.state
    proposal.state = ProposalState.submitted
    proposal.submitted_at = proposal.updated_at = now or utcnow()
    audit.record(actor, "proposal.submitted", proposal, from_state=previous, to_state=ProposalState.submitted)
    _notify(venture_members(proposal), "proposal_submitted", proposal,
            resubmitted=previous == ProposalState.revision_requested)
    db.session.flush()


def withdraw_proposal(proposal: Proposal, *, actor: User) -> None:
    """The venture steps back; a decision waiting for signatures on it lapses. The proposal is locked
    before its decisions, as a signature does, so the two wait for each other instead of deadlocking."""
    lock(proposal)
    if not proposal.can_withdraw(actor):
        raise PermissionDenied()
    previous = proposal.state
    proposal.state = ProposalState.withdrawn
    proposal.withdrawn_at = proposal.updated_at = utcnow()
    signoff.withdraw_pending(proposal, actor=actor, reason=str(_l("The venture withdrew the proposal.")))
    audit.record(actor, "proposal.withdrawn", proposal, from_state=previous, to_state=ProposalState.withdrawn)
    db.session.flush()


def add_attachment(proposal: Proposal, *, actor: User, upload) -> ProposalAttachment:
    """Store a PDF (checked by its content). Raises uploads.InvalidUpload for anything else. Counted
    under the proposal's lock: parallel uploads never pass the limit."""
    lock(proposal)
    _require_editable(proposal, actor, None)
    if db.session.scalar(select(func.count()).select_from(ProposalAttachment)
                         .where(ProposalAttachment.proposal_id == proposal.id)) >= MAX_ATTACHMENTS:
        raise TooManyAttachments()
    stored = uploads.store_pdf(upload)
    attachment = ProposalAttachment(proposal=proposal, filename=stored.filename, storage_key=stored.key,
                                    size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    proposal.updated_at = utcnow()
    audit.record(actor, "proposal.attachment_added", proposal, attachment_id=attachment.id,
                 filename=attachment.filename, sha256=attachment.sha256)
    db.session.flush()
    return attachment


def remove_attachment(attachment: ProposalAttachment, *, actor: User) -> str:
    """Returns the storage key, for the caller to discard the file once the change is committed."""
    proposal = attachment.proposal
    lock(proposal, attachment)  # removed from another tab meanwhile: ChangedMeanwhile
    _require_editable(proposal, actor, None)
    audit.record(actor, "proposal.attachment_removed", proposal, attachment_id=attachment.id,
                 filename=attachment.filename)
    key = attachment.storage_key
    db.session.delete(attachment)
    proposal.updated_at = utcnow()
    db.session.flush()
    return key


# -- the company's choice ---------------------------------------------------------------------------

def choose_proposal(proposal: Proposal, *, actor: User) -> None:
    """The posting company wants this shortlisted proposal; selection still needs both institutions."""
    lock(proposal)
    if not proposal.can_choose(actor):
        raise PermissionDenied()
    proposal.company_chosen_at, proposal.company_chosen_by_id = utcnow(), actor.id
    audit.record(actor, "proposal.chosen_by_company", proposal)
    db.session.flush()


def unchoose_proposal(proposal: Proposal, *, actor: User) -> None:
    """Refused while the institutions sign the selection; the proposal's lock orders the two."""
    lock(proposal)
    if not proposal.can_unchoose(actor):
        raise PermissionDenied()
    if signoff.pending_decision(proposal, "proposal.select") is not None:
        raise signoff.DecisionAlreadyOpen(_l("The institutions are already signing this selection."))
    proposal.company_chosen_at = proposal.company_chosen_by_id = None
    audit.record(actor, "proposal.choice_withdrawn_by_company", proposal)
    db.session.flush()


# -- effects of the joint decisions (called by the sign-off when both institutions signed) ----------

def _decide(proposal: Proposal, target: ProposalState, *, decision, actor, **columns) -> ProposalState:
    """The state and the columns the database checks against it change together: a lazy load in
    between (the actor's id, say) would autoflush a row the CHECK constraints refuse."""
    require_transition(PROPOSAL_TRANSITIONS, proposal.state, target)
    previous = proposal.state
    proposal.state = target
    proposal.updated_at = utcnow()
    for name, value in columns.items():
        setattr(proposal, name, value)
    audit.record(actor, f"proposal.{target}", proposal, from_state=previous, to_state=target,
                 decision_id=decision.id)
    return previous


def shortlist_proposal(proposal: Proposal, *, decision, actor) -> None:
    _decide(proposal, ProposalState.shortlisted, decision=decision, actor=actor, shortlisted_at=utcnow())
    _notify(venture_members(proposal), "proposal_shortlisted", proposal, note=decision.note)
    if proposal.needs_company_choice:
        # A company's call: the company may now read it. In the institutions' own calls
        # (startup_support) the posters are the ones who just signed.
        _notify(poster_members(proposal.challenge), "proposal_shortlisted_company", proposal)
    db.session.flush()


def decline_proposal(proposal: Proposal, *, decision, actor) -> None:
    _decide(proposal, ProposalState.declined, decision=decision, actor=actor, decided_at=utcnow(),
            decision_reason=decision.note)
    _notify(venture_members(proposal), "proposal_declined", proposal, reason=decision.note)
    db.session.flush()


def request_revision(proposal: Proposal, *, decision, actor) -> None:
    _decide(proposal, ProposalState.revision_requested, decision=decision, actor=actor,
            revision_note=decision.note)
    _notify(venture_members(proposal), "proposal_revision_requested", proposal, reason=decision.note)
    db.session.flush()


def select_proposal(proposal: Proposal, *, decision, actor) -> None:
    if proposal.needs_company_choice and not proposal.company_has_chosen:
        raise CompanyChoiceMissing()
    _decide(proposal, ProposalState.selected, decision=decision, actor=actor, decided_at=utcnow())
    _notify(venture_members(proposal), "proposal_selected", proposal, note=decision.note)
    signals.proposal_selected.send(proposal, decision=decision, actor=actor)
    db.session.flush()
