"""Challenge pages: the wiring (who gets 200, 403, 404), bad input, and what never leaks."""
import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import Domain
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.challenges.models import Challenge, ChallengeAttachment, ChallengeState, ClarificationQuestion, NdaAcceptance
from app.challenges.services import accept_nda, add_attachment
from app.common import catalog, i18n
from app.common.models import AuditEvent
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from tests.conftest import stored_keys

SECRET = "KRAS-G12D-SECRET-SERIES"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text(response) -> str:
    return response.get_data(as_text=True)


def attach(challenge, user, *, confidential, name="plan.pdf"):
    document = add_attachment(challenge, actor=user, confidential=confidential,
                              upload=FileStorage(stream=io.BytesIO(PDF), filename=name))
    db.session.commit()
    return document


def form_data(**overrides):
    deadline = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Affinity maturation of antibodies with AI", "summary": "We seek ML partners.",
            "description": "Background and **goals**.", "confidential": SECRET, "fields": ["ai_drug_discovery"],
            "language": "en", "trl": "4", "budget": "5000000", "currency": "JPY",
            "funding_sources": ["company_award"], "proposal_languages": ["en", "ja", "ko"], "deadline": deadline,
            "nda_text": "Keep it secret.",
            "questions-0-text": "Describe your model.", "questions-0-required": "y",
            "questions-0-max_length": "3000", "criteria-0-name": "Merit", "criteria-0-weight": "60",
            "criteria-1-name": "Fit", "criteria-1-weight": "40"}
    data.update(overrides)
    return data


# Posting -----------------------------------------------------------------------------------------

