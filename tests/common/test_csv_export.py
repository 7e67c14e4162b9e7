"""Every CSV cell, header included, reaches a spreadsheet as text, never as a formula."""
import csv
import io

import pytest

from app.common.csv_export import csv_text, safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", "  =x", "＝1+1", "＠x"])
def test_formula_like_text_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [3, -2, 4.5, "", "plain", "a=b", None])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_every_row_is_neutralised_the_header_too():
    rows = list(csv.reader(io.StringIO(csv_text([["=HYPERLINK(\"x\")", "ok"], ["+1", 2]]))))
    assert rows == [["'=HYPERLINK(\"x\")", "ok"], ["'+1", "2"]]


def test_no_csv_is_written_anywhere_else():
    """One writer for the whole application, so no export can forget the header or a column."""
    import re
    from pathlib import Path

    import app

    root = Path(app.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py") if path.name != "csv_export.py"
                 and re.search(r"^\s*(import csv|from csv import)|csv\.(writer|DictWriter)", path.read_text(), re.M)]
    assert offenders == []
