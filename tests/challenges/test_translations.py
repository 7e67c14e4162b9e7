"""A call's text in three languages: who translates, what a reader of each language is shown, the
NDA as a legal text per language, and what a translation keeps when the original changes."""
import pytest
from sqlalchemy import func, select

from app.challenges import services, translating
from app.challenges.models import NdaAcceptance, NdaVersion
from app.challenges.translations import ChallengeTranslation, QuestionTranslation
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent
from app.extensions import db
from tests.conftest import who

STATES = ("draft", "pending_review", "open", "closed", "awarded", "cancelled")
PEOPLE = ("anonymous", "venture_owner", "company_owner", "company_member", "ipark_staff", "mss_staff", "admin")
Y, N = True, False

# Who may translate a call, by state: the posting organisation and the institutions' staff, in every
# state but cancelled. Ventures, other companies and anonymous visitors never.
CAN_TRANSLATE = {
    #                   draft pending open closed awarded cancelled
    "anonymous":       (N,    N,      N,   N,     N,      N),
    "venture_owner":   (N,    N,      N,   N,     N,      N),
    "company_owner":   (Y,    Y,      Y,   Y,     Y,      N),
    "company_member":  (Y,    Y,      Y,   Y,     Y,      N),
    "ipark_staff":     (Y,    Y,      Y,   Y,     Y,      N),
    "mss_staff":       (Y,    Y,      Y,   Y,     Y,      N),
    "admin":           (N,    N,      N,   N,     N,      N),
}


def japanese_call(make_challenge, state="open", **attributes):
    challenge = make_challenge(state=state, language="ja", title="抗体医薬の毒性予測AI",
                               summary="抗体の毒性を予測するモデルを募集します。", description="詳細な説明。",
                               confidential="社外秘のデータセット。", **attributes)
    services._replace_questions(challenge, [{"text": "あなたのモデルの精度は？"}])
    services._replace_criteria(challenge, [{"name": "科学的・技術的妥当性", "weight": 60},
                                           {"name": "実現可能性", "weight": 40}])
    db.session.commit()
    return challenge


def translate(challenge, actor, language="ko", **fields):
    values = dict(title="항체 의약품 독성 예측 AI", summary="항체 독성을 예측하는 모델을 모집합니다.",
                  description="자세한 설명.", confidential="사외비 데이터셋.",
                  questions={q.id: "모델의 정확도는?" for q in challenge.questions},
                  criteria={c.id: f"기준 {c.position}" for c in challenge.criteria}, nda="비밀을 지킵니다.")
    values.update(fields)
    row = translating.save_translation(challenge, actor=actor, language=language, **values)
    db.session.commit()
    return row


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_translate_a_call_in_each_state(person, users, anonymous, make_challenge):
    user = who(users, anonymous, person)
    for state, expected in zip(STATES, CAN_TRANSLATE[person], strict=True):
        challenge = make_challenge(state=state)
        assert challenge.can_translate(user) is expected, (person, state)


