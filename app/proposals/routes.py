"""Proposal pages (thin views). Load or 404, check or 403, validate, call one service, commit, redirect."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.challenges.models import Challenge
from app.common import uploads
from app.common.errors import DomainError, PermissionDenied
from app.common.pagination import requested_page
from app.common.views import run_service
from app.extensions import db
from app.proposals import bp, services
from app.proposals.forms import AttachmentForm, NewProposalForm, proposal_form
from app.proposals.models import Proposal, ProposalAttachment
from app.proposals.timeline import progress_of, status_timeline
from app.review.panel import review_panel

PER_PAGE = 20


def _visible_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.can_view(current_user):
        abort(404)
    return proposal


def _allowed_or_403(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _back(proposal: Proposal, anchor: str | None = None):
    return redirect(url_for(".show", proposal_id=proposal.id, _anchor=anchor))


def _attachment_or_404(proposal: Proposal, attachment_id: int) -> ProposalAttachment:
    document = db.session.get(ProposalAttachment, attachment_id)
    if document is None or not proposal.can_view_attachment(document, current_user):
        abort(404)
    return document


def _act(proposal: Proposal, allowed: bool, action, message: str, form=None, anchor: str | None = None):
    """Who may try is checked here (403); whether it is possible now (state, deadline) is the
    service's answer, shown as a message."""
    return run_service(allowed, action, message, back=_back(proposal, anchor), form=form)


# Starting -----------------------------------------------------------------------------------------

def _why_not_start(challenge: Challenge) -> str:
    """The reason shown to someone who may not write a proposal to this call."""
    if not current_user.is_venture:
        return _("Proposals are written by members of ventures.")
    if not current_user.organization.is_verified:
        return _("Your organisation must be verified by staff before you can write a proposal.")
    return _("This challenge does not accept proposals now.")


def _to_own(proposal: Proposal):
    if proposal.can_edit(current_user):
        return redirect(url_for(".edit", proposal_id=proposal.id))
    return _back(proposal)


@bp.route("/challenges/<int:challenge_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new(challenge_id: int):
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not challenge.can_view(current_user):
        abort(404)
    if (existing := challenge.proposal_of(current_user)) is not None:
        flash(_("Your organisation already has a proposal for this challenge."), "info")
        return _to_own(existing)
    if not challenge.can_start_proposal(current_user):
        flash(_why_not_start(challenge), "warning")
        abort(403)
    form = NewProposalForm()
    if form.validate_on_submit():
        try:
            proposal = services.start_proposal(challenge, actor=current_user, title=form.title.data)
            db.session.commit()
        except IntegrityError:  # a colleague started one at the same moment: one per venture
            db.session.rollback()
            if (existing := challenge.proposal_of(current_user)) is None:
                raise
            return _to_own(existing)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Your draft is started. Fill it in and save as often as you like; submit it before the "
                    "deadline."), "success")
            return redirect(url_for(".edit", proposal_id=proposal.id))
    return render_template("proposals/new.html", challenge=challenge, form=form)


# Writing ------------------------------------------------------------------------------------------

@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    _allowed_or_403(proposal.is_member(current_user))
    challenge = proposal.challenge
    questions = list(challenge.questions)
    default_currency = challenge.currency.value if challenge.currency else "KRW"
    form = proposal_form(questions, proposal if request.method == "GET" else None,
                         default_currency=default_currency)
    if form.validate_on_submit():
        try:
            changed = services.update_proposal(proposal, actor=current_user, changes=form.changes(),
                                               answers=form.answers(), milestones=form.milestone_rows())
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except DomainError as error:  # the deadline passed while they wrote: keep their text on screen
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            if form.submit.data:
                return _submit_saved(proposal)
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for(".edit", proposal_id=proposal.id))
    elif form.is_submitted():
        flash(_("Please correct the marked fields. Nothing was saved."), "danger")
    return render_template("proposals/edit.html", proposal=proposal, challenge=challenge, form=form,
                           questions=questions)


def _submit_saved(proposal: Proposal):
    """The second half of "Save and submit": the text is already saved, whatever happens here."""
    try:
        services.submit_proposal(proposal, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(_("Your changes are saved, but the proposal was not submitted."), "warning")
        flash(error.message, "danger")
        return redirect(url_for(".edit", proposal_id=proposal.id))
    db.session.commit()
    flash(_("Your proposal is submitted. You can still change it until the deadline."), "success")
    return _back(proposal)


# Reading ------------------------------------------------------------------------------------------

@bp.get("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    timeline = status_timeline(proposal) if proposal.is_member(current_user) else []
    return render_template("proposals/show.html", proposal=proposal, challenge=proposal.challenge,
                           timeline=timeline, panel=review_panel(proposal, current_user))


@bp.get("/proposals/mine")
@login_required
def mine():
    """The venture's proposals, latest activity first. Other users learn who writes proposals."""
    page = None
    if current_user.is_venture:
        last_activity = func.coalesce(Proposal.withdrawn_at, Proposal.updated_at)
        query = (select(Proposal).options(lazyload(Proposal.answers))
                 .where(Proposal.organization_id == current_user.organization_id)
                 .order_by(last_activity.desc(), Proposal.id.desc()))
        page = db.paginate(query, page=requested_page(), per_page=PER_PAGE,
                           error_out=False)
    return render_template("proposals/mine.html", page=page, progress_of=progress_of)


@bp.get("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def attachment(proposal_id: int, attachment_id: int):
    proposal = _visible_or_404(proposal_id)
    document = _attachment_or_404(proposal, attachment_id)
    return uploads.download(document.storage_key, document.name_for(current_user))


# The venture's acts -------------------------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    return _act(proposal, proposal.is_member(current_user),
                lambda: services.submit_proposal(proposal, actor=current_user),
                _("Your proposal is submitted. You can still change it until the deadline."))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    return _act(proposal, proposal.is_member(current_user),
                lambda: services.withdraw_proposal(proposal, actor=current_user),
                _("Your proposal is withdrawn."))


@bp.post("/proposals/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    form = AttachmentForm()
    return _act(proposal, proposal.is_member(current_user),
                lambda: services.add_attachment(proposal, actor=current_user, upload=form.file.data),
                _("The file is attached."), form, anchor="attachments")


@bp.post("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(proposal_id: int, attachment_id: int):
    proposal = _visible_or_404(proposal_id)
    document = _attachment_or_404(proposal, attachment_id)
    _allowed_or_403(proposal.is_member(current_user))
    try:
        key = services.remove_attachment(document, actor=current_user)
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(proposal, "attachments")
    db.session.commit()
    uploads.discard(key)  # only once the row is gone for good
    flash(_("The file was removed."), "success")
    return _back(proposal, "attachments")


# The posting company's choice ---------------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/choose")
@login_required
def choose(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    return _act(proposal, proposal.can_choose(current_user),
                lambda: services.choose_proposal(proposal, actor=current_user),
                _("You chose this proposal. iPark and MSS will now decide on its selection together."))


@bp.post("/proposals/<int:proposal_id>/unchoose")
@login_required
def unchoose(proposal_id: int):
    proposal = _visible_or_404(proposal_id)
    return _act(proposal, proposal.can_unchoose(current_user),
                lambda: services.unchoose_proposal(proposal, actor=current_user),
                _("You withdrew your choice of this proposal."))
