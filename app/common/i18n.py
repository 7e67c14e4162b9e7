"""Which language and time zone a request is served in, and locale-aware formatting."""
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta as babel_format_timedelta
from babel.dates import get_datetime_format, get_timezone, get_timezone_location, get_timezone_name
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, refresh
from flask_babel import get_timezone as active_timezone
from flask_login import current_user

from app.common.catalog import locale_name
from app.common.money import Currency, format_amount
from app.common.time import as_utc, utcnow

LANGUAGE_COOKIE = "lang"
DEFAULT_ZONES = {"ja": "Asia/Tokyo", "ko": "Asia/Seoul"}


def requested_language() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def profile_readable() -> bool:
    """False on error pages: reading current_user loads the sign-in session from a database that
    may be down (the 500 and 503 handlers set ``g.avoid_database``)."""
    return not g.get("avoid_database", False)


def select_locale() -> str:
    """?lang= for this request, then the profile, then the switcher's cookie, then the browser."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and workers: English unless force_locale says otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if lang := requested_language():
        return lang
    if profile_readable() and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if (lang := request.cookies.get(LANGUAGE_COOKIE)) in languages:
        return lang
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=1024)
def is_known_zone(zone: str | None) -> bool:
    """A zone name the tz database still knows: a stored name is not an input any more, but a tz
    update can retire it, and an unknown zone would break every page and e-mail of its user."""
    if not zone:
        return False
    try:
        get_timezone(zone)
    except LookupError:
        return False
    return True


def select_timezone() -> str:
    """force_timezone's zone, then the profile's, then the language's."""
    if zone := g.get("forced_timezone"):
        return zone
    if not has_request_context():
        return DEFAULT_ZONES.get(str(get_locale()), "UTC")
    if profile_readable() and current_user.is_authenticated and is_known_zone(current_user.timezone):
        return current_user.timezone
    return DEFAULT_ZONES.get(str(get_locale()), "UTC")


@contextmanager
def force_timezone(zone: str):
    """force_locale's companion, for e-mail rendered for someone else: select_timezone answers
    ``zone`` meanwhile, and flask_babel's public refresh() drops the zone it cached (a locale forced
    by force_locale survives a refresh)."""
    if not has_app_context():
        yield
        return
    previous = g.get("forced_timezone")
    g.forced_timezone = zone if is_known_zone(zone) else "UTC"
    refresh()
    try:
        yield
    finally:
        g.forced_timezone = previous
        refresh()


def remember_language(response, lang: str):
    """The one place the language cookie is set: by the switcher and by ``?lang=``."""
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def remember_requested_language(response):
    """`?lang=ja` switches for the visit too, not only for one page."""
    if lang := requested_language():
        remember_language(response, lang)
    return response


# Formats (docs/glossary.md, "Formats"): one date pattern per language with a four-digit year (the
# CLDR short dates read "26. 12. 1." in Korean and "12/1/26" in English), the minute and never the
# second, then the zone's everyday name without brackets, so that a date inside a bracketed phrase
# ("締切（%(deadline)s）") never nests them.
DATE_PATTERNS = {"en": "MMM d, yyyy", "ja": "yyyy/MM/dd", "ko": "yyyy. M. d."}
UTC_NAME = "UTC"
_BRACKETS = re.compile(r"[()（）]")


def _language(locale: str | None = None) -> str:
    return (locale or locale_name()).split("_")[0]


@lru_cache(maxsize=16)
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


def current_zone():
    """The reader's zone (flask_babel.get_timezone), read from the request's cache when it holds
    it: every date of a page asks for it (force_timezone's refresh() drops it)."""
    context = g.get("_flask_babel") if has_app_context() else None
    return getattr(context, "babel_tzinfo", None) or active_timezone()


# The dates of a page are formatted once per (moment, zone, language) and process: a list of calls
# shows the same deadlines to every reader of a language and zone. The output never changes for
# the same three, so nothing here may be a minute old.

