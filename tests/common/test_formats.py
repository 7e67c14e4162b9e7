"""Dates, time zones and relative times in the reader's convention (docs/glossary.md, "Formats")."""
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from app.common.forms import TIMEZONES, KakehashiForm, TimezoneSelect
from app.common.i18n import (
    current_zone_name,
    force_timezone,
    format_countdown,
    format_day,
    format_moment,
    format_utc,
    zone_name,
)
from app.common.outbox import queue_email

MOMENT = datetime(2026, 12, 1, 8, 30, 45, tzinfo=UTC)  # 17:30:45 in Tokyo and Seoul
STYLES = ["short", "medium", "minute"]  # the templates name all three; every one shows the minute

# One pattern per language (docs/glossary.md): a four-digit year, the minute, the zone's everyday name.
# English puts CLDR's narrow no-break space before AM/PM.
SHOWN = {
    ("en", "Asia/Tokyo"): "Dec 1, 2026, 5:30\u202fPM Japan Time",
    ("en", "Asia/Seoul"): "Dec 1, 2026, 5:30\u202fPM Korean Time",
    ("ja", "Asia/Tokyo"): "2026/12/01 17:30 日本時間",
    ("ja", "Asia/Seoul"): "2026/12/01 17:30 韓国時間",
    ("ko", "Asia/Tokyo"): "2026. 12. 1. 오후 5:30 일본 시간",
    ("ko", "Asia/Seoul"): "2026. 12. 1. 오후 5:30 한국 시간",
    ("en", "UTC"): "Dec 1, 2026, 8:30\u202fAM UTC",
    ("ja", "Europe/Berlin"): "2026/12/01 9:30 中央ヨーロッパ時間",
    ("ko", "America/New_York"): "2026. 12. 1. 오전 3:30 미 동부 시간",
}
BRACKETS = re.compile(r"[()（）\[\]［］]")


def shown(app, lang, zone, call, *args):
    with app.test_request_context(), force_locale(lang), force_timezone(zone):
        return call(*args)


def nested_brackets(text: str) -> list[str]:
    """Each bracket opened inside another, with what precedes it: "（締切 2026 (JST)）" → one."""
    depth, found = 0, []
    for at, char in enumerate(text):
        if char in "(（[［":
            depth += 1
            if depth > 1:
                found.append(text[max(0, at - 30):at + 10])
        elif char in ")）]］":
            depth = max(0, depth - 1)
    return found


# Moments -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("lang", "zone"), list(SHOWN))
def test_a_moment_reads_in_the_readers_pattern(app, lang, zone, style):
    assert shown(app, lang, zone, format_moment, MOMENT, style) == SHOWN[lang, zone]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_no_two_digit_year_and_no_seconds(app, lang, style):
    text = shown(app, lang, "Asia/Seoul", format_moment, MOMENT, style)
    assert re.search(r"(?<!\d)2026(?!\d)", text) and not re.search(r"(?<!\d)26[./ ]", text)
    assert ":45" not in text and "45" not in text


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_far_years_keep_four_digits(app, lang):
    assert "0001" in shown(app, lang, "UTC", format_moment, datetime(1, 1, 1, 5, tzinfo=UTC))
    assert "0001" in shown(app, lang, "UTC", format_day, date(1, 1, 1))


@pytest.mark.parametrize(("lang", "day"), [("en", "Dec 1, 2026"), ("ja", "2026/12/01"), ("ko", "2026. 12. 1.")])
def test_a_day_reads_in_the_readers_pattern(app, lang, day):
    assert shown(app, lang, "Asia/Tokyo", format_day, date(2026, 12, 1)) == day
    assert shown(app, lang, "Asia/Tokyo", format_day, MOMENT) == day  # a moment's day in the reader's zone


def test_the_templates_date_filter_is_format_day(app):
    assert app.jinja_env.filters["day"] is format_day


@pytest.mark.parametrize(("lang", "text"), [("en", "Dec 1, 2026, 8:30\u202fAM UTC"), ("ja", "2026/12/01 8:30 UTC"),
                                            ("ko", "2026. 12. 1. 오전 8:30 UTC")])
