"""Names in the reader's script: of languages (日本語 is 韓国語's neighbour on a Japanese page, 일본어
on a Korean one) and of organisations. The ``language_name`` and ``org_name`` filters of the templates."""
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale


def language_name(code: str | None) -> str:
    """A language's name in the reader's language: 'ja' reads 日本語 in Japanese, 일본어 in Korean,
    Japanese in English. A language switcher names each language in itself instead (LANGUAGE_NAMES)."""
    if not code:
        return ""
    return _language_name(str(code), str(get_locale() or "en"))


@lru_cache(maxsize=256)
def _language_name(code: str, reader: str) -> str:
    try:
        return Locale.parse(code).get_display_name(Locale.parse(reader)) or code
    except (ValueError, UnknownLocaleError):
        return code


def org_name(organization) -> str:
    """An organisation's name as the reader can read it (``Organization.name_for``)."""
    return organization.name_for(get_locale()) if organization is not None else ""
