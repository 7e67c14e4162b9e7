"""Proposal pages (thin views). Load or 404, check or 403, validate, call one service, commit, redirect."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.challenges.models import Challenge
from app.common import machine_translation, uploads
from app.common.errors import DomainError
from app.common.names import language_name
from app.common.pagination import requested_page
from app.common.views import (
    MACHINE_DRAFTS_PER_HOUR,
    attempt,
    flash_refusal,
    per_user,
    require,
    run_service,
    visible_or_404,
)
from app.extensions import db, limiter
from app.proposals import bp, services, translating
from app.proposals.forms import AttachmentForm, NewProposalForm, proposal_form, proposal_translation_form
from app.proposals.listing import listed_proposals
from app.proposals.models import (
    Proposal,
    ProposalAttachment,
    can_start_proposal,
    default_proposal_language,
    load_translations,
    proposal_bar,
    proposal_counts,
    proposal_of,
)
from app.proposals.timeline import progress_of, status_timeline

# What the challenge pages show of proposals, as template globals: challenges sits below proposals
# and cannot import them (docs/architecture.md).
bp.add_app_template_global(proposal_of)
bp.add_app_template_global(can_start_proposal)
bp.add_app_template_global(proposal_counts)

PER_PAGE = 20


def _back(proposal: Proposal, anchor: str | None = None):
    return redirect(url_for(".show", proposal_id=proposal.id, _anchor=anchor))


def _attachment_or_404(proposal: Proposal, attachment_id: int) -> ProposalAttachment:
    return visible_or_404(ProposalAttachment, attachment_id,
                          visible=lambda document: proposal.can_view_attachment(document, current_user))


# Starting -----------------------------------------------------------------------------------------

def _to_own(proposal: Proposal):
    if proposal.can_edit(current_user):
        return redirect(url_for(".edit", proposal_id=proposal.id))
    return _back(proposal)


@bp.route("/challenges/<int:challenge_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    if (existing := proposal_of(challenge, current_user)) is not None:
        flash(_("Your organisation already has a proposal for this challenge."), "info")
        return _to_own(existing)
    if (bar := proposal_bar(challenge, current_user)) is not None:
        flash(bar.label, "warning")
        abort(403)
    form = NewProposalForm().with_languages(challenge.proposal_language_list)
    if not form.is_submitted():
        form.language.data = default_proposal_language(challenge, current_user)
    if form.validate_on_submit():
        try:
            outcome = attempt(lambda: services.start_proposal(challenge, actor=current_user, title=form.title.data,
                                                              language=form.chosen_language()),
                              denied_is_403=False)
        except IntegrityError:  # a colleague started one at the same moment: one per venture
            db.session.rollback()
            if (existing := proposal_of(challenge, current_user)) is None:
                raise
            return _to_own(existing)
        if outcome.done:
            flash(_("Your draft is started. Fill it in and save as often as you like; submit it before the "
                    "deadline."), "success")
            return redirect(url_for(".edit", proposal_id=outcome.result.id))
    return render_template("proposals/new.html", challenge=challenge, form=form)


# Writing ------------------------------------------------------------------------------------------

@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.is_member(current_user))
    challenge = proposal.challenge
    questions = list(challenge.questions)
    default_currency = challenge.currency.value if challenge.currency else "KRW"
    form = proposal_form(questions, proposal if request.method == "GET" else None,
                         default_currency=default_currency, languages=challenge.proposal_language_list)
    if form.validate_on_submit():
        # Refused when the deadline passed while they wrote: their text stays on screen.
        outcome = attempt(lambda: services.update_proposal(
            proposal, actor=current_user, changes=form.changes(), answers=form.answers(),
            milestones=form.milestone_rows()))
        if outcome.done:
            if form.submit.data:
                return _submit_saved(proposal)
            changed = outcome.result
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for(".edit", proposal_id=proposal.id))
    elif form.is_submitted():
        flash(_("Please correct the marked fields. Nothing was saved."), "danger")
    return render_template("proposals/edit.html", proposal=proposal, challenge=challenge, form=form,
                           questions=questions, call_text=challenge.text_in(str(get_locale())))


def _submit_saved(proposal: Proposal):
    """The second half of "Save and submit": the text is already saved, whatever happens here."""

    def not_submitted(error: DomainError) -> None:
        flash(_("Your changes are saved, but the proposal was not submitted."), "warning")
        flash_refusal(error)

    if not attempt(lambda: services.submit_proposal(proposal, actor=current_user), refused=not_submitted,
                   denied_is_403=False).done:
        return redirect(url_for(".edit", proposal_id=proposal.id))
    flash(_("Your proposal is submitted. You can still change it until the deadline."), "success")
    return _back(proposal)


# Reading ------------------------------------------------------------------------------------------

@bp.get("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id,
                              options=(joinedload(Proposal.challenge), joinedload(Proposal.organization)))
    load_translations(proposal)
    timeline = status_timeline(proposal) if proposal.is_member(current_user) else []
    return render_template("proposals/show.html", proposal=proposal, challenge=proposal.challenge,
                           timeline=timeline)


@bp.route("/proposals/<int:proposal_id>/translations/<any(en, ja, ko):language>", methods=["GET", "POST"])
@login_required
def translate(proposal_id: int, language: str):
    """The venture writes its proposal in one more language, the original beside each field."""
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_translate(current_user))
    if language == proposal.language:
        return _back(proposal)
    challenge = proposal.challenge
    questions = list(challenge.questions)
    existing = proposal.translation(language)
    form = proposal_translation_form(questions, existing if request.method == "GET" else None)
    if form.validate_on_submit():
        outcome = attempt(lambda: translating.save_proposal_translation(
            proposal, actor=current_user, language=language, title=form.title.data, summary=form.summary.data or "",
            approach=form.approach.data or "", team=form.team.data or "", answers=form.answer_texts(),
            machine_draft=form.machine_draft.data == "1"), denied_is_403=False)
        if outcome.done:
            flash(_("The %(language)s translation is saved. Its readers see it beside the original.",
                    language=language_name(language)), "success")
            return _back(proposal, "languages")
    elif form.is_submitted():
        flash(_("Please correct the marked fields. Nothing was saved."), "danger")
    return _translation_page(proposal, language, form, questions)


def _translation_page(proposal: Proposal, language: str, form, questions):
    challenge = proposal.challenge
    return render_template("proposals/translate.html", proposal=proposal, challenge=challenge, form=form,
                           questions=questions, language=language, translation=proposal.translation(language),
                           call_text=challenge.text_in(str(get_locale())),
                           machine_drafts=machine_translation.is_available())


@bp.post("/proposals/<int:proposal_id>/translations/<any(en, ja, ko):language>/machine-draft")
@login_required
@limiter.limit(MACHINE_DRAFTS_PER_HOUR, key_func=per_user)
def machine_draft(proposal_id: int, language: str):
    """The translation form as posted, its empty fields filled by DeepL, for the venture to review and
    save; nothing is saved here. Only with the venture's consent: a proposal is confidential."""
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_translate(current_user))
    if not machine_translation.is_available() or language == proposal.language:
        abort(404)
    questions = list(proposal.challenge.questions)
    form = proposal_translation_form(questions)
    written = {name: field.data or "" for name, field in form._fields.items() if name != "csrf_token"}
    outcome = attempt(lambda: translating.machine_draft(proposal, actor=current_user, language=language,
                                                        written=written), denied_is_403=False)
    if outcome.done:
        for name, text in outcome.result.items():
            form[name].data = text
        if outcome.result:
            form.machine_draft.data = "1"
        else:
            flash(_("Every field already has text, so nothing was sent. Empty the fields you want drafted."), "info")
    return _translation_page(proposal, language, form, questions)


