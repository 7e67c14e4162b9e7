"""Shapes of the review forms. Who may do what, and when, is decided in models and services."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.common.forms import KakehashiForm, coerce_id
from app.proposals.models import ProposalState
from app.review.models import SCORES, Recommendation
from app.review.services import ProposalDecision

MAX_BULK = 200  # proposals in one bulk decision: a page of the ranking and then some


def _int_or_none(value):
    if value in (None, ""):
        return None
    return coerce_id(value)


class ConflictAnswerForm(KakehashiForm):
    answer = SelectField(choices=[("none", _l("I have no conflict")), ("conflict", _l("I have a conflict"))],
                         validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (optional, seen by staff)"), validators=[Optional(), Length(max=500)])


class ReviewForm(KakehashiForm):
    """The overall part; ``review_form`` adds a score and a remark per rubric criterion."""

    comment = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=20000)])
    recommendation = SelectField(_l("Recommendation"), validators=[Optional()],
                                 choices=[("", _l("Choose…"))] + Recommendation.choices())
    save = SubmitField(_l("Save"))
    submit = SubmitField(_l("Submit review"))

    criteria: list = []

    def score_field(self, criterion):
        return self[f"score_{criterion.id}"]

    def remark_field(self, criterion):
        return self[f"remark_{criterion.id}"]

    def scores(self) -> dict[int, tuple[int | None, str]]:
        """What save_review takes: {criterion id: (score or None, remark)}."""
        return {criterion.id: (self.score_field(criterion).data, self.remark_field(criterion).data or "")
                for criterion in self.criteria}


def review_form(criteria, review=None) -> ReviewForm:
    """A ReviewForm with one 1–5 choice and one remark per criterion, filled from ``review``."""

    class RubricReviewForm(ReviewForm):
        pass

    data = {}
    for criterion in criteria:
        setattr(RubricReviewForm, f"score_{criterion.id}", RadioField(
            criterion.name, choices=[(n, str(n)) for n in SCORES], coerce=_int_or_none, validators=[Optional()]))
        setattr(RubricReviewForm, f"remark_{criterion.id}", TextAreaField(
            _l("Comment on %(criterion)s", criterion=criterion.name), validators=[Optional(), Length(max=5000)]))
        if review is not None and (score := review.score_for(criterion)) is not None:
            data[f"score_{criterion.id}"], data[f"remark_{criterion.id}"] = score.score, score.comment
    if review is not None:
        data["comment"] = review.comment
        data["recommendation"] = str(review.recommendation) if review.recommendation else ""
    RubricReviewForm.criteria = list(criteria)
    return RubricReviewForm(data=data)


class AssignReviewerForm(KakehashiForm):
    """``reviewer_id`` choices are the proposal's eligible reviewers, set by the view."""

    reviewer_id = SelectField(_l("Reviewer"), coerce=_int_or_none, validators=[InputRequired()])


class DecisionRequestForm(KakehashiForm):
    target = SelectField(_l("Decision"), choices=ProposalDecision.choices(), validators=[InputRequired()])
    note = TextAreaField(_l("Note (required to decline or ask for a revision; the venture reads it)"),
                         validators=[Optional(), Length(max=2000)])

    @property
    def target_state(self) -> ProposalState:
        return ProposalState(self.target.data)


class BulkDecisionForm(DecisionRequestForm):
    proposal_ids = SelectMultipleField(coerce=coerce_id, validate_choice=False,
                                       validators=[DataRequired(message=_l("Select at least one proposal."))])

    def validate_proposal_ids(self, field):
        if len(field.data or []) > MAX_BULK:
            raise ValidationError(_l("Select at most %(count)d proposals at once.", count=MAX_BULK))


class ProposalConflictForm(KakehashiForm):
    """“I have a conflict with this proposal's team”: the proposal names the team."""

    reason = TextAreaField(_l("Reason (optional, seen by staff)"), validators=[Optional(), Length(max=500)])


class ConflictWithdrawalForm(KakehashiForm):
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[DataRequired(), Length(max=500)])


class ConflictForm(KakehashiForm):
    """A conflict is with one venture or with one person (by e-mail address), never both."""

    organization_id = SelectField(_l("Venture"), coerce=_int_or_none, validators=[Optional()])
    email = EmailField(_l("or a person, by e-mail address"), validators=[Optional(), Email(), Length(max=254)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if bool(self.organization_id.data) == bool((self.email.data or "").strip()):
            self.organization_id.errors.append(_l("Choose a venture or give an e-mail address, not both."))
            return False
        return True