def test_a_translation_keeps_the_original_and_records_who_wrote_it(users, make_challenge):
    challenge = japanese_call(make_challenge)
    row = translate(challenge, users["ipark_staff"])

    assert challenge.title == "抗体医薬の毒性予測AI"  # the original is never overwritten
    assert (row.language, row.written_by_id, row.reviewed_by_id, row.machine_draft) == \
        ("ko", users["ipark_staff"].id, None, False)
    text = challenge.text_in("ko")
    assert (text.title, text.lang, text.is_translation, text.outdated) == \
        ("항체 의약품 독성 예측 AI", "ko", True, False)
    assert text.question(challenge.questions[0]) == "모델의 정확도는?"
    assert text.criterion(challenge.criteria[0]) == "기준 1"
    assert challenge.text_in("ja").title == challenge.title and not challenge.text_in("ja").is_translation
    english = challenge.text_in("en")
    assert (english.title, english.missing) == (challenge.title, True)
    assert challenge.missing_languages() == ["en"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.translated")).one()
    assert event.details == {"language": "ko", "machine_draft": False, "nda": True}


def test_a_reviewed_machine_draft_is_marked_and_names_its_reviewer(users, make_challenge):
    challenge = japanese_call(make_challenge)
    row = translate(challenge, users["company_member"], machine_draft=True)
    assert (row.machine_draft, row.reviewed_by_id) == (True, users["company_member"].id)


def test_saving_again_replaces_the_translation_and_an_empty_field_falls_back_to_the_original(users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    translate(challenge, users["company_owner"], title="새 제목", confidential="",
              questions={}, nda="")

    assert db.session.scalar(select(func.count()).select_from(ChallengeTranslation)) == 1
    text = challenge.text_in("ko")
    assert text.title == "새 제목"
    assert (text.confidential, text.lang_for("confidential")) == ("社外秘のデータセット。", "ja")
    assert text.question(challenge.questions[0]) == "あなたのモデルの精度は？"
    assert challenge.nda_in("ko") is None  # readers accept the original again


@pytest.mark.parametrize("person", ["venture_owner", "admin", "anonymous"])
def test_those_who_may_not_translate_are_refused_and_nothing_changes(person, users, anonymous, make_challenge):
    challenge = japanese_call(make_challenge)
    with pytest.raises(PermissionDenied):
        translate(challenge, who(users, anonymous, person))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ChallengeTranslation)) == 0


def test_the_original_language_is_not_a_translation(users, make_challenge):
    challenge = japanese_call(make_challenge)
    with pytest.raises(translating.NotATranslation):
        translate(challenge, users["company_owner"], language="ja")
    with pytest.raises(translating.NotATranslation):
        translate(challenge, users["company_owner"], language="fr")


def test_a_translation_is_outdated_once_the_original_changes(users, make_challenge):
    challenge = japanese_call(make_challenge, state="draft")
    translate(challenge, users["company_owner"])
    services.update_challenge(challenge, actor=users["company_owner"], summary="新しい要約。")
    db.session.commit()
    assert challenge.text_in("ko").outdated is True
    translate(challenge, users["company_owner"])
    assert challenge.text_in("ko").outdated is False


def test_an_unchanged_question_keeps_its_translation_when_the_questions_are_edited(users, make_challenge):
    challenge = japanese_call(make_challenge, state="draft")
    translate(challenge, users["company_owner"])
    services.update_challenge(challenge, actor=users["company_owner"],
                              questions=[{"text": "新しい質問", "required": True, "max_length": 2000},
                                         {"text": "あなたのモデルの精度は？", "required": True, "max_length": 2000}])
    db.session.commit()
    kept, new = challenge.questions[1], challenge.questions[0]
    text = challenge.text_in("ko")
    assert text.question(kept) == "모델의 정확도는?"
    assert text.question(new) == "新しい質問"
    assert db.session.scalar(select(func.count()).select_from(QuestionTranslation)) == 1


# The NDA: each language is a version of its own -------------------------------------------------

