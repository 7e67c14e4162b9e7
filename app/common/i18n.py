"""Which language and time zone a request is served in, and locale-aware formatting."""
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_timezone,
    get_timezone_location,
    get_timezone_name,
)
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import format_currency, format_datetime, format_timedelta, get_locale, refresh
from flask_babel import get_timezone as active_timezone
from flask_login import current_user

from app.common.money import Currency, from_minor_units
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


def format_moment(moment: datetime | None, format: str = "medium") -> str:
    """A stored UTC moment in the reader's zone, with the zone's name (Japan and Korea are both UTC+9)."""
    if moment is None:
        return ""
    moment = as_utc(moment)
    try:
        return _moment_in_zone(moment, active_timezone(), format)
    except (OverflowError, ValueError):  # year 1 west of UTC, year 9999 east of it: show it in UTC
        return _moment_in_zone(moment, UTC, format)


def _moment_in_zone(moment: datetime, zone, format: str) -> str:
    local = moment.astimezone(zone)
    name = get_timezone_name(local, width="short", locale=get_locale())
    if name[:1] in "+-" or name.startswith("GMT"):  # no abbreviation in this language: say where
        name = get_timezone_location(zone, locale=get_locale())
    if format == "minute":
        text = _date_and_minute(local)
    elif zone is UTC:
        text = babel_format_datetime(moment, format, tzinfo=UTC, locale=get_locale())
    else:
        text = format_datetime(moment, format)
    return f"{text} ({name})"


def _date_and_minute(moment: datetime, zone=None) -> str:
    """The medium date with the short time: 'Dec 12, 2026, 10:00 AM', '2026/12/12 10:00'.
    CLDR has no such named format; deadlines read best without seconds or a two-digit year."""
    locale = get_locale()
    return (get_datetime_format("medium", locale=locale)
            .replace("{0}", format_time(moment, "short", tzinfo=zone, locale=locale))
            .replace("{1}", format_date(moment, "medium", locale=locale)))


def format_money(amount_minor: int, currency: Currency | str) -> str:
    """An amount in the currency's minor unit (JPY and KRW have none), for the reader's language:
    150025 USD → '$1,500.25'; the ``money`` filter of the templates."""
    return format_currency(from_minor_units(amount_minor, currency), str(currency))


def zone_label(zone: str) -> str:
    return get_timezone_name(datetime.now(get_timezone(zone)), width="long", locale=get_locale())


def current_zone_name() -> str:
    """The reader's zone, named in their language (e.g. 日本標準時, 대한민국 표준시)."""
    # Named at a moment, so UTC reads "Coordinated Universal Time", not "Unknown Region".
    zone = active_timezone()
    return get_timezone_name(datetime.now(zone), width="long", locale=get_locale())


def format_utc(moment: datetime | None) -> str:
    """The same moment in UTC, for readers comparing across zones."""
    if moment is None:
        return ""
    return f"{_date_and_minute(as_utc(moment), UTC)} (UTC)"


def format_countdown(moment: datetime, now: datetime | None = None) -> str:
    """'in 3 days' / 'in 5 hours' / '2 days ago', in the reader's language."""
    return format_timedelta(as_utc(moment) - (now or utcnow()), granularity="minute", threshold=1.5,
                            add_direction=True)
