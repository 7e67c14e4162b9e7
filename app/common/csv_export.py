"""Every CSV the application offers is written here, so that no cell — header included — reaches a
spreadsheet as a formula (CSV injection: a cell that starts with = + - @ is run by Excel, LibreOffice
and Google Sheets, and users' text, criterion names and titles can start with anything)."""
import csv
import io
from collections.abc import Iterable

from flask import Response

# What spreadsheet programs read as the start of a formula; the full-width forms are how Japanese
# and Korean input methods type them, and some programs take them too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value):
    """Text that a spreadsheet would run, quoted with a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable]) -> str:
    """The rows (the first one the header) as CSV text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def csv_download(rows: Iterable[Iterable], filename: str) -> Response:
    """A CSV download. The byte-order mark makes spreadsheet programs read Japanese and Korean text as
    UTF-8. ``filename`` is ours (ASCII, no quotes), never a user's."""
    return Response("\ufeff" + csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
