"""A Korean venture member, reading the site in Korean, writes and submits a proposal to a Japanese
company's open call; the company cannot read it yet. iPark and MSS staff review it and shortlist
it with both signatures; the company then sees it and chooses it; both institutions sign its
selection; the venture sees "selected", with its history, and has the e-mail in Korean."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from app.auth.models import Institution, MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.institutions import ensure_institutions
from app.challenges import services as challenges
from app.challenges.models import Program
from app.common.outbox import SUBJECT_PREFIX
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.helpers import deliver_mail, flash, newest_email, sign_in, tr

POSTER_NAME = "Yuki Tanaka"
POSTER_ADDRESS = "yuki.tanaka@hoshino-pharma.test"
COMPANY_LATIN = "Hoshino Pharmaceutical Co., Ltd."
IPARK_NAME = "Aiko Suzuki"
IPARK_ADDRESS = "aiko.suzuki@ipark.test"
MSS_NAME = "김서연"
MSS_ADDRESS = "seoyeon.kim@mss.test"
VENTURE_MEMBER_NAME = "이서준"
VENTURE_ADDRESS = "seojun.lee@hanbit-ai.test"
VENTURE_LATIN = "Hanbit AI Therapeutics Inc."
VENTURE_KOREAN = "한빛에이아이테라퓨틱스"

CHALLENGE_TITLE = "AI platform for antibody discovery / 抗体創薬AIプラットフォーム"
PROPOSAL_QUESTION = "当社のアッセイデータでモデルをどのように検証しますか?"

WORKING_TITLE = "항체 후보 발굴 AI"
PROPOSAL_TITLE = "항체 후보 발굴을 위한 생성형 AI / Generative AI for antibody hits"
SUMMARY = "생성형 AI로 항체 후보를 설계하고, 귀사의 어세이 데이터로 6개월 안에 검증합니다."
APPROACH = "1. 공개 항체 구조 데이터로 사전 학습\n2. 귀사 어세이 데이터로 미세 조정\n3. 상위 50개 후보 합성 및 검증"
ANSWER = "어세이 데이터의 20%를 검증용으로 따로 두고, 예측 정확도를 매월 보고합니다."
TEAM = "화학자 2명, 머신러닝 엔지니어 3명 (박사 4명)."
BUDGET = "150000000"
MILESTONE = "동물 모델 검증 완료"
REVIEW_COMMENT = "Strong team; the validation plan on the company's assay data is convincing."


def create_people_and_call(app) -> dict:
    """The company member, one staff member of each institution and the venture member, as
    registration and verification leave them; and the company's open call, as posting and
    publication leave it: one required question, the default rubric, an NDA, 14 days to go."""
    with app.app_context():
        institutions = ensure_institutions()
        company = Organization(
            kind=OrganizationKind.company, country="JP", name_latin=COMPANY_LATIN, name_native="星野製薬株式会社",
            verification_state=VerificationState.verified, verified_at=utcnow())
        poster = User(email=POSTER_ADDRESS, name=POSTER_NAME, organization=company, role=MemberRole.member,
                      locale="ja", timezone="Asia/Tokyo", email_verified_at=utcnow())
        ipark = User(email=IPARK_ADDRESS, name=IPARK_NAME, organization=institutions[Institution.ipark],
                     role=MemberRole.member, locale="en", timezone="Asia/Tokyo", email_verified_at=utcnow())
        mss = User(email=MSS_ADDRESS, name=MSS_NAME, organization=institutions[Institution.mss],
                   role=MemberRole.member, locale="ko", timezone="Asia/Seoul", email_verified_at=utcnow())
        venture = Organization(
            kind=OrganizationKind.venture, country="KR", name_latin=VENTURE_LATIN, name_native=VENTURE_KOREAN,
            verification_state=VerificationState.verified, verified_at=utcnow())
        venture.fields = [Field.ai_drug_discovery]
        venture_member = User(email=VENTURE_ADDRESS, name=VENTURE_MEMBER_NAME, organization=venture,
                              role=MemberRole.member, locale="ko", timezone="Asia/Seoul",
                              email_verified_at=utcnow())
        for user in (poster, ipark, mss, venture_member):
            user.set_password(PASSWORD)
        db.session.add_all([company, poster, ipark, mss, venture, venture_member])
        db.session.flush()

        challenge = challenges.create_challenge(
            actor=poster, program=Program.open_innovation, language="ja", title=CHALLENGE_TITLE,
            summary="抗体医薬の候補探索を加速するAI技術を持つ韓国のベンチャーを募集します。",
            description="当社は抗体医薬の探索研究にAIを導入したいと考えています。",
            confidential="The target is the HSP-47 epitope cluster.", fields=[Field.ai_drug_discovery.value],
            deadline=utcnow() + timedelta(days=14), questions=[{"text": PROPOSAL_QUESTION, "required": True}])
        challenges.submit_challenge(challenge, actor=poster)
        challenges.publish_challenge(challenge, actor=ipark)
        db.session.commit()
        assert challenge.current_nda is not None and len(challenge.criteria) == 5
        return {
            "challenge_path": f"/challenges/{challenge.id}",
            # The default rubric is written in the call's language: the reviewers score these names.
            "criteria": [criterion.name for criterion in challenge.criteria],
            "reviewer_labels": {user.id: f"{user.name} · {user.organization.name_for('en')}" for user in (ipark, mss)},
            "ipark_id": ipark.id, "mss_id": mss.id,
        }


def flashed(page):
    """The first flashed message of the page."""
    return flash(page).first


def open_from_navbar(page, label: str) -> None:
    """The top navigation bar (the breadcrumb is a <nav> too)."""
    page.locator("nav.navbar").get_by_role("link", name=label, exact=True).click()


def subject_of(message) -> str:
    """The subject as a reader sees it (Python's header folding may double a space)."""
    return " ".join(message["Subject"].split())


def confirm_and_click(page, button) -> None:
    """Buttons of irreversible acts ask first (data-confirm); the user says yes."""
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()


def score_every_criterion(page, criteria: list[str], score: str) -> None:
    for criterion in criteria:
        page.get_by_role("group", name=criterion, exact=True).get_by_text(score, exact=True).click()
        expect(page.get_by_role("group", name=criterion, exact=True).get_by_label(score, exact=True)).to_be_checked()


def test_venture_submits_institutions_review_and_shortlist_company_chooses_and_both_sign_the_selection(
        live_server, new_context, shot):
    app = live_server.app
    ja = lambda msgid, **variables: tr(app, "ja", msgid, **variables)  # noqa: E731
    en = lambda msgid, **variables: tr(app, "en", msgid, **variables)  # noqa: E731
    ko = lambda msgid, **variables: tr(app, "ko", msgid, **variables)  # noqa: E731
    setup = create_people_and_call(app)
    challenge_path = setup["challenge_path"]
    venture = new_context().new_page()
    poster = new_context().new_page()
    ipark = new_context().new_page()
    mss = new_context().new_page()
    for page, address in ((venture, VENTURE_ADDRESS), (poster, POSTER_ADDRESS), (ipark, IPARK_ADDRESS),
                          (mss, MSS_ADDRESS)):
        page.goto("/auth/login")
        sign_in(page, address, PASSWORD)
        expect(page.locator("#user-menu")).to_be_visible()

    # The venture member (Korean interface) starts a proposal from the challenge page.
    expect(venture.locator("html")).to_have_attribute("lang", "ko")
    venture.goto(challenge_path)
    venture.get_by_role("link", name=ko("Write a proposal"), exact=True).click()
    expect(venture).to_have_url(re.compile(challenge_path + "/proposals/new$"))
    venture.get_by_label(ko("Working title of your proposal"), exact=True).fill(WORKING_TITLE)
    venture.get_by_role("button", name=ko("Start the draft"), exact=True).click()
    expect(venture).to_have_url(re.compile(r"/proposals/\d+/edit$"))
    proposal_path = re.search(r"/proposals/\d+", venture.url).group(0)
    expect(flashed(venture)).to_contain_text(
        ko("Your draft is started. Fill it in and save as often as you like; submit it before the deadline."))
    expect(venture.get_by_label(ko("Title"), exact=True)).to_have_value(WORKING_TITLE)

    # The whole form, except the answer the call requires.
    venture.get_by_label(ko("Title"), exact=True).fill(PROPOSAL_TITLE)
    venture.get_by_label(ko("Summary"), exact=True).fill(SUMMARY)
    venture.get_by_label(ko("Approach"), exact=True).fill(APPROACH)
    venture.get_by_label(ko("Team"), exact=True).fill(TEAM)
    venture.get_by_label(ko("Budget requested"), exact=True).fill(BUDGET)
    expect(venture.get_by_label(ko("Currency"), exact=True)).to_have_value("KRW")
    venture.get_by_label(ko("Technology readiness level"), exact=True).select_option("4")
    venture.get_by_label(ko("Due date"), exact=True).first.fill((date.today() + timedelta(days=180)).isoformat())
    venture.get_by_label(ko("Milestone"), exact=True).first.fill(MILESTONE)
    venture.get_by_role("button", name=ko("Save and submit"), exact=True).click()

    # The text is kept; the submission waits for the answer, and the page says which one.
    expect(venture).to_have_url(re.compile(proposal_path + "/edit$"))
    expect(flash(venture)).to_have_count(2)
    expect(flash(venture).nth(0)).to_contain_text(ko("Your changes are saved, but the proposal was not submitted."))
    expect(flash(venture).nth(1)).to_contain_text(ko("Before submitting, please complete: %(missing)s",
                                                     missing=ko("answer to question %(number)d", number=1)))
    expect(venture.locator("main .badge").first).to_have_text(ko("Draft"))
    expect(venture.get_by_label(ko("Summary"), exact=True)).to_have_value(SUMMARY)
    expect(venture.get_by_label(ko("Milestone"), exact=True).first).to_have_value(MILESTONE)
    shot(venture, "proposal-01-incomplete-ko")

    venture.get_by_label(PROPOSAL_QUESTION).fill(ANSWER)
    venture.get_by_role("button", name=ko("Save and submit"), exact=True).click()
    expect(venture).to_have_url(re.compile(proposal_path + "$"))
    expect(flashed(venture)).to_contain_text(
        ko("Your proposal is submitted. You can still change it until the deadline."))
    expect(venture.locator("#proposal-state")).to_have_text(ko("Submitted"))
    expect(venture.locator("h1")).to_have_text(PROPOSAL_TITLE)
    expect(venture.locator("main")).to_contain_text(ANSWER)
    expect(venture.locator("#proposal-budget")).to_have_text("1억 5,000만 원")  # a Korean page counts won in 만 and 억
    shot(venture, "proposal-02-submitted-ko")

    open_from_navbar(venture, ko("My proposals"))
    expect(venture).to_have_url(re.compile(r"/proposals/mine$"))
    mine = venture.locator("table tbody tr")
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("link", name=PROPOSAL_TITLE)).to_be_visible()
    expect(mine.locator(".badge")).to_have_text(ko("Submitted"))

    # The company (Japanese interface) cannot read a proposal the institutions have not shortlisted.
    response = poster.goto(proposal_path)
    assert response.status == 404
    expect(poster.locator("h1")).to_have_text(ja("Page not found"))
    assert PROPOSAL_TITLE not in poster.content()
    poster.goto(challenge_path)
    poster.get_by_role("link", name=ja("Proposals"), exact=True).click()
    expect(poster).to_have_url(re.compile(r"/review/challenges/\d+$"))
    expect(poster.get_by_text(ja("No proposal has been shortlisted for you yet. The institutions shortlist "
                                 "proposals after the deadline; you will be told by e-mail."))).to_be_visible()
    shot(poster, "proposal-03-company-nothing-yet-ja")

    # iPark staff (English) find the call among those to review and open the proposal.
    open_from_navbar(ipark, en("Reviews"))
    expect(ipark).to_have_url(re.compile(r"/review/$"))
    ipark.get_by_role("link", name=CHALLENGE_TITLE, exact=True).click()
    expect(ipark).to_have_url(re.compile(r"/review/challenges/\d+$"))
    ranked = ipark.locator("table tbody tr")
    expect(ranked).to_have_count(1)
    expect(ranked).to_contain_text(VENTURE_LATIN)
    expect(ranked.locator(".badge")).to_have_text(en("Submitted"))
    ranked.get_by_role("link", name=PROPOSAL_TITLE).click()
    expect(ipark).to_have_url(re.compile(proposal_path + "$"))

    # Both institutions review: iPark asks its MSS colleague and itself.
    panel = ipark.locator("#review-panel")
    expect(panel).to_contain_text(en("No reviewer is assigned yet."))
    for reviewer, name in ((setup["mss_id"], MSS_NAME), (setup["ipark_id"], IPARK_NAME)):
        panel.get_by_label(en("Reviewer"), exact=True).select_option(label=setup["reviewer_labels"][reviewer])
        panel.get_by_role("button", name=en("Assign reviewer"), exact=True).click()
        expect(flashed(ipark)).to_contain_text(en("%(name)s is asked to review this proposal.", name=name))
    expect(panel.locator("li.list-group-item")).to_have_count(2)
    expect(panel.get_by_text(en("You are asked to review this proposal."))).to_be_visible()
    panel.get_by_role("link", name=en("Open my review"), exact=True).click()
    expect(ipark).to_have_url(re.compile(r"/review/\d+$"))
    # The proposal stays hidden until the reviewer has said they have no conflict.
    expect(ipark.locator("main")).not_to_contain_text(ANSWER)
    ipark.get_by_role("button", name=en("I have no conflict: show me the proposal"), exact=True).click()
    expect(flashed(ipark)).to_contain_text(en("Thank you. You can now read and score the proposal."))
    expect(ipark.locator("main")).to_contain_text(ANSWER)
    score_every_criterion(ipark, setup["criteria"], "5")
    ipark.get_by_label(en("Overall comment"), exact=True).fill(REVIEW_COMMENT)
    ipark.get_by_label(en("Recommendation"), exact=True).select_option(label=en("Strongly recommend"))
    shot(ipark, "proposal-04-review-en")
    ipark.get_by_role("button", name=en("Submit review"), exact=True).click()
    expect(flashed(ipark)).to_contain_text(en("Your review is submitted. You can now read the other reviews."))

    # The MSS staff member (Korean interface) finds the request under Reviews and scores too.
    open_from_navbar(mss, ko("Reviews"))
    assigned = mss.locator("table tbody tr")
    expect(assigned).to_have_count(1)
    expect(assigned).to_contain_text(ko("Answer the conflict question"))
    assigned.get_by_role("link", name=PROPOSAL_TITLE).click()
    mss.get_by_role("button", name=ko("I have no conflict: show me the proposal"), exact=True).click()
    expect(flashed(mss)).to_contain_text(ko("Thank you. You can now read and score the proposal."))
    score_every_criterion(mss, setup["criteria"], "4")
    mss.get_by_label(ko("Recommendation"), exact=True).select_option(label=ko("Recommend"))
    mss.get_by_role("button", name=ko("Submit review"), exact=True).click()
    expect(flashed(mss)).to_contain_text(ko("Your review is submitted. You can now read the other reviews."))
    # Once its own review is in, a reviewer reads the others'.
    expect(mss.locator("main")).to_contain_text(REVIEW_COMMENT)

    # iPark proposes to shortlist it, from the proposal page, and signs for iPark.
    ipark.get_by_role("link", name=en("Open the proposal page"), exact=True).click()
    expect(ipark).to_have_url(re.compile(proposal_path + "$"))
    panel = ipark.locator("#review-panel")
    # Both reviews are in.
    expect(panel.locator("li.list-group-item .badge")).to_have_text([en("Submitted"), en("Submitted")])
    panel.get_by_role("button", name=en("Shortlist the proposal"), exact=True).click()
    expect(flashed(ipark)).to_contain_text(
        en("The decision is proposed. It takes effect when iPark and MSS have both signed."))
    expect(panel).to_contain_text(en("Waiting for signatures"))
    confirm_and_click(ipark, panel.get_by_role("button", name=en("Sign"), exact=True))
    expect(flashed(ipark)).to_contain_text(en("Signed. The decision now waits for the other institution."))
    expect(panel).to_contain_text(f"iPark: ✔ {IPARK_NAME}")
    expect(panel.get_by_role("button", name=en("Sign"), exact=True)).to_have_count(0)
    expect(ipark.locator("#proposal-state")).to_have_text(en("Submitted"))
    shot(ipark, "proposal-05-shortlist-signed-by-ipark-en")

    # MSS signs it among the decisions waiting for it, with the bulk signature.
    mss.locator("#staff-menu").click()
    open_from_navbar(mss, ko("Joint decisions"))
    expect(mss).to_have_url(re.compile(r"/staff/decisions$"))
    waiting = mss.locator("main .card", has_text=PROPOSAL_TITLE)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(ko("Shortlist the proposal"))
    expect(waiting).to_contain_text(f"iPark: ✔ {IPARK_NAME}")
    waiting.get_by_label(ko("Select for signing"), exact=True).check()
    shot(mss, "proposal-06-decisions-ko")
    confirm_and_click(mss, mss.get_by_role("button", name=ko("Sign selected"), exact=True))
    expect(flashed(mss)).to_contain_text(
        ko("Signed: %(signed)d. Took effect (both institutions have signed): %(effective)d.", signed=1, effective=1))
    expect(mss.get_by_text(ko("Nothing waits for a signature."))).to_be_visible()

    # The company is told, now sees the proposal on its call's page, and chooses it.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, POSTER_ADDRESS)
    assert subject_of(message) == SUBJECT_PREFIX + ja("A proposal to your call was shortlisted: %(title)s",
                                                      title=CHALLENGE_TITLE)
    poster.goto(challenge_path)
    poster.get_by_role("link", name=ja("Proposals"), exact=True).click()
    shortlisted = poster.locator("table tbody tr")
    expect(shortlisted).to_have_count(1)
    expect(shortlisted.get_by_role("link", name=PROPOSAL_TITLE)).to_be_visible()
    expect(shortlisted.locator(".badge")).to_have_text(ja("Shortlisted"))
    # The institutions' scores are theirs: the company does not see them.
    expect(poster.locator("main")).not_to_contain_text(REVIEW_COMMENT)
    shot(poster, "proposal-07-company-shortlist-ja")
    confirm_and_click(poster, shortlisted.get_by_role("button", name=ja("Choose this proposal"), exact=True))
    expect(poster).to_have_url(re.compile(proposal_path + "$"))
    expect(flashed(poster)).to_contain_text(
        ja("You chose this proposal. iPark and MSS will now decide on its selection together."))
    expect(poster.get_by_text(ja("Chosen by the company"), exact=True)).to_be_visible()
    expect(poster.locator("#proposal-state")).to_have_text(ja("Shortlisted"))
    expect(poster.locator("main")).to_contain_text(ANSWER)
    expect(poster.locator("main")).not_to_contain_text(REVIEW_COMMENT)

    # iPark proposes the selection and signs; MSS signs on the proposal page: it is selected.
    ipark.reload()
    panel = ipark.locator("#review-panel")
    expect(ipark.locator("#proposal-state")).to_have_text(en("Shortlisted"))
    panel.get_by_role("button", name=en("Select the proposal"), exact=True).click()
    expect(flashed(ipark)).to_contain_text(
        en("The decision is proposed. It takes effect when iPark and MSS have both signed."))
    confirm_and_click(ipark, panel.get_by_role("button", name=en("Sign"), exact=True))
    expect(flashed(ipark)).to_contain_text(en("Signed. The decision now waits for the other institution."))

    mss.goto(proposal_path)
    panel = mss.locator("#review-panel")
    expect(panel).to_contain_text(ko("Select the proposal"))
    confirm_and_click(mss, panel.get_by_role("button", name=ko("Sign"), exact=True))
    expect(flashed(mss)).to_contain_text(ko("Signed. Both institutions have signed: the decision takes effect."))
    expect(mss.locator("#proposal-state")).to_have_text(ko("Selected"))
    shot(mss, "proposal-08-selected-signed-ko")

    # The venture member sees the outcome and how it came about; the signers stay unnamed.
    open_from_navbar(venture, ko("My proposals"))
    expect(venture.locator("table tbody tr .badge")).to_have_text(ko("Selected"))
    venture.get_by_role("link", name=PROPOSAL_TITLE).click()
    expect(venture).to_have_url(re.compile(proposal_path + "$"))
    expect(venture.locator("#proposal-state")).to_have_text(ko("Selected"))
    history = venture.locator("#proposal-timeline li")
    expect(history).to_have_count(4)
    for entry, label in zip(history.all(), ("Started", "Submitted", "Shortlisted", "Selected"), strict=True):
        expect(entry.locator(".badge")).to_have_text(ko(label))
    expect(history.nth(1)).to_contain_text(VENTURE_MEMBER_NAME)
    for name in (IPARK_NAME, MSS_NAME, POSTER_NAME):
        expect(venture.locator("#proposal-timeline")).not_to_contain_text(name)
    # Selected and closed for changes: no edit, no withdrawal.
    expect(venture.get_by_role("link", name=ko("Edit"), exact=True)).to_have_count(0)
    expect(venture.get_by_role("button", name=ko("Withdraw the proposal"), exact=True)).to_have_count(0)
    shot(venture, "proposal-09-selected-ko")

    # And the e-mail, in Korean, with a link to the proposal.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, VENTURE_ADDRESS)
    assert subject_of(message) == SUBJECT_PREFIX + ko("Your proposal was selected: %(title)s", title=PROPOSAL_TITLE)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert live_server.url + proposal_path in body
