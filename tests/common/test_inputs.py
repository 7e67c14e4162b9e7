"""Every input has a domain: the six causes of 500s found by fuzzing (issue 9), one test each, and
the shared pieces that fix them (bounded ids and pages, amounts, date windows, text cleaning)."""
import io
from datetime import date, datetime, timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import Form

from app.challenges.models import Challenge
from app.common import forms as common_forms
from app.common.converters import MAX_ID
from app.common.i18n import force_timezone, format_countdown, format_moment, format_utc
from app.common.models import JointDecision
from app.common.money import MAX_AMOUNT_MINOR, to_minor_units
from app.common.pagination import MAX_PAGE, requested_page
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalAttachment, ProposalMilestone
from tests.challenges.test_routes import form_data
from tests.proposals.test_routes import PDF, edit_data

HUGE = "9" * 25  # beyond 64 bits
JUST_BEYOND = str(2**31)  # beyond the INTEGER primary keys of PostgreSQL
SPECIAL_DECIMALS = ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "1E+999999999", "1e3", "-5",
                    "-0.0", "0x10", "1_000", "1.5.5", "٣", HUGE, str(MAX_AMOUNT_MINOR + 1)]


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# 1. Special decimals in amount fields --------------------------------------------------------------------

@pytest.mark.parametrize("amount", SPECIAL_DECIMALS)
def test_an_amount_is_a_plain_positive_decimal_within_the_cap(amount):
    with pytest.raises(ValueError):
        to_minor_units(amount, "KRW")


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("5000000", "JPY", 5_000_000), ("1,500.25", "USD", 150_025), (" 3,000,000,000 ", "KRW", 3_000_000_000),
    ("５０００", "JPY", 5000), ("0", "KRW", 0), (str(MAX_AMOUNT_MINOR), "KRW", MAX_AMOUNT_MINOR)])
def test_plain_amounts_still_read(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "1E+999999999", "Infinity"])
def test_a_special_decimal_budget_is_a_form_error(client, users, login, amount):
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data(budget=amount))
    assert response.status_code == 200 and "Enter an amount such as" in text(response)
    assert count(Challenge) == 0


def test_an_amount_in_an_unknown_currency_is_only_a_currency_error(client, users, login):
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation",
                           data=form_data(budget="9" * 20, currency="\u202eXXX"))
    assert response.status_code == 200 and "Not a valid choice" in text(response)
    assert "Enter an amount" not in text(response)
    assert count(Challenge) == 0


# 2. Amounts beyond a 64-bit integer ----------------------------------------------------------------------

@pytest.mark.parametrize("amount", [HUGE, str(2**63), str(MAX_AMOUNT_MINOR + 1)])
def test_a_budget_beyond_the_programme_cap_is_a_form_error(client, users, login, make_proposal, amount):
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data(budget=amount))
    assert response.status_code == 200 and "Enter an amount of at most ¥1,000,000,000,000,000" in text(response)
    assert count(Challenge) == 0
    draft = make_proposal("draft", title="Our draft")
    client.post("/auth/logout")
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(budget=amount))
    assert response.status_code == 200 and "Enter an amount of at most ₩1,000,000,000,000,000" in text(response)
    db.session.expire_all()
    assert db.session.get(Proposal, draft.id).budget_minor is None


# 3. Ids beyond the INTEGER keys and pages beyond 64 bits ----------------------------------------------

@pytest.mark.parametrize("path", [f"/challenges/{HUGE}", "/challenges/" + "9" * 5000, f"/challenges/{JUST_BEYOND}",
                                  f"/proposals/{HUGE}",
                                  f"/proposals/{HUGE}/edit", f"/review/{HUGE}", f"/review/challenges/{HUGE}",
                                  f"/challenges/1/attachments/{HUGE}"])
def test_an_id_beyond_64_bits_in_the_url_is_not_found(client, users, login, make_challenge, path):
    make_challenge("open")
    login(users["ipark_staff"])
    assert client.get(path).status_code == 404


