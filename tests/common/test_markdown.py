"""User text in Markdown: rendered without raw HTML, sanitised, and rendered once per text per process."""
from markupsafe import Markup

from app.common import markdown


def test_markdown_is_rendered_and_what_could_run_is_not():
    html = markdown.render_markdown("Background and **goals**.\n\n<script>alert(1)</script> [x](javascript:alert(1)) "
                                    "[y](https://example.test)")
    assert isinstance(html, Markup)
    assert "<strong>goals</strong>" in html
    assert "&lt;script&gt;" in html and "<script" not in html and 'href="javascript:' not in html
    assert '<a href="https://example.test" rel="noopener noreferrer nofollow">y</a>' in html


def test_empty_text_renders_nothing():
    assert markdown.render_markdown(None) == markdown.render_markdown("") == Markup("")


def test_a_text_is_rendered_once_and_a_changed_text_again(monkeypatch):
    rendered = []
    real = markdown._markdown.render
    monkeypatch.setattr(markdown._markdown, "render", lambda text: rendered.append(text) or real(text))
    markdown.forget()
    first = markdown.render_markdown("The **first** call.")
    assert markdown.render_markdown("The **first** call.") == first
    assert rendered == ["The **first** call."]
    assert "<strong>second</strong>" in markdown.render_markdown("The **second** call.")
    assert len(rendered) == 2


def test_only_the_latest_texts_are_kept(monkeypatch):
    monkeypatch.setattr(markdown, "KEPT_TEXTS", 2)
    markdown.forget()
    for number in range(5):
        markdown.render_markdown(f"Text {number}")
    assert len(markdown._rendered) == 2
    assert markdown.render_markdown("Text 4") == Markup("<p>Text 4</p>\n")
