"""Shapes of the funding forms. Whether an award may be proposed, paid in or cancelled, and whether its
tranches add up and its currency fits its source, is the services' answer (shown on the form)."""
import re
import unicodedata
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import FormField, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.common.forms import (
    MILESTONE_WINDOW,
    CalendarDateField,
    DateWindow,
    KakehashiForm,
    MoneyField,
    RowForm,
    RowList,
)
from app.common.money import AmountTooLarge, Currency, to_minor_units
from app.common.taxonomy import country_choices
from app.funding.models import MAX_TRANCHES, AwardSource
from app.proposals.forms import normalize_newlines

MAX_EVIDENCE_FILES = 5
# In-kind support: days of use of iPark's facilities, at most about ten years of them.
MAX_IN_KIND_DAYS = 3660
# A bank's value date: recorded within a year after it, never more than a month ahead.
VALUE_DATE_WINDOW = DateWindow(past=timedelta(days=366), ahead=timedelta(days=31))
CURRENCY_CHOICES = [(currency.value, currency.value) for currency in Currency]
# ISO 9362: bank, country, location, and an optional branch.
RATE_MESSAGE = _l("Enter the rate as a number, such as 9.0132.")
BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def _stripped(value) -> str:
    return (value or "").strip()


def not_zero(message):
    """An amount or rate that must be more than nothing ("0", "0.00", "０" are nothing)."""
    def check(form, field):
        if field.data and re.fullmatch(r"[0.,\s]*", unicodedata.normalize("NFKC", field.data)):
            raise ValidationError(message)
    return check


def _compact_upper(value):
    """A code as people type it ('shbk kr se') as banks write it ('SHBKKRSE')."""
    return re.sub(r"[\s-]", "", value).upper() if isinstance(value, str) else value


class ActionForm(KakehashiForm):
    """A button alone: its CSRF token is the whole form."""


# Proposing an award -----------------------------------------------------------------------------------

class TrancheRow(RowForm):
    title = StringField(_l("Milestone"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=30)])
    due_on = CalendarDateField(_l("Due date"), format="%Y-%m-%d", validators=[Optional(), MILESTONE_WINDOW])

    def is_blank(self) -> bool:
        return not (_stripped(self.title.data) or _stripped(self.amount.data) or self.due_on.data or self.due_on.errors)


class AwardForm(KakehashiForm):
    """An award on a selected proposal: money in up to MAX_TRANCHES milestones (blank rows are ignored), or
    iPark's in-kind support. Once valid, ``tranche_rows()`` and ``amount.minor`` hold the amounts in the
    currency's minor units."""

    source = SelectField(_l("Source of funding"), choices=AwardSource.choices())
    currency = SelectField(_l("Currency"), choices=[("", _l("No money (in-kind support)")), *CURRENCY_CHOICES])
    amount = MoneyField(_l("Amount of the award"), validators=[Optional(), Length(max=30)])
    tranches = RowList(FormField(TrancheRow), min_entries=MAX_TRANCHES, max_entries=MAX_TRANCHES)
    in_kind_what = StringField(_l("What iPark provides"), validators=[Optional(), Length(max=200)])
    in_kind_where = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    in_kind_days = IntegerField(_l("Days of use"), validators=[Optional(), NumberRange(min=1, max=MAX_IN_KIND_DAYS)])
    in_kind_from = CalendarDateField(_l("From"), format="%Y-%m-%d", validators=[Optional(), MILESTONE_WINDOW])
    in_kind_until = CalendarDateField(_l("Until"), format="%Y-%m-%d", validators=[Optional(), MILESTONE_WINDOW])
    note = TextAreaField(_l("Note for the other institution"), filters=[normalize_newlines],
                         validators=[Optional(), Length(max=2000)])

    _tranche_rows: list | None = None
    tranches_error = None  # no milestone at all: said above the rows

    @property
    def is_in_kind(self) -> bool:
        return self.source.data == AwardSource.ipark_in_kind

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_in_kind:
            return self._validate_in_kind() and valid
        return self._validate_money(valid) and valid

    def _validate_in_kind(self) -> bool:
        missing = False
        if not _stripped(self.in_kind_what.data):
            self.in_kind_what.errors.append(_l("Say what iPark provides."))
            missing = True
        if self.in_kind_days.data is None and not self.in_kind_days.errors:
            self.in_kind_days.errors.append(_l("Say for how many days."))
            missing = True
        if self.in_kind_from.data and self.in_kind_until.data and self.in_kind_until.data < self.in_kind_from.data:
            self.in_kind_until.errors.append(_l("The end comes before the start."))
            missing = True
        return not missing

    def _validate_money(self, valid: bool) -> bool:
        currency = self.currency.data
        if currency not in set(Currency):
            if not self.currency.errors:
                self.currency.errors.append(_l("Choose the currency of the award."))
            return False
        if self.amount.minor is None and not self.amount.errors:
            self.amount.errors.append(_l("Enter the amount of the award."))
            valid = False
        rows = []
        for entry in self.tranches:
            row = entry.form
            if row.is_blank():
                continue
            title = _stripped(row.title.data)
            if not title:
                row.title.errors.append(_l("Give this milestone a title."))
                valid = False
            try:
                amount = to_minor_units(row.amount.data or "", currency)
            except AmountTooLarge:
                row.amount.errors.append(_l("This is more than any programme could fund."))
                valid = False
                continue
            except ValueError:
                row.amount.errors.append(_l("Enter the milestone's amount, such as 1000000."))
                valid = False
                continue
            rows.append((title, amount, row.due_on.data))
        if not rows:
            self.tranches_error = _l("Give at least one milestone with its amount.")
            valid = False
        self._tranche_rows = rows
        return valid

    def tranche_rows(self) -> list[tuple[str, int, object]]:
        """(title, amount in minor units, due date) of each filled row, in order."""
        return list(self._tranche_rows or [])

    def in_kind(self) -> dict:
        return {"what": _stripped(self.in_kind_what.data), "where": _stripped(self.in_kind_where.data) or None,
                "days": self.in_kind_days.data, "from": self.in_kind_from.data, "until": self.in_kind_until.data}


