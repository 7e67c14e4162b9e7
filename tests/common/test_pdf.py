"""The hand-written one-page PDF (app/common/pdf.py): well formed, its text escaped, one page only."""
import re

import pytest

from app.common.pdf import Line, PageFull, one_page_pdf


def objects_by_offset(pdf: bytes) -> list[bytes]:
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    count = int(re.match(rb"xref\n0 (\d+)\n", pdf[start:]).group(1))
    entries = pdf[start:].split(b"\n")[3:2 + count]
    return [pdf[int(entry[:10]):] for entry in entries]


def test_every_cross_reference_offset_points_at_its_object():
    pdf = one_page_pdf(["Hello (world)", "back\\slash"], title="A title")
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    found = objects_by_offset(pdf)
    assert len(found) == 7
    for number, at in enumerate(found, start=1):
        assert at.startswith(b"%d 0 obj" % number)
    assert b"(Hello \\(world\\)) Tj" in pdf and b"(back\\\\slash) Tj" in pdf
    assert b"/Title (A title)" in pdf


def test_the_stream_length_is_the_length_of_its_content():
    pdf = one_page_pdf([Line("Receipt", size=18, bold=True), "", "Amount JPY 3,000,000"])
    length = int(re.search(rb"<< /Length (\d+) >>\nstream\n", pdf).group(1))
    content = pdf.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(content) == length
    assert b"/F2 18 Tf" in content and b"/F1 11 Tf" in content


def test_text_outside_winansi_becomes_question_marks_and_the_file_stays_ascii():
    pdf = one_page_pdf(["Café ¥ ₩ 日本 한국", "bell\x07"])
    pdf.decode("ascii")
    assert b"(Caf\\351 \\245 ? ?? ??) Tj" in pdf  # é and ¥ are WinAnsi bytes, written in octal
    assert b"(bell\\007) Tj" in pdf


def test_a_long_line_wraps_instead_of_running_off_the_page():
    pdf = one_page_pdf(["word " * 60])
    assert pdf.count(b" Tj ET") >= 3


def test_more_than_a_page_is_refused():
    with pytest.raises(PageFull):
        one_page_pdf([f"line {n}" for n in range(60)])
