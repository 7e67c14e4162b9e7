"""A Japanese company member posts a challenge; iPark staff publish it; a Korean venture member,
reading the site in Korean, finds it by a Korean word, accepts the NDA, reads the confidential
part and asks a question; the company answers; the venture, and everyone, sees the answer without
learning who asked."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.auth.models import Institution, MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.institutions import ensure_institutions
from app.common.outbox import SUBJECT_PREFIX
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.helpers import assert_page_in_language, deliver_mail, flash, newest_email, sign_in, tr

POSTER_NAME = "Kenji Watanabe"
POSTER_ADDRESS = "kenji.watanabe@hoshino-pharma.test"
COMPANY_LATIN = "Hoshino Pharmaceutical Co., Ltd."
STAFF_NAME = "Aiko Suzuki"
STAFF_ADDRESS = "aiko.suzuki@ipark.test"
VENTURE_MEMBER_NAME = "박민준"
VENTURE_ADDRESS = "minjun.park@hanbit-ai.test"
VENTURE_LATIN = "Hanbit AI Therapeutics Inc."
VENTURE_KOREAN = "한빛에이아이테라퓨틱스"

TITLE = "AI platform for antibody discovery / 抗体創薬AIプラットフォーム"
SUMMARY = "抗体医薬の候補探索を加速するAI技術を持つ韓国のベンチャーを募集します。"
# The venture searches for 항체 ("antibody"), which the text holds only inside the longer 항체신약.
DESCRIPTION = ("当社は抗体医薬の探索研究にAIを導入したいと考えています。\n\n"
               "한국어 요약: 항체신약 개발을 위한 AI 플랫폼을 찾고 있습니다.")
SEARCH_WORD = "항체"
SECRET = "The target is the HSP-47 epitope cluster; our in-house hit rate is 0.3 %."
PROPOSAL_QUESTION = "How would you validate your model on our assay data?"
QUESTION = "학습 데이터로 사내 어세이 데이터를 제공받을 수 있습니까?"
ANSWER = "はい。NDA締結後、約2万件のアッセイデータを提供できます。"


def create_people(app) -> None:
    """The company member, the iPark staff member and the venture member, as registration and
    verification leave them."""
    with app.app_context():
        company = Organization(
            kind=OrganizationKind.company, country="JP", name_latin=COMPANY_LATIN, name_native="星野製薬株式会社",
            verification_state=VerificationState.verified, verified_at=utcnow())
        poster = User(email=POSTER_ADDRESS, name=POSTER_NAME, organization=company, role=MemberRole.member,
                      locale="ja", timezone="Asia/Tokyo", email_verified_at=utcnow())
        staff = User(email=STAFF_ADDRESS, name=STAFF_NAME, organization=ensure_institutions()[Institution.ipark],
                     role=MemberRole.member, locale="en", timezone="Asia/Tokyo", email_verified_at=utcnow())
        venture = Organization(
            kind=OrganizationKind.venture, country="KR", name_latin=VENTURE_LATIN, name_native=VENTURE_KOREAN,
            verification_state=VerificationState.verified, verified_at=utcnow())
        venture.fields = [Field.ai_drug_discovery, Field.bioinformatics]
        venture_member = User(email=VENTURE_ADDRESS, name=VENTURE_MEMBER_NAME, organization=venture,
                              role=MemberRole.member, locale="ko", timezone="Asia/Seoul",
                              email_verified_at=utcnow())
        for user in (poster, staff, venture_member):
            user.set_password(PASSWORD)
        db.session.add_all([company, poster, staff, venture, venture_member])
        db.session.commit()


def sign_out(page, app, locale: str) -> None:
    page.locator("#user-menu").click()
    page.get_by_role("button", name=tr(app, locale, "Sign out"), exact=True).click()
    expect(page.locator("#user-menu")).to_have_count(0)


def flashed(page):
    """The flashed message: it comes first in <main>, above the alerts a challenge page shows itself."""
    return flash(page).first


def open_from_navbar(page, label: str) -> None:
    page.locator("nav").get_by_role("link", name=label, exact=True).click()


def text_around(app, locale: str, msgid: str, variable: str) -> list[str]:
    """The fixed parts of a message around one variable (a time we cannot predict to the minute)."""
    return [part.strip() for part in tr(app, locale, msgid, **{variable: "\x00"}).split("\x00") if part.strip()]


def subject_of(message) -> str:
    """The subject as a reader sees it. Python's header folding may leave a doubled space before
    the encoded word it moves to the next line (the title mixes Latin and Japanese)."""
    return " ".join(message["Subject"].split())


def test_company_posts_staff_publish_korean_venture_finds_accepts_nda_asks_and_reads_the_answer(
        live_server, new_context, shot):
    app = live_server.app
    ja = lambda msgid, **variables: tr(app, "ja", msgid, **variables)  # noqa: E731
    en = lambda msgid, **variables: tr(app, "en", msgid, **variables)  # noqa: E731
    ko = lambda msgid, **variables: tr(app, "ko", msgid, **variables)  # noqa: E731
    create_people(app)
    poster = new_context().new_page()
    staff = new_context().new_page()
    venture = new_context().new_page()

    # The company member (Japanese interface) posts a challenge in the open innovation programme.
    poster.goto("/auth/login")
    sign_in(poster, POSTER_ADDRESS, PASSWORD)
    expect(poster.locator("html")).to_have_attribute("lang", "ja")
    open_from_navbar(poster, ja("My challenges"))
    expect(poster).to_have_url(re.compile(r"/challenges/mine$"))
    expect(poster.get_by_text(ja("You have not posted a challenge yet."))).to_be_visible()
    poster.get_by_role("link", name=ja("Post a challenge"), exact=True).click()
    expect(poster.get_by_text(ja("Which programme is this challenge for?"))).to_be_visible()
    programmes = poster.locator("main a.card")
    expect(programmes).to_have_count(2)
    programmes.filter(has_text=ja("Open innovation")).click()
    expect(poster).to_have_url(re.compile(r"/challenges/new\?program=open_innovation$"))

    poster.get_by_label(ja("Title"), exact=True).fill(TITLE)
    poster.get_by_label(ja("Summary"), exact=True).fill(SUMMARY)
    poster.get_by_label(ja("Description"), exact=True).fill(DESCRIPTION)
    poster.get_by_label(ja("AI drug discovery"), exact=True).check()
    deadline = datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=14)  # the poster's own clock
    poster.get_by_label(ja("Deadline"), exact=True).fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    poster.get_by_label(ja("Confidential part"), exact=True).fill(SECRET)
    # The programme's default NDA is filled in, in the language the challenge is written in.
    expect(poster.get_by_label(ja("Written in"), exact=True)).to_have_value("ja")
    expect(poster.get_by_label(ja("Non-disclosure agreement"), exact=True)).to_have_value(re.compile("秘密保持契約"))
    poster.get_by_label(ja("Question"), exact=True).first.fill(PROPOSAL_QUESTION)
    shot(poster, "challenge-01-form-ja")
    poster.get_by_role("button", name=ja("Save the draft"), exact=True).click()

    expect(poster).to_have_url(re.compile(r"/challenges/\d+$"))
    challenge_path = re.search(r"/challenges/\d+$", poster.url).group(0)
    expect(flashed(poster)).to_contain_text(ja("Draft saved. Submit it for review when it is ready."))
    expect(poster.locator("#challenge-state")).to_have_text(ja("Draft"))
    expect(poster.locator("h1")).to_have_text(TITLE)
    expect(poster.locator("#confidential-text")).to_have_text(SECRET)
    expect(poster.get_by_text(PROPOSAL_QUESTION)).to_be_visible()
    poster.get_by_role("button", name=ja("Submit for review"), exact=True).click()
    expect(flashed(poster)).to_contain_text(
        ja("Submitted. The partnership's staff will review it before it is published."))
    expect(poster.locator("#challenge-state")).to_have_text(ja("Awaiting review"))
    shot(poster, "challenge-02-submitted-ja")
    sign_out(poster, app, "ja")

    # iPark staff find it in the publication review queue and publish it.
    staff.goto("/auth/login")
    sign_in(staff, STAFF_ADDRESS, PASSWORD)
    open_from_navbar(staff, en("Publication review"))
    expect(staff).to_have_url(re.compile(r"/challenges/review$"))
    queue = staff.locator("table tbody tr")
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text(COMPANY_LATIN)  # the name an English reader reads
    expect(queue).not_to_contain_text("星野製薬株式会社")
    queue.get_by_role("link", name=TITLE).click()
    expect(staff).to_have_url(re.compile(challenge_path + "$"))
    # Staff read the confidential part before they publish.
    expect(staff.locator("#confidential-text")).to_have_text(SECRET)
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_role("button", name=en("Publish"), exact=True).click()
    expect(flashed(staff)).to_contain_text(en("The challenge is published and open for proposals."))
    expect(staff.locator("#challenge-state")).to_have_text(en("Open"))
    shot(staff, "challenge-03-published-en")
    staff.goto("/challenges/review")
    expect(staff.get_by_text(en("Nothing is waiting for review."))).to_be_visible()
    sign_out(staff, app, "en")

    # Ventures working in the challenge's fields hear of it, in their language.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, VENTURE_ADDRESS)
    assert subject_of(message) == SUBJECT_PREFIX + ko("A new call in your fields: %(title)s", title=TITLE)

    # The Korean venture member searches in Korean, with a word found only inside a longer one.
    venture.goto("/auth/login")
    sign_in(venture, VENTURE_ADDRESS, PASSWORD)
    expect(venture.locator("html")).to_have_attribute("lang", "ko")
    open_from_navbar(venture, ko("Challenges"))
    expect(venture).to_have_url(re.compile(r"/challenges/$"))
    venture.get_by_role("searchbox", name=ko("Search challenges")).fill(SEARCH_WORD)
    venture.get_by_role("button", name=ko("Search"), exact=True).click()
    expect(venture).to_have_url(re.compile(r"/challenges/\?q=%ED%95%AD%EC%B2%B4"))
    results = venture.locator("article.challenge-card")
    expect(results).to_have_count(1)
    expect(results).to_contain_text(TITLE)
    expect(results).to_contain_text(ko("AI drug discovery"))
    expect(venture.get_by_role("searchbox", name=ko("Search challenges"))).to_have_value(SEARCH_WORD)
    shot(venture, "challenge-04-search-ko")
    assert_page_in_language(venture, app, "ko", ["Challenges", "Search"])

    # The public part is there; the confidential part waits for the NDA.
    results.get_by_role("link", name=TITLE).click()
    expect(venture).to_have_url(re.compile(challenge_path + "$"))
    expect(venture.locator("h1")).to_have_text(TITLE)
    expect(venture.locator("main")).to_contain_text("항체신약 개발을 위한 AI 플랫폼")
    expect(venture.locator("#confidential-text")).to_have_count(0)
    assert SECRET not in venture.content()
    venture.get_by_role("link", name=ko("Read the NDA"), exact=True).click()
    expect(venture).to_have_url(re.compile(challenge_path + "/nda$"))
    expect(venture.locator(".nda-text")).to_contain_text("秘密保持契約")
    assert SECRET not in venture.content()
    shot(venture, "challenge-05-nda-ko")
    venture.get_by_label(ko("I have read this agreement and accept it on behalf of my organisation.")).check()
    venture.get_by_role("button", name=ko("Accept and read the confidential part"), exact=True).click()

    expect(venture).to_have_url(re.compile(challenge_path + "#confidential$"))
    expect(flashed(venture)).to_contain_text(ko("Thank you. The confidential part is now open to you."))
    expect(venture.locator("#confidential-text")).to_have_text(SECRET)
    expect(venture.locator("#confidential")).to_contain_text(ko("NDA accepted"))

    # A clarification question: only the asker, the poster and staff see it until it is answered.
    venture.get_by_label(ko("Your question"), exact=True).fill(QUESTION)
    venture.get_by_role("button", name=ko("Ask the poster"), exact=True).click()
    expect(flashed(venture)).to_contain_text(
        ko("Your question was sent. The answer will be published here without your name."))
    asked = venture.locator("#questions .card", has_text=QUESTION)
    expect(asked).to_have_count(1)
    for part in text_around(app, "ko", "Asked %(when)s · not yet answered · only the asker, the poster and "
                                       "staff see this question", "when"):
        expect(asked).to_contain_text(part)
    shot(venture, "challenge-06-question-asked-ko")
    sign_out(venture, app, "ko")

    # The company member answers from their list of challenges.
    poster.goto("/auth/login")
    sign_in(poster, POSTER_ADDRESS, PASSWORD)
    open_from_navbar(poster, ja("My challenges"))
    mine = poster.locator("table tbody tr")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(ja("Open"))
    mine.get_by_role("link", name=TITLE).click()
    question = poster.locator("#questions .card", has_text=QUESTION)
    expect(question).to_have_count(1)
    # The poster does not learn who asked.
    expect(poster.locator("#questions")).not_to_contain_text(VENTURE_MEMBER_NAME)
    expect(poster.locator("#questions")).not_to_contain_text(VENTURE_LATIN)
    question.get_by_label(ja("Your answer (published with the question; the asker stays anonymous)")).fill(ANSWER)
    shot(poster, "challenge-07-answering-ja")
    question.get_by_role("button", name=ja("Publish the answer"), exact=True).click()
    expect(flashed(poster)).to_contain_text(ja("Your answer is published."))
    expect(poster.locator("#questions .card", has_text=QUESTION)).to_contain_text(ANSWER)
    sign_out(poster, app, "ja")

    # The venture member reads the published answer.
    venture.goto("/auth/login")
    sign_in(venture, VENTURE_ADDRESS, PASSWORD)
    venture.goto(challenge_path)
    answered = venture.locator("#questions .card", has_text=QUESTION)
    expect(answered).to_have_count(1)
    expect(answered).to_contain_text(ANSWER)
    for part in text_around(app, "ko", "Answered %(when)s", "when"):
        expect(answered).to_contain_text(part)
    expect(venture.locator("#questions")).not_to_contain_text(VENTURE_MEMBER_NAME)
    expect(venture.locator("#questions")).not_to_contain_text(VENTURE_LATIN)
    expect(venture.locator("#questions")).not_to_contain_text(VENTURE_KOREAN)
    shot(venture, "challenge-08-answered-ko")

    # The answer is public: a visitor who is not signed in reads it, and nothing names the asker.
    visitor = new_context().new_page()
    visitor.goto(challenge_path)
    expect(visitor.locator("#questions .card", has_text=QUESTION)).to_contain_text(ANSWER)
    expect(visitor.locator("#confidential-text")).to_have_count(0)
    visible = visitor.locator("body").inner_text()
    for name in (VENTURE_MEMBER_NAME, VENTURE_LATIN, VENTURE_KOREAN, SECRET):
        assert name not in visible, f"{name!r} is on the public page of the challenge"

    # The asker is told by e-mail, in Korean, with a link to the call.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, VENTURE_ADDRESS)
    assert subject_of(message) == SUBJECT_PREFIX + ko("Question answered: %(title)s", title=TITLE)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert ANSWER in body
    assert live_server.url + challenge_path in body
    # The poster was told of the question without being told who asked.
    asked_mail = newest_email(live_server.mail_dir, POSTER_ADDRESS)
    assert subject_of(asked_mail) == SUBJECT_PREFIX + ja("New question on your call: %(title)s", title=TITLE)
    body = asked_mail.get_body(preferencelist=("plain",)).get_content()
    assert QUESTION in body
    for name in (VENTURE_MEMBER_NAME, VENTURE_LATIN, VENTURE_KOREAN, VENTURE_ADDRESS):
        assert name not in body, f"the question e-mail to the poster names the asker ({name!r})"
