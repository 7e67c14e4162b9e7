"""Machine drafts of a call's translation (issue 11), through the fake DeepL server: the button, the
draft in the form, what leaves the application with and without the poster's consent, the label."""
import re

import pytest
from sqlalchemy import select

from app.challenges import translating
from app.challenges.models import ProposalQuestion, RubricCriterion
from app.challenges.translations import ChallengeTranslation
from app.common import termlist
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent
from app.extensions import db
from tests.records import translated

PUBLIC = ("抗体の毒性予測", "抗体の毒性を予測するAIを募集します。", "**創薬**の初期段階で使います。")
QUESTION, CRITERION = "抗体の実績は？", "毒性予測の精度"
CONFIDENTIAL, NDA = "標的は抗体XYZ-123です。", "秘密を守ること。抗体XYZ-123を含む。"
TERMS = {("ja", "ko"): {"抗体": "항체", "毒性": "독성", "創薬": "신약 개발"},
         ("ja", "en"): {"抗体": "antibody"}}


@pytest.fixture(autouse=True)
def terms(monkeypatch):
    monkeypatch.setattr(termlist, "glossary_entries", lambda source, target: dict(TERMS.get((source, target), {})))


@pytest.fixture
def call(make_challenge):
    challenge = make_challenge("open", language="ja", title=PUBLIC[0], summary=PUBLIC[1], description=PUBLIC[2],
                               confidential=CONFIDENTIAL)
    challenge.nda_versions[0].body = NDA
    challenge.questions = [ProposalQuestion(position=1, text=QUESTION)]
    challenge.criteria = [RubricCriterion(position=1, name=CRITERION, weight=1)]
    db.session.commit()
    return challenge


def consent(challenge, allowed=True):
    challenge.organization.machine_translate_confidential = allowed
    db.session.commit()


def page(response) -> str:
    return response.get_data(as_text=True)


def field_value(html: str, name: str) -> str:
    """What the form shows in a field (a textarea's text or an input's value)."""
    if match := re.search(rf'<textarea[^>]*name="{name}"[^>]*>(?:\r?\n)?(.*?)</textarea>', html, re.S):
        return match.group(1)
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return value.group(1) if value else ""


def translation_url(challenge, language="ko"):
    return f"/challenges/{challenge.id}/translations/{language}"


def empty_form(challenge) -> dict:
    return {"title": "", "summary": "", "description": "", "confidential": "", "nda": "", "machine_draft": "",
            f"question_{challenge.questions[0].id}": "", f"criterion_{challenge.criteria[0].id}": ""}


# The button ---------------------------------------------------------------------------------------

def test_without_the_key_there_is_no_button_and_no_draft(client, login, users, call):
    login(users["company_owner"])
    html = page(client.get(translation_url(call)))
    assert "Save the translation" in html and 'id="machine-draft"' not in html
    assert client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)).status_code == 404


def test_with_the_key_the_poster_and_staff_see_the_button(client, login, users, call, fake_deepl):
    for who in ("company_owner", "company_member", "ipark_staff"):
        login(users[who])
        html = page(client.get(translation_url(call)))
        assert 'id="machine-draft"' in html and "/machine-draft" in html, who
        assert "The confidential part and the NDA are not sent" in html
        client.post("/auth/logout")


@pytest.mark.parametrize("who", ["venture_owner", "other_venture"])
def test_others_may_not_ask_for_a_draft(client, login, users, call, fake_deepl, who):
    login(users[who])
    assert client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)).status_code == 403
    assert fake_deepl.requests == []


# The draft ----------------------------------------------------------------------------------------

def test_a_draft_fills_the_form_and_is_marked_as_one(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    html = page(client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)))

    assert field_value(html, "title") == "[KO] 항체の독성予測"
    assert field_value(html, "summary") == "[KO] 항체の독성を予測するAIを募集します。"
    assert field_value(html, "description") == "[KO] **신약 개발**の初期段階で使います。"
    assert field_value(html, f"question_{call.questions[0].id}") == "[KO] 항체の実績は？"
    assert field_value(html, f"criterion_{call.criteria[0].id}") == "[KO] 독성予測の精度"
    assert field_value(html, "machine_draft") == "1"
    assert "This is a machine draft." in html
    [body] = fake_deepl.translate_requests  # one request for the whole call
    assert (body["source_lang"], body["target_lang"]) == ("JA", "KO")
    assert db.session.scalar(select(ChallengeTranslation.id)) is None  # nothing saved