def test_company_member_posts_a_draft(client, users, login):
    login(users["company_member"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data())
    challenge = db.session.scalar(select(Challenge))
    assert response.status_code == 302 and response.location == f"/challenges/{challenge.id}"
    assert challenge.state == ChallengeState.draft and challenge.budget_minor == 5_000_000
    assert [q.text for q in challenge.questions] == ["Describe your model."]
    assert [(c.name, c.weight) for c in challenge.criteria] == [("Merit", 60), ("Fit", 40)]
    assert challenge.current_nda.body == "Keep it secret."


def test_deadline_is_read_in_the_posters_time_zone(client, users, login):
    user = users["company_owner"]
    user.timezone = "Asia/Tokyo"
    db.session.commit()
    login(user)
    client.post("/challenges/new?program=open_innovation", data=form_data(deadline="2031-03-01T17:00"))
    challenge = db.session.scalar(select(Challenge))
    assert challenge.deadline.replace(tzinfo=None).isoformat() == "2031-03-01T08:00:00"  # 17:00 JST = 08:00 UTC


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "This field is required."),
    ({"fields": []}, "Choose at least one field."),
    ({"budget": "12.5", "currency": "JPY"}, "Enter an amount such as"),
    ({"budget": "-3"}, "Enter an amount such as"),
    ({"deadline": "not a date"}, "Enter a date and time."),
    ({"deadline": (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "The deadline must be in the future."),
    ({"deadline": "2001-01-01T10:00"}, "Choose a date between"),
    ({"criteria-0-weight": ""}, "Give every criterion a weight"),
])
def test_bad_input_is_explained_and_changes_nothing(client, users, login, overrides, message):
    login(users["company_owner"])
    response = client.post("/challenges/new?program=open_innovation", data=form_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(select(func.count(Challenge.id))) == 0


@pytest.mark.parametrize(("who", "status"), [
    ("venture_owner", 403), ("admin", 403), ("company_member", 200), ("ipark_staff", 200),
])
def test_who_may_open_the_posting_form(client, users, login, who, status):
    login(users[who])
    assert client.get("/challenges/new").status_code == status


def test_staff_post_only_startup_support(client, users, login):
    login(users["ipark_staff"])
    client.post("/challenges/new?program=open_innovation", data=form_data())
    assert db.session.scalar(select(Challenge)).program == "startup_support"


# Drafts are private; publication is the institutions' -----------------------------------------------

def test_another_companys_draft_is_not_found(client, users, login, make_challenge, make_user):
    draft = make_challenge("draft")
    login(make_user("company"))
    for method, path in [("GET", ""), ("GET", "/edit"), ("POST", "/edit"), ("POST", "/submit"),
                         ("POST", "/cancel"), ("POST", "/publish")]:
        assert client.open(f"/challenges/{draft.id}{path}", method=method).status_code == 404, path
    assert db.session.get(Challenge, draft.id).state == ChallengeState.draft


def test_company_cannot_publish_its_own_challenge(client, users, login, make_challenge):
    pending = make_challenge("pending_review")
    login(users["company_owner"])
    assert client.post(f"/challenges/{pending.id}/publish").status_code == 403
    assert db.session.get(Challenge, pending.id).state == ChallengeState.pending_review


def test_submit_review_and_publish(client, users, login, make_challenge):
    draft = make_challenge("draft")
    login(users["company_member"])
    assert client.post(f"/challenges/{draft.id}/submit").status_code == 302
    client.post("/auth/logout")
    login(users["mss_staff"])
    queue = text(client.get("/challenges/review"))
    assert draft.title in queue
    client.post(f"/challenges/{draft.id}/request-changes", data={"note": ""})
    assert db.session.get(Challenge, draft.id).state == ChallengeState.pending_review  # the note is required
    client.post(f"/challenges/{draft.id}/publish")
    assert db.session.get(Challenge, draft.id).state == ChallengeState.open
    assert draft.title not in text(client.get("/challenges/review"))


def test_review_queue_is_for_staff(client, users, login):
    login(users["company_owner"])
    assert client.get("/challenges/review").status_code == 403


# The confidential tier ---------------------------------------------------------------------------

@pytest.fixture
def open_challenge(make_challenge, users):
    challenge = make_challenge("open", confidential=SECRET)
    return challenge


@pytest.mark.parametrize("who", ["anonymous", "venture_owner", "other_venture", "company_owner_of_another"])
def test_confidential_text_and_files_never_leak_without_the_nda(client, users, login, make_user, open_challenge,
                                                                  who):
    secret_file = attach(open_challenge, users["company_owner"], confidential=True, name="secret-plan.pdf")
    public_file = attach(open_challenge, users["company_owner"], confidential=False, name="overview.pdf")
    if who == "company_owner_of_another":
        login(make_user("company"))
    elif who != "anonymous":
        login(users[who])
    page = text(client.get(f"/challenges/{open_challenge.id}"))
    assert SECRET not in page and "secret-plan.pdf" not in page
    assert "overview.pdf" in page
    assert client.get(f"/challenges/{open_challenge.id}/attachments/{secret_file.id}").status_code == 404
    response = client.get(f"/challenges/{open_challenge.id}/attachments/{public_file.id}")
    assert response.status_code == 200 and response.data == PDF
    assert open_challenge.title not in text(client.get("/challenges/?q=KRAS"))  # the secret is not indexed
    assert SECRET not in text(client.get(f"/challenges/{open_challenge.id}/nda"))


def test_attachment_of_another_challenge_is_not_served_through_this_one(client, users, login, make_challenge,
                                                                        open_challenge):
    other = make_challenge("open")
    secret = attach(other, users["company_owner"], confidential=True)
    accept_nda(open_challenge, actor=users["venture_owner"], ip=None)
    db.session.commit()
    login(users["venture_owner"])
    assert client.get(f"/challenges/{open_challenge.id}/attachments/{secret.id}").status_code == 404


def test_accepting_the_nda_opens_the_confidential_part(client, users, login, open_challenge, store):
    secret_file = attach(open_challenge, users["company_owner"], confidential=True)
    login(users["venture_member"])
    assert "Read the NDA" in text(client.get(f"/challenges/{open_challenge.id}"))
    nda_page = text(client.get(f"/challenges/{open_challenge.id}/nda"))
    assert "Keep it secret." in nda_page
    response = client.post(f"/challenges/{open_challenge.id}/nda", data={})  # the box is not ticked
    assert "Tick the box" in text(response)
    assert db.session.scalar(select(func.count(NdaAcceptance.id))) == 0
    response = client.post(f"/challenges/{open_challenge.id}/nda", data={"agree": "y"},
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    acceptance = db.session.scalar(select(NdaAcceptance))
    assert (acceptance.user_id, acceptance.ip, acceptance.nda_version.number) == (
        users["venture_member"].id, "203.0.113.7", 1)
    page = text(client.get(f"/challenges/{open_challenge.id}"))
    assert SECRET in page
    download = client.get(f"/challenges/{open_challenge.id}/attachments/{secret_file.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    # the rest of the venture's organisation has not agreed to anything
    client.post("/auth/logout")
    login(users["venture_owner"])
    assert SECRET not in text(client.get(f"/challenges/{open_challenge.id}"))


def test_nda_cannot_be_accepted_by_a_company(client, users, login, make_user, open_challenge):
    login(make_user("company"))
    assert client.post(f"/challenges/{open_challenge.id}/nda", data={"agree": "y"}).status_code == 403


def test_a_changed_nda_must_be_accepted_again(client, users, login, open_challenge):
    accept_nda(open_challenge, actor=users["venture_owner"], ip=None)
    db.session.commit()
    login(users["company_owner"])
    deadline = (open_challenge.deadline + timedelta(days=1))
    local = deadline.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/challenges/{open_challenge.id}/edit", data={
        "title": open_challenge.title, "summary": open_challenge.summary, "description": open_challenge.description,
        "confidential": SECRET, "deadline": local, "nda_text": "New terms."})
    assert response.status_code == 302
    assert db.session.get(Challenge, open_challenge.id).current_nda.number == 2
    client.post("/auth/logout")
    login(users["venture_owner"])
    page = text(client.get(f"/challenges/{open_challenge.id}"))
    assert SECRET not in page and "Accept the new version" in page


def test_open_challenge_deadline_cannot_be_brought_forward(client, users, login, open_challenge):
    login(users["company_owner"])
    earlier = (open_challenge.deadline - timedelta(days=2)).astimezone(
        ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")
    before = open_challenge.deadline
    response = client.post(f"/challenges/{open_challenge.id}/edit", data={
        "title": "Changed", "summary": open_challenge.summary, "description": open_challenge.description,
        "deadline": earlier, "nda_text": "Keep it secret."}, follow_redirects=True)
    assert "can be extended, not brought forward" in text(response)
    challenge = db.session.get(Challenge, open_challenge.id)
    assert challenge.deadline == before and challenge.title != "Changed"


def test_non_pdf_upload_is_refused(client, users, login, open_challenge, store):
    login(users["company_owner"])
    response = client.post(f"/challenges/{open_challenge.id}/attachments", follow_redirects=True,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "tool.pdf"), "confidential": "y"})
    assert "is not a PDF file" in text(response)
    assert db.session.scalar(select(func.count(ChallengeAttachment.id))) == 0 and stored_keys(store) == []


