"""What a call's page costs: the same few statements whatever the call holds, none sent twice, none
for a row or a column the page does not show, and no work for what the reader is not shown (issue 12)."""
import io

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage

from app.challenges.models import ClarificationQuestion
from app.challenges.services import accept_nda, add_attachment
from app.common.time import utcnow
from app.extensions import db
from tests.challenges.test_translations import japanese_call, translate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"

# Statements per viewer, the sign-in session included. Anonymous: the call with its poster, its
# translations (their description and translator), fields, funding sources, clarification questions,
# questions, criteria, attachments, and the questions' and criteria's translations (one). A venture adds
# its session, the NDA's versions, its acceptances (once) and its own proposal; the poster and staff
# their session and the NDA's versions (the languages panel).
BUDGET = {"anonymous": 9, "venture_member": 13, "other_venture": 13, "company_owner": 11, "ipark_staff": 11}


@pytest.fixture
def call(make_challenge, users):
    """A Japanese call translated into Korean by its poster and into English by staff, whose NDA the
    venture_member accepted."""
    challenge = japanese_call(make_challenge)
    translate(challenge, users["company_owner"])
    translate(challenge, users["mss_staff"], language="en", title="Toxicity prediction AI")
    accept_nda(challenge, actor=users["venture_member"], ip=None)
    db.session.commit()
    return challenge


def grow(challenge, users, n):
    """``n`` more answered and unanswered clarification questions, public and confidential files."""
    for number in range(n):
        db.session.add(ClarificationQuestion(challenge=challenge, asked_by=users["other_venture"],
                                             body=f"Question {number}?", answer="Yes.", answered_at=utcnow(),
                                             answered_by_id=users["company_owner"].id))
        db.session.add(ClarificationQuestion(challenge=challenge, asked_by=users["venture_member"],
                                             body=f"Open question {number}?"))
        for confidential in (False, True):
            add_attachment(challenge, actor=users["company_owner"], confidential=confidential,
                           upload=FileStorage(stream=io.BytesIO(PDF), filename=f"file-{number}.pdf"))
    db.session.commit()


def statements_of_the_page(client, count_queries, challenge) -> list[str]:
    url = f"/challenges/{challenge.id}?lang=ko"  # outside the count: the test's own object refreshes
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "항체 의약품 독성 예측 AI" in response.get_data(as_text=True)
    return list(queries)


@pytest.mark.parametrize("viewer", list(BUDGET))
def test_the_call_page_sends_the_same_few_statements_however_much_the_call_holds(
        client, login, users, call, count_queries, viewer):
    if users[viewer] is not None:
        login(users[viewer])
    grow(call, users, 1)
    few = statements_of_the_page(client, count_queries, call)
    grow(call, users, 6)
    many = statements_of_the_page(client, count_queries, call)
    assert len(few) == len(many) == BUDGET[viewer], "\n".join(many)


@pytest.mark.parametrize("viewer", ["venture_member", "other_venture"])
def test_a_venture_s_nda_acceptances_are_read_once(client, login, users, call, count_queries, viewer):
    login(users[viewer])
    statements = statements_of_the_page(client, count_queries, call)
    assert sum("nda_acceptances" in statement for statement in statements) == 1


def test_the_translation_shown_loads_with_the_call(client, call, count_queries):
    """Its description and whether its translator belongs to the poster come with the translations,
    not one statement each afterwards."""
    statements = statements_of_the_page(client, count_queries, call)
    assert not [s for s in statements if s.lstrip().startswith("SELECT challenge_translations.description")]
    assert not [s for s in statements if "FROM users" in s], "no person is shown to an anonymous reader"


@pytest.mark.parametrize(("viewer", "forms"), [
    ("anonymous", []),
    ("venture_member", ["AskQuestionForm"]),
    ("company_owner", ["AnswerForm", "CancelForm", "AttachmentForm"]),
])
def test_only_the_forms_the_reader_is_shown_are_built(client, login, users, call, monkeypatch, viewer, forms):
    if users[viewer] is not None:
        login(users[viewer])
    grow(call, users, 1)  # a question waiting for the poster's answer
    built = []
    build = FlaskForm.__init__
    monkeypatch.setattr(FlaskForm, "__init__",
                        lambda form, *args, **kwargs: built.append(type(form).__name__) or build(form, *args, **kwargs))
    assert client.get(f"/challenges/{call.id}").status_code == 200
    assert sorted(built) == sorted(forms)


def test_the_questions_and_criteria_are_translated_by_one_statement(client, call, count_queries):
    statements = statements_of_the_page(client, count_queries, call)
    assert sum("proposal_question_translations" in s or "rubric_criterion_translations" in s
               for s in statements) == 1
    page = client.get(f"/challenges/{call.id}?lang=ko").get_data(as_text=True)
    assert '<span lang="ko">모델의 정확도는?</span>' in page and '<td lang="ko">기준 1</td>' in page
