"""Readable on every screen: how the templates and the style sheet keep tables whole on a phone.
The browser measures it (tests/e2e/test_screens.py); these catch a new table that forgets."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
STYLE = Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "app.css"


def test_every_table_scrolls_in_its_own_box():
    """A table wider than a phone scrolls inside a .table-responsive (app.css keeps its first column
    in place), instead of squeezing its columns or widening the page."""
    unwrapped = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for match in re.finditer(r"<table\b", text):
            before = text[:match.start()].rstrip()
            if not re.search(r'<div class="table-responsive[^"]*"[^>]*>$', before):
                line = text.count("\n", 0, match.start()) + 1
                unwrapped.append(f"{template.relative_to(TEMPLATES)}:{line}")
    assert not unwrapped, f"wrap these tables in <div class=\"table-responsive\">: {unwrapped}"


def test_no_rule_breaks_words_anywhere():
    """`overflow-wrap: anywhere` lets a table column shrink to one letter ("3./4/8" in the ranking)."""
    assert not re.search(r"overflow-wrap\s*:\s*anywhere", STYLE.read_text())


def test_every_column_header_has_a_name():
    """A screen reader reads a column's header before each of its cells: an empty one reads nothing."""
    empty = [f"{template.relative_to(TEMPLATES)}" for template in sorted(TEMPLATES.rglob("*.html"))
             if re.search(r"<th\b[^>]*>\s*</th>", template.read_text())]
    assert not empty, f'name the empty <th> (<span class="visually-hidden">…</span>) in {empty}'