def test_poster_removes_an_attachment(client, users, login, open_challenge, store):
    document = attach(open_challenge, users["company_owner"], confidential=True)
    document_id = document.id
    assert stored_keys(store) == [document.storage_key]
    login(users["company_member"])
    assert client.post(f"/challenges/{open_challenge.id}/attachments/{document_id}/delete").status_code == 302
    assert db.session.get(ChallengeAttachment, document_id) is None
    assert stored_keys(store) == []


# Questions ------------------------------------------------------------------------------------------

def test_question_is_private_until_answered_then_anonymous(client, users, login, open_challenge):
    login(users["venture_owner"])
    client.post(f"/challenges/{open_challenge.id}/questions", data={"body": "Is in-vivo data required?"})
    question = db.session.scalar(select(ClarificationQuestion))
    asker = users["venture_owner"]
    client.post("/auth/logout")
    login(users["other_venture"])
    assert "Is in-vivo data required?" not in text(client.get(f"/challenges/{open_challenge.id}"))
    assert client.post(f"/challenges/{open_challenge.id}/questions/{question.id}/answer",
                       data={"answer": "x"}).status_code == 404
    client.post("/auth/logout")
    login(users["company_member"])
    assert "Is in-vivo data required?" in text(client.get(f"/challenges/{open_challenge.id}"))
    client.post(f"/challenges/{open_challenge.id}/questions/{question.id}/answer",
                data={"answer": "No, in-vitro is enough."})
    client.post("/auth/logout")
    page = text(client.get(f"/challenges/{open_challenge.id}"))  # anonymous
    assert "No, in-vitro is enough." in page and asker.name not in page
    assert asker.organization.name_latin not in page


def test_empty_question_is_refused(client, users, login, open_challenge):
    login(users["venture_owner"])
    response = client.post(f"/challenges/{open_challenge.id}/questions", data={"body": " "}, follow_redirects=True)
    assert "This field is required." in text(response)
    assert db.session.scalar(select(func.count(ClarificationQuestion.id))) == 0