def test_the_largest_id_is_still_an_id(client, users, login):
    login(users["ipark_staff"])
    assert client.get(f"/challenges/{MAX_ID}").status_code == 404  # looked up, not found
    assert client.post(f"/auth/members/{MAX_ID + 1}/remove").status_code == 404


@pytest.mark.parametrize("page", [HUGE, JUST_BEYOND, str(2**62), "-5", "0", "x", "٣"])
@pytest.mark.parametrize(("who", "path"), [("company_owner", "/challenges/mine"), ("anonymous", "/challenges/"),
                                           ("ipark_staff", "/challenges/review"), ("venture_owner", "/proposals/mine"),
                                           ("ipark_staff", "/review/"), ("ipark_staff", "/staff/decisions"),
                                           ("ipark_staff", "/staff/organizations"), ("admin", "/staff/audit")])
def test_any_page_number_gives_a_page(client, users, login, make_challenge, who, path, page):
    make_challenge("open")
    if who != "anonymous":
        login(users[who])
    assert client.get(path, query_string={"page": page}).status_code == 200


def test_requested_page_is_bounded(app):
    with app.test_request_context(query_string={"page": HUGE}):
        assert requested_page() == MAX_PAGE
    with app.test_request_context(query_string={"page": "-3"}):
        assert requested_page() == 1


@pytest.mark.parametrize("values", [[HUGE], [JUST_BEYOND, "1"], [str(2**63)], ["-1"], ["x"], ["٣"]])
def test_posted_decision_ids_beyond_64_bits_are_not_found(client, users, login, values):
    login(users["ipark_staff"])
    response = client.post("/staff/decisions/sign", data={"decision_ids": values})
    assert response.status_code == 302
    assert count(JointDecision) == 0


@pytest.mark.parametrize("values", [[HUGE], [JUST_BEYOND, "1"], ["-1"]])
def test_posted_proposal_ids_beyond_64_bits_are_refused(client, users, login, make_proposal, values):
    proposal = make_proposal("submitted")
    login(users["ipark_staff"])
    response = client.post(f"/review/challenges/{proposal.challenge_id}/decisions",
                           data={"proposal_ids": values, "target": "shortlisted"})
    assert response.status_code == 302
    assert count(JointDecision) == 0


def test_bounded_ids_keeps_valid_ids_once_in_order():
    assert common_forms.bounded_ids(["3", "x", HUGE, "1", "3", "-2", " 7 "], limit=10) == [3, 1, 7]
    assert common_forms.bounded_ids([str(n) for n in range(1, 50)], limit=5) == [1, 2, 3, 4, 5]


# 4. Dates that cannot be shown in a reader's zone --------------------------------------------------------

FAR_MOMENTS = [datetime(1, 1, 1), datetime(1, 1, 1, 5), datetime(9999, 12, 31, 23, 59), datetime(9999, 12, 31, 12)]
ZONES = ["Asia/Tokyo", "Asia/Seoul", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", FAR_MOMENTS)
def test_far_dates_are_shown_in_every_zone(app, zone, moment):
    with app.test_request_context(), force_timezone(zone):
        assert str(moment.year) in format_moment(moment)
        assert str(moment.year) in format_moment(moment, "minute")
        assert str(moment.year) in format_utc(moment)
        assert format_countdown(moment)


@pytest.mark.parametrize("deadline", [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)])
def test_a_listing_with_a_far_deadline_renders_in_other_zones(client, users, login, make_challenge, deadline):
    challenge = make_challenge("open", deadline=deadline)
    user = users["venture_owner"]
    for zone in ["Pacific/Kiritimati", "America/Los_Angeles"]:
        user.timezone = zone
        db.session.commit()
        login(user)
        for path in ["/challenges/?status=all", f"/challenges/{challenge.id}"]:
            assert client.get(path).status_code == 200, (zone, path)


