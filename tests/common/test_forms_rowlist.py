"""RowList: the rows as posted, in their order, then blank rows up to min_entries; never a row twice."""
from werkzeug.datastructures import MultiDict
from wtforms import Form, FormField, StringField

from app.common.forms import RowList


class Row(Form):
    text = StringField()


class Rows(Form):
    rows = RowList(FormField(Row), min_entries=7, max_entries=10)


def test_rows_posted_with_a_gap_come_once_each_then_blank_rows():
    form = Rows(MultiDict({"rows-0-text": "first", "rows-1-text": "second", "rows-5-text": "sixth"}))
    assert [entry.form.text.data for entry in form.rows] == ["first", "second", "sixth", None, None, None, None]


def test_unreadable_row_numbers_are_not_rows():
    form = Rows(MultiDict({"rows-²-text": "superscript", "rows-" + "9" * 50 + "-text": "huge", "rows-0-text": "a"}))
    assert [entry.form.text.data for entry in form.rows] == ["a", *[None] * 6]


def test_rows_from_data_are_padded_to_min_entries():
    form = Rows(data={"rows": [{"text": "kept"}]})
    assert [entry.form.text.data for entry in form.rows] == ["kept", *[None] * 6]
