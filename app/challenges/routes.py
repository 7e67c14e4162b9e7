"""Challenge pages. Load or 404, check or 403, validate, call one service, commit, redirect."""
import functools

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload, undefer
from werkzeug.local import LocalProxy

from app.auth.decorators import staff_required
from app.auth.models import User
from app.challenges import bp, search, services, translating
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
    translation_form,
    utc_to_local,
)
from app.challenges.models import (
    DEFAULT_RUBRIC,
    WRITTEN_LANGUAGES,
    Challenge,
    ChallengeAttachment,
    ClarificationQuestion,
    ConfidentialAccess,
    Program,
    awaiting_publication,
    posted_by,
    programs_for,
    untranslated,
)
from app.challenges.translations import ChallengeTranslation
from app.common import cache, machine_translation, uploads
from app.common.i18n import current_zone, select_timezone
from app.common.money import Money
from app.common.names import language_name
from app.common.pagination import Page, requested_page
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.common.views import MACHINE_DRAFTS_PER_HOUR, attempt, per_user, require, run_service, visible_or_404
from app.extensions import db, limiter

PER_PAGE = 20


def _back(challenge: Challenge, anchor: str | None = None):
    return redirect(url_for(".show", challenge_id=challenge.id, _anchor=anchor))


# Finding ------------------------------------------------------------------------------------------

@bp.record_once
def _drop_the_listing_on_commit(_state):
    cache.drop_on_commit(search.LISTING_CACHE, *search.LISTED_TABLES)


@bp.get("/")
def index():
    """The published calls, filtered and searched. The page of results is the same for every reader of
    a language and zone in the same minute: it comes from search.LISTING_CACHE for up to
    LISTING_CACHE_SECONDS; the menus and the "post a call" button are the reader's own, every time."""
    args = request.args
    program = args.get("program") if args.get("program") in Program.__members__ else None
    field = args.get("field") if args.get("field") in Field.__members__ else None
    status = args.get("status") if args.get("status") in search.STATUSES else "open"
    sort = args.get("sort") if args.get("sort") in search.SORTS else None
    country = (args.get("country") or "").upper()[:2] or None
    q = (args.get("q") or "").strip()[:200]
    sort = sort or ("relevance" if q else "deadline")
    filters = dict(q=q, program=program, field=field, status=status, country=country, sort=sort,
                   page=requested_page(), per_page=PER_PAGE)
    language = str(get_locale())

    def render_results():
        page = search.find_challenges(user=current_user, reader_language=language, **filters)
        html = render_template("challenges/_results.html", page=page) if page.total else Markup()
        return Markup(html), Page(items=[], total=page.total, page=page.page, per_page=page.per_page)

    key = search.listing_key(user=current_user, language=language, zone=str(current_zone()), now=utcnow(),
                             **filters)
    results, page = search.LISTING_CACHE.fetch(key, render_results,
                                               max_age=current_app.config["LISTING_CACHE_SECONDS"])
    return render_template("challenges/index.html", results=results, page=page, q=q, program=program,
                           field=field, status=status, sort=sort, country=country,
                           can_post=bool(programs_for(current_user)))