# 5. Milestones and deadlines in year 1 -------------------------------------------------------------------

@pytest.mark.parametrize("due_on", ["0001-01-01", "9999-12-31", "1900-01-01", "eleven years on"])
def test_a_milestone_outside_ten_years_is_a_form_error(client, users, login, make_proposal, due_on):
    if due_on == "eleven years on":  # computed when it runs: both xdist workers must collect the same ids
        due_on = (date.today() + timedelta(days=11 * 366)).isoformat()
    draft = make_proposal("draft", title="Our draft")
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(**{"milestones-0-due_on": due_on}))
    assert response.status_code == 200 and "Choose a date between" in text(response)
    assert count(ProposalMilestone) == 0


def test_a_stored_year_one_milestone_is_shown_so_that_it_can_be_corrected(client, users, login, make_proposal):
    draft = make_proposal("draft", title="Our draft")
    draft.milestones = [ProposalMilestone(position=1, due_on=date(1, 1, 1), title="Legacy")]
    db.session.commit()
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{draft.id}/edit"))
    assert 'value="0001-01-01"' in page
    due = (date.today() + timedelta(days=30)).isoformat()
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(**{
        "milestones-0-due_on": due, "milestones-0-title": "Legacy"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.due_on.isoformat() for m in db.session.get(Proposal, draft.id).milestones] == [due]


# The window's far end is computed when the test runs, not when it is collected: the two xdist
# workers collect at different moments, and a parameter that differs between them stops the run.
@pytest.mark.parametrize("deadline", ["0001-01-01T00:00", "9999-12-31T23:59", "2010-01-01T00:00", "six years on"])
def test_a_deadline_outside_the_window_is_a_form_error(client, users, login, deadline):
    if deadline == "six years on":
        deadline = (utcnow() + timedelta(days=6 * 366)).strftime("%Y-%m-%dT%H:%M")
    user = users["company_owner"]
    user.timezone = "America/Los_Angeles"
    db.session.commit()
    login(user)
    response = client.post("/challenges/new?program=open_innovation", data=form_data(deadline=deadline))
    assert response.status_code == 200 and "Choose a date between" in text(response)
    assert count(Challenge) == 0


# 6. Control and bidirectional characters in titles and file names ----------------------------------------

def test_titles_drop_control_bidi_and_zero_width_characters(client, users, login):
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data(
        title="invoice\u202efdp.exe\u200b\x07\u2066 call\ttoday\u2028",
        summary="Line one\r\nLine\u200b two\x1b\u202e\tindented\u2029end"))
    assert response.status_code == 302
    challenge = db.session.scalar(select(Challenge))
    assert challenge.title == "invoicefdp.exe call today"
    assert challenge.summary == "Line one\nLine two\tindented\nend"