# Lists and counts ---------------------------------------------------------------------------------

def test_my_challenges_counts_proposals_per_state(client, users, login, make_challenge, make_organization,
                                                  count_queries):
    challenges = [make_challenge(state) for state in ("draft", "open", "open", "closed")]
    for state in [ProposalState.draft, ProposalState.submitted, ProposalState.submitted]:
        venture = make_organization("venture")
        db.session.add(Proposal(challenge_id=challenges[1].id, organization_id=venture.id,
                                created_by_id=users["venture_owner"].id, state=state,
                                submitted_at=None if state == ProposalState.draft else utcnow()))
    db.session.commit()
    login(users["company_member"])
    with count_queries() as queries:
        page = text(client.get("/challenges/mine"))
    for challenge in challenges:
        assert challenge.title in page
    assert "Submitted 2" in " ".join(page.split())
    assert len(queries) <= 10, queries  # none per row


def test_show_page_query_count_does_not_grow_with_questions(client, users, login, open_challenge, count_queries):
    def add_questions(count):
        for n in range(count):
            db.session.add(ClarificationQuestion(challenge=open_challenge, asked_by=users["venture_owner"],
                                                 body=f"Question {n}?", answer="Yes.", answered_at=utcnow(),
                                                 answered_by_id=users["company_owner"].id))
        db.session.commit()

    def queries_for_page():
        with count_queries() as queries:
            response = client.get(f"/challenges/{open_challenge.id}")
        assert response.status_code == 200
        return len(queries)

    login(users["venture_member"])
    add_questions(1)
    one = queries_for_page()
    add_questions(15)
    assert queries_for_page() == one
    assert one <= 22  # the call loads with its translations (one query each time it is read)


@pytest.mark.parametrize("viewer", ["anonymous", "venture_member"])
@pytest.mark.parametrize("query", ["", "?q=antibody&lang=ja"])
def test_the_listing_takes_the_same_few_statements_whatever_the_number_of_calls(
        client, users, login, make_challenge, count_queries, viewer, query):
    if viewer != "anonymous":
        login(users[viewer])

    def statements(expected_cards):
        with count_queries() as queries:
            page = client.get(f"/challenges/{query}").get_data(as_text=True)
        assert page.count('class="card mb-3 challenge-card"') == expected_cards
        return len(queries)

    for n in range(3):
        make_challenge("open", title=f"Antibody call {n}", fields=("ai_drug_discovery", "diagnostics"))
    few = statements(3)
    for n in range(20):
        make_challenge("open", title=f"Antibody call {n + 3}", fields=("diagnostics",))
    # The sign-in session (one statement), the count (without a query) and the page with its posters,
    # the cards' fields and their translations' titles.
    assert few == statements(20) <= (1 if viewer != "anonymous" else 0) + (3 if query else 4)


@pytest.fixture
def catalog_lookups(monkeypatch):
    """Counter of the messages looked up in the catalogs, and of the zone names looked up in CLDR,
    from a cold start (the caches emptied before and after)."""
    looked_up = Counter()

    class CountingCatalog:
        def __init__(self, translations):
            self.translations = translations

        def ugettext(self, message):
            looked_up[message] += 1
            return self.translations.ugettext(message)

        def ungettext(self, singular, plural, number):
            looked_up[singular] += 1
            return self.translations.ungettext(singular, plural, number)

        def __getattr__(self, name):
            return getattr(self.translations, name)

    def forget():
        catalog.forget()
        for cached in (i18n._zone_name, i18n._moment_in, i18n._day_in):
            cached.cache_clear()

    real_catalog, real_zone_name = Domain.get_translations, i18n.get_timezone_name
    monkeypatch.setattr(Domain, "get_translations", lambda self: CountingCatalog(real_catalog(self)))

    def counting_zone_name(zone, *args, **kwargs):
        looked_up[f"zone {zone}"] += 1
        return real_zone_name(zone, *args, **kwargs)

    monkeypatch.setattr(i18n, "get_timezone_name", counting_zone_name)
    forget()
    yield looked_up
    forget()


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_a_page_of_calls_looks_each_label_and_zone_name_up_once(client, make_challenge, catalog_lookups, lang):
    for n in range(3):  # the same programme, state, fields and zone on every card
        make_challenge("open", title=f"Call {n}", fields=("ai_drug_discovery", "diagnostics"))

    page = client.get(f"/challenges/?lang={lang}").get_data(as_text=True)
    assert page.count('class="card mb-3 challenge-card"') == 3
    assert catalog_lookups["Open"] == catalog_lookups["Deadline"] == catalog_lookups["Diagnostics"] == 1
    zone = {"en": None, "ja": "Asia/Tokyo", "ko": "Asia/Seoul"}[lang]  # an English reader: UTC, named as such
    assert [key for key in catalog_lookups if key.startswith("zone ")] == ([f"zone {zone}"] if zone else [])
    assert max(catalog_lookups.values()) == 1, catalog_lookups.most_common(5)  # not again for a second card

    catalog_lookups.clear()
    again = client.get(f"/challenges/?lang={lang}").get_data(as_text=True)
    assert again.count('class="card mb-3 challenge-card"') == 3
    assert set(catalog_lookups) <= {"%(num)d challenge found"}, catalog_lookups  # the next request: none