@bp.get("/mine")
@login_required
def mine():
    """The poster's calls in every state, with the number of proposals in each state (the page asks
    proposals' template global proposal_counts)."""
    require(bool(programs_for(current_user)))
    page = db.paginate(posted_by(current_user.organization_id), page=requested_page(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("challenges/mine.html", page=page)


@bp.get("/review")
@staff_required
def review_queue():
    """Staff: calls waiting for publication."""
    page = db.paginate(awaiting_publication(), page=requested_page(), per_page=PER_PAGE, error_out=False)
    return render_template("challenges/review_queue.html", page=page)


@bp.get("/translations")
@staff_required
def translations():
    """Staff: calls in review or open that miss a language, to broker their translation."""
    language = request.args.get("language") if request.args.get("language") in WRITTEN_LANGUAGES else None
    page = db.paginate(untranslated(language), page=requested_page(), per_page=PER_PAGE, error_out=False)
    return render_template("challenges/translations.html", page=page, language=language,
                           languages=WRITTEN_LANGUAGES)


# Reading ------------------------------------------------------------------------------------------

def _shown_text(challenge: Challenge):
    """The call in the reader's language, or its original when they asked for it (?original=1)."""
    wanted = challenge.language if request.args.get("original") == "1" else str(get_locale())
    return challenge.text_in(wanted)


# The call's translations load with it with their long texts and, of whoever wrote each, the
# organisation only (the page says whether the poster or the staff translated): two statements fewer.
# Its fields, funding sources, questions, criteria, files and NDA versions load when the page reads
# them, one statement each as a selectinload would send, for less work than the option's.
SHOW_LOADING = (selectinload(Challenge.translations).options(
    undefer(ChallengeTranslation.description), undefer(ChallengeTranslation.confidential),
    joinedload(ChallengeTranslation.written_by, innerjoin=True).load_only(User.organization_id)
    .lazyload(User.organization)),)


@bp.get("/<int:challenge_id>")
def show(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, options=SHOW_LOADING)
    return render_template(
        "challenges/show.html", challenge=challenge, text=_shown_text(challenge),
        questions=challenge.questions_seen_by(current_user), ConfidentialAccess=ConfidentialAccess,
        ask_form=_built_when_read(AskQuestionForm), answer_form=_built_when_read(AnswerForm),
        note_form=_built_when_read(NoteForm), cancel_form=_built_when_read(CancelForm),
        attachment_form=_built_when_read(AttachmentForm))


def _built_when_read(form_class) -> LocalProxy:
    """The form, built the first time the page reads it: the page shows each of its forms only to
    those its predicates allow, and most readers are shown none."""
    return LocalProxy(functools.cache(form_class))


@bp.route("/<int:challenge_id>/nda", methods=["GET", "POST"])
@login_required
def nda(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    if challenge.can_view_confidential(current_user) and not current_user.is_venture:
        return _back(challenge, "confidential")
    form = AcceptNdaForm()
    # The reader's language, when the poster or staff have issued the NDA in it; else the original,
    # which is then the text that binds (?original=1 shows the original beside a translation).
    shown = challenge.current_nda
    if request.args.get("original") != "1":
        shown = challenge.nda_in(str(get_locale())) or shown
    if request.method == "POST":
        require(challenge.can_accept_nda(current_user))
        if form.validate_on_submit() and attempt(
                lambda: services.accept_nda(challenge, actor=current_user, ip=request.remote_addr,
                                            version_id=form.version.data),
                denied_is_403=False).done:
            flash(_("Thank you. The confidential part is now open to you."), "success")
            return _back(challenge, "confidential")
    form.version.data = shown.id if shown else None
    return render_template("challenges/nda.html", challenge=challenge, form=form, nda=shown,
                           accepted=challenge.accepted_current_nda(current_user),
                           reference=None if shown is not challenge.current_nda
                           else services.nda_reference_translation(challenge, str(get_locale())))


@bp.route("/<int:challenge_id>/translations/<any(en, ja, ko):language>", methods=["GET", "POST"])
@login_required
def translate(challenge_id: int, language: str):
    """The poster or staff write the call in one more language: every part on one page, the
    original beside each field."""
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_translate(current_user))
    if language == challenge.language:
        return redirect(url_for(".edit", challenge_id=challenge.id))
    existing = challenge.translation(language)
    nda = challenge.nda_in(language) if challenge.current_nda else None
    nda = nda if nda is not None and not nda.is_original else None
    if request.method == "POST" or existing is None:
        form = translation_form(challenge, nda=nda.body if nda else None)
    else:
        text = challenge.text_in(language)
        form = translation_form(
            challenge, obj=existing, nda=nda.body if nda else None, machine_draft="1" if existing.machine_draft else "",
            **{f"question_{q.id}": text.question(q) for q in challenge.questions if text.question(q) != q.text},
            **{f"criterion_{c.id}": text.criterion(c) for c in challenge.criteria if text.criterion(c) != c.name})
    if form.validate_on_submit():
        outcome = attempt(lambda: translating.save_translation(
            challenge, actor=current_user, language=language, title=form.title.data.strip(),
            summary=form.summary.data.strip(), description=form.description.data.strip(),
            confidential=(form.confidential.data or "").strip(), questions=form.question_texts(),
            criteria=form.criterion_names(), nda=form.nda.data or "",
            machine_draft=form.machine_draft.data == "1"), denied_is_403=False)
        if outcome.done:
            flash(_("The %(language)s translation is saved. Readers of %(language)s now see it.",
                    language=language_name(language)), "success")
            return _back(challenge)
    return _translation_page(challenge, language, form)


def _translation_page(challenge: Challenge, language: str, form):
    nda = challenge.nda_in(language) if challenge.current_nda else None
    return render_template("challenges/translate.html", challenge=challenge, form=form, language=language,
                           translation=challenge.translation(language),
                           nda=nda if nda is not None and not nda.is_original else None,
                           machine_drafts=machine_translation.is_available())


@bp.post("/<int:challenge_id>/translations/<any(en, ja, ko):language>/machine-draft")
@login_required
@limiter.limit(MACHINE_DRAFTS_PER_HOUR, key_func=per_user)
def machine_draft(challenge_id: int, language: str):
    """The translation form as posted, its empty fields filled by DeepL, for the person to review and
    save; nothing is saved here. Without DEEPL_AUTH_KEY there is no such button, and no such page."""
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_translate(current_user))
    if not machine_translation.is_available() or language == challenge.language:
        abort(404)
    form = translation_form(challenge)
    written = {name: field.data or "" for name, field in form._fields.items() if name != "csrf_token"}
    outcome = attempt(lambda: translating.machine_draft(challenge, actor=current_user, language=language,
                                                        written=written), denied_is_403=False)
    if outcome.done:
        drafts, held_back = outcome.result
        for name, text in drafts.items():
            form[name].data = text
        if drafts:
            form.machine_draft.data = "1"
        elif not held_back:
            flash(_("Every field already has text, so nothing was sent. Empty the fields you want drafted."), "info")
        if held_back:
            flash(_("The confidential part and the NDA were not sent to DeepL: the posting organisation has not "
                    "allowed machine translation of its confidential text. Translate them yourself."), "warning")
    return _translation_page(challenge, language, form)


@bp.get("/<int:challenge_id>/attachments/<int:attachment_id>")
def attachment(challenge_id: int, attachment_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    document = _attachment_or_404(challenge, attachment_id)
    return uploads.download(document.storage_key, document.filename)


# Posting and editing ------------------------------------------------------------------------------

def _prefilled(form_class, challenge: Challenge, **shown):
    """The form filled from ``challenge``, with ``shown`` values where the stored ones are not what
    the poster reads (the deadline in their time zone, the TRL as its choice). WTForms prefers an
    object's attribute to a keyword of the same name, so those are set after."""
    form = form_class(obj=challenge, **shown)
    for name, value in shown.items():
        if name in form and getattr(challenge, name, None) is not None:
            form[name].process(None, value)
    return form


def _challenge_form(challenge: Challenge | None = None) -> ChallengeForm:
    zone = select_timezone()
    if request.method == "POST":
        form = ChallengeForm()
    elif challenge is None:  # a new call starts from the default rubric, in the poster's language
        form = ChallengeForm(criteria=[{"name": str(name), "weight": weight} for name, weight in DEFAULT_RUBRIC])
    else:
        form = _prefilled(
            ChallengeForm, challenge, deadline=utc_to_local(challenge.deadline, zone),
            trl=str(challenge.trl or ""), nda_text=challenge.current_nda.body,
            budget=Money.stored(challenge.budget_minor, challenge.currency),
            currency=challenge.currency.value if challenge.currency else None,
            fields=[f.value for f in challenge.fields],
            funding_sources=[s.value for s in challenge.funding_sources],
            proposal_languages=challenge.proposal_language_list,
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
    require(bool(programs))
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
        outcome = attempt(lambda: services.create_challenge(
            actor=current_user, program=program, questions=form.question_rows(), criteria=form.criterion_rows(),
            nda_text=form.nda_text.data.strip(), **form.changes(select_timezone())), denied_is_403=False)
        if outcome.done:
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return _back(outcome.result)
    return render_template("challenges/form.html", form=form, program=program, challenge=None)


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_edit(current_user))
    zone = select_timezone()
    is_open = challenge.takes_corrections_only
    if is_open:
        form = CorrectionForm() if request.method == "POST" else _prefilled(
            CorrectionForm, challenge, deadline=utc_to_local(challenge.deadline, zone),
            nda_text=challenge.current_nda.body)
    else:
        form = _challenge_form(challenge)
    if form.validate_on_submit():
        extra = {} if is_open else {"questions": form.question_rows(), "criteria": form.criterion_rows()}
        outcome = attempt(lambda: services.update_challenge(
            challenge, actor=current_user, nda_text=form.nda_text.data, **extra, **form.changes(zone)),
            denied_is_403=False)
        if outcome.done:
            if not outcome.result:
                flash(_("Nothing was changed."), "info")
            elif is_open:
                flash(_("Your corrections are published. Those following the challenge have been told."), "success")
            else:
                flash(_("Your changes are saved."), "success")
            return _back(challenge)
    return render_template("challenges/form.html", form=form, program=challenge.program, challenge=challenge,
                           correction=is_open)


# Workflow -----------------------------------------------------------------------------------------

@bp.post("/<int:challenge_id>/submit")
@login_required
def submit(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_submit_for_review(current_user))
    return run_service(lambda: services.submit_challenge(challenge, actor=current_user),
                       _("Submitted. The partnership's staff will review it before it is published."),
                       back=_back(challenge))


@bp.post("/<int:challenge_id>/publish")
@login_required
def publish(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_review_publication(current_user))
    return run_service(lambda: services.publish_challenge(challenge, actor=current_user),
                       _("The challenge is published and open for proposals."), back=_back(challenge))


@bp.post("/<int:challenge_id>/request-changes")
@login_required
def request_changes(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_review_publication(current_user))
    form = NoteForm()
    return run_service(lambda: services.request_changes(challenge, actor=current_user, note=form.note.data),
                       _("The challenge went back to its poster with your note."), back=_back(challenge), form=form)


@bp.post("/<int:challenge_id>/cancel")
@login_required
def cancel(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_cancel(current_user))
    form = CancelForm()
    return run_service(lambda: services.cancel_challenge(challenge, actor=current_user, reason=form.reason.data),
                       _("The challenge is cancelled."), back=_back(challenge), form=form)


@bp.post("/<int:challenge_id>/award")
@login_required
def award(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_award(current_user))
    return run_service(lambda: services.award_challenge(challenge, actor=current_user),
                       _("The challenge is marked as awarded."), back=_back(challenge))


# Questions ------------------------------------------------------------------------------------------

@bp.post("/<int:challenge_id>/questions")
@login_required
def ask(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_ask_question(current_user))
    form = AskQuestionForm()
    return run_service(lambda: services.ask_question(challenge, actor=current_user, body=form.body.data),
                       _("Your question was sent. The answer will be published here without your name."),
                       back=_back(challenge), form=form)


@bp.post("/<int:challenge_id>/questions/<int:question_id>/answer")
@login_required
def answer(challenge_id: int, question_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    question = visible_or_404(ClarificationQuestion, question_id,
                              visible=lambda question: question.challenge_id == challenge.id
                              and question.can_view(current_user))
    require(question.can_answer(current_user))
    form = AnswerForm()
    return run_service(lambda: services.answer_question(question, actor=current_user, answer=form.answer.data),
                       _("Your answer is published."), back=_back(challenge), form=form)


# Attachments ------------------------------------------------------------------------------------

def _attachment_or_404(challenge: Challenge, attachment_id: int) -> ChallengeAttachment:
    return visible_or_404(ChallengeAttachment, attachment_id,
                          visible=lambda document: challenge.can_view_attachment(document, current_user))


@bp.post("/<int:challenge_id>/attachments")
@login_required
def upload(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(challenge.can_manage_attachments(current_user))
    form = AttachmentForm()
    return run_service(lambda: services.add_attachment(challenge, actor=current_user, upload=form.file.data,
                                                       confidential=form.confidential.data),
                       _("The file is attached."), back=_back(challenge), form=form)


@bp.post("/<int:challenge_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(challenge_id: int, attachment_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    document = _attachment_or_404(challenge, attachment_id)
    require(challenge.can_manage_attachments(current_user))
    back = _back(challenge)
    outcome = attempt(lambda: services.remove_attachment(document, actor=current_user), back=back)
    if outcome.done:
        uploads.discard(outcome.result)  # only once the row is gone for good
        flash(_("The file was removed."), "success")
    return back
