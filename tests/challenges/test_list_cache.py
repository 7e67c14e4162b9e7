"""The listing's page of results, cached per worker for up to a minute (docs/performance.md, "Where we
cache"): what the cache serves is what the database would have given that reader, and no reader is
shown a call they may not see, nor someone else's menus."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text as sql

from app.challenges import search
from app.challenges.search import LISTING_CACHE, find_challenges, listing_audience
from app.challenges.services import cancel_challenge, publish_challenge, update_challenge
from app.challenges.translating import save_translation
from app.extensions import db
from tests.clock import stopped_clock
from tests.conftest import PASSWORD

NOON = datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC)


class Seconds:
    """The cache's clock (time.monotonic in production), moved by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds(app, monkeypatch):
    """The cache on, as in production, and empty; its clock in the test's hands."""
    clock = Seconds()
    monkeypatch.setattr(LISTING_CACHE, "clock", clock)
    app.config["LISTING_CACHE_SECONDS"] = 60
    LISTING_CACHE.drop()
    yield clock
    LISTING_CACHE.drop()


def signed_in(app, user):
    client = app.test_client()
    if user is not None:
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def cards(response) -> list[str]:
    """The page of results: the count, then each card as the reader sees it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    return re.findall(r'<p class="small text-body-secondary" aria-live="polite">.*?</p>|<article.*?</article>',
                      html, re.S)


def uncached(app, client, url) -> list[str]:
    """What the database gives this reader now: the same request with the cache off."""
    app.config["LISTING_CACHE_SECONDS"] = 0
    try:
        return cards(client.get(url))
    finally:
        app.config["LISTING_CACHE_SECONDS"] = 60


def rename(challenge, title):
    """As another worker would: a commit this process does not see."""
    db.session.execute(sql("UPDATE challenges SET title = :title WHERE id = :id"), {"title": title, "id": challenge.id})
    db.session.commit()
    db.session.expire_all()


# Hit, miss, expiry ---------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["anonymous", "venture_owner"])
def test_a_second_reading_sends_only_the_sign_in_sessions_statements(app, seconds, make_challenge, users,
                                                                     count_queries, viewer):
    make_challenge(title="Antibody screening")
    client = signed_in(app, users[viewer])
    with count_queries() as home:
        client.get("/")  # a page without SQL of its own: the sign-in session's statements only
    with count_queries() as first:
        first_cards = cards(client.get("/challenges/?q=antibody"))
    with count_queries() as second:
        second_cards = cards(client.get("/challenges/?q=antibody"))
    assert len(first) > len(home)
    assert second_cards == first_cards and "Antibody screening" in first_cards[1]
    assert len(second) == len(home)
    assert len(home) == 0 if viewer == "anonymous" else len(home) >= 1


def test_the_cached_page_is_served_until_it_expires(app, seconds, make_challenge):
    challenge = make_challenge(title="Antibody screening")
    client = app.test_client()
    with stopped_clock(NOON):
        assert "Antibody screening" in cards(client.get("/challenges/"))[1]
        rename(challenge, "Renamed elsewhere")
        seconds.now += 59
        assert "Antibody screening" in cards(client.get("/challenges/"))[1]
        seconds.now += 1.5
        assert "Renamed elsewhere" in cards(client.get("/challenges/"))[1]


def test_a_new_minute_is_a_new_page(app, seconds, make_challenge):
    """Countdowns and the calls whose deadline passed change with the minute."""
    challenge = make_challenge(title="Antibody screening")
    client = app.test_client()
    with stopped_clock(NOON) as clock:
        cards(client.get("/challenges/"))
        rename(challenge, "Renamed elsewhere")
        clock.advance(49)  # 12:00:59
        assert "Antibody screening" in cards(client.get("/challenges/"))[1]
        clock.advance(1)
        assert "Renamed elsewhere" in cards(client.get("/challenges/"))[1]


# Changes made in this process show at once ------------------------------------------------------------

def test_a_published_call_shows_at_once(app, seconds, make_challenge, users):
    waiting = make_challenge("pending_review", title="Waiting for review")
    client = app.test_client()
    assert "Waiting for review" not in "".join(cards(client.get("/challenges/")))
    publish_challenge(waiting, actor=users["ipark_staff"])
    db.session.commit()
    assert "Waiting for review" in "".join(cards(client.get("/challenges/")))


def test_a_cancelled_call_goes_at_once(app, seconds, make_challenge, users):
    make_challenge(title="Stays")
    going = make_challenge(title="Goes away")
    client = app.test_client()
    assert "Goes away" in "".join(cards(client.get("/challenges/")))
    cancel_challenge(going, actor=users["company_owner"], reason="Budget cut")
    db.session.commit()
    assert "Goes away" not in "".join(cards(client.get("/challenges/")))


def test_a_translation_shows_at_once(app, seconds, make_challenge, users):
    challenge = make_challenge(title="Antibody screening")
    client = app.test_client()
    assert "Antibody screening" in cards(client.get("/challenges/?lang=ko"))[1]
    save_translation(challenge, actor=users["ipark_staff"], language="ko", title="항체 스크리닝", summary="요약",
                     description="", confidential="")
    db.session.commit()
    assert "항체 스크리닝" in cards(client.get("/challenges/?lang=ko"))[1]


def test_a_correction_shows_at_once(app, seconds, make_challenge, users):
    challenge = make_challenge(title="Antibody screening")
    client = signed_in(app, users["company_owner"])
    assert "Antibody screening" in cards(client.get("/challenges/"))[1]
    update_challenge(challenge, actor=users["company_owner"], title="Corrected title")
    db.session.commit()
    assert "Corrected title" in cards(client.get("/challenges/"))[1]


# The key: everything that changes the page ------------------------------------------------------------

@pytest.mark.parametrize(("first", "then"), [
    ("/challenges/?lang=en", "/challenges/?lang=ja"),
    ("/challenges/", "/challenges/?page=2"),
    ("/challenges/", "/challenges/?status=closed"),
    ("/challenges/?status=all", "/challenges/?status=all&program=joint_rnd"),
    ("/challenges/?status=all", "/challenges/?status=all&sort=newest"),
    ("/challenges/?status=all", "/challenges/?status=all&field=diagnostics"),
    ("/challenges/?status=all", "/challenges/?status=all&country=KR"),
    ("/challenges/?q=antibody", "/challenges/?q=clinical"),
])
def test_each_filter_page_and_language_is_a_page_of_its_own(app, seconds, make_challenge, make_user, make_organization,
                                                           first, then):
    for n in range(22):
        make_challenge(title=f"Antibody {n}", deadline=datetime.now(UTC) + timedelta(days=30 - n))
    make_challenge(title="抗体 closed", language="ja", state="closed")
    make_challenge(title="Clinical", program="joint_rnd", deadline=datetime.now(UTC) + timedelta(days=60),
                   fields=("diagnostics",), poster=make_user(organization=make_organization("company", country="KR")))
    client = app.test_client()
    expected_first, expected_then = uncached(app, client, first), uncached(app, client, then)
    assert expected_first != expected_then  # else the test proves nothing
    assert cards(client.get(first)) == expected_first
    assert cards(client.get(then)) == expected_then


def test_each_language_is_a_page_of_its_own_in_the_same_zone(app, seconds, make_challenge, users):
    make_challenge(title="Antibody screening")
    client = signed_in(app, users["venture_owner"])  # Asia/Tokyo whatever the language
    expected = uncached(app, client, "/challenges/?lang=ja")
    assert cards(client.get("/challenges/?lang=en")) != expected
    assert cards(client.get("/challenges/?lang=ja")) == expected


def test_each_zone_is_a_page_of_its_own(app, seconds, make_challenge, users):
    make_challenge(title="Antibody screening")
    anonymous = app.test_client()  # English: UTC
    in_tokyo = signed_in(app, users["venture_owner"])  # English, Asia/Tokyo
    assert users["venture_owner"].timezone == "Asia/Tokyo"
    expected = uncached(app, in_tokyo, "/challenges/")
    assert cards(anonymous.get("/challenges/")) != expected
    assert cards(in_tokyo.get("/challenges/")) == expected


# Who sees what ---------------------------------------------------------------------------------------------

VIEWERS = ["company_owner", "venture_owner", "ipark_staff", "admin"]


@pytest.fixture
def calls_in_every_state(make_challenge, users):
    """The company's calls in every state: a draft, one under review, one cancelled before and one after
    publication, and the three published states."""
    for state in ("draft", "pending_review", "cancelled", "open", "closed", "awarded"):
        make_challenge(state, title=f"Antibody {state}")
    published_then_cancelled = make_challenge("cancelled", title="Antibody published then cancelled")
    published_then_cancelled.published_at = datetime.now(UTC) - timedelta(days=5)
    db.session.commit()


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", ["open", "closed", "awarded", "all"])
def test_the_visibility_clause_adds_no_row_to_the_listing(calls_in_every_state, users, anonymous, viewer, status):
    """Why one audience is enough (search.listing_audience): under every status, the poster of a draft
    or a cancelled call, and staff, are listed the very calls an anonymous visitor is."""
    for q in ("", "antibody"):
        seen = {c.id for c in find_challenges(user=users[viewer], q=q, status=status).items}
        assert seen == {c.id for c in find_challenges(user=anonymous, q=q, status=status).items}
    assert listing_audience(users[viewer]) == listing_audience(anonymous)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", ["open", "closed", "awarded", "all"])
def test_no_reader_is_served_a_call_cached_for_another(app, seconds, calls_in_every_state, users, viewer, status):
    url = f"/challenges/?status={status}&q=antibody"
    users[viewer].timezone = "UTC"  # the zone of an anonymous reader of English: the same key but for the audience
    db.session.commit()
    privileged, visitor = signed_in(app, users[viewer]), app.test_client()
    expected = uncached(app, visitor, url)
    assert cards(privileged.get(url)) == uncached(app, privileged, url)  # cached by the poster or staff
    shown = cards(visitor.get(url))
    assert shown == expected
    for hidden in ("draft", "pending_review", "cancelled"):
        assert f"Antibody {hidden}" not in "".join(shown)


def test_a_state_only_some_may_see_would_split_the_audience(users, anonymous, make_user, monkeypatch):
    """The safety net: were the listing to show drafts, each class of viewer would get pages of its own."""
    monkeypatch.setattr(search, "PUBLIC_STATES", (*search.PUBLIC_STATES, search.ChallengeState.draft))
    audiences = [listing_audience(anonymous), listing_audience(users["company_owner"]),
                 listing_audience(users["venture_owner"]), listing_audience(users["ipark_staff"])]
    assert len(set(audiences)) == 4
    assert listing_audience(users["company_member"]) == listing_audience(users["company_owner"])


def test_the_readers_own_parts_are_never_cached(app, seconds, make_challenge, users):
    make_challenge(title="Antibody screening")
    poster = users["company_owner"]
    as_poster = signed_in(app, poster).get("/challenges/").get_data(as_text=True)
    assert "Post a challenge" in as_poster and poster.name in as_poster
    as_visitor = app.test_client().get("/challenges/").get_data(as_text=True)
    assert "Antibody screening" in as_visitor
    assert "Post a challenge" not in as_visitor and poster.name not in as_visitor
    for html, _ in (entry for _, entry in LISTING_CACHE._entries.values()):
        assert "csrf" not in html and poster.name not in html and poster.email not in html