def test_listing_shows_open_challenges_to_anonymous_users(client, make_challenge):
    published = make_challenge("open", title="Open call for binders")
    hidden = make_challenge("draft", title="Secret draft call")
    page = text(client.get("/challenges/"))
    assert published.title in page and hidden.title not in page


def test_a_search_result_says_in_which_language_it_matched(client, make_challenge):
    make_challenge("open", title="抗体医薬品の共同研究", summary="", description="", language="ja")
    make_challenge("open", title="Diagnostics partner", summary="", description="", language="en")
    page = text(client.get("/challenges/?q=항체&lang=ko"))
    assert "抗体医薬品の共同研究" in page and "Diagnostics partner" not in page
    assert "일치한 언어: 일본어" in page
    assert "一致した言語：日本語" in text(client.get("/challenges/?q=antibody&lang=ja"))
    assert "Matched in" not in text(client.get("/challenges/?lang=en"))  # no query, nothing matched


def test_every_state_change_is_audited(client, users, login, make_challenge):
    draft = make_challenge("draft")
    login(users["company_owner"])
    client.post(f"/challenges/{draft.id}/submit")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == draft.id)).all()
    assert "challenge.pending_review" in actions


def test_a_budget_in_won_may_pass_two_billion(client, users, login):
    """KRW has no minor unit: ₩3,000,000,000 is a normal cohort budget and needs 64-bit integers."""
    login(users["company_owner"])
    client.post("/challenges/new?program=open_innovation", data=form_data(budget="3,000,000,000", currency="KRW"))
    challenge = db.session.scalar(select(Challenge))
    assert (challenge.budget_minor, challenge.currency) == (3_000_000_000, "KRW")


def test_the_default_nda_comes_with_a_reference_translation_in_the_readers_language(client, users, login,
                                                                                    make_challenge):
    from app.challenges.services import default_nda_text

    challenge = make_challenge("open", language="ja")
    challenge.current_nda.body = default_nda_text(challenge.program, "ja")
    db.session.commit()
    user = users["venture_owner"]
    user.locale = "ko"
    db.session.commit()
    login(user)
    page = text(client.get(f"/challenges/{challenge.id}/nda"))
    assert "秘密保持契約" in page and 'id="nda-reference"' in page and "비밀유지계약" in page
    challenge.current_nda.body = "当社独自の秘密保持契約です。"  # the poster's own text: no translation to offer
    db.session.commit()
    assert 'id="nda-reference"' not in text(client.get(f"/challenges/{challenge.id}/nda"))


@pytest.mark.parametrize("state", ["draft", "open"])
def test_edit_form_shows_the_deadline_and_choices_as_saved_in_the_posters_time_zone(
        client, users, login, make_challenge, state):
    """The form shows what the page shows: a Tokyo poster edits 17:00, not the stored 08:00 UTC, so
    saving an untouched form keeps the deadline."""
    user = users["company_owner"]
    user.timezone = "Asia/Tokyo"
    deadline = datetime(2031, 3, 1, 8, 0, tzinfo=UTC)
    challenge = make_challenge(state, deadline=deadline, trl=4)
    db.session.commit()
    login(user)
    page = client.get(f"/challenges/{challenge.id}/edit").get_data(as_text=True)
    assert 'value="2031-03-01T17:00"' in page
    if state == "draft":
        assert re.search(r'<option selected value="4">|<option value="4" selected', page)
