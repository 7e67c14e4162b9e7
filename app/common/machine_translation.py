"""Machine drafts of translations through DeepL's official library (issue 11).

Only when DEEPL_AUTH_KEY is set (`is_available`). A draft is for a person to review before anyone
reads it; what may be sent is the caller's decision (public text, or confidential text with the
organisation's consent), never this module's.

The texts are Markdown. The structure never goes through DeepL: blank lines, code blocks, line
markers (#, -, 1., >), inline code, link targets, URLs and table pipes travel inside an ignore tag
(<k>…</k>, with `tag_handling="xml"`) or stay here, so a draft keeps its paragraphs, lists and links.
Each language pair gets a glossary built from the term list (app/common/termlist.py), created once
per process and server under a name that carries a digest of its entries: another process, or a
restart, finds it by that name instead of creating one more, and one whose entries changed is
replaced. A glossary deleted on the server is created again and the translation retried once.
"""
import hashlib
import html
import re
import threading

import deepl
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.common import termlist
from app.common.errors import DomainError

LANGUAGES = ("en", "ja", "ko")
_SOURCE_CODES = {"en": "EN", "ja": "JA", "ko": "KO"}
# The site writes British English.
_TARGET_CODES = {"en": "EN-GB", "ja": "JA", "ko": "KO"}
GLOSSARY_PREFIX = "kakehashi"
# DeepL takes at most 50 texts and 128 KiB per request.
_BATCH_TEXTS = 50
_BATCH_CHARACTERS = 60_000

_IGNORE_TAG = "k"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINE_MARKER = re.compile(r"^[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+)*(?:\[[ xX]\][ \t]+)?")
_INLINE_KEPT = re.compile(
    r"`+[^`\n]*`+"                      # inline code
    r"|\]\([^)\n]*\)"                   # a link's target: ](https://… "title")
    r"|<[a-z][a-z0-9+.-]*:[^>\s]*>"     # an autolink <https://…>
    r"|\b(?:https?://|mailto:)[^\s<>]+"  # a bare URL
    r"|\|",                             # table pipes
    re.IGNORECASE)
_KEPT_IN_TRANSLATION = re.compile(rf"<{_IGNORE_TAG}>(.*?)</{_IGNORE_TAG}>", re.DOTALL)


class MachineTranslationUnavailable(DomainError):
    default_message = _l("Machine translation is not available at the moment. Try again later, "
                         "or write the translation yourself.")


QUOTA_USED_UP = _l("The machine translation quota is used up for now. Try again later, "
                   "or write the translation yourself.")


def is_available() -> bool:
    return bool(current_app.config.get("DEEPL_AUTH_KEY"))


def translate(texts: list[str], *, source: str, target: str) -> list[str]:
    """Machine drafts of `texts` (Markdown) from `source` into `target` ("en", "ja" or "ko"), one per
    text, in order; an empty text stays empty. Raises MachineTranslationUnavailable whatever fails
    (no key, network, time-out, quota, authorisation), never anything the library raises."""
    if source not in LANGUAGES or target not in LANGUAGES or source == target:
        raise ValueError(f"no machine translation from {source!r} to {target!r}")
    if not is_available():
        raise MachineTranslationUnavailable()
    documents = [_Document(text or "") for text in texts]
    segments = [segment for document in documents for segment in document.segments]
    if segments:
        translated = iter(_translate_segments(segments, source=source, target=target))
        for document in documents:
            document.translations = [next(translated) for _ in document.segments]
    return [document.assemble() for document in documents]


def _translate_segments(segments: list[str], *, source: str, target: str) -> list[str]:
    config = current_app.config
    # The library keeps these two as module settings; we are its only user in the process.
    deepl.http_client.min_connection_timeout = config["DEEPL_TIMEOUT"]
    deepl.http_client.max_network_retries = config["DEEPL_MAX_RETRIES"]
    translator = deepl.Translator(config["DEEPL_AUTH_KEY"], server_url=config.get("DEEPL_SERVER_URL"),
                                  send_platform_info=False).set_app_info("Kakehashi", "1")
    try:
        glossary_id = _glossary_id(translator, source, target)
        results: list[str] = []
        for batch in _batches(segments):
            try:
                results += _translate_batch(translator, batch, source, target, glossary_id)
            except deepl.DeepLException as error:
                if glossary_id is None or not _glossary_gone(error):
                    raise
                glossary_id = _glossary_id(translator, source, target, forget=glossary_id)
                results += _translate_batch(translator, batch, source, target, glossary_id)
        return results
    except deepl.DeepLException as error:
        quota = isinstance(error, deepl.QuotaExceededException)
        log = current_app.logger.error if isinstance(error, deepl.AuthorizationException) else \
            current_app.logger.warning
        log("machine translation %s→%s failed: %s", source, target, error)
        raise MachineTranslationUnavailable(QUOTA_USED_UP if quota else None) from error
    finally:
        translator.close()


def _translate_batch(translator, batch: list[str], source: str, target: str, glossary_id) -> list[str]:
    results = translator.translate_text(
        batch, source_lang=_SOURCE_CODES[source], target_lang=_TARGET_CODES[target], glossary=glossary_id,
        tag_handling="xml", ignore_tags=[_IGNORE_TAG], split_sentences="1", preserve_formatting=True,
        formality=None if target == "en" else "prefer_more")
    if len(results) != len(batch):
        raise deepl.DeepLException(f"{len(batch)} texts sent, {len(results)} translations received")
    return [result.text for result in results]


