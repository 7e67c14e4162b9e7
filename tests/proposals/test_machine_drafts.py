"""Machine drafts of a proposal's translation (issue 11), through the fake DeepL server. A proposal is
confidential throughout: nothing of it goes to DeepL unless its venture allowed machine translation
of its confidential text."""
import re

import pytest
from sqlalchemy import select

from app.challenges.models import ProposalQuestion
from app.common import termlist
from app.common.models import AuditEvent
from app.extensions import db
from app.proposals import translating
from app.proposals.models import ProposalAnswer
from app.proposals.translations import ProposalTranslation
from tests.records import translated

TERMS = {("ko", "ja"): {"항체": "抗体", "독성": "毒性"}}
TITLE, ANSWER = "항체 독성 예측 플랫폼", "항체 1,200건으로 검증했습니다."


@pytest.fixture(autouse=True)
def terms(monkeypatch):
    monkeypatch.setattr(termlist, "glossary_entries", lambda source, target: dict(TERMS.get((source, target), {})))


@pytest.fixture
def proposal(make_challenge, make_proposal):
    challenge = make_challenge("open", language="ja")
    challenge.questions = [ProposalQuestion(position=1, text="抗体での実績は？")]
    db.session.commit()
    proposal = make_proposal("submitted", challenge=challenge, language="ko", title=TITLE,
                             summary="AI로 항체의 독성을 예측합니다.", approach="## 방법\n\n- 그래프 신경망",
                             team="연구원 5명")
    proposal.answers = [ProposalAnswer(question_id=challenge.questions[0].id, body=ANSWER)]
    db.session.commit()
    return proposal


def consent(proposal, allowed=True):
    proposal.organization.machine_translate_confidential = allowed
    db.session.commit()


def page(response) -> str:
    return response.get_data(as_text=True)


def field_value(html: str, name: str) -> str:
    if match := re.search(rf'<textarea[^>]*name="{name}"[^>]*>(?:\r?\n)?(.*?)</textarea>', html, re.S):
        return match.group(1)
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return value.group(1) if value else ""


def url(proposal, language="ja"):
    return f"/proposals/{proposal.id}/translations/{language}"


def empty_form(proposal) -> dict:
    question = proposal.challenge.questions[0]
    return {"title": "", "summary": "", "approach": "", "team": "", f"answer_{question.id}": "", "machine_draft": ""}


def test_without_the_key_there_is_no_button_and_no_draft(client, login, users, proposal):
    consent(proposal)
    login(users["venture_owner"])
    assert 'id="machine-draft"' not in page(client.get(url(proposal)))
    assert client.post(f"{url(proposal)}/machine-draft", data=empty_form(proposal)).status_code == 404


def test_without_the_ventures_consent_nothing_is_sent(client, login, users, proposal, fake_deepl):
    login(users["venture_member"])
    html = page(client.get(url(proposal)))
    assert 'id="machine-draft"' not in html and "A proposal is confidential" in html

    html = page(client.post(f"{url(proposal)}/machine-draft", data=empty_form(proposal)))

    assert "has not allowed machine translation" in html
    assert field_value(html, "title") == "" and field_value(html, "machine_draft") == ""
    assert fake_deepl.requests == []


def test_with_consent_a_draft_fills_the_form(client, login, users, proposal, fake_deepl):
    consent(proposal)
    login(users["venture_member"])
    assert 'id="machine-draft"' in page(client.get(url(proposal)))

    html = page(client.post(f"{url(proposal)}/machine-draft", data=empty_form(proposal) | {"team": "직접 씀"}))

    assert field_value(html, "title") == "[JA] 抗体 毒性 예측 플랫폼"
    assert field_value(html, "approach") == "## [JA] 방법\n\n- [JA] 그래프 신경망"
    assert field_value(html, f"answer_{proposal.challenge.questions[0].id}") == "[JA] 抗体 1,200건으로 검증했습니다."
    assert field_value(html, "team") == "직접 씀"  # written by a person: kept, not sent
    assert field_value(html, "machine_draft") == "1"
    [body] = fake_deepl.translate_requests
    assert (body["source_lang"], body["target_lang"]) == ("KO", "JA") and not fake_deepl.sent("연구원")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.machine_drafted"))
    assert event.actor_id == users["venture_member"].id and "team" not in event.details["parts"]
    assert db.session.scalar(select(ProposalTranslation.id)) is None


def test_saving_the_reviewed_draft_labels_it(client, login, users, proposal, fake_deepl):
    consent(proposal)
    login(users["venture_owner"])
    html = page(client.post(f"{url(proposal)}/machine-draft", data=empty_form(proposal)))
    [action] = re.findall(r'<form method="post"[^>]*class="translation-form"[^>]*action="([^"]+)"', html)
    assert action == url(proposal)
    form = {name: field_value(html, name) for name in empty_form(proposal)} | {"title": "抗体毒性予測プラットフォーム"}

    assert client.post(action, data=form).status_code == 302

    row = db.session.scalar(select(ProposalTranslation))
    assert row.machine_draft is True and row.written_by_id == users["venture_owner"].id
    assert translated("Machine translation (%(language)s), reviewed by the venture", "en",
                      language="Japanese") in page(client.get(f"/proposals/{proposal.id}?lang=en"))
    assert field_value(page(client.get(url(proposal))), "machine_draft") == "1"  # kept when edited again


@pytest.mark.parametrize("who", ["company_owner", "other_venture", "ipark_staff"])
def test_only_the_venture_asks_for_a_draft(client, login, users, proposal, fake_deepl, who):
    consent(proposal)
    login(users[who])
    assert client.post(f"{url(proposal)}/machine-draft", data=empty_form(proposal)).status_code in (403, 404)
    assert fake_deepl.requests == []


def test_the_service_refuses_without_consent(users, proposal, fake_deepl):
    with pytest.raises(translating.MachineTranslationNotAllowed):
        translating.machine_draft(proposal, actor=users["venture_owner"], language="ja", written={})
    assert fake_deepl.requests == []
