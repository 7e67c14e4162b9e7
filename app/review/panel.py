"""What the proposal page shows staff and reviewers about reviews and decisions."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.common import signoff
from app.common.names import org_name
from app.extensions import db
from app.review import bp
from app.review.forms import AssignReviewerForm, DecisionRequestForm
from app.review.models import Review, can_view_reviews, with_reviewer_and_scores
from app.review.services import DECISION_ACTIONS, NEEDS_REASON, ProposalDecision, eligible_reviewers, pending_decisions

# How far a reviewer has come, as (label, Bootstrap badge colour).
_STATUS = {
    "awaiting": (_l("Awaiting conflict answer"), "warning"),
    "conflict": (_l("Conflict declared"), "dark"),
    "in_progress": (_l("In progress"), "info"),
    "submitted": (_l("Submitted"), "success"),
}


def review_status(review: Review) -> tuple:
    if review.is_submitted:
        return _STATUS["submitted"]
    if review.conflict_declared:
        return _STATUS["conflict"]
    if review.awaits_conflict_answer:
        return _STATUS["awaiting"]
    return _STATUS["in_progress"]


@bp.app_template_global()
def review_panel(proposal, user) -> dict | None:
    """The template context for review/_panel.html, or None when the user has nothing to see there.
    A template global: the proposal page shows it without proposals importing review."""
    if not user.is_authenticated or not proposal.can_view(user):
        return None
    reviews = list(db.session.scalars(
        select(Review).where(Review.proposal_id == proposal.id).options(*with_reviewer_and_scores())
        .order_by(Review.assigned_at, Review.id)))
    own_review = next((review for review in reviews if review.reviewer_id == user.id), None)
    can_assign = proposal.can_assign_reviewers(user)
    targets = [target for target in DECISION_ACTIONS if proposal.can_request_decision(user, target)]
    reads_reviews = can_view_reviews(proposal, user)
    decision = pending_decisions([proposal]).get(proposal.id)
    oversees = can_assign or bool(targets) or reads_reviews or (decision is not None and decision.can_view(user))
    if not oversees and own_review is None:
        return None
    assign_form = None
    if can_assign:
        assign_form = AssignReviewerForm()
        assign_form.reviewer_id.choices = [(reviewer.id, _reviewer_label(reviewer))
                                           for reviewer in eligible_reviewers(proposal)]
    return {
        "proposal": proposal,
        "oversees": oversees,
        "reviews": reviews if oversees else [],
        "own_review": own_review,
        "submitted_reviews": [review for review in reviews if review.is_submitted] if reads_reviews else [],
        "criteria": list(proposal.challenge.criteria),
        "can_assign": can_assign,
        "assign_form": assign_form,
        "decision": decision,
        "decision_label": signoff.action_for(decision).label if decision is not None else None,
        "decision_targets": [] if decision is not None else
        [(target, ProposalDecision(target).label, target in NEEDS_REASON) for target in targets],
        "decision_form": DecisionRequestForm(),
        "review_status": review_status,
    }


def _reviewer_label(reviewer) -> str:
    return f"{reviewer.name} · {org_name(reviewer.organization)}"