def test_without_consent_no_confidential_text_is_sent(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    html = page(client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)))

    assert field_value(html, "confidential") == "" and field_value(html, "nda") == ""
    assert "were not sent to DeepL" in html
    assert fake_deepl.requests, "the public part was sent"
    for secret in ("XYZ-123", "標的", "秘密を守ること"):
        assert not fake_deepl.sent(secret), secret
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.machine_drafted"))
    assert event.details["confidential"] is False and "confidential" not in event.details["parts"]


def test_with_consent_the_confidential_part_and_the_nda_are_drafted_too(client, login, users, call, fake_deepl):
    consent(call)
    login(users["ipark_staff"])
    html = page(client.get(translation_url(call)))
    assert "the confidential part and the NDA included" in html

    html = page(client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)))

    assert field_value(html, "confidential") == "[KO] 標的は항체XYZ-123です。"
    assert field_value(html, "nda") == "[KO] 秘密を守ること。항체XYZ-123を含む。"
    assert fake_deepl.sent("標的は抗体XYZ-123です。") and fake_deepl.sent("秘密を守ること")
    assert len(fake_deepl.translate_requests) == 1
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.machine_drafted"))
    assert event.actor_id == users["ipark_staff"].id and event.details["confidential"] is True


def test_fields_already_written_are_kept_and_not_sent(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    form = empty_form(call) | {"title": "내가 쓴 제목", "confidential": "직접 번역한 비공개 부분"}
    html = page(client.post(f"{translation_url(call)}/machine-draft", data=form))

    assert field_value(html, "title") == "내가 쓴 제목"
    assert field_value(html, "confidential") == "직접 번역한 비공개 부분"
    assert field_value(html, "summary").startswith("[KO] ")
    assert not fake_deepl.sent(PUBLIC[0])
    assert "were not sent to DeepL" in html  # the NDA was held back


def test_nothing_empty_sends_nothing(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    form = {name: "이미 씀" for name in empty_form(call)} | {"machine_draft": ""}
    html = page(client.post(f"{translation_url(call)}/machine-draft", data=form))
    assert "Every field already has text" in html
    assert fake_deepl.requests == []


def test_a_person_asks_for_at_most_thirty_drafts_an_hour(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    written = {name: "이미 씀" for name in empty_form(call)} | {"machine_draft": ""}
    answers = [client.post(f"{translation_url(call)}/machine-draft", data=written).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]


def test_deepl_failing_keeps_the_form_and_says_so(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    fake_deepl.fail_next(456, times=5)
    form = empty_form(call) | {"title": "내가 쓴 제목"}
    response = client.post(f"{translation_url(call)}/machine-draft", data=form)
    html = page(response)
    assert response.status_code == 200
    assert "quota is used up" in html
    assert field_value(html, "title") == "내가 쓴 제목" and field_value(html, "machine_draft") == ""
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "challenge.machine_drafted")) is None


def test_the_draft_in_the_readers_language_of_the_page(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    html = page(client.post(f"{translation_url(call, 'en')}/machine-draft?lang=ja", data=empty_form(call)))
    assert field_value(html, "title").startswith("[EN-GB] antibody")
    assert "機械翻訳" in html  # the page speaks Japanese; the draft is English


# Saving a reviewed draft --------------------------------------------------------------------------

def test_saving_a_reviewed_draft_records_the_reviewer_and_the_page_says_so(client, login, users, call, fake_deepl):
    login(users["company_owner"])
    html = page(client.post(f"{translation_url(call)}/machine-draft", data=empty_form(call)))
    form = {name: field_value(html, name) for name in empty_form(call)}
    form["title"] = "항체 독성 예측"  # the reviewer corrects the draft
    # The page's address is now the draft's: the form must still post to the translation, to save.
    [action] = re.findall(r'<form method="post"[^>]*class="translation-form"[^>]*action="([^"]+)"', html)
    assert action == translation_url(call)

    assert client.post(action, data=form).status_code == 302

    translation = db.session.scalar(select(ChallengeTranslation))
    assert translation.machine_draft is True and translation.title == "항체 독성 예측"
    assert translation.reviewed_by_id == users["company_owner"].id
    reader = page(client.get(f"/challenges/{call.id}?lang=ko"))
    assert "항체 독성 예측" in reader and translated("Machine draft, reviewed by the poster.", "ko") in reader
    assert "Machine draft reviewed by" in page(client.get(f"{translation_url(call)}?lang=en"))


def test_the_service_refuses_who_may_not_translate(users, call, fake_deepl):
    with pytest.raises(PermissionDenied):
        translating.machine_draft(call, actor=users["venture_owner"], language="ko", written={})
    assert fake_deepl.requests == []
