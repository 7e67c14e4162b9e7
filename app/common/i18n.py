"""Which language and time zone a request is served in, and locale-aware formatting."""
from datetime import datetime
from decimal import Decimal

from babel.dates import get_timezone, get_timezone_location, get_timezone_name
from babel.numbers import get_currency_precision
from flask import current_app, has_request_context, request
from flask_babel import format_currency, format_datetime, get_locale
from flask_babel import get_timezone as active_timezone
from flask_login import current_user

from app.common.time import as_utc

LANGUAGE_COOKIE = "lang"
DEFAULT_ZONES = {"ja": "Asia/Tokyo", "ko": "Asia/Seoul"}


def requested_language() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """?lang= for this request, then the profile, then the switcher's cookie, then the browser."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and workers: English unless force_locale says otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if lang := requested_language():
        return lang
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if (lang := request.cookies.get(LANGUAGE_COOKIE)) in languages:
        return lang
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if not has_request_context():
        return DEFAULT_ZONES.get(str(get_locale()), "UTC")
    if current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return DEFAULT_ZONES.get(str(get_locale()), "UTC")


def remember_requested_language(response):
    """`?lang=ja` switches for the visit too, not only for one page."""
    if lang := requested_language():
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def format_moment(moment: datetime | None, format: str = "medium") -> str:
    """A stored UTC moment in the reader's zone, with the zone's name (Japan and Korea are both UTC+9)."""
    if moment is None:
        return ""
    moment = as_utc(moment)
    zone = active_timezone()
    name = get_timezone_name(moment.astimezone(zone), width="short", locale=get_locale())
    if name[:1] in "+-" or name.startswith("GMT"):  # no abbreviation in this language: say where
        name = get_timezone_location(zone, locale=get_locale())
    return f"{format_datetime(moment, format)} ({name})"


def format_money(amount_minor: int, currency: str) -> str:
    """Amounts are integers in the currency's minor unit (JPY and KRW have none)."""
    digits = get_currency_precision(currency)
    return format_currency(Decimal(amount_minor).scaleb(-digits), currency)


def zone_label(zone: str) -> str:
    return get_timezone_name(datetime.now(get_timezone(zone)), width="long", locale=get_locale())


def current_zone_name() -> str:
    """The reader's zone, named in their language (e.g. 日本標準時, 대한민국 표준시)."""
    # Named at a moment, so UTC reads "Coordinated Universal Time", not "Unknown Region".
    zone = active_timezone()
    return get_timezone_name(datetime.now(zone), width="long", locale=get_locale())
