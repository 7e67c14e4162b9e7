"""Proposals cross back (issue 11): a proposal's language among those its call accepts, the venture's
translations of it, and what reviewers and the posting company see: the original and a translation
side by side, each marked with its language, with no name on a blind proposal."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.challenges import translating as call_translating
from app.challenges.models import Challenge, ProposalQuestion, RubricCriterion
from app.common.errors import PermissionDenied
from app.common.models import AuditEvent
from app.common.time import utcnow
from app.extensions import db
from app.proposals import services
from app.proposals.models import Proposal, ProposalAnswer, default_proposal_language
from app.proposals.translating import NotAProposalTranslation, save_proposal_translation
from app.proposals.translations import ProposalTranslation
from app.review.models import Review

KOREAN_SUMMARY = "그래프 신경망으로 결합체를 선별합니다."
JAPANESE_SUMMARY = "グラフニューラルネットワークで結合分子を選別します。"


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


@pytest.fixture
def call(make_challenge):
    """A Japanese call with one question, translated into Korean by its poster."""
    challenge = make_challenge("open", title="抗体の親和性成熟", language="ja", proposal_languages="ja,ko")
    challenge.questions = [ProposalQuestion(position=1, text="モデルを説明してください。", required=True,
                                            max_length=500)]
    challenge.criteria = [RubricCriterion(position=1, name="科学的・技術的妥当性", weight=1)]
    db.session.commit()
    return challenge


def korean_proposal(make_proposal, call, state="submitted", **columns):
    proposal = make_proposal(state, challenge=call, title="항체 친화도 성숙", summary=KOREAN_SUMMARY,
                             approach="**능동 학습** 루프", team="화학자 두 명", language="ko", **columns)
    proposal.answers = [ProposalAnswer(question_id=call.questions[0].id, body="그래프 모델입니다.")]
    db.session.commit()
    return proposal


def add_japanese(proposal, actor, **overrides):
    fields = dict(title="抗体親和性の成熟", summary=JAPANESE_SUMMARY, approach="**能動学習**ループ", team="化学者2名",
                  answers={proposal.challenge.questions[0].id: "グラフモデルです。"})
    fields.update(overrides)
    row = save_proposal_translation(proposal, actor=actor, language="ja", **fields)
    db.session.commit()
    return row


# Which languages a call takes ---------------------------------------------------------------------

def test_a_call_states_the_languages_of_its_proposals(client, users, login, make_challenge):
    from app.challenges.services import NoProposalLanguage, update_challenge

    draft = make_challenge("draft")
    assert draft.proposal_language_list == ["en", "ja", "ko"]  # by default any of the three
    update_challenge(draft, actor=users["company_owner"], proposal_languages=["ko", "ja"])
    assert draft.proposal_languages == "ja,ko"
    with pytest.raises(NoProposalLanguage):
        update_challenge(draft, actor=users["company_owner"], proposal_languages=[])
    with pytest.raises(NoProposalLanguage):
        update_challenge(draft, actor=users["company_owner"], proposal_languages=["fr"])
    db.session.commit()
    open_call = make_challenge("open")
    with pytest.raises(Exception, match="corrections"):  # an open call's terms stay as ventures read them
        update_challenge(open_call, actor=users["company_owner"], proposal_languages=["ko"])
    db.session.rollback()

    login(users["company_owner"])
    page = text(client.get(f"/challenges/{draft.id}"))
    shown = re.search(r'id="proposal-languages">(.*?)</dd>', page).group(1)
    assert shown == "Japanese, Korean"
    form = text(client.get(f"/challenges/{draft.id}/edit"))
    assert "Proposals may be written in" in form
    assert re.search(r'value="ja"[^>]*checked|checked[^>]*value="ja"', form)
    assert not re.search(r'name="proposal_languages"[^>]*value="en"[^>]*checked', form)


def test_the_challenge_form_needs_one_language_for_proposals(client, users, login):
    from tests.challenges.test_routes import form_data

    login(users["company_owner"])
    data = form_data()
    data.pop("proposal_languages")
    response = client.post("/challenges/new?program=open_innovation", data=data)
    assert response.status_code == 200
    assert "Choose at least one language proposals may be written in." in text(response)
    response = client.post("/challenges/new?program=open_innovation", data=form_data(proposal_languages=["ko"]))
    assert response.status_code == 302
    created = db.session.scalars(select(Challenge).order_by(Challenge.id.desc())).first()
    assert created.proposal_languages == "ko"


# A proposal's language ----------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "accepted", "expected"), [
    ("ko", "ja,ko", "ko"), ("en", "ja,ko", "ja"), ("ja", "en,ja,ko", "ja"), ("ko", "en", "en"),
])
def test_the_default_language_is_the_writers_own_when_the_call_accepts_it(make_challenge, make_user, locale,
                                                                           accepted, expected):
    call = make_challenge("open", proposal_languages=accepted)
    assert default_proposal_language(call, make_user("venture", locale=locale)) == expected


def test_a_proposal_starts_in_the_writers_language(users, call):
    users["venture_owner"].locale = "ko"
    proposal = services.start_proposal(call, actor=users["venture_owner"], title="항체")
    assert proposal.language == "ko"


def test_a_language_the_call_does_not_accept_is_refused(users, call, make_proposal):
    with pytest.raises(services.LanguageNotAccepted) as refused:
        services.start_proposal(call, actor=users["venture_owner"], title="Antibodies", language="en")
    assert "Japanese, Korean" in str(refused.value.message)
    db.session.rollback()
    proposal = korean_proposal(make_proposal, call, "draft")
    with pytest.raises(services.LanguageNotAccepted):
        services.update_proposal(proposal, actor=users["venture_owner"], changes={"language": "en"}, answers={},
                                 milestones=[])
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).language == "ko"


def test_the_edit_page_refuses_a_language_the_call_does_not_accept(client, users, login, call, make_proposal):
    from tests.proposals.test_routes import edit_data

    proposal = korean_proposal(make_proposal, call, "draft")
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{proposal.id}/edit"))
    options = re.search(r'<select[^>]*name="language".*?</select>', page, re.S).group(0)
    assert 'value="ja"' in options and 'selected value="ko"' in options and 'value="en"' not in options
    response = client.post(f"/proposals/{proposal.id}/edit", data=edit_data(language="en"), follow_redirects=True)
    assert "accepts proposals written in these languages only: Japanese, Korean" in text(response)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).language == "ko"
    client.post(f"/proposals/{proposal.id}/edit", data=edit_data(language="ja"))
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).language == "ja"


def test_a_proposal_declared_in_the_language_of_its_translation_keeps_no_translation_into_it(
        users, call, make_proposal):
    proposal = korean_proposal(make_proposal, call, "draft")
    add_japanese(proposal, users["venture_owner"])
    services.update_proposal(proposal, actor=users["venture_owner"], changes={"language": "ja"}, answers={},
                             milestones=[])
    db.session.commit()
    assert proposal.translations == [] and proposal.language == "ja"


def test_the_proposal_form_shows_the_questions_in_the_writers_language(client, users, login, call, make_proposal):
    with db.session.no_autoflush:  # save_translation's lazy loads would flush its new row half-made (reported)
        call_translating.save_translation(call, actor=users["company_owner"], language="ko", title="항체 친화도 성숙",
                                          summary="요약", description="설명",
                                          questions={call.questions[0].id: "모델을 설명해 주세요."})
    db.session.commit()
    proposal = korean_proposal(make_proposal, call, "draft")
    login(users["venture_owner"])
    page = text(client.get(f"/proposals/{proposal.id}/edit?lang=ko"))
    assert '<span lang="ko">모델을 설명해 주세요.</span>' in page
    page = text(client.get(f"/proposals/{proposal.id}/edit?lang=en"))  # no English translation: the original
    assert '<span lang="ja">モデルを説明してください。</span>' in page


# Who may add a translation ------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "state", "allowed"), [
    ("venture_owner", "draft", True),
    ("venture_member", "draft", True),
    ("venture_owner", "submitted", True),
    ("venture_member", "revision_requested", True),
    ("venture_owner", "shortlisted", True),
    ("venture_owner", "selected", True),
    ("venture_owner", "declined", False),
    ("venture_owner", "withdrawn", False),
    ("other_venture", "submitted", False),
    ("company_owner", "shortlisted", False),
    ("ipark_staff", "submitted", False),
    ("admin", "submitted", False),
])
def test_who_may_add_a_translation(users, call, make_proposal, who, state, allowed):
    proposal = korean_proposal(make_proposal, call, state)
    assert proposal.can_translate(users[who]) is allowed
    if allowed:
        row = add_japanese(proposal, users[who])
        assert row.written_by_id == users[who].id and row.language == "ja"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.translated",
                                                            AuditEvent.subject_id == proposal.id)).one()
        assert event.details["language"] == "ja" and event.actor_id == users[who].id
    else:
        with pytest.raises(PermissionDenied):
            add_japanese(proposal, users[who])
        db.session.rollback()
        assert db.session.scalar(select(ProposalTranslation.id)) is None


def test_after_the_deadline_a_draft_takes_no_translation_but_a_submitted_proposal_does(
        users, make_challenge, make_proposal):
    closed = make_challenge("closed", language="ja")
    late_draft = make_proposal("draft", challenge=closed)
    submitted = make_proposal("submitted", challenge=closed, creator=users["other_venture"])
    assert not late_draft.can_translate(users["venture_owner"])
    assert submitted.can_translate(users["other_venture"])


def test_no_translation_into_the_original_language(users, call, make_proposal):
    proposal = korean_proposal(make_proposal, call)
    with pytest.raises(NotAProposalTranslation):
        save_proposal_translation(proposal, actor=users["venture_owner"], language="ko", title="x")
    with pytest.raises(NotAProposalTranslation):
        save_proposal_translation(proposal, actor=users["venture_owner"], language="fr", title="x")


def test_a_translation_is_outdated_once_the_original_changes(users, call, make_proposal):
    proposal = korean_proposal(make_proposal, call, "draft")
    row = add_japanese(proposal, users["venture_owner"])
    assert not proposal.translation_outdated(row)
    services.update_proposal(proposal, actor=users["venture_owner"], changes={"summary": "새 요약"}, answers={},
                             milestones=[])
    assert proposal.translation_outdated(row)


def test_the_translation_page_wiring(client, users, login, call, make_proposal):
    proposal = korean_proposal(make_proposal, call)
    path = f"/proposals/{proposal.id}/translations/ja"
    login(users["venture_member"])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'href="{path}"' in page and "Add a Japanese translation" in page
    page = text(client.get(path))
    assert '<div class="border rounded p-2 bg-body-tertiary original-text small" lang="ko">' in page
    assert 'lang="ja"' in page and "モデルを説明してください。" in page
    assert client.get(f"/proposals/{proposal.id}/translations/ko").status_code == 302  # its own language
    assert client.get(f"/proposals/{proposal.id}/translations/fr").status_code == 404
    question = call.questions[0].id
    response = client.post(path, data={"title": "", "summary": "x"})
    assert response.status_code == 200 and db.session.scalar(select(ProposalTranslation.id)) is None
    response = client.post(path, data={"title": "抗体親和性の成熟", "summary": JAPANESE_SUMMARY, "approach": "能動学習",
                                       "team": "化学者2名", f"answer_{question}": "グラフモデルです。"})
    assert response.status_code == 302
    row = db.session.scalars(select(ProposalTranslation)).one()
    assert row.answers == {str(question): "グラフモデルです。"} and row.written_by_id == users["venture_member"].id
    page = text(client.get(path))
    assert "抗体親和性の成熟" in page and "Translated by" in page
    client.post("/auth/logout")
    login(users["ipark_staff"])  # sees the proposal, may not translate it
    assert client.get(path).status_code == 403
    client.post("/auth/logout")
    login(users["company_owner"])  # does not see a proposal that is not shortlisted
    assert client.get(path).status_code == 404
    assert client.post(path, data={"title": "x"}).status_code == 404


# What readers see ---------------------------------------------------------------------------------

def side_by_side(page: str) -> tuple[str, str]:
    original = re.search(r'<div class="col-md-6 original-column">(.*?)</div>\s*'
                         r'<div class="col-md-6 translation-column">(.*?)</div>\s*</div>', page, re.S)
    return original.group(1), original.group(2)


def test_the_company_sees_the_original_and_the_translation_side_by_side(client, users, login, call, make_proposal):
    proposal = korean_proposal(make_proposal, call, "shortlisted")
    add_japanese(proposal, users["venture_owner"])
    login(users["company_owner"])
    page = text(client.get(f"/proposals/{proposal.id}?lang=ja"))
    assert page.count("original-column") == 5  # title, summary, approach, one answer, team
    original, translated = side_by_side(page)
    assert "原文（韓国語）" in original or "原文 (韓国語)" in original or "韓国語" in original
    assert f'lang="ko">{KOREAN_SUMMARY}' in page and f'lang="ja">{JAPANESE_SUMMARY}' in page
    assert "ベンチャー企業" in translated or "venture" in translated
    assert '<span lang="ja">モデルを説明してください。</span>' in page  # the question in the reader's language
    assert 'lang="ko">그래프 모델입니다.</div>' in page and 'lang="ja">グラフモデルです。</div>' in page
    page = text(client.get(f"/proposals/{proposal.id}?lang=en"))
    original, translated = side_by_side(page)
    assert "Original (Korean)" in original and "Translation (Japanese) by the venture" in translated
    page = text(client.get(f"/proposals/{proposal.id}?lang=en&translation=ko"))  # the original alone
    assert "translation-column" not in page and f'lang="ko">{KOREAN_SUMMARY}' in page


def test_reviewers_see_the_side_by_side_and_its_queries_do_not_grow(client, users, login, call, make_proposal,
                                                                     count_queries):
    proposal = korean_proposal(make_proposal, call)
    review = Review(proposal_id=proposal.id, reviewer_id=users["mss_staff"].id, assigned_by_id=users["ipark_staff"].id,
                    no_conflict_at=utcnow())
    db.session.add(review)
    db.session.commit()
    login(users["mss_staff"])

    def shown():
        with count_queries() as queries:
            page = text(client.get(f"/review/{review.id}?lang=ja"))
        return page, len(queries)

    page, without = shown()
    assert "translation-column" not in page and f'lang="ko">{KOREAN_SUMMARY}' in page
    add_japanese(proposal, users["venture_owner"])
    save_proposal_translation(proposal, actor=users["venture_owner"], language="en", title="Affinity maturation",
                              summary="We screen binders.")
    db.session.commit()
    page, with_two = shown()
    assert f'lang="ja">{JAPANESE_SUMMARY}' in page and f'lang="ko">{KOREAN_SUMMARY}' in page
    assert "translation-column" in page
    assert with_two == without
    page = text(client.get(f"/proposals/{proposal.id}?lang=en"))
    assert 'lang="en">We screen binders.' in page and "Translation (English) by the venture" in page
    assert 'hreflang="ja"' in page  # and a link to the other translation


def test_a_blind_proposal_shows_no_translators_name(client, users, login, make_challenge, make_proposal, make_user):
    blind = make_challenge("open", language="ja", blind_review=True)
    translator = make_user(organization=users["venture_owner"].organization, role="member", name="Kim Translator")
    proposal = make_proposal("shortlisted", challenge=blind, language="ko", summary=KOREAN_SUMMARY)
    save_proposal_translation(proposal, actor=translator, language="ja", title="盲検", summary=JAPANESE_SUMMARY)
    db.session.commit()
    for who in ("ipark_staff", "company_owner"):
        login(users[who])
        page = text(client.get(f"/proposals/{proposal.id}?lang=ja"))
        assert JAPANESE_SUMMARY in page and "Kim Translator" not in page, who
        assert users["venture_owner"].organization.name_latin not in page, who
        client.post("/auth/logout")
    login(users["venture_owner"])  # the venture knows its own people
    assert "Kim Translator" in text(client.get(f"/proposals/{proposal.id}?lang=ja"))
    client.post("/auth/logout")
    open_call = make_challenge("open", language="ja")
    named = make_proposal("submitted", challenge=open_call, language="ko", creator=translator)
    save_proposal_translation(named, actor=translator, language="ja", title="公開", summary=JAPANESE_SUMMARY)
    db.session.commit()
    login(users["ipark_staff"])
    assert "Kim Translator" in text(client.get(f"/proposals/{named.id}?lang=ja"))


def test_a_venture_can_translate_after_the_deadline_once_submitted(users, make_challenge, make_proposal):
    call = make_challenge("open", language="ja", deadline=utcnow() + timedelta(minutes=5))
    proposal = make_proposal("submitted", challenge=call, language="ko")
    later = utcnow() + timedelta(days=1)
    assert not proposal.can_edit(users["venture_owner"], later)
    assert proposal.can_translate(users["venture_owner"], later)


@pytest.mark.postgresql_only
def test_two_members_saving_a_translation_at_once_make_one(race, make_proposal, users):
    from app.auth.models import User

    proposal = make_proposal("submitted")
    proposal_id = proposal.id
    members = [users["venture_owner"].id, users["venture_member"].id]
    language = "ja" if proposal.language != "ja" else "en"

    def save(member_id, title):
        return lambda: save_proposal_translation(
            db.session.get(Proposal, proposal_id), actor=db.session.get(User, member_id), language=language,
            title=title, summary="要約")

    results = race(save(members[0], "一つ目"), save(members[1], "二つ目"))
    assert [r.outcome for r in results] == ["ok", "ok"]  # the lock makes the second update the first's row
    rows = db.session.scalars(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal_id)).all()
    assert len(rows) == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.translated")).all()
    assert sorted(event.details["created"] for event in events) == [False, True]