# Money in ---------------------------------------------------------------------------------------------

def _currency_of(form, currency: Currency | None) -> None:
    """The currency a form takes is the award's: the only choice offered or accepted."""
    if currency is not None:
        form.currency.choices = [(currency.value, currency.value)]


class BankReceiptForm(KakehashiForm):
    amount = MoneyField(_l("Amount received"), validators=[
        DataRequired(), Length(max=30), not_zero(_l("Enter the amount the bank received."))])
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=100)])

    def for_currency(self, currency: Currency | None) -> "BankReceiptForm":
        _currency_of(self, currency)
        return self


class CancelAwardForm(KakehashiForm):
    reason = TextAreaField(_l("Reason"), filters=[normalize_newlines], validators=[DataRequired(), Length(max=2000)])


# Evidence and payouts ------------------------------------------------------------------------------------

class EvidenceForm(KakehashiForm):
    report = TextAreaField(_l("Report on the milestone"), filters=[normalize_newlines],
                           validators=[DataRequired(), Length(max=20000)])
    files = MultipleFileField(_l("Files (PDF, up to %(count)d)", count=MAX_EVIDENCE_FILES))

    def validate_files(self, field):
        if len(self.uploads()) > MAX_EVIDENCE_FILES:
            raise ValidationError(_l("Attach at most %(count)d files.", count=MAX_EVIDENCE_FILES))

    def uploads(self) -> list:
        """The files chosen (a file input left empty sends a part without a name)."""
        return [upload for upload in (self.files.data or []) if getattr(upload, "filename", "")]


class RemittanceForm(KakehashiForm):
    """What the bank confirmed for one remittance."""

    sent_amount = MoneyField(_l("Amount sent"), currency_field="sent_currency", validators=[
        DataRequired(), Length(max=30), not_zero(_l("Enter the amount the bank sent."))])
    sent_currency = SelectField(_l("Currency sent"), choices=CURRENCY_CHOICES)
    received_amount = MoneyField(_l("Amount received by the venture"), currency_field="received_currency",
                                 validators=[DataRequired(), Length(max=30),
                                             not_zero(_l("Enter the amount the venture received."))])
    received_currency = SelectField(_l("Currency received"), choices=CURRENCY_CHOICES)
    rate = StringField(_l("Exchange rate (received per sent)"), validators=[
        DataRequired(), Length(max=30), not_zero(RATE_MESSAGE),
        Regexp(r"^[0-9]{1,12}(\.[0-9]{1,12})?$", message=RATE_MESSAGE)])
    fee = MoneyField(_l("Bank fee (in the currency sent)"), currency_field="sent_currency",
                     validators=[Optional(), Length(max=30)])
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=100)])
    value_date = CalendarDateField(_l("Value date"), format="%Y-%m-%d", validators=[DataRequired(), VALUE_DATE_WINDOW])


class DisbursementForm(KakehashiForm):
    """What MSS disbursed from its own programme for one tranche."""

    amount = MoneyField(_l("Amount disbursed"), validators=[
        DataRequired(), Length(max=30), not_zero(_l("Enter the amount MSS disbursed."))])
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)
    reference = StringField(_l("MSS reference"), validators=[DataRequired(), Length(max=100)])
    value_date = CalendarDateField(_l("Date of the disbursement"), format="%Y-%m-%d",
                                   validators=[DataRequired(), VALUE_DATE_WINDOW])

    def for_currency(self, currency: Currency | None) -> "DisbursementForm":
        _currency_of(self, currency)
        return self


# The venture's payee -----------------------------------------------------------------------------------------

class BankPayeeForm(KakehashiForm):
    """A bank account to be paid to by remittance."""

    account_holder = StringField(_l("Account holder"), validators=[DataRequired(), Length(max=200)])
    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=200)])
    bank_country = SelectField(_l("Country of the bank"), default="KR")
    account_number = StringField(_l("Account number"), filters=[lambda value: value.strip() if value else value],
                                 validators=[DataRequired(), Length(max=40), Regexp(
                                     r"^[0-9A-Za-z][0-9A-Za-z -]{3,39}$",
                                     message=_l("Enter the account number as the bank writes it: digits, letters "
                                                "and hyphens."))])
    swift = StringField(_l("SWIFT/BIC code"), filters=[_compact_upper], validators=[DataRequired(), Length(max=11)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_country.choices = country_choices()

    def validate_swift(self, field):
        if not BIC.fullmatch(field.data or ""):
            raise ValidationError(_l("Enter the bank's SWIFT/BIC code: 8 or 11 letters and digits, such as SHBKKRSE."))

    def details(self) -> dict:
        return {"account_holder": self.account_holder.data.strip(), "bank_name": self.bank_name.data.strip(),
                "bank_country": self.bank_country.data, "account_number": self.account_number.data,
                "swift": self.swift.data}
