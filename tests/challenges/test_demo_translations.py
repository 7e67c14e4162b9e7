"""The demo's calls in three languages (issue 11): what `make run` shows a Korean venture or a
Japanese company reading a call written in the other language."""
import re

import pytest
from sqlalchemy import func, select

from app.challenges.models import Challenge, ChallengeState, NdaVersion
from app.challenges.services import default_nda_text
from app.challenges.translations import ChallengeTranslation, CriterionTranslation, QuestionTranslation
from app.common.time import as_utc, utcnow
from app.demo import seed
from app.demo.calls import ANTIBODY_AFFINITY, DEMO_CHALLENGES
from app.demo.translations import DEMO_TRANSLATIONS
from app.extensions import db
from tests.common.test_wording import words_we_do_not_use

NEEDED = {"ja": {"ko", "en"}, "ko": {"ja"}, "en": {"ja", "ko"}}  # what each original's readers need


@pytest.fixture
def seeded(app, demo):
    return list(db.session.scalars(select(Challenge).order_by(Challenge.id)))


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (ChallengeTranslation, QuestionTranslation, CriterionTranslation, NdaVersion)}


def test_every_published_call_is_readable_in_the_languages_its_readers_need(seeded):
    published = [c for c in seeded if c.was_published()]
    assert len(published) == 12 and any(c.is_cancelled for c in published)
    for challenge in published:
        have = {row.language for row in challenge.translations}
        assert NEEDED[challenge.language] <= have, challenge.title


def test_the_japanese_antibody_call_reads_whole_in_korean(seeded):
    """Title, text, confidential part, every question, every criterion and the NDA."""
    challenge = next(c for c in seeded if c.title == ANTIBODY_AFFINITY.title)
    assert challenge.language == "ja"
    text = challenge.text_in("ko")
    assert text.is_translation and not text.outdated and text.lang == "ko"
    assert "항체" in text.title and "항체" in text.summary
    assert "## " in text.description and "TL1A" in text.confidential
    for part in (text.title, text.summary, text.description, text.confidential):
        assert not re.search(r"[\u3040-\u30ff]", part)  # no kana left: all of it in Korean
    assert len(challenge.questions) == 3
    for question in challenge.questions:
        assert text.question(question) != question.text and re.search(r"[가-힣]", text.question(question))
    assert [text.criterion(c) for c in challenge.criteria][0] == "과학적·기술적 우수성"  # docs/glossary.md
    nda = challenge.nda_in("ko")
    assert nda is not None and not nda.is_original and not nda.outdated
    assert nda.body == default_nda_text(challenge.program, "ko")  # the reviewed legal translation


def test_questions_and_criteria_are_translated_wherever_a_call_is(seeded):
    for challenge in seeded:
        for translation in challenge.translations:
            text = challenge.text_in(translation.language)
            assert all(text.question(q) != q.text for q in challenge.questions), (challenge.title, text.lang)
            assert all(text.criterion(c) != c.name for c in challenge.criteria), (challenge.title, text.lang)
            assert challenge.nda_in(translation.language) is not None, (challenge.title, text.lang)


def test_a_call_not_yet_published_misses_a_language_for_the_review_to_show(seeded):
    unpublished = [c for c in seeded if c.state in {ChallengeState.draft, ChallengeState.pending_review}]
    assert unpublished and all(c.missing_languages() for c in unpublished)
    pending = [c for c in unpublished if c.state == ChallengeState.pending_review]
    assert pending and all(c.translations for c in pending)  # begun, not finished


def test_every_label_of_who_translated_occurs(seeded):
    """By the poster, by the staff of the partnership, and a machine draft that someone reviewed."""
    rows = [(c, row) for c in seeded for row in c.translations]
    by_poster = [row for c, row in rows if row.written_by.organization_id == c.organization_id]
    by_staff = [row for c, row in rows if row.written_by.organization_id != c.organization_id]
    assert by_poster and by_staff and all(row.written_by.is_staff for row in by_staff)
    company_calls = [(c, row) for c, row in rows if not c.created_by.is_staff]
    assert 1 <= sum(row.written_by.is_staff for _c, row in company_calls) <= 3  # mostly the company's own
    drafts = [row for _c, row in rows if row.machine_draft]
    assert len(drafts) == 1 and drafts[0].reviewed_by == drafts[0].written_by


