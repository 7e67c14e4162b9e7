"""The bridge: a Korean venture member, reading the site in Korean, searches in Korean and finds a
call a Japanese company wrote in Japanese; reads it in Korean (and can switch to the original);
accepts the Korean version of its NDA, which is recorded as such; reads the confidential part in
Korean; answers the call's questions, shown in Korean, in Korean; submits and adds a Japanese
translation. Once the institutions have shortlisted it, the Japanese company reads the answers in
Korean with the venture's Japanese translation beside them."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from app.auth.models import Institution, MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.institutions import ensure_institutions
from app.challenges import services as challenges
from app.challenges import translating
from app.challenges.models import Challenge, NdaAcceptance, Program
from app.common.signoff import sign_decision
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from app.review.services import request_proposal_decision
from tests.conftest import PASSWORD
from tests.e2e.helpers import sign_in, tr

POSTER_ADDRESS = "haruka.tanaka@sakura-pharma.test"
VENTURE_ADDRESS = "minjun.kim@hanbit-bio.test"

TITLE_JA = "シングルセル解析による抗体医薬の毒性予測"
TITLE_KO = "단일세포 분석을 통한 항체 의약품 독성 예측"
CONFIDENTIAL_JA = "標的はTL1A。社内データセットは412変異体。"
CONFIDENTIAL_KO = "표적은 TL1A이며, 사내 데이터셋은 412개 변이체입니다."
QUESTION_JA = "毒性予測モデルの検証方法を教えてください。"
QUESTION_KO = "독성 예측 모델의 검증 방법을 알려 주세요."
NDA_KO = "## 비밀유지계약\n\n수령한 비밀 정보는 제3자에게 공개하지 않습니다."
ANSWER_KO = "사내 어세이 데이터의 20%를 검증용으로 분리하고 매월 정확도를 보고합니다."
ANSWER_JA = "社内アッセイデータの20%を検証用に分け、毎月精度を報告します。"
PROPOSAL_TITLE_KO = "단일세포 독성 예측 AI"
PROPOSAL_TITLE_JA = "シングルセル毒性予測AI"


def create_call(app) -> int:
    """A Japanese company's open call, written in Japanese, with the company's Korean translation of
    its text, question and NDA; a verified Korean venture with one member reading Korean."""
    with app.app_context():
        institutions = ensure_institutions()
        company = Organization(kind=OrganizationKind.company, country="JP", name_latin="Sakura Pharma Inc.",
                               name_native="さくら製薬株式会社", verification_state=VerificationState.verified,
                               verified_at=utcnow())
        poster = User(email=POSTER_ADDRESS, name="田中 遥", organization=company, role=MemberRole.member,
                      locale="ja", timezone="Asia/Tokyo", email_verified_at=utcnow())
        ipark = User(email="staff@ipark.test", name="鈴木 愛子", organization=institutions[Institution.ipark],
                     role=MemberRole.member, locale="ja", timezone="Asia/Tokyo", email_verified_at=utcnow())
        mss = User(email="staff@mss.test", name="이지우", organization=institutions[Institution.mss],
                   role=MemberRole.member, locale="ko", timezone="Asia/Seoul", email_verified_at=utcnow())
        venture = Organization(kind=OrganizationKind.venture, country="KR", name_latin="Hanbit Bio Inc.",
                               name_native="한빛바이오", verification_state=VerificationState.verified,
                               verified_at=utcnow())
        member = User(email=VENTURE_ADDRESS, name="김민준", organization=venture, role=MemberRole.member,
                      locale="ko", timezone="Asia/Seoul", email_verified_at=utcnow())
        for user in (poster, ipark, mss, member):
            user.set_password(PASSWORD)
        db.session.add_all([company, poster, ipark, mss, venture, member])
        db.session.flush()
        challenge = challenges.create_challenge(
            actor=poster, program=Program.open_innovation, language="ja", title=TITLE_JA,
            summary="シングルセル解析で抗体医薬候補の毒性を予測するAIを募集します。",
            description="当社は抗体医薬の毒性予測にシングルセル解析を取り入れたいと考えています。",
            confidential=CONFIDENTIAL_JA, fields=[Field.ai_drug_discovery.value],
            deadline=utcnow() + timedelta(days=21), questions=[{"text": QUESTION_JA, "required": True}])
        challenges.submit_challenge(challenge, actor=poster)
        challenges.publish_challenge(challenge, actor=ipark)
        translating.save_translation(
            challenge, actor=poster, language="ko", title=TITLE_KO,
            summary="단일세포 분석으로 항체 의약품 후보의 독성을 예측하는 AI를 모집합니다.",
            description="당사는 항체 의약품 독성 예측에 단일세포 분석을 도입하고자 합니다.",
            confidential=CONFIDENTIAL_KO, questions={challenge.questions[0].id: QUESTION_KO}, nda=NDA_KO)
        db.session.commit()
        return challenge.id


def shortlist(app, proposal_id: int) -> None:
    """iPark and MSS shortlist the proposal, both signing (the proposal journey does it in the browser)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        staff = {u.organization.institution.value: u for u in db.session.scalars(db.select(User))
                 if u.is_staff}
        decision = request_proposal_decision(proposal, ProposalState.shortlisted, actor=staff["ipark"])
        sign_decision(decision, actor=staff["ipark"])
        sign_decision(decision, actor=staff["mss"])
        db.session.commit()
        assert proposal.state == ProposalState.shortlisted


