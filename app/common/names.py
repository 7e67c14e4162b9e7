"""Names in the reader's script: of languages (日本語 is 韓国語's neighbour on a Japanese page, 일본어
on a Korean one) and of organisations. The ``language_name`` and ``org_name`` filters of the templates."""
import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from app.common.catalog import locale_name


def language_name(code: str | None) -> str:
    """A language's name in the reader's language: 'ja' reads 日本語 in Japanese, 일본어 in Korean,
    Japanese in English. A language switcher names each language in itself instead (LANGUAGE_NAMES)."""
    if not code:
        return ""
    return _language_name(str(code), locale_name())


@lru_cache(maxsize=256)
def _language_name(code: str, reader: str) -> str:
    try:
        return Locale.parse(code).get_display_name(Locale.parse(reader)) or code
    except (ValueError, UnknownLocaleError):
        return code


def org_name(organization) -> str:
    """An organisation's name as the reader can read it (``Organization.name_for``)."""
    return organization.name_for(locale_name()) if organization is not None else ""


_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def script_language(text: str | None, *, han: str | None = "ja") -> str | None:
    """The site language whose readers read ``text``, from its script: Hangul is Korean, kana
    Japanese, Han characters alone ``han`` (Japanese, unless the caller knows better: an
    organisation's name in Han characters is Japanese only for a Japanese organisation); None for
    Latin or any other script."""
    text = text or ""
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text):
        return "ja"
    return han if _HAN.search(text) else None


def text_language(text: str | None) -> str:
    """The language of something a person wrote without saying which, read from its script, for its
    ``lang`` attribute (a screen reader's voice, the font of its Han characters): Hangul is Korean,
    kana or Han alone Japanese (the region's other Han writer is not among Kakehashi's languages),
    anything else English."""
    return script_language(text) or "en"
