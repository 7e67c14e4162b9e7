"""Organisations named in the reader's script: the rule once, as a table (kind × country × locale)."""
import pytest

from app.auth.models import INSTITUTION_NAMES, Organization, OrganizationKind
from app.common.models import Institution
from app.common.names import script_language


def organization(kind, country, native, institution=None):
    return Organization(kind=OrganizationKind(kind), country=country, name_latin="Latin Name",
                        name_native=native, institution=institution)


@pytest.mark.parametrize(("kind", "country", "native", "locale", "shown"), [
    # A Japanese company: its kanji and kana for Japanese readers, the Latin name for the others.
    ("company", "JP", "さくら製薬株式会社", "ja", "さくら製薬株式会社"),
    ("company", "JP", "さくら製薬株式会社", "ko", "Latin Name"),
    ("company", "JP", "さくら製薬株式会社", "en", "Latin Name"),
    ("university", "JP", "湘南医科大学", "ja", "湘南医科大学"),  # kanji alone: Japanese, being Japanese
    ("university", "JP", "湘南医科大学", "ko", "Latin Name"),
    ("research_institute", "JP", "理化学研究所", "ja_JP", "理化学研究所"),
    # A Korean venture: Hangul for Korean readers only.
    ("venture", "KR", "한빛에이아이디스커버리 주식회사", "ko", "한빛에이아이디스커버리 주식회사"),
    ("venture", "KR", "한빛에이아이디스커버리 주식회사", "ja", "Latin Name"),
    ("venture", "KR", "한빛에이아이디스커버리 주식회사", "en", "Latin Name"),
    # The script decides, not the country: a Korean firm's Japanese subsidiary, a Japanese one's Korean.
    ("company", "KR", "コリアファーマ株式会社", "ja", "コリアファーマ株式会社"),
    ("company", "KR", "コリアファーマ株式会社", "ko", "Latin Name"),
    ("venture", "JP", "누리바이오", "ko", "누리바이오"),
    ("venture", "JP", "누리바이오", "ja", "Latin Name"),
    # Han characters of another country, other scripts, no native name: the Latin name for everyone.
    ("company", "CN", "上海生物科技", "ja", "Latin Name"),
    ("company", "CN", "上海生物科技", "ko", "Latin Name"),
    ("company", "KR", "韓國生命", "ko", "Latin Name"),
    ("company", "DE", "Müller Biotechnik", "ja", "Latin Name"),
    ("venture", "KR", None, "ko", "Latin Name"),
    ("venture", "KR", "", "ko", "Latin Name"),
])
def test_name_for(kind, country, native, locale, shown):
    assert organization(kind, country, native).name_for(locale) == shown


@pytest.mark.parametrize(("institution", "locale", "shown"), [
    (Institution.ipark, "en", "Shonan Health Innovation Park (Shonan iPark)"),
    (Institution.ipark, "ja", "湘南ヘルスイノベーションパーク（湘南アイパーク）"),
    (Institution.ipark, "ko", "쇼난 아이파크"),
    (Institution.mss, "en", "Ministry of SMEs and Startups (MSS)"),
    (Institution.mss, "ja", "韓国中小ベンチャー企業部（MSS）"),
    (Institution.mss, "ko", "중소벤처기업부"),
    (Institution.mss, "de", "Ministry of SMEs and Startups (MSS)"),  # a language the site lacks: English
])
def test_the_institutions_have_official_names_in_every_language(institution, locale, shown):
    native = {Institution.ipark: "アイパークインスティチュート株式会社", Institution.mss: "중소벤처기업부"}[institution]
    country = {Institution.ipark: "JP", Institution.mss: "KR"}[institution]
    assert organization("institution", country, native, institution).name_for(locale) == shown


def test_no_institution_name_mixes_scripts_the_reader_may_not_read():
    for names in INSTITUTION_NAMES.values():
        assert set(names) == {"en", "ja", "ko"}
        assert script_language(names["en"]) is None and script_language(names["ja"]) == "ja"
        assert script_language(names["ko"]) == "ko" and "MSS" not in names["ko"]


def test_display_name_keeps_both_for_staff():
    both = organization("venture", "KR", "누리젠")
    assert both.display_name == "Latin Name (누리젠)"
    assert organization("venture", "KR", None).display_name == "Latin Name"


# The demo's people and organisations, in their own scripts ---------------------------------------

def test_demo_people_and_organisations_are_named_in_their_own_script(demo):
    from sqlalchemy import select

    from app.auth.models import User
    from app.demo.people import ACCOUNTS, STAFF
    from app.extensions import db

    emails = [account[0] for account in ACCOUNTS] + [staff[0] for staff in STAFF] + ["newcomer@demo.test"]
    people = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    assert len(people) == len(emails)
    for user in people:
        if user.locale in {"ja", "ko"}:
            assert script_language(user.name) == user.locale, user.email
        else:  # the administrator works in English
            assert user.name.isascii(), user.email
        organization = user.organization
        if organization.institution is None and organization.country in {"JP", "KR"}:
            assert organization.native_language == {"JP": "ja", "KR": "ko"}[organization.country], organization
    # As Japanese and Korean pages show them: 田中 遥 on a Korean page too, as she writes her name.
    assert {user.name for user in people} >= {"田中 遥", "김민준"}


def test_demo_calls_follow_the_writing_conventions_of_their_language():
    import re

    from app.demo.calls import DEMO_CHALLENGES

    for spec in DEMO_CHALLENGES:
        text = "\n".join([spec.title, spec.summary, spec.description, spec.confidential or "",
                          *(question["text"] for question in spec.questions)])
        if spec.language == "ja":
            # No space between a number and its unit or counter: 3社, 82±6%, 1,200万円, 25°C.
            assert not re.search(r"\d [%％°件社名例種万億年]|\d ±|± \d", text), (spec.title, re.findall(
                r".{0,12}(?:\d [%％°件社名例種万億年]|\d ±|± \d).{0,4}", text))
            assert "中小ベンチャー企業部（MSS）" not in text.replace("韓国中小ベンチャー企業部（MSS）", ""), spec.title
        if spec.language == "ko":
            assert "아이파크 연구소" not in text and "MSS" not in text, spec.title
            assert not re.search(r"\d %", text), spec.title