def test_an_uploaded_file_name_drops_control_and_bidi_characters(client, users, login, make_proposal):
    draft = make_proposal("draft")
    login(users["venture_owner"])
    client.post(f"/proposals/{draft.id}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "invoice\u202efdp\u200d\x01.pdf")})
    assert [a.filename for a in db.session.scalars(select(ProposalAttachment))] == ["invoicefdp.pdf"]


@pytest.mark.parametrize(("value", "line", "lines"), [
    ("a\u202eb\u200bc\u2060d\ufeffe", "abcde", "abcde"),
    ("tab\there", "tab here", "tab\there"),
    ("one\r\ntwo\rthree\nfour\u2028five\x85six", "one two three four five six",
     "one\ntwo\nthree\nfour\nfive\nsix"),
    ("\x00\x1f\x7f\x9fok", "ok", "ok"),
    ("日本語 한국어 English 👩‍🔬", "日本語 한국어 English 👩🔬", "日本語 한국어 English 👩🔬"),
    (None, None, None),
])
def test_text_cleaning(value, line, lines):
    assert common_forms.clean_line(value) == line
    assert common_forms.clean_lines(value) == lines


def all_form_classes() -> list[type]:
    """Every form class defined in the app's modules (those built inside a function excepted)."""
    import importlib
    import pkgutil

    import app as package

    for module in pkgutil.walk_packages(package.__path__, "app."):
        importlib.import_module(module.name)
    found, pending = [], [Form]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            if cls.__module__.startswith("app.") and "<locals>" not in cls.__qualname__:
                found.append(cls)
    return found


def test_every_form_of_the_app_cleans_its_text():
    """New forms join by inheriting KakehashiForm (rows inside a RowList: RowForm)."""
    from wtforms import FieldList
    from wtforms.fields.core import UnboundField

    forms = all_form_classes()
    assert len(forms) > 20
    plain_lists = [f"{cls.__qualname__}.{name}" for cls in forms for name, value in vars(cls).items()
                   if isinstance(value, UnboundField) and issubclass(value.field_class, FieldList)
                   and not issubclass(value.field_class, common_forms.RowList)]
    assert plain_lists == []
    stray = [cls.__qualname__ for cls in forms
             if issubclass(cls, FlaskForm) and not issubclass(cls, common_forms.KakehashiForm)
             or not issubclass(cls, FlaskForm) and issubclass(cls, Form) and not issubclass(cls, common_forms.RowForm)]
    assert stray == []


# Other request values --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "path"), [("anonymous", "/challenges/?q=a%00b"),
                                           ("anonymous", "/challenges/?country=%00"),
                                           ("admin", "/staff/audit?action=x%00"), ("admin", "/staff/accounts?q=%00"),
                                           ("admin", "/staff/audit?action=x&action=%00"),
                                           ("anonymous", "/auth/login?next=/%00")])
def test_a_nul_in_the_query_string_is_a_bad_request(client, users, login, who, path):
    """PostgreSQL refuses NUL in text; no real link carries one."""
    if who != "anonymous":
        login(users[who])
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("index", ["²", "٣", "99999999999999999999", "1" * 5000, "-1", "0x1", ""])
def test_a_row_number_of_any_shape_is_ignored_or_read(client, users, login, make_proposal, index):
    """FieldList reads row numbers with str.isdigit, which holds for '²' that int() refuses."""
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data(**{
        f"questions-{index}-text": "A question?", f"criteria-{index}-name": "Merit", f"criteria-{index}-weight": "5"}))
    assert response.status_code in (200, 302)
    draft = make_proposal("draft", title="Our draft")
    client.post("/auth/logout")
    login(users["venture_owner"])
    response = client.post(f"/proposals/{draft.id}/edit", data=edit_data(**{
        f"milestones-{index}-title": "Hits", f"milestones-{index}-due_on": "2027-03-01"}))
    assert response.status_code in (200, 302)


def test_an_uploaded_file_name_drops_line_separators(client, users, login, make_proposal):
    draft = make_proposal("draft")
    login(users["venture_owner"])
    client.post(f"/proposals/{draft.id}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "plan\u2028b\u2029\tc.pdf")})
    assert [a.filename for a in db.session.scalars(select(ProposalAttachment))] == ["plan b c.pdf"]


def test_a_stored_zone_that_no_longer_exists_falls_back_instead_of_breaking_every_page(
        app, client, login, make_user, make_challenge):
    """A zone name written before a tz database update (or by hand) is not a form input, but it
    reaches every page and every e-mail of its user: they fall back to the language's zone."""
    from app.common.outbox import queue_email

    make_challenge("open")
    user = make_user("venture", locale="ko", timezone="Mars/Olympus_Mons")
    login(user)
    response = client.get("/challenges/")
    assert response.status_code == 200
    assert "한국 시간" in response.get_data(as_text=True)  # Seoul, the zone of Korean readers
    queue_email(user, "password_changed")  # rendered in the recipient's zone
    db.session.rollback()