def test_translations_are_dated_between_the_call_and_now(seeded):
    now = utcnow()
    for challenge in seeded:
        created = as_utc(challenge.created_at)
        for row in challenge.translations:
            assert created < as_utc(row.created_at) == as_utc(row.updated_at) < now, challenge.title
            if challenge.published_at and row.written_by.is_staff and not challenge.is_poster(row.written_by):
                assert as_utc(row.created_at) < as_utc(challenge.published_at)  # during the review
        for version in challenge.nda_versions:
            assert created <= as_utc(version.created_at) < now, challenge.title


def test_the_translations_follow_the_glossary_and_the_writing_conventions():
    """docs/glossary.md's words we do not use, and the conventions of the demo's originals
    (tests/auth/test_names.py), in the translated text too."""
    for text in DEMO_TRANSLATIONS:
        if text.language not in {"ja", "ko"}:
            continue
        whole = "\n".join([text.title, text.summary, text.description, text.confidential, *text.questions])
        found = [word for word in words_we_do_not_use(text.language) if word in whole]
        assert not found, (text.call.title, text.language, found)
        if text.language == "ja":
            assert not re.search(r"\d [%％°件社名例種万億年]|\d ±|± \d", whole), text.call.title
            assert "中小ベンチャー企業部（MSS）" not in whole.replace("韓国中小ベンチャー企業部（MSS）", "")
            assert "湘南ヘルスイノベーションパーク（湘南アイパーク）" in whole or "湘南" not in whole, text.call.title
        else:
            assert "아이파크 연구소" not in whole and not re.search(r"\d %", whole), text.call.title
            assert "쇼난 아이파크" in whole or "아이파크" not in whole, text.call.title


def test_translations_keep_the_markdown_of_their_original():
    for text in DEMO_TRANSLATIONS:
        assert text.language != text.call.language
        assert len(text.questions) == len(text.call.questions)
        headings = [len(re.findall(r"^## ", part, re.M)) for part in (text.description, text.call.description)]
        assert headings[0] == headings[1], (text.call.title, text.language)
        assert text.description.count("\n- ") == text.call.description.count("\n- "), (text.call.title, text.language)
    assert len({(text.call.title, text.language) for text in DEMO_TRANSLATIONS}) == len(DEMO_TRANSLATIONS)
    assert {text.call.title for text in DEMO_TRANSLATIONS} <= {spec.title for spec in DEMO_CHALLENGES}


def test_seeding_again_changes_nothing_and_brings_back_a_lost_translation(seeded):
    before = counts()
    seed()
    db.session.commit()
    assert counts() == before
    challenge = next(c for c in seeded if c.title == ANTIBODY_AFFINITY.title)
    db.session.delete(challenge.translation("en"))
    db.session.commit()
    seed()
    db.session.commit()
    assert counts() == before
    db.session.refresh(challenge)
    assert challenge.translation("en").written_by.email == "company@demo.test"


def test_the_company_reads_a_demo_proposal_in_japanese_beside_its_english_original(app, demo):
    from app.proposals.models import Proposal

    liver = db.session.scalars(select(Proposal).where(Proposal.title.startswith("Multimodal DILI"))).one()
    assert liver.language == "en"
    japanese = liver.translation("ja")
    assert japanese is not None and japanese.title.startswith("肝細胞イメージング")
    assert len(japanese.answers) == len(liver.challenge.questions)
    assert as_utc(liver.submitted_at) < as_utc(japanese.created_at) < utcnow()


def test_demo_proposals_are_marked_in_the_language_they_are_written_in(app, demo):
    from app.common.names import text_language
    from app.proposals.models import Proposal

    for proposal in db.session.scalars(select(Proposal)):
        assert proposal.language == text_language(proposal.title), proposal.title