@bp.get("/proposals/mine")
@login_required
def mine():
    """The venture's proposals, latest activity first. Other users learn who writes proposals."""
    page = None
    if current_user.is_venture:
        page = listed_proposals(current_user.organization_id, language=str(get_locale()), page=requested_page(),
                                per_page=PER_PAGE)
    return render_template("proposals/mine.html", page=page, progress_of=progress_of)


@bp.get("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def attachment(proposal_id: int, attachment_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    document = _attachment_or_404(proposal, attachment_id)
    return uploads.download(document.storage_key, document.name_for(current_user))


# The venture's acts -------------------------------------------------------------------------------
# Who may try is checked here (403); whether it is possible now (state, deadline) is the service's
# answer, shown as a message.

@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.is_member(current_user))
    return run_service(lambda: services.submit_proposal(proposal, actor=current_user),
                       _("Your proposal is submitted. You can still change it until the deadline."),
                       back=_back(proposal))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.is_member(current_user))
    return run_service(lambda: services.withdraw_proposal(proposal, actor=current_user),
                       _("Your proposal is withdrawn."), back=_back(proposal))


@bp.post("/proposals/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.is_member(current_user))
    form = AttachmentForm()
    return run_service(lambda: services.add_attachment(proposal, actor=current_user, upload=form.file.data),
                       _("The file is attached."), back=_back(proposal, "attachments"), form=form)


@bp.post("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(proposal_id: int, attachment_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    document = _attachment_or_404(proposal, attachment_id)
    require(proposal.is_member(current_user))
    back = _back(proposal, "attachments")
    outcome = attempt(lambda: services.remove_attachment(document, actor=current_user), back=back)
    if outcome.done:
        uploads.discard(outcome.result)  # only once the row is gone for good
        flash(_("The file was removed."), "success")
    return back


# The posting company's choice ---------------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/choose")
@login_required
def choose(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_choose(current_user))
    return run_service(lambda: services.choose_proposal(proposal, actor=current_user),
                       _("You chose this proposal. iPark and MSS will now decide on its selection together."),
                       back=_back(proposal))


@bp.post("/proposals/<int:proposal_id>/unchoose")
@login_required
def unchoose(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(proposal.can_unchoose(current_user))
    return run_service(lambda: services.unchoose_proposal(proposal, actor=current_user),
                       _("You withdrew your choice of this proposal."), back=_back(proposal))
