"""A fake DeepL API on 127.0.0.1, spoken to by the real `deepl` library through its server_url.

It answers what the library calls for text translation and glossaries (/v2/translate, /v2/glossaries
and its entries, /v2/glossary-language-pairs, /v2/usage), checks the auth key, and records every
request, so a test can assert exactly what left the application. Its "translation" is deterministic:
each line gets the target's tag ("[KO] ") before its first words, glossary entries are applied, and
what sits inside the ignore tags the request names is left as it came.
"""
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SOURCE_LANGUAGES = ("EN", "JA", "KO")
TARGET_LANGUAGES = ("EN-GB", "EN-US", "JA", "KO")


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: dict | None
    authorization: str | None


@dataclass
class Glossary:
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entries: dict[str, str]
    creation_time: str = "2026-12-01T10:00:00.000Z"

    def info(self) -> dict:
        return {"glossary_id": self.glossary_id, "name": self.name, "ready": True,
                "source_lang": self.source_lang.lower(), "target_lang": self.target_lang.lower(),
                "creation_time": self.creation_time, "entry_count": len(self.entries)}


@dataclass
class Failure:
    status: int
    message: str
    times: int


@dataclass
class FakeDeepL:
    auth_key: str = "fake-deepl-key"
    requests: list[RecordedRequest] = field(default_factory=list)
    glossaries: dict[str, Glossary] = field(default_factory=dict)
    delay: float = 0.0  # seconds before each answer, to try timeouts

    def __post_init__(self):
        self._ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> "FakeDeepL":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- what tests ask --------------------------------------------------------------------------
    def fail_next(self, status: int, message: str = "", *, times: int = 1) -> None:
        """The next `times` requests answer `status` (403 bad key, 456 quota, 429, 503 …)."""
        self._failures.append(Failure(status, message, times))

    @property
    def translate_requests(self) -> list[dict]:
        return [r.body for r in self.requests if r.path == "/v2/translate"]

    @property
    def sent_texts(self) -> list[str]:
        """Every text sent for translation, in order."""
        return [text for body in self.translate_requests for text in body["text"]]

    def sent(self, fragment: str) -> bool:
        """Whether `fragment` left the application in any request (translations or glossaries)."""
        return any(fragment in json.dumps(r.body, ensure_ascii=False) for r in self.requests if r.body)

    # -- the API ---------------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        body = request.get_json(silent=True) if request.data else None
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, body,
                                                 request.headers.get("Authorization")))
            failure = self._failures[0] if self._failures else None
            if failure:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.pop(0)
        if self.delay:
            time.sleep(self.delay)
        if failure:
            response = self._json({"message": failure.message or "Fake failure"}, failure.status)
        elif request.headers.get("Authorization") != f"DeepL-Auth-Key {self.auth_key}":
            response = self._json({"message": "Wrong endpoint or authentication key"}, 403)
        else:
            response = self._route(request, body or {})
        return response(environ, start_response)

    @staticmethod
    def _json(payload, status=200) -> Response:
        return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")

    def _route(self, request: Request, body: dict) -> Response:
        path, method = request.path, request.method
        if path == "/v2/translate" and method == "POST":
            return self._translate(body)
        if path == "/v2/glossaries" and method == "POST":
            return self._create_glossary(body)
        if path == "/v2/glossaries" and method == "GET":
            return self._json({"glossaries": [g.info() for g in self.glossaries.values()]})
        if path == "/v2/glossary-language-pairs":
            return self._json({"supported_languages": [
                {"source_lang": s.lower(), "target_lang": t.lower()}
                for s in SOURCE_LANGUAGES for t in SOURCE_LANGUAGES if s != t]})
        if path == "/v2/usage":
            return self._json({"character_count": sum(len(t) for t in self.sent_texts),
                               "character_limit": 500000})
        if match := re.fullmatch(r"/v2/glossaries/([^/]+)(/entries)?", path):
            glossary = self.glossaries.get(match.group(1))
            if glossary is None:
                return self._json({"message": "Glossary not found"}, 404)
            if method == "DELETE":
                del self.glossaries[glossary.glossary_id]
                return Response(status=204)
            if match.group(2):
                return Response("\n".join(f"{s}\t{t}" for s, t in glossary.entries.items()),
                                mimetype="text/tab-separated-values")
            return self._json(glossary.info())
        return self._json({"message": "Not found"}, 404)

    def _create_glossary(self, body: dict) -> Response:
        source, target = str(body.get("source_lang", "")).upper(), str(body.get("target_lang", "")).upper()
        if source not in SOURCE_LANGUAGES or target not in SOURCE_LANGUAGES or body.get("entries_format") != "tsv":
            return self._json({"message": "Invalid glossary"}, 400)
        entries = dict(line.split("\t", 1) for line in body.get("entries", "").splitlines() if line)
        glossary = Glossary(f"fake-glossary-{next(self._ids)}", body.get("name", ""), source, target, entries)
        self.glossaries[glossary.glossary_id] = glossary
        return self._json(glossary.info(), 201)

    def _translate(self, body: dict) -> Response:
        source, target = str(body.get("source_lang", "")).upper(), str(body.get("target_lang", "")).upper()
        texts = body.get("text")
        if target not in TARGET_LANGUAGES or not isinstance(texts, list) or not texts or len(texts) > 50:
            return self._json({"message": "Bad request", "detail": "Value for 'text' or 'target_lang' not supported."},
                              400)
        entries: dict[str, str] = {}
        if glossary_id := body.get("glossary_id"):
            glossary = self.glossaries.get(glossary_id)
            if glossary is None:
                return self._json({"message": "Glossary not found"}, 404)
            if glossary.source_lang != source or glossary.target_lang != target.split("-")[0]:
                return self._json({"message": "Glossary does not match the language pair"}, 400)
            entries = glossary.entries
        ignored = body.get("ignore_tags") or []
        translations = [translate(text, target, entries, ignored) for text in texts]
        return self._json({"translations": [
            {"detected_source_language": source or "JA", "text": text, "billed_characters": len(original)}
            for text, original in zip(translations, texts, strict=True)]})


def translate(text: str, target: str, entries: dict[str, str], ignore_tags=()) -> str:
    """The fake's translation: "[KO] " before each line's first words, glossary terms replaced,
    the content of ignore tags left alone."""
    if ignore_tags:
        tags = "|".join(re.escape(tag) for tag in ignore_tags)
        pieces = re.compile(rf"(<(?:{tags})>.*?</(?:{tags})>)", re.S)
    else:
        pieces = re.compile(r"(?!)")
    terms = re.compile("|".join(re.escape(t) for t in sorted(entries, key=len, reverse=True))) if entries else None
    lines = []
    for line in text.split("\n"):
        tagged = False
        parts = []
        for index, part in enumerate(pieces.split(line)):
            if index % 2 == 0:
                if terms is not None:
                    part = terms.sub(lambda m: entries[m.group(0)], part)
                if not tagged and any(ch.isalpha() for ch in part):
                    stripped = part.lstrip()
                    part = part[:len(part) - len(stripped)] + f"[{target}] " + stripped
                    tagged = True
            parts.append(part)
        lines.append("".join(parts))
    return "\n".join(lines)
