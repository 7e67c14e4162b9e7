"""Names in the reader's script on pages and in e-mails: languages (韓国語 on a Japanese page, 일본어
on a Korean one) and organisations (the form the reader can read, never the other script's)."""
import re

import pytest
from flask_babel import force_locale

from app.common.names import language_name, org_name
from app.common.outbox import queue_email
from app.extensions import db

NAMES = {
    "en": {"en": "English", "ja": "Japanese", "ko": "Korean"},
    "ja": {"en": "英語", "ja": "日本語", "ko": "韓国語"},
    "ko": {"en": "영어", "ja": "일본어", "ko": "한국어"},
}

MSS = {"en": "Ministry of SMEs and Startups (MSS)", "ja": "韓国中小ベンチャー企業部（MSS）", "ko": "중소벤처기업부"}
IPARK = {"en": "Shonan Health Innovation Park (Shonan iPark)", "ja": "湘南ヘルスイノベーションパーク（湘南アイパーク）",
         "ko": "쇼난 아이파크"}


@pytest.mark.parametrize("reader", ["en", "ja", "ko"])
def test_language_names_are_in_the_readers_language(app, reader):
    with app.test_request_context(), force_locale(reader):
        assert {code: language_name(code) for code in ("en", "ja", "ko")} == NAMES[reader]
        assert language_name("xx-not-a-language") == "xx-not-a-language" and language_name(None) == ""


def test_org_name_uses_the_current_locale(app, make_organization):
    venture = make_organization("venture", country="KR", name_latin="Hanbit AI", name_native="한빛에이아이")
    with app.test_request_context():
        shown = {}
        for reader in ("en", "ja", "ko"):
            with force_locale(reader):
                shown[reader] = org_name(venture)
        assert shown == {"en": "Hanbit AI", "ja": "Hanbit AI", "ko": "한빛에이아이"}
        assert org_name(None) == ""


@pytest.mark.parametrize("reader", ["en", "ja", "ko"])
def test_a_call_page_names_its_poster_and_its_language_for_the_reader(client, make_challenge, make_user,
                                                                      make_organization, reader):
    company = make_organization("company", country="JP", name_latin="Sakura Pharmaceutical Co., Ltd.",
                                name_native="さくら製薬株式会社")
    challenge = make_challenge(poster=make_user(organization=company), language="ja", title="抗体の親和性成熟")
    page = client.get(f"/challenges/{challenge.id}?lang={reader}").get_data(as_text=True)
    assert f"<dd>{NAMES[reader]['ja']}</dd>" in page
    native_shown = "さくら製薬株式会社" in page
    assert native_shown is (reader == "ja")
    assert ("Sakura Pharmaceutical Co., Ltd." in page) is (reader != "ja")
    listing = client.get(f"/challenges/?lang={reader}").get_data(as_text=True)
    assert f"· {NAMES[reader]['ja']}</span>" in listing
    assert ("さくら製薬株式会社" in listing) is (reader == "ja")


@pytest.mark.parametrize("reader", ["en", "ja", "ko"])
def test_the_ministry_is_named_in_the_readers_language(client, login, make_user, reader):
    staff = make_user(institution="mss", role="member", locale=reader)
    login(staff)
    page = client.get("/auth/profile").get_data(as_text=True)
    assert MSS[reader] in page
    for other in {"en", "ja", "ko"} - {reader}:
        assert MSS[other] not in page, other
    assert "Ministry of SMEs and Startups (중소벤처기업부)" not in page


@pytest.mark.parametrize("reader", ["en", "ja", "ko"])
def test_a_reviewer_of_ipark_is_named_in_the_readers_language(app, make_user, reader):
    from app.review.panel import _reviewer_label

    reviewer = make_user(institution="ipark", role="member", name="田中 遥")
    with app.test_request_context(), force_locale(reader):
        assert _reviewer_label(reviewer) == f"田中 遥 · {IPARK[reader]}"


@pytest.mark.parametrize(("reader", "shown", "hidden"), [
    ("ja", "Hanbit AI Discovery Inc.", "한빛에이아이디스커버리"),
    ("ko", "한빛에이아이디스커버리", "Hanbit AI Discovery Inc."),
])
def test_mail_names_the_organisation_in_the_recipients_script(app, make_organization, make_user, reader, shown,
                                                              hidden):
    venture = make_organization("venture", country="KR", name_latin="Hanbit AI Discovery Inc.",
                                name_native="한빛에이아이디스커버리")
    owner = make_user(organization=venture, locale=reader)
    mail = queue_email(owner, "organization_verification", organization=venture, verified=True, note=None)
    assert shown in mail.subject and shown in mail.body_text
    assert hidden not in mail.subject + mail.body_text
    db.session.rollback()


def test_the_written_in_choice_names_languages_for_the_reader(client, login, users):
    login(users["company_owner"])
    page = client.get("/challenges/new?program=open_innovation&lang=ko").get_data(as_text=True)
    options = dict(re.findall(r'<option(?: selected)? value="(en|ja|ko)"[^>]*>([^<]*)</option>', page))
    assert options == NAMES["ko"]


def test_an_interface_language_choice_names_each_language_in_itself_with_its_lang(client, login, users):
    login(users["venture_owner"])
    page = client.get("/auth/profile?lang=ja").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>[^<]*</option>", page)
    for code, name in (("en", "English"), ("ja", "日本語"), ("ko", "한국어")):
        [option] = [o for o in options if f'value="{code}"' in o and f">{name}<" in o]
        assert f'lang="{code}"' in option


def test_staff_verifying_an_organisation_see_both_names_the_native_one_marked(client, login, users,
                                                                              make_organization):
    venture = make_organization("venture", country="KR", name_latin="NuriGen Inc.", name_native="누리젠")
    login(users["ipark_staff"])
    marked = 'NuriGen Inc. (<span lang="ko">누리젠</span>)'
    assert marked in client.get(f"/staff/organizations/{venture.id}?lang=ja").get_data(as_text=True)
    assert marked in client.get("/staff/organizations?state=verified&lang=ja").get_data(as_text=True)
