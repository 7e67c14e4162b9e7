"""Reviewing proposals and deciding on them jointly.

Staff assign reviewers; a reviewer first answers whether they have a conflict, then scores. The
decisions on a proposal (shortlist, decline, request a revision, select) are joint decisions:
staff propose one, one iPark and one MSS signature make it take effect (app.common.signoff).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import Organization, User
from app.auth.services.accounts import normalize_email
from app.common import audit, signoff
from app.common.enums import LabelledEnum
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.models import DecisionState, JointDecision
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db
from app.proposals import services as proposals
from app.proposals.conflicts import Conflict, conflicted_user_ids
from app.proposals.models import (
    Proposal,
    ProposalState,
    conflicted_proposal_ids,
    name_of_venture,
    preload_conflicts,
    title_of_call,
)
from app.review.models import SCORES, Recommendation, Review, ReviewScore

# The joint decisions on a proposal: the state each one leads to, and what happens when signed.
DECISION_ACTIONS = {
    ProposalState.shortlisted: "proposal.shortlist",
    ProposalState.declined: "proposal.decline",
    ProposalState.revision_requested: "proposal.request_revision",
    ProposalState.selected: "proposal.select",
}


class ProposalDecision(LabelledEnum):
    """The joint decisions on a proposal, each named by the state it leads to (DECISION_ACTIONS' keys)."""

    shortlisted = "shortlisted", _l("Shortlist the proposal")
    declined = "declined", _l("Decline the proposal")
    revision_requested = "revision_requested", _l("Ask for a revision")
    selected = "selected", _l("Select the proposal")


# A decline or a revision request reaches the venture with its reason.
NEEDS_REASON = {ProposalState.declined, ProposalState.revision_requested}

_EFFECTS = {
    ProposalState.shortlisted: proposals.shortlist_proposal,
    ProposalState.declined: proposals.decline_proposal,
    ProposalState.revision_requested: proposals.request_revision,
    ProposalState.selected: proposals.select_proposal,
}


def _conflicted_proposal_decided_on(user):
    """The proposals ``user`` is conflicted with, found from their conflicts: the decisions page counts
    every pending decision, and probing each decision's proposal would read a proposal per decision."""
    return conflicted_proposal_ids(user.id)


def register_decision_actions() -> None:
    """The joint decisions on a proposal, for app.common.signoff: called by the app factory
    (app.review.reactions), never at import time. Registering again replaces, by name."""
    for target, name in DECISION_ACTIONS.items():
        signoff.register_action(signoff.DecisionAction(
            name=name, model=Proposal, label=ProposalDecision(target).label, on_approved=_EFFECTS[target],
            is_conflicted=lambda proposal, user: proposal.is_conflicted(user),
            conflicted_subject_ids=_conflicted_proposal_decided_on,
            subject_page=("proposals.show", "proposal_id"), preload_for=preload_conflicts,
            subject_options=(title_of_call(joinedload(Proposal.challenge)),
                             name_of_venture(joinedload(Proposal.organization)))))


class ReasonRequired(DomainError):
    default_message = _l("Please give the venture a reason.")


class NotAReviewer(DomainError):
    default_message = _l("This person cannot review this proposal.")


class AlreadyAssigned(DomainError):
    default_message = _l("This person already reviews this proposal.")


class IncompleteReview(DomainError):
    default_message = _l("Score every criterion from 1 to 5 and give a recommendation before submitting.")


class ConflictExists(DomainError):
    default_message = _l("You have already declared this conflict.")


class WithdrawalNeedsReason(DomainError):
    default_message = _l("Please give a reason for withdrawing the conflict.")


# -- joint decisions --------------------------------------------------------------------------------

def pending_decisions(proposals_: list[Proposal]) -> dict[int, JointDecision]:
    """The decision waiting for signatures on each of these proposals, in one query."""
    if not proposals_:
        return {}
    rows = db.session.scalars(select(JointDecision).where(
        JointDecision.subject_type == Proposal.__tablename__,
        JointDecision.subject_id.in_([proposal.id for proposal in proposals_]),
        JointDecision.action.in_(DECISION_ACTIONS.values()),
        JointDecision.state == DecisionState.pending))
    return {decision.subject_id: decision for decision in rows}


def request_proposal_decision(proposal: Proposal, target: ProposalState, *, actor: User,
                              note: str | None = None) -> JointDecision:
    """Staff propose; nothing changes until both institutions have signed. One open decision per
    proposal at a time, so the two institutions never sign contradicting decisions."""
    lock(proposal)
    if not proposal.can_request_decision(actor, target):
        if (target == ProposalState.selected and proposal.is_shortlisted and proposal.needs_company_choice
                and not proposal.company_has_chosen):  # say what is missing, not just "no"
            raise proposals.CompanyChoiceMissing()
        raise PermissionDenied()
    note = (note or "").strip() or None
    if target in NEEDS_REASON and not note:
        raise ReasonRequired()
    if pending_decisions([proposal]):
        raise signoff.DecisionAlreadyOpen()
    return signoff.request_decision(proposal, DECISION_ACTIONS[target], actor=actor, note=note)


# -- reviewers --------------------------------------------------------------------------------------

def eligible_reviewers(proposal: Proposal) -> list[User]:
    """Who may be asked: active staff of both institutions, and the posting company's members once
    the proposal is shortlisted; minus the conflicted and those already assigned."""
    assigned = select(Review.reviewer_id).where(Review.proposal_id == proposal.id)
    query = (select(User).join(User.organization)
             .where(User.active.is_(True), User.id.not_in(assigned))
             .order_by(Organization.institution, User.name))
    company_id = proposal.challenge.organization_id
    candidates = [user for user in db.session.scalars(query)
                  if user.is_staff or (proposal.is_shortlisted and user.organization_id == company_id)]
    conflicted = conflicted_user_ids(proposal, candidates=[user.id for user in candidates])
    return [user for user in candidates if user.id not in conflicted]


def assign_reviewer(proposal: Proposal, reviewer: User, *, actor: User) -> Review:
    lock(proposal)  # two staff assigning the same person at once: the second finds the review
    if not proposal.can_assign_reviewers(actor):
        raise PermissionDenied()
    if db.session.scalar(select(Review.id).where(Review.proposal_id == proposal.id,
                                                 Review.reviewer_id == reviewer.id)) is not None:
        raise AlreadyAssigned()
    if not proposal.may_review(reviewer):
        raise NotAReviewer()
    review = Review(proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "review.assigned", review, proposal_id=proposal.id, reviewer_id=reviewer.id)
    queue_email(reviewer, "review_assigned", proposal=proposal, challenge=proposal.challenge,
                url=external_url("review.show", review_id=review.id))
    db.session.flush()
    return review


def unassign_reviewer(review: Review, *, actor: User) -> None:
    lock(review.proposal, review)
    if not review.can_unassign(actor):
        raise PermissionDenied()
    audit.record(actor, "review.unassigned", review, proposal_id=review.proposal_id,
                 reviewer_id=review.reviewer_id)
    db.session.delete(review)
    db.session.flush()


def confirm_no_conflict(review: Review, *, actor: User) -> None:
    lock(review.proposal, review)
    if not review.can_answer_conflict(actor):
        raise PermissionDenied()
    review.no_conflict_at = utcnow()
    audit.record(actor, "review.no_conflict", review, proposal_id=review.proposal_id)
    db.session.flush()


def declare_review_conflict(review: Review, *, actor: User, reason: str = "") -> None:
    """The reviewer has a conflict with the venture: declared on the proposal (declare_proposal_conflict)."""
    lock(review.proposal, review, actor)  # the actor too: one conflict row, whichever review declares it
    if not review.can_answer_conflict(actor):
        raise PermissionDenied()
    review.conflict_declared_at = utcnow()
    declare_proposal_conflict(review.proposal, actor=actor, reason=reason)
    audit.record(actor, "review.conflict_declared", review, proposal_id=review.proposal_id)
    db.session.flush()


def save_review(review: Review, *, actor: User, scores: dict[int, tuple[int | None, str]], comment: str,
                recommendation: str | None, submit: bool) -> None:
    """Keep the reviewer's work; ``submit`` makes it count (and shows them the others' reviews).
    A submitted review can still be corrected while the proposal is under consideration."""
    lock(review.proposal, review)
    if not review.can_score(actor):
        raise PermissionDenied()
    criteria = review.proposal.challenge.criteria
    wanted = {criterion.id: scores.get(criterion.id, (None, "")) for criterion in criteria}
    if any(value is not None and value not in SCORES for value, _ in wanted.values()):
        raise IncompleteReview()
    if recommendation and recommendation not in {choice.value for choice in Recommendation}:
        raise IncompleteReview()
    complete = recommendation and all(value is not None for value, _ in wanted.values())
    if (submit or review.is_submitted) and not complete:
        raise IncompleteReview()  # checked before anything changes
    by_criterion = {score.criterion_id: score for score in review.scores}
    for criterion_id, (value, remark) in wanted.items():
        row = by_criterion.get(criterion_id)
        if value is None:
            if row is not None:
                review.scores.remove(row)
        elif row is None:
            review.scores.append(ReviewScore(criterion_id=criterion_id, score=value, comment=(remark or "").strip()))
        else:
            row.score, row.comment = value, (remark or "").strip()
    review.comment = (comment or "").strip()
    review.recommendation = Recommendation(recommendation) if recommendation else None
    first = submit and not review.is_submitted
    if first:
        review.submitted_at = utcnow()
    review.weighted_score = review.weighted_mean() if review.is_submitted else None  # what the ranking reads
    review.updated_at = utcnow()
    audit.record(actor, "review.submitted" if first else "review.saved", review, proposal_id=review.proposal_id,
                 scores={str(score.criterion_id): score.score for score in review.scores},
                 recommendation=str(review.recommendation) if review.recommendation else None)
    db.session.flush()


# -- conflicts ---------------------------------------------------------------------------------------
# Why they work this way (permanent for the declarer, declared on the proposal, e-mail addresses
# stored as typed): docs/blind-review.md.

def declare_proposal_conflict(proposal: Proposal, *, actor: User, reason: str = "") -> Conflict:
    """“I have a conflict with this proposal's team.” Recorded against the proposal's venture, which
    the declarer is never shown when blind review hides it; permanent for the declarer."""
    lock(proposal)  # the same declaration from two tabs: the second finds the first
    if db.session.scalar(select(Conflict.id).where(Conflict.user_id == actor.id, Conflict.proposal_id == proposal.id,
                                                   Conflict.withdrawn_at.is_(None)).limit(1)) is not None:
        raise ConflictExists()
    if not proposal.can_declare_conflict(actor):
        raise PermissionDenied()
    conflict = Conflict(user_id=actor.id, organization_id=proposal.organization_id, proposal_id=proposal.id,
                        identity_hidden=not proposal.can_see_identity(actor), reason=(reason or "").strip()[:500])
    db.session.add(conflict)
    db.session.flush()
    audit.record(actor, "conflict.declared", conflict, proposal_id=proposal.id)  # not the venture: staff read this
    return conflict


def declare_conflict(*, actor: User, organization: Organization | None = None, email: str | None = None,
                     reason: str = "") -> Conflict:
    """Ahead of any review, with a venture by name or with a person by e-mail address. The address is
    kept as given, whether or not anyone uses it yet: it applies to whoever has it, now or later, and
    the declarer learns nothing about who has an account."""
    lock(actor)  # the same declaration from two tabs: the second finds the first
    if not Conflict.can_declare(actor):
        raise PermissionDenied()
    email = normalize_email(email or "") or None  # as User.email is stored, or it never matches
    if (organization is None) == (email is None):
        raise ValueError("a conflict is with one organisation or one e-mail address")
    existing = select(Conflict.id).where(Conflict.user_id == actor.id, Conflict.withdrawn_at.is_(None))
    existing = existing.where(Conflict.organization_id == organization.id, Conflict.identity_hidden.is_(False)) \
        if organization else existing.where(Conflict.email == email)
    if db.session.scalar(existing.limit(1)) is not None:
        raise ConflictExists()
    conflict = Conflict(user_id=actor.id, organization_id=organization.id if organization else None,
                        email=email, reason=(reason or "").strip()[:500])
    db.session.add(conflict)
    db.session.flush()
    audit.record(actor, "conflict.declared", conflict, organization_id=conflict.organization_id,
                 email=conflict.email)
    return conflict


def withdraw_conflict(conflict: Conflict, *, actor: User, reason: str) -> None:
    """Staff lift a conflict declared in error, with a reason; the row stays, marked withdrawn."""
    lock(conflict)
    if not conflict.can_withdraw(actor):
        raise PermissionDenied()
    reason = (reason or "").strip()[:500]
    if not reason:
        raise WithdrawalNeedsReason()
    conflict.withdrawn_at, conflict.withdrawn_by_id, conflict.withdrawal_reason = utcnow(), actor.id, reason
    audit.record(actor, "conflict.withdrawn", conflict, declarer_id=conflict.user_id, reason=reason)
    db.session.flush()
