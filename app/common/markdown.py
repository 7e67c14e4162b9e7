"""User text in Markdown, rendered without raw HTML and sanitised again on the way out.

A text is rendered once per process: the output depends on the text alone (not on the reader, their
language or the time), so the text's digest is the key, and a changed text is another key — nothing
kept can be stale. The last few hundred texts are kept (a call's description and confidential part
in each of its languages, proposals' answers, NDAs); the digest keeps the texts themselves out."""
import hashlib
import threading
from collections import OrderedDict

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
                 "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"}

KEPT_TEXTS = 256
_rendered: OrderedDict[bytes, Markup] = OrderedDict()
_lock = threading.Lock()


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    key = hashlib.sha256(text.encode()).digest()
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
            return html
    html = _render(text)
    with _lock:
        _rendered[key] = html
        if len(_rendered) > KEPT_TEXTS:
            _rendered.popitem(last=False)
    return html


def _render(text: str) -> Markup:
    html = _markdown.render(text)
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


def forget() -> None:
    """Drop what was rendered (a test that counts renderings)."""
    with _lock:
        _rendered.clear()
