"""Challenge pages. Load or 404, check or 403, validate, call one service, commit, redirect."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.auth.decorators import staff_required
from app.challenges import bp, search, services
from app.challenges.forms import (
    EXTRA_CRITERION_ROWS,
    EXTRA_QUESTION_ROWS,
    AcceptNdaForm,
    AnswerForm,
    AskQuestionForm,
    AttachmentForm,
    CancelForm,
    ChallengeForm,
    CorrectionForm,
    NoteForm,
    utc_to_local,
)
from app.challenges.models import (
    DEFAULT_RUBRIC,
    Challenge,
    ChallengeAttachment,
    ChallengeState,
    ClarificationQuestion,
    Program,
    programs_for,
)
from app.common import uploads
from app.common.errors import DomainError
from app.common.i18n import select_timezone
from app.common.money import Money
from app.common.pagination import requested_page
from app.common.taxonomy import Field
from app.common.views import run_service
from app.extensions import db
from app.proposals.models import Proposal, not_conflicted_clause

PER_PAGE = 20


def _visible_or_404(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not challenge.can_view(current_user):
        abort(404)
    return challenge


def _allowed_or_403(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _back(challenge: Challenge, anchor: str | None = None):
    return redirect(url_for(".show", challenge_id=challenge.id, _anchor=anchor))


# Finding ------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    args = request.args
    program = args.get("program") if args.get("program") in Program.__members__ else None
    field = args.get("field") if args.get("field") in Field.__members__ else None
    status = args.get("status") if args.get("status") in search.STATUSES else "open"
    sort = args.get("sort") if args.get("sort") in search.SORTS else None
    country = (args.get("country") or "").upper()[:2] or None
    q = (args.get("q") or "").strip()[:200]
    page = search.find_challenges(user=current_user, q=q, program=program, field=field, status=status,
                                  country=country, sort=sort, page=requested_page(),
                                  per_page=PER_PAGE)
    return render_template("challenges/index.html", page=page, q=q, program=program, field=field,
                           status=status, sort=sort or ("relevance" if q else "deadline"), country=country,
                           can_post=bool(programs_for(current_user)))


@bp.get("/mine")
@login_required
def mine():
    """The poster's calls in every state, with the number of proposals in each state."""
    _allowed_or_403(bool(programs_for(current_user)))
    query = (select(Challenge).where(Challenge.organization_id == current_user.organization_id)
             .order_by(Challenge.updated_at.desc(), Challenge.id.desc()))
    page = db.paginate(query, page=requested_page(), per_page=PER_PAGE,
                       error_out=False)
    counts: dict[int, dict] = {}
    if page.items:
        rows = db.session.execute(
            select(Proposal.challenge_id, Proposal.state, func.count())
            .where(Proposal.challenge_id.in_([c.id for c in page.items]), not_conflicted_clause(current_user))
            .group_by(Proposal.challenge_id, Proposal.state))
        for challenge_id, state, count in rows:
            counts.setdefault(challenge_id, {})[state] = count
    return render_template("challenges/mine.html", page=page, counts=counts)


@bp.get("/review")
@staff_required
def review_queue():
    """Staff: calls waiting for publication, oldest first (first come, first served)."""
    page = db.paginate(select(Challenge).where(Challenge.state == ChallengeState.pending_review)
                       .order_by(Challenge.submitted_at, Challenge.id),
                       page=requested_page(), per_page=PER_PAGE, error_out=False)
    return render_template("challenges/review_queue.html", page=page)


# Reading ------------------------------------------------------------------------------------------