def test_the_nda_translation_is_a_version_of_its_own_and_acceptance_records_its_language(users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    korean = challenge.nda_in("ko")
    assert (korean.number, korean.language, korean.is_original) == (1, "ko", False)
    assert challenge.current_nda.language == "ja" and challenge.current_nda.is_original

    venture = users["venture_owner"]
    services.accept_nda(challenge, actor=venture, ip="192.0.2.1", version_id=korean.id)
    db.session.commit()
    acceptance = db.session.scalars(select(NdaAcceptance)).one()
    assert (acceptance.nda_version.language, acceptance.nda_version.number) == ("ko", 1)
    assert challenge.has_accepted_nda(venture) and challenge.can_view_confidential(venture)


def test_an_accepted_nda_translation_can_no_longer_change(users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    services.accept_nda(challenge, actor=users["venture_owner"], ip=None, version_id=challenge.nda_in("ko").id)
    db.session.commit()
    with pytest.raises(translating.NdaTranslationAccepted):
        translate(challenge, users["company_owner"], nda="다른 문구.")
    db.session.rollback()
    assert challenge.nda_in("ko").body == "비밀을 지킵니다."
    translate(challenge, users["company_owner"], title="제목만 고침")  # the rest may still change
    assert challenge.text_in("ko").title == "제목만 고침"


def test_a_new_original_version_asks_everyone_to_accept_again_whatever_language_they_accepted(
        users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    venture = users["venture_owner"]
    services.accept_nda(challenge, actor=venture, ip=None, version_id=challenge.nda_in("ko").id)
    services.update_challenge(challenge, actor=users["company_owner"], nda_text="新しい秘密保持契約。")
    db.session.commit()

    assert challenge.current_nda.number == 2
    assert challenge.nda_in("ko") is None  # the translation was of version 1
    assert not challenge.has_accepted_nda(venture) and challenge.has_accepted_earlier_nda(venture)


def test_accepting_a_version_replaced_meanwhile_is_refused(users, make_challenge):
    challenge = japanese_call(make_challenge)
    old = challenge.current_nda.id
    services.update_challenge(challenge, actor=users["company_owner"], nda_text="新しい秘密保持契約。")
    db.session.commit()
    with pytest.raises(services.NdaChanged):
        services.accept_nda(challenge, actor=users["venture_owner"], ip=None, version_id=old)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(NdaAcceptance)) == 0


def test_a_draft_rewritten_in_another_language_moves_its_nda_original(users, make_challenge):
    challenge = japanese_call(make_challenge, state="draft")
    translate(challenge, users["company_owner"])  # a Korean NDA of version 1
    services.update_challenge(challenge, actor=users["company_owner"], language="ko")
    db.session.commit()
    assert [(v.language, v.is_original) for v in challenge.nda_versions] == [("ko", True)]


# Pages ------------------------------------------------------------------------------------------

def test_a_korean_reader_sees_the_korean_title_and_can_switch_to_the_original(client, users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])

    page = client.get(f"/challenges/{challenge.id}?lang=ko").get_data(as_text=True)
    assert '<h1 class="h3 mb-2" lang="ko">항체 의약품 독성 예측 AI</h1>' in page
    assert f'href="/challenges/{challenge.id}?original=1"' in page
    assert '<span lang="ko">모델의 정확도는?</span>' in page

    original = client.get(f"/challenges/{challenge.id}?lang=ko&original=1").get_data(as_text=True)
    assert '<h1 class="h3 mb-2" lang="ja">抗体医薬の毒性予測AI</h1>' in original
    assert "항체 의약품 독성 예측 AI" not in original.split("<main")[-1].split("language-note")[0]


def test_a_reader_without_a_translation_is_told_so(client, make_challenge):
    challenge = japanese_call(make_challenge)
    page = client.get(f"/challenges/{challenge.id}?lang=en").get_data(as_text=True)
    assert "Not translated yet — original in Japanese." in page
    assert '<h1 class="h3 mb-2" lang="ja">' in page


def test_the_listing_shows_the_reader_the_translated_title(client, users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    page = client.get("/challenges/?lang=ko").get_data(as_text=True)
    assert "항체 의약품 독성 예측 AI" in page


def test_the_korean_nda_page_shows_the_korean_version_and_records_it(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    venture = users["venture_owner"]
    login(venture)
    page = client.get(f"/challenges/{challenge.id}/nda?lang=ko").get_data(as_text=True)
    korean = challenge.nda_in("ko")
    assert '<div class="card-body markdown nda-text" lang="ko">' in page and "비밀을 지킵니다." in page
    assert f'value="{korean.id}"' in page

    response = client.post(f"/challenges/{challenge.id}/nda?lang=ko", data={"agree": "y", "version": korean.id})
    assert response.status_code == 302
    assert db.session.scalars(select(NdaAcceptance)).one().nda_version_id == korean.id


def test_without_a_translation_the_nda_page_says_the_original_binds(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge)
    login(users["venture_owner"])
    page = client.get(f"/challenges/{challenge.id}/nda?lang=ko").get_data(as_text=True)
    assert 'id="nda-language"' in page
    assert '<div class="card-body markdown nda-text" lang="ja">' in page


@pytest.mark.parametrize("person, status", [("company_member", 200), ("mss_staff", 200), ("venture_owner", 403)])
def test_the_translation_page_is_for_the_poster_and_staff(client, login, users, make_challenge, person, status):
    challenge = japanese_call(make_challenge)
    login(users[person])
    assert client.get(f"/challenges/{challenge.id}/translations/ko").status_code == status
    assert client.post(f"/challenges/{challenge.id}/translations/ko", data={"title": "x"}).status_code in \
        {status, 200}
    assert db.session.scalar(select(func.count()).select_from(ChallengeTranslation)) == 0


def test_saving_a_translation_from_its_page(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge)
    login(users["company_member"])
    question, criterion = challenge.questions[0], challenge.criteria[0]
    response = client.post(f"/challenges/{challenge.id}/translations/ko", data={
        "title": "항체 독성", "summary": "요약", "description": "설명", "confidential": "",
        f"question_{question.id}": "정확도는?", f"criterion_{criterion.id}": "과학성", "nda": "비밀 유지."})
    assert response.status_code == 302
    text = challenge.text_in("ko")
    assert (text.title, text.question(question), text.criterion(criterion)) == ("항체 독성", "정확도는?", "과학성")
    assert challenge.nda_in("ko").body == "비밀 유지."

    page = client.get(f"/challenges/{challenge.id}/translations/ko").get_data(as_text=True)
    assert 'value="항체 독성"' in page and "정확도는?" in page


def test_a_translation_without_its_title_is_refused_with_a_message(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge)
    login(users["company_member"])
    response = client.post(f"/challenges/{challenge.id}/translations/ko?lang=ko",
                           data={"title": "", "summary": "요약", "description": "설명"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ChallengeTranslation)) == 0


def test_the_poster_sees_which_languages_are_missing(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge, state="pending_review")
    translate(challenge, users["company_owner"])
    login(users["ipark_staff"])
    page = client.get(f"/challenges/{challenge.id}?lang=en").get_data(as_text=True)
    assert 'id="languages"' in page
    assert f'/challenges/{challenge.id}/translations/en' in page


def test_the_translation_of_a_call_is_quoted_in_the_recipients_language(app, users, make_challenge):
    from flask import render_template_string
    from flask_babel import force_locale

    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    with force_locale("ko"):
        assert render_template_string("{{ challenge.text.title }}", challenge=challenge) == "항체 의약품 독성 예측 AI"
    with force_locale("en"):
        assert render_template_string("{{ challenge.text.title }}", challenge=challenge) == "抗体医薬の毒性予測AI"


@pytest.mark.postgresql_only
def test_two_translators_saving_at_once_make_one_translation(race, users, make_challenge):
    from app.auth.models import User
    from app.challenges.models import Challenge

    challenge = japanese_call(make_challenge)
    challenge_id = challenge.id
    staff_id, poster_id = users["ipark_staff"].id, users["company_owner"].id

    def save(actor_id, title):
        return lambda: translating.save_translation(
            db.session.get(Challenge, challenge_id), actor=db.session.get(User, actor_id), language="ko",
            title=title, summary="요약", description="설명", nda="비밀.")

    results = race(save(staff_id, "A"), save(poster_id, "B"))
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert db.session.scalar(select(func.count()).select_from(ChallengeTranslation)) == 1
    assert db.session.scalar(select(func.count()).select_from(NdaVersion).where(NdaVersion.language == "ko")) == 1


def test_publication_review_shows_staff_the_missing_languages(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge, state="pending_review")
    translate(challenge, users["company_owner"])
    login(users["mss_staff"])
    page = client.get("/challenges/review?lang=en").get_data(as_text=True)
    row = page.split(f'/challenges/{challenge.id}"')[1].split("</tr>")[0]
    assert f'/challenges/{challenge.id}/translations/en">English</a>' in row
    assert "Korean" not in row


def test_a_reviewer_scores_against_criteria_in_their_language(app, users, make_challenge):
    from flask import render_template_string
    from flask_babel import force_locale

    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    template = "{% for c in criteria %}<td lang='{{ c.challenge.text.criterion_lang(c) }}'>" \
               "{{ c.challenge.text.criterion(c) }}</td>{% endfor %}"
    with force_locale("ko"):
        assert render_template_string(template, criteria=challenge.criteria) == \
            "<td lang='ko'>기준 1</td><td lang='ko'>기준 2</td>"


@pytest.mark.parametrize("text, lang", [("항체는 어떻게 준비하나요?", "ko"), ("抗体はどう準備しますか", "ja"),
                                        ("抗体医薬", "ja"), ("How is the antibody prepared?", "en"),
                                        ("KRAS 변이 항체", "ko"), ("", "en")])
def test_what_people_write_without_a_language_gets_one_from_its_script(text, lang):
    from app.common.names import text_language

    assert text_language(text) == lang


def test_the_nda_page_says_in_which_language_the_reader_accepted(client, login, users, make_challenge):
    challenge = japanese_call(make_challenge)
    venture = users["venture_owner"]
    services.accept_nda(challenge, actor=venture, ip=None)  # the Japanese original
    translate(challenge, users["company_owner"])
    login(venture)
    page = client.get(f"/challenges/{challenge.id}/nda?lang=en").get_data(as_text=True)
    assert "You accepted this version." in page  # no English version: the original shows
    page = client.get(f"/challenges/{challenge.id}/nda?lang=ko").get_data(as_text=True)
    assert "이 계약서의 버전 1에 동의하셨습니다(언어: 일본어)." in page


def test_staff_list_the_calls_missing_a_language(client, login, users, make_challenge, count_queries):
    done = japanese_call(make_challenge, state="open")
    translate(done, users["company_owner"], language="ko")
    translate(done, users["company_owner"], language="en")
    needs_korean = japanese_call(make_challenge, state="pending_review")
    translate(needs_korean, users["company_owner"], language="en")
    draft = japanese_call(make_challenge, state="draft")  # not the institutions' work yet
    login(users["ipark_staff"])

    page = client.get("/challenges/translations?lang=en").get_data(as_text=True)
    assert f'/challenges/{needs_korean.id}/translations/ko"' in page
    assert f'/challenges/{done.id}"' not in page and f'/challenges/{draft.id}"' not in page
    only_english = client.get("/challenges/translations?language=en&lang=en").get_data(as_text=True)
    assert f'/challenges/{needs_korean.id}"' not in only_english and 'id="nothing-to-translate"' in only_english
    with count_queries() as queries:
        assert client.get("/challenges/translations?language=garbage&page=-3").status_code == 200
    assert len(queries) <= 12


@pytest.mark.parametrize("person", ["venture_owner", "company_owner", "anonymous"])
def test_the_list_of_calls_to_translate_is_for_staff(client, login, users, person):
    if person != "anonymous":
        login(users[person])
    assert client.get("/challenges/translations").status_code in {302, 403, 404}


def test_the_original_links_back_to_the_readers_translation(client, users, make_challenge):
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    page = client.get(f"/challenges/{challenge.id}?lang=ko&original=1").get_data(as_text=True)
    assert f'<a href="/challenges/{challenge.id}" hreflang="ko">' in page


def test_readers_are_told_whether_the_poster_or_the_staff_translated(client, users, make_challenge):
    by_poster, by_staff = japanese_call(make_challenge), japanese_call(make_challenge)
    translate(by_poster, users["company_member"])
    translate(by_staff, users["mss_staff"])
    assert by_poster.translated_by_poster(by_poster.translation("ko"))
    assert not by_staff.translated_by_poster(by_staff.translation("ko"))
    assert "공고 기관이 번역했습니다." in client.get(f"/challenges/{by_poster.id}?lang=ko").get_data(as_text=True)
    page = client.get(f"/challenges/{by_staff.id}?lang=ko").get_data(as_text=True)
    assert "운영 사무국이 번역했습니다." in page
