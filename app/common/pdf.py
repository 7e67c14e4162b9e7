"""One-page PDFs written by hand: the demo's attachments and the deposit receipts.

A page of text needs no library: a catalog, a page, Helvetica and its bold (two of the fourteen fonts
every PDF reader has, so nothing is embedded) and one content stream. Those fonts have Latin glyphs
only, in the WinAnsi encoding: a character outside it (Japanese, Korean, ₩) is written as "?", so
callers give Latin-script text (an organisation's name_latin, ISO currency codes).
"""
import textwrap
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4, in points
MARGIN = 56
# Helvetica's glyphs average a little over half the font size in width: lines are wrapped at the
# number of characters that fits the text width (a long name or title), never cut off at the margin.
AVERAGE_GLYPH_WIDTH = 0.52


class PageFull(ValueError):
    """More lines than one page holds."""


@dataclass(frozen=True)
class Line:
    """One line of text; ``size`` in points. A blank text makes a gap of the line's height."""

    text: str
    size: float = 11
    bold: bool = False


def one_page_pdf(lines, *, title: str | None = None) -> bytes:
    """A valid one-page A4 PDF showing ``lines`` (strings, or Line for a size or bold) from the top left,
    each wrapped to the page's width; ``title`` is the document's title that readers show."""
    commands, y = [], PAGE_HEIGHT - MARGIN
    for line in (item if isinstance(item, Line) else Line(str(item)) for item in lines):
        leading = line.size * 1.45
        width = max(int((PAGE_WIDTH - 2 * MARGIN) / (line.size * AVERAGE_GLYPH_WIDTH)), 1)
        for part in textwrap.wrap(line.text, width, break_long_words=True) or [""]:
            y -= leading
            if y < MARGIN:
                raise PageFull("more lines than one page holds")
            if part:
                font = "/F2" if line.bold else "/F1"
                commands.append(f"BT {font} {line.size:g} Tf {MARGIN} {y:.2f} Td {_literal(part)} Tj ET")
    content = "\n".join(commands).encode("ascii")
    info = f"<< /Producer (Kakehashi){f' /Title {_literal(title)}' if title else ''} >>".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (PAGE_WIDTH, PAGE_HEIGHT)
        + b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        info,
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(pdf)


def _literal(text: str) -> str:
    """A PDF string in WinAnsi: parentheses and backslashes escaped, every byte outside printable ASCII
    as an octal escape, so the file stays ASCII; characters WinAnsi lacks become "?"."""
    out = []
    for byte in text.encode("cp1252", errors="replace"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"
