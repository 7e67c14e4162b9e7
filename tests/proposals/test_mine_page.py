"""My proposals: a page of rows read in one statement (and the count only when there are more than a
page), each call titled as its own page titles it for the reader (issue 12)."""
import re
from datetime import timedelta

import pytest

from app.common.time import utcnow
from app.extensions import db
from tests.challenges.test_translations import japanese_call, translate


def listed_calls(html: str) -> list[tuple[str, str]]:
    """(lang, title) of each call the page links to, in the page's order."""
    return re.findall(r'<a class="link-secondary" href="/challenges/\d+" lang="(\w+)">([^<]*)</a>', html)


def statements_of(client, count_queries, url="/proposals/mine") -> int:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_page_of_a_few_proposals_is_one_statement_after_the_sign_in(client, users, login, make_proposal,
                                                                       count_queries):
    for state in ("draft", "submitted", "shortlisted", "withdrawn", "declined", "selected"):
        make_proposal(state)
    login(users["venture_owner"])
    assert statements_of(client, count_queries) == 2


def test_more_than_a_page_is_counted_and_paged(client, users, login, make_proposal, count_queries):
    for number in range(23):
        make_proposal("draft", title=f"Proposal number {number}",
                      updated_at=utcnow() - timedelta(hours=number))
    login(users["venture_owner"])
    assert statements_of(client, count_queries) == 3
    first = client.get("/proposals/mine").get_data(as_text=True)
    second = client.get("/proposals/mine?page=2").get_data(as_text=True)
    assert "Proposal number 0<" in first and "Proposal number 19<" in first and "Proposal number 20<" not in first
    assert "Proposal number 20<" in second and "Proposal number 22<" in second and "23 results" in second
    assert statements_of(client, count_queries, "/proposals/mine?page=2") == 3


@pytest.mark.parametrize("reader", ["ko", "ja", "en"])
def test_each_call_is_titled_as_its_page_titles_it_for_the_reader(client, users, login, make_proposal,
                                                                   make_challenge, reader):
    translated = japanese_call(make_challenge)
    translate(translated, users["company_owner"])  # into Korean
    untranslated = japanese_call(make_challenge)
    english = make_challenge("open", title="An English call")
    calls = [english, untranslated, translated]
    for hours, call in enumerate(calls):
        make_proposal("submitted", challenge=call, updated_at=utcnow() - timedelta(hours=hours))
    login(users["venture_owner"])
    page = client.get(f"/proposals/mine?lang={reader}").get_data(as_text=True)
    assert listed_calls(page) == [(call.text_in(reader).lang, call.text_in(reader).title) for call in calls]


def test_a_withdrawn_proposal_ranks_by_its_withdrawal(client, users, login, make_proposal):
    old = make_proposal("withdrawn", title="Withdrawn just now", updated_at=utcnow() - timedelta(days=9))
    make_proposal("submitted", title="Edited yesterday", updated_at=utcnow() - timedelta(days=1))
    old.withdrawn_at = utcnow()
    db.session.commit()
    login(users["venture_owner"])
    page = client.get("/proposals/mine").get_data(as_text=True)
    assert page.index("Withdrawn just now") < page.index("Edited yesterday")


def progress_cells(html: str) -> dict[str, str]:
    """Each proposal's progress cell, by the proposal's title."""
    rows = re.findall(r'<tr>\s*<td><a href="/proposals/\d+">([^<]*)</a>.*?(<ol .*?</ol>)', html, flags=re.S)
    return {title: " ".join(cell.split()) for title, cell in rows}


def test_each_row_shows_its_own_progress_whatever_the_rows_around_it(client, users, login, make_proposal):
    """The page renders a progress once and shows it again on the rows that share it: a withdrawn
    draft and a proposal withdrawn after submission do not share one."""
    for n in range(3):
        make_proposal("submitted", title=f"Submitted {n}")
        make_proposal("declined", title=f"Declined {n}")
    make_proposal("withdrawn", title="Withdrawn draft", submitted_at=None)
    make_proposal("withdrawn", title="Withdrawn after submission", submitted_at=utcnow())
    login(users["venture_owner"])
    cells = progress_cells(client.get("/proposals/mine").get_data(as_text=True))
    assert len(cells) == 8
    assert cells["Submitted 0"] == cells["Submitted 1"] == cells["Submitted 2"] != cells["Declined 0"]
    assert cells["Declined 0"] == cells["Declined 2"]
    assert 'aria-current="step"' in cells["Submitted 0"] and "Submitted" in cells["Submitted 0"]
    assert "Submitted" not in cells["Withdrawn draft"] and "Withdrawn" in cells["Withdrawn draft"]
    assert "Submitted" in cells["Withdrawn after submission"]