def test_a_korean_venture_finds_reads_signs_and_answers_a_japanese_call_in_korean(live_server, new_context, shot):
    app = live_server.app
    ko = lambda msgid, **variables: tr(app, "ko", msgid, **variables)  # noqa: E731
    ja = lambda msgid, **variables: tr(app, "ja", msgid, **variables)  # noqa: E731
    challenge_id = create_call(app)
    page = new_context().new_page()
    page.goto("/auth/login")
    sign_in(page, VENTURE_ADDRESS, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    # A Korean query finds the call written in Japanese, shown with its Korean title.
    page.goto("/challenges/")
    page.get_by_role("searchbox").fill("단일세포 항체")
    page.get_by_role("searchbox").press("Enter")
    card = page.locator("article.challenge-card").filter(has_text=TITLE_KO)
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_have_attribute("lang", "ko")
    shot(page, "bridge-01-search-ko")
    card.get_by_role("link", name=TITLE_KO).click()

    # Read in Korean, one click from the original.
    expect(page).to_have_url(re.compile(rf"/challenges/{challenge_id}$"))
    expect(page.locator("h1")).to_have_text(TITLE_KO)
    expect(page.locator("h1")).to_have_attribute("lang", "ko")
    expect(page.locator("#language-note")).to_contain_text(ko("Translated by the poster."))
    page.get_by_role("link", name=ko("Show the original (%(language)s)", language="일본어")).click()
    expect(page.locator("h1")).to_have_text(TITLE_JA)
    expect(page.locator("h1")).to_have_attribute("lang", "ja")
    page.get_by_role("link", name=ko("Show the translation (%(language)s)", language="한국어")).click()
    expect(page.locator("h1")).to_have_text(TITLE_KO)
    shot(page, "bridge-02-call-ko")

    # The NDA in Korean, a version of its own; accepting it records the Korean version.
    page.get_by_role("link", name=ko("Read the NDA"), exact=True).click()
    expect(page.locator(".nda-text")).to_have_attribute("lang", "ko")
    expect(page.locator(".nda-text")).to_contain_text("수령한 비밀 정보는 제3자에게 공개하지 않습니다.")
    expect(page.locator("#nda-language")).to_contain_text(ko(
        "This is the %(language)s version of the agreement, issued for this challenge. You accept it in "
        "%(language)s; it binds as the original does.", language="한국어"))
    shot(page, "bridge-03-nda-ko")
    page.get_by_label(ko("I have read this agreement and accept it on behalf of my organisation.")).check()
    page.get_by_role("button", name=ko("Accept and read the confidential part"), exact=True).click()
    with app.app_context():
        acceptance = db.session.scalars(db.select(NdaAcceptance)).one()
        assert (acceptance.nda_version.language, acceptance.nda_version.number) == ("ko", 1)

    # The confidential part, in Korean.
    expect(page.locator("#confidential-text")).to_have_text(CONFIDENTIAL_KO)
    expect(page.locator("#confidential-text")).to_have_attribute("lang", "ko")

    # The question, shown in Korean, answered in Korean.
    expect(page.locator("main ol li span[lang=ko]").first).to_have_text(QUESTION_KO)
    page.get_by_role("link", name=ko("Write a proposal"), exact=True).click()
    page.get_by_label(ko("Working title of your proposal"), exact=True).fill(PROPOSAL_TITLE_KO)
    page.get_by_role("button", name=ko("Start the draft"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit$"))
    page.get_by_label(QUESTION_KO).fill(ANSWER_KO)
    page.get_by_label(ko("Summary"), exact=True).fill("단일세포 데이터로 항체 독성을 예측합니다.")
    page.get_by_label(ko("Approach"), exact=True).fill("단일세포 전사체와 구조 정보를 결합한 모델을 학습합니다.")
    page.get_by_label(ko("Team"), exact=True).fill("머신러닝 엔지니어 3명, 독성학자 1명.")
    page.get_by_label(ko("Budget requested"), exact=True).fill("80000000")
    page.get_by_label(ko("Technology readiness level"), exact=True).select_option("4")
    page.get_by_label(ko("Due date"), exact=True).first.fill((date.today() + timedelta(days=120)).isoformat())
    page.get_by_label(ko("Milestone"), exact=True).first.fill("후향적 검증 완료")
    page.get_by_role("button", name=ko("Save and submit"), exact=True).click()
    expect(page.locator("#proposal-state")).to_have_text(ko("Submitted"))
    expect(page.locator("main")).to_contain_text(ANSWER_KO)
    proposal_id = int(re.search(r"/proposals/(\d+)", page.url).group(1))
    with app.app_context():
        assert db.session.get(Challenge, challenge_id).questions[0].text == QUESTION_JA  # the original stays
        assert db.session.get(Proposal, proposal_id).language == "ko"
    shot(page, "bridge-04-submitted-ko")

    # The venture adds a Japanese translation for the company.
    page.locator("#languages").get_by_role("link", name=ko("Add a %(language)s translation", language="일본어")).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal_id}/translations/ja$"))
    page.get_by_label(re.compile("^" + ko("Title"))).fill(PROPOSAL_TITLE_JA)
    page.get_by_label(re.compile("^" + ko("Answer"))).fill(ANSWER_JA)
    page.get_by_role("button", name=ko("Save the translation"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal_id}(#languages)?$"))

    # Shortlisted by both institutions, the proposal opens to the company, who reads it in Japanese.
    shortlist(app, proposal_id)
    company = new_context().new_page()
    company.goto("/auth/login")
    sign_in(company, POSTER_ADDRESS, PASSWORD)
    expect(company.locator("html")).to_have_attribute("lang", "ja")
    company.goto(f"/proposals/{proposal_id}")
    expect(company.locator("main")).to_contain_text(ja("Translation (%(language)s) by the venture", language="日本語"))
    expect(company.locator("main .user-text[lang=ja]", has_text=ANSWER_JA)).to_have_count(1)
    expect(company.locator("main .user-text[lang=ko]", has_text=ANSWER_KO)).to_have_count(1)
    expect(company.locator("main")).to_contain_text(QUESTION_JA)  # the company's own question, as it wrote it
    shot(company, "bridge-05-company-reads-ja")
