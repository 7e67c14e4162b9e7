"""Three languages: complete catalogs, no English left on translated pages, locale formatting."""
import functools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from app.common.i18n import format_moment
from app.extensions import db

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"


def catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    messages = [m for m in catalog(lang) if m.id]
    assert messages, "the catalog is empty"
    fuzzy = [m.id for m in messages if m.fuzzy]
    untranslated = [m.id for m in messages
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not fuzzy and not untranslated, (fuzzy, untranslated)


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_catalog_keeps_every_placeholder(lang):
    for message in catalog(lang):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(re.findall(r"%\(\w+\)[sd]", source)) == set(re.findall(r"%\(\w+\)[sd]", target)), source


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_catalog_is_up_to_date_with_the_source(lang):
    """Every string the code and templates use is in the catalog (run `make i18n-update`)."""
    from babel.messages.extract import extract_from_dir

    wanted = set()
    root = TRANSLATIONS.parents[1]
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2"), ("app/templates/**.txt", "jinja2")]
    for _file, _line, message, _comments, context in extract_from_dir(
            root, method_map=method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                                   "_l": None, "lazy_gettext": None,
                                                   "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)},
            options_map={"app/templates/**.html": {}, "app/templates/**.txt": {}}):
        wanted.add((context, message if isinstance(message, str) else message[0]))
    have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog(lang)}
    assert not (wanted - have), sorted(wanted - have, key=str)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<input[^>]*type="hidden"[^>]*>', " ", html)
    html = re.sub(r"<[^>]+>", "\n", html)
    return re.sub(r"[ \t]+", " ", html)


def english_interface_strings(lang):
    """The catalog's English texts whose translation differs, long enough to be unambiguous."""
    strings = set()
    for message in catalog(lang):
        if not message.id or isinstance(message.id, tuple):
            continue
        if "%(" in message.id or len(message.id) < 4 or message.string == message.id:
            continue
        strings.add(message.id)
    return strings


PAGES_ANONYMOUS = ["/", "/auth/login", "/auth/register", "/auth/reset", "/auth/verify/resend", "/missing"]
PAGES_VENTURE = ["/", "/auth/profile", "/auth/organization", "/auth/organization/members", "/auth/password"]
PAGES_STAFF = ["/staff/organizations", "/staff/organizations?state=verified", "/staff/decisions",
               "/staff/audit", "/auth/two-factor/setup"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_translated_pages_show_no_english_interface_text(app, demo, client, lang):
    english = english_interface_strings(lang)
    assert len(english) > 100
    # What users wrote (organisation and person names) is content, not interface.
    from app.auth.models import Organization, User

    content = [o.name_latin for o in Organization.query] + [u.name for u in User.query]

    def check(paths, written_words=""):
        for path in paths:
            separator = "&" if "?" in path else "?"
            page = visible_text(client.get(f"{path}{separator}lang={lang}").get_data(as_text=True))
            for written in content:
                page = page.replace(written, " ")
            left = sorted(s for s in english if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", page)
                          and s not in written_words)
            assert not left, (path, left)

    # Challenges written in the page's language, so their text is not mistaken for interface.
    from app.challenges.models import Challenge, ChallengeState

    written = {state: db.session.scalar(select(Challenge.id).where(
        Challenge.language == lang, Challenge.state == state).order_by(Challenge.id)) for state in ChallengeState}
    opened, draft = f"/challenges/{written[ChallengeState.open]}", written[ChallengeState.draft]
    check(PAGES_ANONYMOUS + ["/challenges/", "/challenges/?q=xyzzy", opened])
    client.post("/auth/login", data={"email": "venture@demo.test", "password": "kakehashi-demo"})
    check(PAGES_VENTURE + [opened, f"{opened}/nda"])
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "company@demo.test", "password": "kakehashi-demo"})
    check(["/challenges/mine", "/challenges/new", "/challenges/new?program=open_innovation"]
          + ([f"/challenges/{draft}", f"/challenges/{draft}/edit"] if draft else []))
    # Translating one of the company's calls into the other language of the region.
    company_call = db.session.scalar(select(Challenge.id).where(
        Challenge.language == lang, Challenge.state == ChallengeState.open,
        Challenge.created_by.has(email="company@demo.test")).order_by(Challenge.id))
    check([f"/challenges/{company_call}/translations/{'ko' if lang == 'ja' else 'ja'}"])
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "ipark@demo.test", "password": "kakehashi-demo"})
    check(PAGES_STAFF + ["/challenges/review", "/challenges/translations", "/challenges/translations?language=en"])
    client.post("/auth/logout")
    # Proposals and their review: the demo's pages for the venture, the company and staff.
    from app.proposals.models import Proposal, ProposalState
    from app.review.models import Review

    def proposal_in(state):
        return db.session.scalar(select(Proposal.id).where(Proposal.state == state).order_by(Proposal.id))

    draft, shortlisted = proposal_in(ProposalState.draft), proposal_in(ProposalState.shortlisted)
    selected = proposal_in(ProposalState.selected)
    review = db.session.scalar(select(Review.id).where(Review.submitted_at.is_not(None)).order_by(Review.id))
    company_call = db.session.scalar(select(Proposal.challenge_id).where(Proposal.id == shortlisted))
    # Proposals are written in English or Korean: their words are content, not interface.
    from app.challenges.models import RubricCriterion
    from app.proposals.models import ProposalAnswer, ProposalMilestone

    written_words = " ".join(
        [" ".join(row) for row in db.session.execute(select(Proposal.title, Proposal.summary, Proposal.approach,
                                                          Proposal.team))]
        + list(db.session.scalars(select(ProposalAnswer.body)))
        + list(db.session.scalars(select(ProposalMilestone.title)))
        + list(db.session.scalars(select(Review.comment)))
        + list(db.session.scalars(select(RubricCriterion.name))))
    check = functools.partial(check, written_words=written_words)
    client.post("/auth/login", data={"email": "venture@demo.test", "password": "kakehashi-demo"})
    into = next(code for code in ("ja", "en") if code != db.session.get(Proposal, shortlisted).language)
    check(["/proposals/mine", f"/proposals/{shortlisted}", f"/proposals/{selected}", "/review/",
           f"/proposals/{shortlisted}/translations/{into}"])
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "company@demo.test", "password": "kakehashi-demo"})
    check(["/review/", "/review/conflicts", f"/review/challenges/{company_call}", f"/proposals/{shortlisted}"])
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "ipark@demo.test", "password": "kakehashi-demo"})
    check(["/review/", "/review/conflicts", f"/review/challenges/{company_call}", f"/proposals/{shortlisted}",
           f"/review/{review}", "/staff/decisions"])
    client.post("/auth/logout")
    owner = db.session.scalar(select(Proposal.created_by_id).where(Proposal.id == draft))
    from app.auth.models import User

    client.post("/auth/login", data={"email": db.session.get(User, owner).email, "password": "kakehashi-demo"})
    check([f"/proposals/{draft}/edit"])
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "admin@demo.test", "password": "kakehashi-demo"})
    check(["/staff/accounts", "/staff/accounts?q=demo", "/staff/accounts/new"])


def test_moments_are_shown_in_the_readers_zone_with_its_name(app, client, users, login):
    moment = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 00:00 on 1 April in Tokyo and Seoul
    with app.test_request_context("/?lang=ja"):
        text = format_moment(moment)
    assert text == "2026/04/01 0:00 日本時間"


def test_stored_naive_moments_are_read_as_utc(app):
    with app.test_request_context("/?lang=en"):
        assert format_moment(datetime(2026, 1, 1, 12, 0)) == format_moment(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


def test_emails_are_written_in_the_recipients_language(app, make_user):
    from flask_babel import gettext

    from app.common.outbox import SUBJECT_PREFIX, queue_email

    user = make_user(locale="ko")
    with app.test_request_context():
        row = queue_email(user, "password_changed")
        with force_locale("ko"):
            assert row.subject == SUBJECT_PREFIX + gettext("Your Kakehashi password was changed")
    assert row.locale == "ko" and row.subject != SUBJECT_PREFIX + "Your Kakehashi password was changed"


@pytest.mark.parametrize(("lang", "zone"), [("en", "Times are shown in UTC."), ("ja", "日本時間"),
                                             ("ko", "한국 시간")])
def test_footer_names_the_readers_zone(client, lang, zone):
    assert zone in client.get(f"/?lang={lang}").get_data(as_text=True)