def _batches(segments: list[str]):
    batch, size = [], 0
    for segment in segments:
        if batch and (len(batch) == _BATCH_TEXTS or size + len(segment) > _BATCH_CHARACTERS):
            yield batch
            batch, size = [], 0
        batch.append(segment)
        size += len(segment)
    if batch:
        yield batch


def _glossary_gone(error: deepl.DeepLException) -> bool:
    return isinstance(error, deepl.GlossaryNotFoundException) or (
        error.http_status_code in (400, 404) and "glossary" in str(error).lower())


# -- glossaries ------------------------------------------------------------------------------------

_glossary_ids: dict[tuple, str] = {}
_glossary_lock = threading.Lock()


def forget_glossaries() -> None:
    """Forget the glossary ids this process knows (the next translation looks them up again)."""
    with _glossary_lock:
        _glossary_ids.clear()


def _glossary_entries(source: str, target: str) -> dict[str, str]:
    """The term list's entries DeepL accepts (no empty term, no tab or line break, no edge spaces)."""
    entries = {}
    for term, translation in termlist.glossary_entries(source, target).items():
        try:
            deepl.validate_glossary_term(term)
            deepl.validate_glossary_term(translation)
        except ValueError:
            continue
        entries[term] = translation
    return entries


def _glossary_id(translator, source: str, target: str, *, forget: str | None = None) -> str | None:
    entries = _glossary_entries(source, target)
    if not entries:
        return None
    digest = hashlib.sha256(deepl.convert_dict_to_tsv(dict(sorted(entries.items()))).encode()).hexdigest()[:16]
    name = f"{GLOSSARY_PREFIX} {source}-{target} {digest}"
    key = (translator.server_url, hashlib.sha256(current_app.config["DEEPL_AUTH_KEY"].encode()).hexdigest(), name)
    # Held across the calls, so that two requests of one process create one glossary.
    with _glossary_lock:
        if forget is not None and _glossary_ids.get(key) == forget:
            del _glossary_ids[key]
        if key in _glossary_ids:
            return _glossary_ids[key]
        found = None
        for glossary in translator.list_glossaries():
            ours = glossary.name.startswith(f"{GLOSSARY_PREFIX} {source}-{target} ")
            if glossary.name == name and glossary.glossary_id != forget and found is None:
                found = glossary
            elif ours and glossary.glossary_id != forget:
                _delete_quietly(translator, glossary)  # built from an older term list
        if found is None:
            found = translator.create_glossary(name, _SOURCE_CODES[source], _SOURCE_CODES[target], entries)
        _glossary_ids[key] = found.glossary_id
        return found.glossary_id


def _delete_quietly(translator, glossary) -> None:
    try:
        translator.delete_glossary(glossary)
    except deepl.DeepLException as error:
        current_app.logger.info("could not delete the old glossary %s: %s", glossary.name, error)


# -- Markdown in, Markdown out ---------------------------------------------------------------------

class _Document:
    """A text split into what DeepL translates (paragraphs, as XML with the structure in ignore tags)
    and what stays as it is (blank lines, fenced code, lines without a word)."""

    def __init__(self, text: str):
        self.parts: list[str | int] = []  # a kept line, or the index of a segment
        self.segments: list[str] = []
        self.translations: list[str] = []
        paragraph: list[str] = []
        fence = None
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            if fence is not None:
                self.parts.append(line)
                if line.strip().startswith(fence):
                    fence = None
                continue
            if match := _FENCE.match(line):
                self._end_paragraph(paragraph)
                fence = match.group(1)
                self.parts.append(line)
            elif not line.strip():
                self._end_paragraph(paragraph)
                self.parts.append(line)
            else:
                paragraph.append(line)
        self._end_paragraph(paragraph)

    def _end_paragraph(self, lines: list[str]) -> None:
        if not lines:
            return
        if any(_has_words(line) for line in lines):
            self.parts.append(len(self.segments))
            self.segments.append("\n".join(_line_as_xml(line) for line in lines))
        else:
            self.parts.extend(lines)
        lines.clear()

    def assemble(self) -> str:
        return "\n".join(part if isinstance(part, str) else _xml_as_text(self.translations[part])
                         for part in self.parts)


def _has_words(line: str) -> bool:
    return any(character.isalpha() for character in line)


def _kept(text: str) -> str:
    return f"<{_IGNORE_TAG}>{html.escape(text, quote=False)}</{_IGNORE_TAG}>"


def _line_as_xml(line: str) -> str:
    if not _has_words(line):
        return _kept(line)
    marker = _LINE_MARKER.match(line).group(0)
    pieces = [_kept(marker)] if marker else []
    rest, position = line[len(marker):], 0
    for match in _INLINE_KEPT.finditer(rest):
        pieces += [html.escape(rest[position:match.start()], quote=False), _kept(match.group(0))]
        position = match.end()
    pieces.append(html.escape(rest[position:], quote=False))
    return "".join(pieces)


def _xml_as_text(xml: str) -> str:
    return html.unescape(_KEPT_IN_TRANSLATION.sub(lambda match: match.group(1), xml))
