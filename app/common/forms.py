"""What every form shares: text without invisible characters, amounts and dates within a domain,
bounded ids. Forms check shape only; these are shapes.

Every form of the app derives from ``KakehashiForm`` (and every row inside a FieldList from
``RowForm``), so a new form is cleaned without anyone remembering to."""
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from babel.core import get_global
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.utils import unset_value
from wtforms.widgets import CheckboxInput, ListWidget

from app.common.converters import MAX_ID
from app.common.money import AmountTooLarge, Currency, Money, to_minor_units
from app.common.time import utcnow

LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ko": "한국어"}

# Every zone a profile may name (the form accepts these); the menu lists each place once.
_FIRST_ZONES = ["Asia/Tokyo", "Asia/Seoul", "UTC"]
TIMEZONES = _FIRST_ZONES + sorted(z for z in available_timezones()
                                  if "/" in z and z not in _FIRST_ZONES and not z.startswith(("Etc/", "SystemV/")))
# Older names of the same places (Asia/Calcutta for Asia/Kolkata, US/Alaska…), as CLDR lists them:
# still accepted, listed only for a profile that stored one.
_OLDER_NAMES = frozenset(get_global("zone_aliases"))


# Text ---------------------------------------------------------------------------------------------

# Each line break as browsers and other systems send it becomes one "\n" (a space on one line).
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
# Control (Cc) and format characters (Cf: bidirectional overrides and isolates, zero-width spaces
# and joiners, the byte-order mark) and lone surrogates (Cs): invisible or misleading on a page
# ("invoice\u202efdp.exe" reads "invoiceexe.pdf"), and never what anyone meant to type.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


def _drop_invisible(text: str, keep: str = "") -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in _INVISIBLE)


def clean_line(value):
    """One line of text: line breaks and tabs become spaces; invisible characters go."""
    if not isinstance(value, str):
        return value
    return _drop_invisible(_LINE_BREAKS.sub(" ", value).replace("\t", " "))


def clean_lines(value):
    """Several lines: line breaks become "\\n" and tabs stay (indented Markdown); invisible
    characters go."""
    if not isinstance(value, str):
        return value
    return _drop_invisible(_LINE_BREAKS.sub("\n", value), keep="\n\t")


def _cleaner_for(field_class):
    if issubclass(field_class, TextAreaField):
        return clean_lines
    # Passwords are compared, never shown: they stay exactly as typed.
    if issubclass(field_class, StringField) and not issubclass(field_class, (PasswordField, CSRFTokenField)):
        return clean_line
    return None


class CleanTextMeta:
    """Binds every text field with its cleaner as the first filter, before the form's own filters
    and validators see the value."""

    def bind_field(self, form, unbound_field, options):
        cleaner = _cleaner_for(unbound_field.field_class)
        if cleaner is not None:
            options = dict(options, filters=[cleaner, *unbound_field.kwargs.get("filters", ())])
        return super().bind_field(form, unbound_field, options)


class KakehashiForm(FlaskForm):
    """The base of every form of the app."""

    class Meta(CleanTextMeta):
        pass


class RowForm(Form):
    """The base of every row inside a RowList (FormField builds rows without the outer form's Meta)."""

    class Meta(CleanTextMeta):
        pass


class RowList(FieldList):
    """A FieldList that reads only plain row numbers ("questions-3-text"): FieldList takes any
    str.isdigit() key, which holds for "²" and for 5000-digit numbers that int() refuses.

    The rows as posted, then empty rows up to ``min_entries``: WTForms renumbers the posted rows from 0
    and then pads with rows that read the form again, so rows 0, 1 and 5 posted came out as 0, 1, 2 and
    a second 5 (a question, a criterion or a milestone twice)."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        wanted, self.min_entries = self.min_entries, 0
        try:
            super().process(formdata, data, extra_filters)
        finally:
            self.min_entries = wanted
        while len(self.entries) < self.min_entries:
            self._add_entry(None)

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 6:
                    yield int(index)


# Numbers and ids -------------------------------------------------------------------------------------

def bounded_id(value) -> int | None:
    """A posted id as an int when it can be one of ours (1 to MAX_ID, ASCII digits), else None."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def bounded_ids(values, *, limit: int) -> list[int]:
    """The ids among posted values, each once, in the order sent, at most ``limit``; the rest ignored."""
    ids = dict.fromkeys(number for number in map(bounded_id, values) if number is not None)
    return list(ids)[:limit]