def test_the_utc_line_has_the_same_pattern_without_brackets(app, lang, text):
    assert shown(app, lang, "Asia/Tokyo", format_utc, MOMENT) == text


# Zone names: one style per language, for dates, the footer and the forms' help -----------------------------

@pytest.mark.parametrize(("lang", "tokyo", "seoul"), [("en", "Japan Time", "Korean Time"),
                                                      ("ja", "日本時間", "韓国時間"), ("ko", "일본 시간", "한국 시간")])
def test_japan_and_korea_have_their_everyday_names(app, lang, tokyo, seoul):
    with app.test_request_context(), force_locale(lang):
        assert (zone_name("Asia/Tokyo"), zone_name("Asia/Seoul")) == (tokyo, seoul)


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_no_zone_name_carries_brackets(app, lang):
    """Location names such as "アメリカ合衆国（ニューヨーク）時間" would nest inside "締切（…）"."""
    with app.test_request_context(), force_locale(lang):
        bracketed = {zone: zone_name(zone) for zone in TIMEZONES if BRACKETS.search(zone_name(zone))}
    assert bracketed == {}


@pytest.mark.parametrize(("lang", "zone", "name"), [
    ("en", "Asia/Tokyo", "Japan Time"), ("ja", "Asia/Tokyo", "日本時間"), ("ko", "Asia/Seoul", "한국 시간"),
    ("ja", "UTC", "UTC")])
def test_the_footer_names_the_zone_as_dates_do(app, client, lang, zone, name, make_user, login):
    login(make_user(locale=lang, timezone=zone))
    page = client.get("/challenges/").get_data(as_text=True)
    assert name in page
    assert not re.search("標準時|표준시|Standard Time|JST|KST", page)
    assert shown(app, lang, zone, current_zone_name) == name


# Relative times ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "ahead", "behind"), [("ja", "3週間後", "2日前"), ("ko", "3주 후", "2일 전"),
                                                       ("en", "in 3 weeks", "2 days ago")])
def test_relative_times_follow_each_language(app, lang, ahead, behind):
    now = MOMENT
    assert shown(app, lang, "UTC", format_countdown, now + timedelta(weeks=3), now) == ahead
    assert shown(app, lang, "UTC", format_countdown, now - timedelta(days=2), now) == behind


# E-mails ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "zone", "deadline"), [
    ("ja", "Asia/Tokyo", "2026/12/01 17:30 日本時間"), ("ko", "Asia/Seoul", "2026. 12. 1. 오후 5:30 한국 시간"),
    ("en", "Asia/Tokyo", "Dec 1, 2026, 5:30\u202fPM Japan Time")])
def test_e_mail_deadlines_show_the_minute_in_the_recipients_pattern(app, make_user, make_challenge, make_proposal,
                                                                    lang, zone, deadline):
    recipient = make_user(locale=lang, timezone=zone)
    challenge = make_challenge("open")
    challenge.deadline = MOMENT
    proposal = make_proposal("submitted", challenge=challenge)
    with app.test_request_context():
        bodies = [queue_email(recipient, template, challenge=challenge, proposal=proposal, url="https://x.test/",
                              deadline_extended=True).body_text
                  for template in ["challenge_published", "challenge_matching", "challenge_updated",
                                   "proposal_submitted"]]
    for body in bodies:
        assert deadline in body
        assert not re.search(r"\d:\d\d:\d\d", body)  # no seconds
        assert nested_brackets(body) == []


def test_nested_brackets_are_found():
    assert len(nested_brackets("締切（2026/12/01 17:30 (JST)）まで")) == 1
    assert nested_brackets("締切（2026/12/01 17:30 日本時間）まで") == []


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_draft_page_names_its_deadline_without_nested_brackets(client, make_user, make_challenge, make_proposal,
                                                                 login, lang):
    proposal = make_proposal("draft")
    creator = proposal.created_by
    creator.locale = lang
    from app.extensions import db

    db.session.commit()
    login(creator)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    sentence = re.search(r'<div class="alert alert-secondary">([^<]*)</div>', page).group(1)
    assert nested_brackets(sentence) == []


