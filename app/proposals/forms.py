"""Shapes of the proposal forms. Whether a proposal may be changed, and what submission needs,
is decided in models and services."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import FormField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.challenges.models import TRL_LEVELS
from app.common.forms import MILESTONE_WINDOW, CalendarDateField, KakehashiForm, MoneyField, RowForm, RowList
from app.common.money import Currency, Money
from app.common.names import language_name

EXTRA_MILESTONE_ROWS = 3
MAX_MILESTONES = 20


def normalize_newlines(value):
    """Browsers send a textarea's line breaks as CRLF but count them as one character against
    maxlength: count them the same way here."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _stripped(value) -> str:
    return (value or "").strip()


class MilestoneRow(RowForm):
    due_on = CalendarDateField(_l("Due date"), format="%Y-%m-%d", validators=[Optional(), MILESTONE_WINDOW])
    title = StringField(_l("Milestone"), validators=[Optional(), Length(max=300)])

    def validate_title(self, field):
        if _stripped(field.data) and self.due_on.data is None and not self.due_on.errors:
            raise ValidationError(_l("Give this milestone a due date."))

    def validate_due_on(self, field):
        if field.data is not None and not _stripped(self.title.data):
            raise ValidationError(_l("Say what is delivered by this date, or clear the date."))


def _language_field():
    """The language the proposal is written in, among those its call accepts (set per call by
    ``with_languages``); the service refuses any other. Left out of a post, the language stays."""
    return SelectField(_l("Written in"), choices=[], validate_choice=False, validators=[Optional(), Length(max=2)])


class LanguageChoice:
    def with_languages(self, languages: list[str]):
        self.language.choices = [(code, language_name(code)) for code in languages]
        return self

    def chosen_language(self) -> str | None:
        return self.language.data or None


class NewProposalForm(LanguageChoice, KakehashiForm):
    title = StringField(_l("Working title of your proposal"), validators=[DataRequired(), Length(max=200)])
    language = _language_field()


class ProposalForm(LanguageChoice, KakehashiForm):
    """The whole proposal; ``proposal_form`` adds one answer field per question of the challenge."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    language = _language_field()
    summary = TextAreaField(_l("Summary"), filters=[normalize_newlines], validators=[Optional(), Length(max=2000)])
    approach = TextAreaField(_l("Approach"), filters=[normalize_newlines], validators=[Optional(), Length(max=50000)])
    team = TextAreaField(_l("Team"), filters=[normalize_newlines], validators=[Optional(), Length(max=10000)])
    trl = SelectField(_l("Technology readiness level"), coerce=str,
                      choices=[("", _l("Not stated"))] + [(str(n), f"TRL {n}") for n in TRL_LEVELS])
    budget = MoneyField(_l("Budget requested"), validators=[Optional(), Length(max=24)],
                        message=_l("Enter an amount such as 50000000 (or 1500.50 in USD)."))
    currency = SelectField(_l("Currency"), choices=[(c.value, c.value) for c in Currency])
    milestones = RowList(FormField(MilestoneRow), min_entries=EXTRA_MILESTONE_ROWS, max_entries=MAX_MILESTONES)
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Save and submit"))

    questions: list = []

    def answer_field(self, question):
        return self[f"answer_{question.id}"]

    def changes(self) -> dict:
        """What update_proposal takes as ``changes``."""
        changes = {
            "title": _stripped(self.title.data), "summary": _stripped(self.summary.data),
            "approach": _stripped(self.approach.data), "team": _stripped(self.team.data),
            "trl": int(self.trl.data) if self.trl.data else None,
            "budget_minor": self.budget.minor, "currency": self.budget.currency,
        }
        if language := self.chosen_language():
            changes["language"] = language
        return changes

    def answers(self) -> dict[int, str]:
        return {question.id: self.answer_field(question).data or "" for question in self.questions}

    def milestone_rows(self) -> list:
        return [(row.form.due_on.data, _stripped(row.form.title.data))
                for row in self.milestones if _stripped(row.form.title.data)]

    def add_empty_milestone_rows(self) -> None:
        """A few empty rows after the filled ones, as many as the form allows."""
        filled = len([row for row in self.milestones if _stripped(row.form.title.data) or row.form.due_on.data])
        while len(self.milestones) < min(filled + EXTRA_MILESTONE_ROWS, MAX_MILESTONES):
            self.milestones.append_entry()


def proposal_form(questions, proposal=None, *, default_currency: str = Currency.KRW.value,
                  languages: list[str] = ()) -> ProposalForm:
    """A ProposalForm with one answer per question of the challenge, and the call's ``languages`` to
    write in; filled from ``proposal`` when the page is first shown (a POST reads what was sent)."""

    class ChallengeProposalForm(ProposalForm):
        pass

    for question in questions:
        setattr(ChallengeProposalForm, f"answer_{question.id}", TextAreaField(
            question.text, filters=[normalize_newlines],
            validators=[Optional(), Length(max=question.max_length)]))
    ChallengeProposalForm.questions = list(questions)
    data = None
    if proposal is not None:
        data = {
            "title": proposal.title, "summary": proposal.summary, "approach": proposal.approach,
            "team": proposal.team, "language": proposal.language, "trl": str(proposal.trl or ""),
            "budget": Money.stored(proposal.budget_minor, proposal.currency),
            "currency": proposal.currency.value if proposal.currency else default_currency,
            "milestones": [{"due_on": m.due_on, "title": m.title} for m in proposal.milestones],
        } | {f"answer_{question.id}": proposal.answer_to(question) for question in questions}
    form = ChallengeProposalForm(data=data)
    form.with_languages(list(languages))
    form.add_empty_milestone_rows()
    return form


MAX_TRANSLATED_ANSWER = 20000  # a translation runs longer than its original: not the question's own limit


class ProposalTranslationForm(KakehashiForm):
    """A proposal's text in one more language; ``proposal_translation_form`` adds one answer per question."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=400)])
    summary = TextAreaField(_l("Summary"), filters=[normalize_newlines], validators=[Optional(), Length(max=6000)])
    approach = TextAreaField(_l("Approach"), filters=[normalize_newlines], validators=[Optional(), Length(max=100000)])
    team = TextAreaField(_l("Team"), filters=[normalize_newlines], validators=[Optional(), Length(max=20000)])
    machine_draft = HiddenField()  # "1": the text began as a machine draft

    def answer_texts(self) -> dict[int, str]:
        return {int(name.removeprefix("answer_")): field.data or ""
                for name, field in self._fields.items() if name.startswith("answer_")}


def proposal_translation_form(questions, translation=None) -> ProposalTranslationForm:
    """Filled from ``translation`` when the page is first shown (a POST reads what was sent)."""

    class Form(ProposalTranslationForm):
        pass

    for question in questions:
        setattr(Form, f"answer_{question.id}", TextAreaField(
            question.text, filters=[normalize_newlines], validators=[Optional(), Length(max=MAX_TRANSLATED_ANSWER)]))
    data = None
    if translation is not None:
        data = {"title": translation.title, "summary": translation.summary, "approach": translation.approach,
                "team": translation.team, "machine_draft": "1" if translation.machine_draft else ""} | {
            f"answer_{q.id}": translation.answer_to(q) for q in questions}
    return Form(data=data)


class AttachmentForm(KakehashiForm):
    file = FileField(_l("PDF file"), validators=[FileRequired(message=_l("Choose a PDF file."))])
