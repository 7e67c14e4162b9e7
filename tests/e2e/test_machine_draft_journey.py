"""A Japanese poster asks DeepL (the fake server) for a Korean draft of the call, corrects it and
saves it; Korean readers see it labelled as a reviewed machine draft. The confidential part and the
NDA stay home until the company's owner allows machine translation of its confidential text."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.auth.models import MemberRole, Organization, OrganizationKind, User, VerificationState
from app.challenges import search
from app.challenges.models import Challenge, ChallengeState, NdaVersion, Program, ProposalQuestion, RubricCriterion
from app.common import machine_translation
from app.common.time import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.helpers import flash, sign_in, tr
from tests.fakes.deepl_server import FakeDeepL

OWNER_ADDRESS = "haruka.tanaka@sakura-pharma.test"
TITLE = "抗体の毒性を予測するAI"
SECRET = "標的はKRAS G12Dです。"
NDA = "本契約の内容を第三者に開示しないこと。"


@pytest.fixture
def deepl(live_server):
    server = FakeDeepL().start()
    live_server.app.config.update(DEEPL_AUTH_KEY=server.auth_key, DEEPL_SERVER_URL=server.url, DEEPL_TIMEOUT=5,
                                  DEEPL_MAX_RETRIES=0)
    with live_server.app.app_context():
        machine_translation.forget_glossaries()
    yield server
    server.stop()


def create_call(app) -> int:
    with app.app_context():
        company = Organization(kind=OrganizationKind.company, country="JP", name_latin="Sakura Pharma",
                               name_native="さくら製薬", verification_state=VerificationState.verified,
                               verified_at=utcnow())
        owner = User(email=OWNER_ADDRESS, name="田中 遥", organization=company, role=MemberRole.owner, locale="ja",
                     timezone="Asia/Tokyo", email_verified_at=utcnow())
        owner.set_password(PASSWORD)
        now = utcnow()
        challenge = Challenge(
            program=Program.open_innovation, state=ChallengeState.open, organization=company, created_by=owner,
            title=TITLE, summary="抗体医薬の毒性を予測するAIを持つベンチャーを募集します。",
            description="## 背景\n\n当社は**創薬**の初期段階で毒性を予測したいと考えています。",
            confidential=SECRET, language="ja", deadline=now + timedelta(days=30),
            submitted_at=now - timedelta(days=3), published_at=now - timedelta(days=2))
        challenge.fields = ["ai_drug_discovery"]
        challenge.nda_versions = [NdaVersion(number=1, language="ja", body=NDA)]
        challenge.questions = [ProposalQuestion(position=1, text="抗体での実績を教えてください。")]
        challenge.criteria = [RubricCriterion(position=1, name="予測の精度", weight=1)]
        db.session.add_all([company, owner, challenge])
        db.session.flush()
        search.index_challenge(challenge)
        db.session.commit()
        return challenge.id


def test_a_machine_draft_reviewed_and_saved(live_server, deepl, page):
    app = live_server.app
    challenge_id = create_call(app)
    page.goto(f"/challenges/{challenge_id}/translations/ko")
    sign_in(page, OWNER_ADDRESS, PASSWORD)  # the sign-in page brings her back

    expect(page.locator("#machine-draft-note")).to_contain_text("DeepL")
    page.locator("#machine-draft").click()

    # The fake's Korean: "[KO] " before the words, the term list's glossary applied (抗体 → 항체).
    expect(page.locator("#title")).to_have_value(re.compile(r"^\[KO\] 항체"))
    expect(page.locator("#description")).to_have_value(re.compile(r"^## \[KO\] \S+\n\n\[KO\] .*\*\*신약 개발\*\*"))
    expect(page.locator("#confidential")).to_have_value("")
    expect(page.locator("#nda")).to_have_value("")
    expect(flash(page).first).to_contain_text("DeepL")
    assert not deepl.sent("KRAS") and not deepl.sent("第三者")

    page.locator("#title").fill("항체 독성 예측 AI")
    page.locator("#title").press("Enter")  # Enter saves; it never asks DeepL again
    expect(flash(page).first).to_contain_text(tr(app, "ja", "The %(language)s translation is saved. Readers of "
                                                           "%(language)s now see it.", language="韓国語"))
    assert len(deepl.translate_requests) == 1

    page.goto(f"/challenges/{challenge_id}?lang=ko")
    expect(page.locator("h1")).to_contain_text("항체 독성 예측 AI")
    expect(page.locator("#language-note")).to_contain_text(tr(app, "ko", "Machine draft, reviewed by the poster."))

    # The owner allows machine translation of the confidential text; a new draft sends it.
    page.goto("/auth/organization?lang=ja")
    page.locator("#machine_translate_confidential").check()
    page.get_by_role("button", name=tr(app, "ja", "Save"), exact=True).click()
    page.goto(f"/challenges/{challenge_id}/translations/ko?lang=ja")
    page.locator("#machine-draft").click()
    expect(page.locator("#confidential")).to_have_value(f"[KO] {SECRET}")
    expect(page.locator("#title")).to_have_value("항체 독성 예측 AI")  # written by a person: kept
    assert deepl.sent("KRAS")
