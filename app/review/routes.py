"""Review pages (thin views)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import Load, joinedload

from app.auth.models import User, venture, ventures
from app.challenges.models import Challenge
from app.common import signoff
from app.common.csv_export import csv_download
from app.common.names import org_name
from app.common.pagination import requested_page
from app.common.routes import requested_next
from app.common.views import attempt, bulk_apply, flash_form_errors, require, run_service, url_for_each, visible_or_404
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import (
    Proposal,
    ProposalState,
    challenge_proposals,
    load_translations,
    preload_conflicts,
    title_of_call,
)
from app.review import bp, services
from app.review.forms import (
    AssignReviewerForm,
    BulkDecisionForm,
    ConflictAnswerForm,
    ConflictForm,
    ConflictWithdrawalForm,
    DecisionRequestForm,
    ProposalConflictForm,
    review_form,
)
from app.review.models import (
    Review,
    can_view_reviews,
    challenges_to_review,
    conflicts_declared_by,
    conflicts_in_force,
    reviews_of,
    reviews_pending_of,
)
from app.review.panel import review_status
from app.review.ranking import SORTS, export_rows, ranking

PER_PAGE = 25
CHALLENGES_SHOWN = 20
# States a ranking can be filtered by: a draft is never listed.
FILTER_STATES = [state for state in ProposalState if state != ProposalState.draft]


def _page() -> int:
    return requested_page()


def _listable_or_404(challenge_id: int) -> Challenge:
    return visible_or_404(Challenge, challenge_id, options=(title_of_call(Load(Challenge)),),
                          visible=lambda challenge: challenge.can_list_proposals(current_user))


def _to_proposal(proposal: Proposal):
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


# My reviews -----------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    page = reviews_of(current_user, page=_page(), per_page=PER_PAGE)
    preload_conflicts([review.proposal for review in page.items], current_user)
    return render_template("review/index.html", page=page,
                           challenges=challenges_to_review(current_user, limit=CHALLENGES_SHOWN),
                           review_status=review_status,
                           may_declare_conflicts=Conflict.can_declare(current_user),
                           oversees_conflicts=Conflict.can_oversee(current_user),
                           # a URL per row, built from one per page
                           review_url=url_for_each(".show", "review_id"),
                           challenge_url=url_for_each(".challenge", "challenge_id"))


# One review -----------------------------------------------------------------------------------------

@bp.route("/<int:review_id>", methods=["GET", "POST"])
@login_required
def show(review_id: int):
    review = visible_or_404(Review, review_id, options=(joinedload(Review.proposal).options(
        joinedload(Proposal.challenge), joinedload(Proposal.organization)),))
    proposal = review.proposal
    load_translations(proposal)
    criteria = list(proposal.challenge.criteria)
    form = review_form(criteria, review) if review.can_score(current_user) else None
    if request.method == "POST":
        require(form is not None)
        if form.validate_on_submit():
            submitting = bool(form.submit.data)
            if attempt(lambda: services.save_review(
                    review, actor=current_user, scores=form.scores(), comment=form.comment.data,
                    recommendation=form.recommendation.data or None, submit=submitting),
                    denied_is_403=False).done:
                if not submitting:
                    flash(_("Your review is saved."), "success")
                elif can_view_reviews(proposal, current_user):
                    flash(_("Your review is submitted. You can now read the other reviews."), "success")
                else:
                    flash(_("Your review is submitted."), "success")
                return redirect(url_for(".show", review_id=review.id))
    others = review.other_submitted_reviews() if can_view_reviews(proposal, current_user) else []
    return render_template(
        "review/show.html", review=review, proposal=proposal, criteria=criteria, form=form,
        conflict_form=ConflictAnswerForm(), others=others, review_status=review_status,
        show_body=not review.awaits_conflict_answer)


@bp.post("/<int:review_id>/conflict")
@login_required
def conflict(review_id: int):
    review = visible_or_404(Review, review_id)
    require(review.can_answer_conflict(current_user))
    form = ConflictAnswerForm()
    back = redirect(url_for(".show", review_id=review.id))
    invalid = _("Please say whether you have a conflict of interest.")
    if form.answer.data == "none":
        return run_service(lambda: services.confirm_no_conflict(review, actor=current_user),
                           _("Thank you. You can now read and score the proposal."),
                           back=back, form=form, invalid=invalid, denied_is_403=False)
    return run_service(
        lambda: services.declare_review_conflict(review, actor=current_user, reason=form.reason.data or ""),
        _("Your conflict is recorded. The proposal is hidden from you and someone else will review it."),
        back=back, done=redirect(url_for(".index")), form=form, invalid=invalid, denied_is_403=False)


# Reviewers and decisions on one proposal ------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/reviewers")
@login_required
def assign(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_assign_reviewers(current_user))
    form = AssignReviewerForm()
    form.reviewer_id.choices = [(user.id, user.name) for user in services.eligible_reviewers(proposal)]
    return run_service(
        lambda: services.assign_reviewer(proposal, db.session.get(User, form.reviewer_id.data), actor=current_user),
        lambda review: _("%(name)s is asked to review this proposal.", name=review.reviewer.name),
        back=_to_proposal(proposal), form=form, invalid=_("Choose a reviewer from the list."), denied_is_403=False)


@bp.post("/<int:review_id>/unassign")
@login_required
def unassign(review_id: int):
    review = visible_or_404(Review, review_id, visible=lambda review: review.proposal.can_view(current_user))
    require(review.can_unassign(current_user))
    name = review.reviewer.name
    return run_service(lambda: services.unassign_reviewer(review, actor=current_user),
                       _("%(name)s no longer reviews this proposal.", name=name), back=_to_proposal(review.proposal),
                       denied_is_403=False)


@bp.post("/proposals/<int:proposal_id>/decisions")
@login_required
def request_decision(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(any(proposal.can_request_decision(current_user, target) for target in services.DECISION_ACTIONS))
    form = DecisionRequestForm()
    return run_service(
        lambda: services.request_proposal_decision(proposal, form.target_state, actor=current_user,
                                                   note=form.note.data),
        _("The decision is proposed. It takes effect when iPark and MSS have both signed."),
        back=_to_proposal(proposal), form=form)


# One challenge's proposals --------------------------------------------------------------------------

@bp.get("/challenges/<int:challenge_id>")
@login_required
def challenge(challenge_id: int):
    challenge = _listable_or_404(challenge_id)
    args = request.args
    state = args.get("state") if args.get("state") in {str(s) for s in FILTER_STATES} else ""
    states = {ProposalState(state)} if state else None
    if not challenge.can_rank_proposals(current_user):
        page = ranking(challenge, current_user, sort="submitted", descending=False, page=_page(),
                       per_page=PER_PAGE, states=states)
        preload_conflicts([row.proposal for row in page.items], current_user)
        return render_template("review/challenge_company.html", challenge=challenge, page=page)
    sort = args.get("sort") if args.get("sort") in SORTS else "score"
    direction = args.get("dir") if args.get("dir") in ("asc", "desc") else ("asc" if sort == "title" else "desc")
    page = ranking(challenge, current_user, sort=sort, descending=direction == "desc", page=_page(),
                   per_page=PER_PAGE, states=states)
    proposals = [row.proposal for row in page.items]
    return render_template(
        "review/challenge.html", challenge=challenge, page=page, sort=sort, direction=direction, state=state,
        states=FILTER_STATES, pending=services.pending_decisions(proposals), bulk_form=BulkDecisionForm(),
        actions=signoff, scores_hidden=reviews_pending_of(current_user, proposals))


@bp.get("/challenges/<int:challenge_id>/reviews.csv")
@login_required
def export(challenge_id: int):
    challenge = _listable_or_404(challenge_id)
    require(challenge.can_rank_proposals(current_user))
    return csv_download(export_rows(challenge, current_user), f"challenge-{challenge.id}-reviews.csv")


@bp.post("/challenges/<int:challenge_id>/decisions")
@login_required
def bulk_decisions(challenge_id: int):
    challenge = _listable_or_404(challenge_id)
    require(challenge.can_rank_proposals(current_user))
    back = redirect(requested_next(url_for(".challenge", challenge_id=challenge.id)))
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    found = challenge_proposals(challenge.id, form.proposal_ids.data)
    preload_conflicts(found, current_user)
    outcome = bulk_apply(form.proposal_ids.data, found, lambda proposal: services.request_proposal_decision(
        proposal, form.target_state, actor=current_user, note=form.note.data), name=lambda proposal: proposal.title)
    proposed, failures = len(outcome.done), outcome.refused
    if proposed:
        flash(ngettext("%(num)d decision proposed; it waits for both institutions' signatures.",
                       "%(num)d decisions proposed; they wait for both institutions' signatures.", proposed),
              "success")
    if failures:
        flash(ngettext("%(num)d could not be proposed: %(reasons)s", "%(num)d could not be proposed: %(reasons)s",
                       len(failures), reasons="; ".join(failures)), "danger")
    return back


# Conflicts ------------------------------------------------------------------------------------------
# Declared on a proposal, with a venture or with an e-mail address; never withdrawn by the declarer
# (docs/blind-review.md).

@bp.post("/proposals/<int:proposal_id>/conflict")
@login_required
def declare_proposal_conflict(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_declare_conflict(current_user))
    form = ProposalConflictForm()
    return run_service(
        lambda: services.declare_proposal_conflict(proposal, actor=current_user, reason=form.reason.data or ""),
        _("Your conflict is recorded. You will no longer see, review or sign decisions on this proposal, "
          "nor on the team's other proposals under blind review. Only staff can lift it."),
        back=_to_proposal(proposal), done=redirect(url_for(".conflicts")), form=form, denied_is_403=False)


@bp.route("/conflicts", methods=["GET", "POST"])
@login_required
def conflicts():
    require(Conflict.can_declare(current_user))
    form = ConflictForm()
    form.organization_id.choices = [("", _("Choose a venture…"))] + [
        (venture.id, org_name(venture)) for venture in ventures()]
    if form.validate_on_submit():
        organization = venture(form.organization_id.data) if form.organization_id.data else None
        if form.organization_id.data and organization is None:
            form.organization_id.errors.append(_("Choose a venture from the list."))
        elif attempt(lambda: services.declare_conflict(
                actor=current_user, organization=organization, email=None if organization else form.email.data,
                reason=form.reason.data or ""), denied_is_403=False).done:
            # The same words whether or not the address belongs to anyone (no account oracle).
            flash(_("Your conflict is recorded. You will not review, see or sign decisions on the "
                    "proposals concerned. Only staff can lift it."), "success")
            return redirect(url_for(".conflicts"))
    return render_template("review/conflicts.html", form=form, conflicts=conflicts_declared_by(current_user))


@bp.get("/conflicts/all")
@login_required
def all_conflicts():
    """Staff: every conflict in force, to lift one declared in error. A conflict declared on a
    proposal shows the proposal, never its venture, and only to those who may see that proposal."""
    require(Conflict.can_oversee(current_user))
    page = db.paginate(conflicts_in_force(current_user), page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("review/conflicts_all.html", page=page, form=ConflictWithdrawalForm())


@bp.post("/conflicts/<int:conflict_id>/withdraw")
@login_required
def withdraw_conflict(conflict_id: int):
    conflict = visible_or_404(Conflict, conflict_id, visible=lambda conflict: Conflict.can_oversee(current_user) and (
        conflict.proposal is None or conflict.proposal.can_view(current_user)))
    require(conflict.can_withdraw(current_user))
    form = ConflictWithdrawalForm()
    return run_service(lambda: services.withdraw_conflict(conflict, actor=current_user, reason=form.reason.data),
                       _("The conflict is withdrawn."), back=redirect(url_for(".all_conflicts")), form=form)