# The time-zone choice -------------------------------------------------------------------------------------

class ZoneForm(KakehashiForm):
    class Meta:
        csrf = False

    timezone = TimezoneSelect()


def options(app, lang, stored=None):
    with app.test_request_context(), force_locale(lang):
        form = ZoneForm(data={"timezone": stored} if stored else None)
        return [(value, label) for value, label, *_ in form.timezone.iter_choices()]


def posted_zone(app, zone):
    with app.test_request_context(method="POST"), force_locale("en"):
        form = ZoneForm(formdata=MultiDict({"timezone": zone}))
        return form.validate(), form.timezone.data


def sort_key(label: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()


@pytest.mark.parametrize(("lang", "first"), [
    ("en", [("Asia/Tokyo", "Japan Time"), ("Asia/Seoul", "Korean Time")]),
    ("ja", [("Asia/Tokyo", "日本時間"), ("Asia/Seoul", "韓国時間")]),
    ("ko", [("Asia/Tokyo", "일본 시간"), ("Asia/Seoul", "한국 시간")])])
def test_the_zone_menu_names_zones_in_the_readers_language_japan_and_korea_first(app, lang, first):
    listed = options(app, lang)
    assert listed[:2] == first
    rest = [label for _, label in listed[2:]]
    assert rest == sorted(rest, key=sort_key)
    assert not any(re.fullmatch(r"[A-Za-z_]+/[A-Za-z_/]+", label) for _, label in listed)  # no raw IANA name
    assert len({label for _, label in listed}) == len(listed)  # each zone once, told apart
    assert {value for value, _ in listed} <= set(TIMEZONES)


@pytest.mark.parametrize(("lang", "zone", "label"), [
    ("en", "Europe/Berlin", "Germany (Berlin) Time"), ("ja", "America/New_York", "アメリカ合衆国（ニューヨーク）時間"),
    ("ko", "Europe/London", "영국 시간"), ("ja", "UTC", "協定世界時")])
def test_other_zones_are_named_by_their_place(app, lang, zone, label):
    assert (zone, label) in options(app, lang)


def test_the_registration_page_lists_localised_zones(client):
    page = client.get("/auth/register?lang=ko").get_data(as_text=True)
    assert '<option selected value="Asia/Seoul">한국 시간</option>' in page  # the language's zone by default
    assert page.index('value="Asia/Tokyo"') < page.index('value="Asia/Seoul"') < page.index('value="Europe/Berlin"')
    assert ">Asia/Seoul<" not in page


def test_the_menu_names_each_place_once_and_keeps_a_stored_older_name(app):
    """Asia/Calcutta and Asia/Kolkata are one place: the menu lists the current name; a profile that
    stored the older one still shows it selected, so saving the profile does not move the user."""
    values = [value for value, _ in options(app, "en")]
    assert "Asia/Kolkata" in values and "Asia/Calcutta" not in values and "US/Alaska" not in values
    kept = options(app, "ja", stored="Asia/Calcutta")
    assert ("Asia/Calcutta", "インド時間") in kept


@pytest.mark.parametrize(("zone", "valid"), [("Asia/Seoul", True), ("Asia/Calcutta", True), ("UTC", True),
                                             ("Mars/Olympus_Mons", False), ("", False)])
def test_the_zone_menu_accepts_the_same_names_as_before(app, zone, valid):
    assert posted_zone(app, zone)[0] is valid
    assert (zone in TIMEZONES) is valid


def test_nothing_formats_a_date_but_the_formatters():
    """Babel's own date filters and functions would bring back CLDR's short patterns (26. 12. 1.,
    12/1/26), seconds and zone names of another style."""
    app_dir = Path(__file__).parents[2] / "app"
    own = {app_dir / "common" / "i18n.py"}
    pattern = re.compile(r"\b(date|datetime|time)format\b|\bformat_(datetime|date|time)\b|strftime\(")
    offenders = [str(path.relative_to(app_dir)) for path in app_dir.rglob("*")
                 if path.suffix in {".py", ".html", ".txt"} and path not in own
                 and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