def coerce_id(value) -> int:
    """SelectField coerce for ids: ValueError (a form error) for anything that is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    if (number := bounded_id(value)) is None:
        raise ValueError("not an id")
    return number


class MoneyField(StringField):
    """An amount as people type it ('5,000,000', '1500.50'), in the currency chosen in the sibling
    field ``currency_field``. Shown from a stored ``Money`` (or None: empty); once the form is valid,
    ``minor`` and ``currency`` hold the amount in minor units and its Currency, both None when the
    field is left empty. Refuses special decimals (NaN, Infinity, exponents), signs and amounts
    beyond MAX_AMOUNT_MINOR."""

    def __init__(self, label=None, validators=None, *, currency_field: str = "currency", message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.currency_field = currency_field
        self.message = message or _l("Enter an amount such as 5000000 (or 1500.50 in USD).")
        self.minor: int | None = None
        self.currency: Currency | None = None

    def process_data(self, value):
        super().process_data(value.as_typed() if isinstance(value, Money) else value)

    def post_validate(self, form, validation_stopped):
        self.minor = self.currency = None
        if validation_stopped or not (self.data or "").strip():
            return
        currency = form[self.currency_field].data
        if currency not in set(Currency):
            return  # the currency field says what is wrong; no amount can be read without one
        try:
            self.minor = to_minor_units(self.data, currency)
        except AmountTooLarge as error:
            from app.common.i18n import format_money  # i18n reads the request; forms are imported early

            raise ValidationError(_("Enter an amount of at most %(amount)s.",
                                    amount=format_money(error.limit, currency))) from None
        except ValueError:
            raise ValidationError(self.message) from None
        self.currency = Currency(currency)


# Dates ------------------------------------------------------------------------------------------------

class DateWindow:
    """A date (or the day of a datetime) from ``past`` before today to ``ahead`` after it. Beyond
    a sensible window a date is a typo (0001, 9999), and far dates cannot even be shown in every
    time zone."""

    def __init__(self, *, past: timedelta, ahead: timedelta):
        self.past, self.ahead = past, ahead

    def bounds(self) -> tuple[date, date]:
        today = utcnow().date()
        return today - self.past, today + self.ahead

    def __call__(self, form, field):
        if field.data is None:
            return
        day = field.data.date() if isinstance(field.data, datetime) else field.data
        earliest, latest = self.bounds()
        if not earliest <= day <= latest:
            from app.common.i18n import format_day  # i18n reads the request; forms are imported early

            raise ValidationError(_("Choose a date between %(earliest)s and %(latest)s.",
                                    earliest=format_day(earliest), latest=format_day(latest)))


# Deadlines: never far in the past (the services refuse a new or moved one that has passed), at
# most five years ahead. Milestones: within ten years of today either way.
DEADLINE_WINDOW = DateWindow(past=timedelta(days=366), ahead=timedelta(days=5 * 366))
MILESTONE_WINDOW = DateWindow(past=timedelta(days=10 * 366), ahead=timedelta(days=10 * 366))


class CalendarDateField(DateField):
    """A DateField that shows every stored date as YYYY-MM-DD, as <input type=date> needs: strftime
    writes year 1 as "1-01-01" on Linux, which a browser shows as empty."""

    def _value(self):
        if isinstance(self.data, date) and self.format == ["%Y-%m-%d"]:
            return self.data.isoformat()
        return super()._value()


# Choices ------------------------------------------------------------------------------------------------

class LanguageSelect(SelectField):
    """The language of the interface, or of someone's e-mail: like the switcher, each language in its
    own name (marked with its ``lang``), so its readers find it whatever the page's language."""

    def __init__(self, label=_l("Language"), **kwargs):
        super().__init__(label, choices=[(code, name, {"lang": code}) for code, name in LANGUAGE_NAMES.items()],
                         **kwargs)


class TimezoneSelect(SelectField):
    """Zones named in the reader's language, Japan and Korea first, then by name; the values stay
    IANA names, and the form accepts every name of TIMEZONES, as before."""

    def __init__(self, label=_l("Time zone"), **kwargs):
        super().__init__(label, choices=zone_choices, **kwargs)

    def process_data(self, value):
        super().process_data(value)
        if value in _ZONE_SET and value not in {zone for zone, _ in self.choices}:
            from app.common.i18n import zone_option_label  # i18n reads the request; forms are imported early

            self.choices = [*self.choices[:2], (value, zone_option_label(value)), *self.choices[2:]]

    def pre_validate(self, form):
        if not self.process_errors and self.data not in _ZONE_SET:
            raise ValidationError(self.gettext(_NOT_A_CHOICE))


_ZONE_SET = frozenset(TIMEZONES)
_NOT_A_CHOICE = "Not a valid choice."  # SelectField's own message, in WTForms' catalog


def zone_choices() -> list[tuple[str, str]]:
    return list(_zone_choices(str(get_locale())))


@lru_cache(maxsize=8)
def _zone_choices(locale: str) -> tuple[tuple[str, str], ...]:
    from app.common.i18n import DEFAULT_ZONES, zone_option_label

    first = [DEFAULT_ZONES["ja"], DEFAULT_ZONES["ko"]]
    others = [(zone, zone_option_label(zone)) for zone in TIMEZONES
              if zone not in first and (zone in _FIRST_ZONES or zone not in _OLDER_NAMES)]
    return (*[(zone, zone_option_label(zone)) for zone in first],
            *sorted(others, key=lambda choice: _sort_key(choice[1])))


def _sort_key(label: str) -> str:
    """Accents apart (Åland with A, Curaçao with C), case apart."""
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
