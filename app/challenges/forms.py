"""Shapes of the challenge forms. Rules about state and role live in models and services."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.challenges.models import TRL_LEVELS, WRITTEN_LANGUAGES, FundingSource
from app.common.forms import (
    DEADLINE_WINDOW,
    KakehashiForm,
    MoneyField,
    MultiCheckboxField,
    RowForm,
    RowList,
)
from app.common.money import Currency
from app.common.names import language_name
from app.common.taxonomy import Field

EXTRA_QUESTION_ROWS = 3
EXTRA_CRITERION_ROWS = 2


def local_to_utc(moment: datetime, zone: str) -> datetime:
    """A datetime-local value means the poster's own clock."""
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc_to_local(moment: datetime, zone: str) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:  # a legacy far date (year 1, 9999) this zone's clock cannot show: as UTC
        local = moment
    return local.replace(tzinfo=None, second=0, microsecond=0)


class QuestionRow(RowForm):
    text = StringField(_l("Question"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("Required"), default=True)
    max_length = IntegerField(_l("Length limit (characters)"), default=2000,
                              validators=[Optional(), NumberRange(min=100, max=20000)])


class CriterionRow(RowForm):
    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=200)])
    weight = IntegerField(_l("Weight"), validators=[Optional(), NumberRange(min=1, max=100)])


def _deadline_field():
    return DateTimeLocalField(_l("Deadline"), format="%Y-%m-%dT%H:%M", validators=[
        DataRequired(message=_l("Enter a date and time.")), DEADLINE_WINDOW])


class CorrectionForm(KakehashiForm):
    """What an open call may still change: its text, a later deadline, the NDA."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=1000)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=50000)])
    confidential = TextAreaField(_l("Confidential part"), validators=[Optional(), Length(max=50000)])
    deadline = _deadline_field()
    nda_text = TextAreaField(_l("Non-disclosure agreement"), validators=[DataRequired(), Length(max=20000)])

    def changes(self, zone: str) -> dict:
        return {"title": self.title.data.strip(), "summary": self.summary.data.strip(),
                "description": self.description.data.strip(), "confidential": (self.confidential.data or "").strip(),
                "deadline": local_to_utc(self.deadline.data, zone)}


class ChallengeForm(CorrectionForm):
    fields = MultiCheckboxField(_l("Fields of activity"), choices=Field.choices(),
                                validators=[DataRequired(message=_l("Choose at least one field."))])
    language = SelectField(_l("Written in"),
                           choices=lambda: [(code, language_name(code)) for code in WRITTEN_LANGUAGES])
    proposal_languages = MultiCheckboxField(
        _l("Proposals may be written in"), default=list(WRITTEN_LANGUAGES),
        choices=lambda: [(code, language_name(code)) for code in WRITTEN_LANGUAGES],
        validators=[DataRequired(message=_l("Choose at least one language proposals may be written in."))])
    trl = SelectField(_l("Technology readiness level sought"), coerce=str,
                      choices=[("", _l("Any"))] + [(str(n), f"TRL {n}") for n in TRL_LEVELS])
    budget = MoneyField(_l("Budget or award"), validators=[Optional(), Length(max=24)])
    currency = SelectField(_l("Currency"), choices=[(c.value, c.value) for c in Currency])
    funding_sources = MultiCheckboxField(_l("Funding offered"), choices=FundingSource.choices())
    blind_review = BooleanField(_l("Blind review: hide the ventures' names from reviewers"))
    questions = RowList(FormField(QuestionRow), min_entries=EXTRA_QUESTION_ROWS, max_entries=30)
    criteria = RowList(FormField(CriterionRow), min_entries=EXTRA_CRITERION_ROWS, max_entries=15)

    def validate_criteria(self, field):
        for row in field:
            if row.form.name.data and row.form.name.data.strip() and not row.form.weight.data:
                raise ValidationError(_l("Give every criterion a weight from 1 to 100."))

    def question_rows(self) -> list[dict]:
        return [{"text": row.form.text.data.strip(), "required": bool(row.form.required.data),
                 "max_length": row.form.max_length.data or 2000}
                for row in self.questions if row.form.text.data and row.form.text.data.strip()]

    def criterion_rows(self) -> list[dict]:
        return [{"name": row.form.name.data.strip(), "weight": row.form.weight.data}
                for row in self.criteria if row.form.name.data and row.form.name.data.strip()]

    def changes(self, zone: str) -> dict:
        return super().changes(zone) | {
            "fields": self.fields.data, "language": self.language.data,
            "trl": int(self.trl.data) if self.trl.data else None,
            "budget_minor": self.budget.minor, "currency": self.budget.currency,
            "funding_sources": self.funding_sources.data, "blind_review": self.blind_review.data,
            "proposal_languages": self.proposal_languages.data,
        }


class NoteForm(KakehashiForm):
    note = TextAreaField(_l("What should change"), validators=[DataRequired(), Length(max=5000)])


class CancelForm(KakehashiForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AcceptNdaForm(KakehashiForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])  # the NDA row the reader was shown
    agree = BooleanField(_l("I have read this agreement and accept it on behalf of my organisation."),
                         validators=[InputRequired(message=_l("Tick the box to accept the agreement."))])


class AskQuestionForm(KakehashiForm):
    body = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(min=5, max=3000)])


class AnswerForm(KakehashiForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=5000)])


class AttachmentForm(KakehashiForm):
    file = FileField(_l("PDF file"), validators=[FileRequired(message=_l("Choose a PDF file."))])
    confidential = BooleanField(_l("Confidential: only for those who accepted the NDA"), default=True)


class TranslationForm(KakehashiForm):
    """A call's text in one more language. Questions and criteria are added per call: see
    ``translation_form``; a blank one stays in the original."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=1000)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=50000)])
    confidential = TextAreaField(_l("Confidential part"), validators=[Optional(), Length(max=50000)])
    nda = TextAreaField(_l("Non-disclosure agreement"), validators=[Optional(), Length(max=50000)])
    machine_draft = HiddenField()

    def question_texts(self) -> dict[int, str]:
        return {int(name.removeprefix("question_")): field.data or ""
                for name, field in self._fields.items() if name.startswith("question_")}

    def criterion_names(self) -> dict[int, str]:
        return {int(name.removeprefix("criterion_")): field.data or ""
                for name, field in self._fields.items() if name.startswith("criterion_")}


def translation_form(challenge, **kwargs) -> TranslationForm:
    """The form for translating ``challenge``: one field per question and per rubric criterion."""

    class Form(TranslationForm):
        pass

    for question in challenge.questions:
        setattr(Form, f"question_{question.id}", TextAreaField(
            _l("Question %(n)s", n=question.position), validators=[Optional(), Length(max=500)]))
    for criterion in challenge.criteria:
        setattr(Form, f"criterion_{criterion.id}", StringField(
            _l("Criterion %(n)s", n=criterion.position), validators=[Optional(), Length(max=200)]))
    return Form(**kwargs)
