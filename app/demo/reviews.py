"""The demo's reviews and joint decisions: staff assign reviewers, who confirm they have no conflict
and score; staff propose decisions that iPark and MSS sign or reject; the posting company chooses
among the shortlisted. Steps of a proposal's story (app.demo.proposals), dated by its clock.
"""
from dataclasses import dataclass

from app.common.signoff import reject_decision, sign_decision
from app.demo.clock import DemoClock
from app.demo.people import person
from app.proposals.models import Proposal, ProposalState
from app.proposals.services import choose_proposal
from app.review.models import Recommendation
from app.review.services import assign_reviewer, confirm_no_conflict, request_proposal_decision, save_review

IPARK, MSS = "ipark@demo.test", "mss@demo.test"

STRONGLY_SUPPORT, SUPPORT, NEUTRAL, OPPOSE = (
    Recommendation.strongly_support, Recommendation.support, Recommendation.neutral, Recommendation.oppose)
SHORTLIST, SELECT, DECLINE, REVISE = (
    ProposalState.shortlisted, ProposalState.selected, ProposalState.declined, ProposalState.revision_requested)


@dataclass(frozen=True)
class Review:
    reviewer: str
    assigned_by: str
    days_ago: float  # assigned
    reviewed_days_ago: float | None = None  # None: assigned, the reviewer has not answered yet
    scores: tuple[int, ...] = ()  # one per rubric criterion, in the rubric's order
    recommendation: Recommendation | None = None
    comment: str = ""


@dataclass(frozen=True)
class Signature:
    staff: str
    days_ago: float


@dataclass(frozen=True)
class Rejection:
    staff: str
    days_ago: float
    reason: str


@dataclass(frozen=True)
class Decision:
    target: ProposalState
    requested_by: str
    days_ago: float
    note: str | None = None
    signatures: tuple[Signature, ...] = ()  # fewer than two: still waiting
    rejection: Rejection | None = None


@dataclass(frozen=True)
class Choice:
    """The posting company wants this shortlisted proposal (company calls only)."""
    by: str
    days_ago: float


def play_review(proposal: Proposal, step: Review, clock: DemoClock, author) -> None:
    reviewer = person(step.reviewer)
    with clock.dating(step.days_ago) as assigned:
        review = assign_reviewer(proposal, reviewer, actor=person(step.assigned_by))
    clock.happened(assigned, review)
    if step.reviewed_days_ago is None:
        return
    with clock.dating(step.reviewed_days_ago + 0.05) as confirmed:
        confirm_no_conflict(review, actor=reviewer)
    clock.happened(confirmed, review)
    criteria = proposal.challenge.criteria
    if len(step.scores) != len(criteria):
        raise ValueError(f"{len(step.scores)} scores for a rubric of {len(criteria)} criteria")
    with clock.dating(step.reviewed_days_ago) as reviewed:
        save_review(review, actor=reviewer, comment=step.comment, recommendation=str(step.recommendation),
                    scores={criterion.id: (score, "") for criterion, score in zip(criteria, step.scores, strict=True)},
                    submit=True)
    clock.happened(reviewed, review)


def play_decision(proposal: Proposal, step: Decision, clock: DemoClock, author) -> None:
    with clock.dating(step.days_ago) as requested:
        decision = request_proposal_decision(proposal, step.target, actor=person(step.requested_by), note=step.note)
    clock.happened(requested, decision)
    for signature in step.signatures:
        with clock.dating(signature.days_ago) as signed:
            sign_decision(decision, actor=person(signature.staff))
        clock.happened(signed, decision, proposal)
    if step.rejection:
        with clock.dating(step.rejection.days_ago) as rejected:
            reject_decision(decision, actor=person(step.rejection.staff), reason=step.rejection.reason)
        clock.happened(rejected, decision)


def play_choice(proposal: Proposal, step: Choice, clock: DemoClock, author) -> None:
    with clock.dating(step.days_ago) as chosen:
        choose_proposal(proposal, actor=person(step.by))
    clock.happened(chosen, proposal)