@bp.get("/<int:challenge_id>")
def show(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    questions = [question for question in db.session.scalars(
        select(ClarificationQuestion).where(ClarificationQuestion.challenge_id == challenge.id)
        .order_by(ClarificationQuestion.answered_at.is_(None), ClarificationQuestion.answered_at.desc(),
                  ClarificationQuestion.asked_at))
        if question.can_view(current_user)]
    return render_template(
        "challenges/show.html", challenge=challenge, questions=questions,
        ask_form=AskQuestionForm(), answer_form=AnswerForm(), note_form=NoteForm(), cancel_form=CancelForm(),
        attachment_form=AttachmentForm())


@bp.route("/<int:challenge_id>/nda", methods=["GET", "POST"])
@login_required
def nda(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if challenge.can_view_confidential(current_user) and not current_user.is_venture:
        return _back(challenge, "confidential")
    form = AcceptNdaForm()
    if request.method == "POST":
        _allowed_or_403(challenge.can_accept_nda(current_user))
        if form.validate_on_submit():
            services.accept_nda(challenge, actor=current_user, ip=request.remote_addr)
            db.session.commit()
            flash(_("Thank you. The confidential part is now open to you."), "success")
            return _back(challenge, "confidential")
    return render_template("challenges/nda.html", challenge=challenge, form=form,
                           accepted=challenge.has_accepted_nda(current_user),
                           reference=services.nda_reference_translation(challenge, str(get_locale())))


@bp.get("/<int:challenge_id>/attachments/<int:attachment_id>")
def attachment(challenge_id: int, attachment_id: int):
    challenge = _visible_or_404(challenge_id)
    document = db.session.get(ChallengeAttachment, attachment_id)
    if document is None or not challenge.can_view_attachment(document, current_user):
        abort(404)
    return uploads.download(document.storage_key, document.filename)


# Posting and editing ------------------------------------------------------------------------------

def _challenge_form(challenge: Challenge | None = None) -> ChallengeForm:
    zone = select_timezone()
    if request.method == "POST":
        form = ChallengeForm()
    elif challenge is None:  # a new call starts from the default rubric, in the poster's language
        form = ChallengeForm(criteria=[{"name": str(name), "weight": weight} for name, weight in DEFAULT_RUBRIC])
    else:
        form = ChallengeForm(
            obj=challenge, deadline=utc_to_local(challenge.deadline, zone),
            trl=str(challenge.trl or ""), nda_text=challenge.current_nda.body,
            budget=Money.stored(challenge.budget_minor, challenge.currency),
            currency=challenge.currency.value if challenge.currency else None,
            fields=[f.value for f in challenge.fields],
            funding_sources=[s.value for s in challenge.funding_sources],
            questions=[{"text": q.text, "required": q.required, "max_length": q.max_length}
                       for q in challenge.questions],
            criteria=[{"name": c.name, "weight": c.weight} for c in challenge.criteria])
    while len(form.questions) < len([q for q in form.questions if q.form.text.data]) + EXTRA_QUESTION_ROWS \
            and len(form.questions) < form.questions.max_entries:
        form.questions.append_entry()
    while len(form.criteria) < len([c for c in form.criteria if c.form.name.data]) + EXTRA_CRITERION_ROWS \
            and len(form.criteria) < form.criteria.max_entries:
        form.criteria.append_entry()
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    programs = programs_for(current_user)
    _allowed_or_403(bool(programs))
    program = request.args.get("program")
    if program not in programs:
        if len(programs) > 1:
            return render_template("challenges/choose_program.html", programs=programs)
        program = programs[0]
    program = Program(program)
    form = _challenge_form()
    if request.method == "GET":
        form.language.data = current_user.locale if current_user.locale in {"en", "ja", "ko"} else "en"
        form.currency.data = "JPY" if program != Program.startup_support else "KRW"
        form.nda_text.data = services.default_nda_text(program, form.language.data)
    if form.validate_on_submit():
        try:
            challenge = services.create_challenge(
                actor=current_user, program=program, questions=form.question_rows(),
                criteria=form.criterion_rows(), nda_text=form.nda_text.data.strip(),
                **form.changes(select_timezone()))
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return _back(challenge)
    return render_template("challenges/form.html", form=form, program=program, challenge=None)


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    _allowed_or_403(challenge.can_edit(current_user))
    zone = select_timezone()
    is_open = challenge.takes_corrections_only
    if is_open:
        form = CorrectionForm() if request.method == "POST" else CorrectionForm(
            obj=challenge, deadline=utc_to_local(challenge.deadline, zone), nda_text=challenge.current_nda.body)
    else:
        form = _challenge_form(challenge)
    if form.validate_on_submit():
        extra = {} if is_open else {"questions": form.question_rows(), "criteria": form.criterion_rows()}
        try:
            changed = services.update_challenge(challenge, actor=current_user, nda_text=form.nda_text.data,
                                                **extra, **form.changes(zone))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif is_open:
                flash(_("Your corrections are published. Those following the challenge have been told."), "success")
            else:
                flash(_("Your changes are saved."), "success")
            return _back(challenge)
    return render_template("challenges/form.html", form=form, program=challenge.program, challenge=challenge,
                           correction=is_open)


# Workflow -----------------------------------------------------------------------------------------

def _act(challenge: Challenge, allowed: bool, action, message: str, form=None):
    return run_service(allowed, action, message, back=_back(challenge), form=form)


@bp.post("/<int:challenge_id>/submit")
@login_required
def submit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return _act(challenge, challenge.can_submit_for_review(current_user),
                lambda: services.submit_challenge(challenge, actor=current_user),
                _("Submitted. The partnership's staff will review it before it is published."))


@bp.post("/<int:challenge_id>/publish")
@login_required
def publish(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return _act(challenge, challenge.can_review_publication(current_user),
                lambda: services.publish_challenge(challenge, actor=current_user),
                _("The challenge is published and open for proposals."))


@bp.post("/<int:challenge_id>/request-changes")
@login_required
def request_changes(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    form = NoteForm()
    return _act(challenge, challenge.can_review_publication(current_user),
                lambda: services.request_changes(challenge, actor=current_user, note=form.note.data),
                _("The challenge went back to its poster with your note."), form)


@bp.post("/<int:challenge_id>/cancel")
@login_required
def cancel(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    form = CancelForm()
    return _act(challenge, challenge.can_cancel(current_user),
                lambda: services.cancel_challenge(challenge, actor=current_user, reason=form.reason.data),
                _("The challenge is cancelled."), form)


@bp.post("/<int:challenge_id>/award")
@login_required
def award(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return _act(challenge, challenge.can_award(current_user),
                lambda: services.award_challenge(challenge, actor=current_user),
                _("The challenge is marked as awarded."))


# Questions ------------------------------------------------------------------------------------------

@bp.post("/<int:challenge_id>/questions")
@login_required
def ask(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    form = AskQuestionForm()
    return _act(challenge, challenge.can_ask_question(current_user),
                lambda: services.ask_question(challenge, actor=current_user, body=form.body.data),
                _("Your question was sent. The answer will be published here without your name."), form)


@bp.post("/<int:challenge_id>/questions/<int:question_id>/answer")
@login_required
def answer(challenge_id: int, question_id: int):
    challenge = _visible_or_404(challenge_id)
    question = db.session.get(ClarificationQuestion, question_id)
    if question is None or question.challenge_id != challenge.id or not question.can_view(current_user):
        abort(404)
    form = AnswerForm()
    return _act(challenge, question.can_answer(current_user),
                lambda: services.answer_question(question, actor=current_user, answer=form.answer.data),
                _("Your answer is published."), form)


# Attachments ------------------------------------------------------------------------------------

@bp.post("/<int:challenge_id>/attachments")
@login_required
def upload(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    form = AttachmentForm()
    return _act(challenge, challenge.can_manage_attachments(current_user),
                lambda: services.add_attachment(challenge, actor=current_user, upload=form.file.data,
                                                confidential=form.confidential.data),
                _("The file is attached."), form)


@bp.post("/<int:challenge_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(challenge_id: int, attachment_id: int):
    challenge = _visible_or_404(challenge_id)
    document = db.session.get(ChallengeAttachment, attachment_id)
    if document is None or not challenge.can_view_attachment(document, current_user):
        abort(404)
    _allowed_or_403(challenge.can_manage_attachments(current_user))
    key = services.remove_attachment(document, actor=current_user)
    db.session.commit()
    uploads.discard(key)  # only once the row is gone for good
    flash(_("The file was removed."), "success")
    return _back(challenge)