def format_day(day: date | datetime | None) -> str:
    """A calendar day (or a moment's day in the reader's zone): 'Dec 1, 2026', '2026/12/01',
    '2026. 12. 1.'; the templates' ``day`` filter."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        try:
            day = as_utc(day).astimezone(current_zone()).date()
        except (OverflowError, ValueError):  # as format_moment: the day in UTC
            day = as_utc(day).date()
    return _day_in(day, locale_name())


@lru_cache(maxsize=4096)
def _day_in(day: date, locale: str) -> str:
    return babel_format_date(day, DATE_PATTERNS.get(_language(locale), DATE_PATTERNS["en"]),
                             locale=_babel_locale(locale))


def format_moment(moment: datetime | None, style: str = "minute") -> str:
    """A stored UTC moment in the reader's zone, to the minute, with the zone's name (Japan and
    Korea are both UTC+9): '2026/12/01 17:30 日本時間'. ``style`` is accepted for the templates that
    name one ("short", "medium", "minute"): every style reads the same."""
    if moment is None:
        return ""
    return _moment_in(as_utc(moment), current_zone(), locale_name())


@lru_cache(maxsize=8192)
def _moment_in(moment: datetime, zone, locale: str) -> str:
    try:
        local = moment.astimezone(zone)
    except (OverflowError, ValueError):  # year 1 west of UTC, year 9999 east of it: show it in UTC
        return f"{_date_and_minute(moment, locale)} {UTC_NAME}"
    return f"{_date_and_minute(local, locale)} {_zone_name_in(local.tzinfo, locale)}"


def _date_and_minute(moment: datetime, locale: str | None = None) -> str:
    """The day in the language's pattern with the short time, joined as CLDR joins them:
    'Dec 1, 2026, 5:30 PM', '2026/12/01 17:30', '2026. 12. 1. 오후 5:30'."""
    name = locale or locale_name()
    locale = _babel_locale(name)
    return (get_datetime_format("medium", locale=locale)
            .replace("{0}", babel_format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale))
            .replace("{1}", babel_format_date(moment, DATE_PATTERNS.get(_language(name), DATE_PATTERNS["en"]),
                                              locale=locale)))


def zone_name(zone) -> str:
    """A zone's everyday name in the reader's language, the same all year and without brackets:
    日本時間 / 韓国時間, 일본 시간 / 한국 시간, Japan Time / Korean Time, 中央ヨーロッパ時間 (CLDR's
    generic name; its place name, 대한민국 시간, is not what Korean readers say). Where CLDR has no
    generic name it names the place, for a country of several zones "Country (City)": then the city
    alone (ニューヨーク時間)."""
    return _zone_name_in(zone, locale_name())


def _zone_name_in(zone, locale: str) -> str:
    zone = get_timezone(zone) if isinstance(zone, str) else zone
    key = getattr(zone, "key", None) or str(zone)
    if key in {"UTC", "Etc/UTC", "Etc/GMT", "GMT"}:
        return UTC_NAME
    return _zone_name(key, locale)


@lru_cache(maxsize=4096)
def _zone_name(key: str, locale: str) -> str:
    name = get_timezone_name(key, width="long", locale=locale)
    if not _BRACKETS.search(name):
        return name
    city = get_timezone_location(key, locale=locale, return_city=True)
    return Locale.parse(locale).zone_formats["region"] % city


def zone_option_label(zone: str) -> str:
    """A zone in the profile's menu: Japan and Korea by their everyday names, every other zone by
    its place (Germany (Berlin) Time, アメリカ合衆国（ニューヨーク）時間), which tells the many zones of
    one country apart."""
    return _zone_option_label(zone, locale_name())


@lru_cache(maxsize=4096)
def _zone_option_label(zone: str, locale: str) -> str:
    if zone in DEFAULT_ZONES.values():
        return _zone_name(zone, locale)
    if zone == "UTC":
        return get_timezone_name(datetime(2026, 1, 1, tzinfo=UTC), width="long", locale=locale)
    return get_timezone_location(zone, locale=locale)


def format_money(amount_minor: int, currency: Currency | str, style: str = "table") -> str:
    """An amount in the currency's minor unit (JPY and KRW have none), in the reader's convention:
    ``table`` (¥30,000,000; 30,000,000원 in Korean) or ``words`` (3,000万円, 3,000만 원); the ``money``
    filter of the templates."""
    return format_amount(amount_minor, currency, _language(), style)


def current_zone_name() -> str:
    """The reader's zone, named as their dates name it (日本時間, 한국 시간, UTC)."""
    return zone_name(current_zone())


def format_utc(moment: datetime | None) -> str:
    """The same moment in UTC, for readers comparing across zones."""
    if moment is None:
        return ""
    return f"{_date_and_minute(as_utc(moment))} {UTC_NAME}"


def format_countdown(moment: datetime, now: datetime | None = None) -> str:
    """'in 3 days' / '5時間後' / '2일 전', in the reader's language. Japanese writes no space
    between a number and its unit (CLDR writes "3 週間後")."""
    text = babel_format_timedelta(as_utc(moment) - (now or utcnow()), granularity="minute", threshold=1.5,
                                  add_direction=True, locale=_babel_locale(locale_name()))
    if _language() == "ja":
        text = re.sub(r"(?<=\d) (?=\D)", "", text)
    return text
