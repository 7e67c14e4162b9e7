"""The per-process cache: bounded, a minute at most, dropped by the commits that touch its tables."""
import pytest
from sqlalchemy import update

from app.challenges.models import Challenge
from app.common.cache import MAX_AGE, TimedCache, drop_on_commit
from app.common.models import OutboxEmail
from app.extensions import db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(clock):
    return TimedCache("test", size=3, clock=clock)


def computed(value):
    calls = []

    def compute():
        calls.append(value)
        return value

    return compute, calls


def test_a_value_is_computed_once_then_kept(cache):
    compute, calls = computed("page")
    assert cache.fetch("k", compute, max_age=30) == "page"
    assert cache.fetch("k", compute, max_age=30) == "page"
    assert calls == ["page"]


def test_a_value_expires_after_its_age(cache, clock):
    compute, calls = computed("page")
    cache.fetch("k", compute, max_age=30)
    clock.now += 29.9
    cache.fetch("k", compute, max_age=30)
    clock.now += 0.2
    cache.fetch("k", compute, max_age=30)
    assert len(calls) == 2


def test_no_value_is_kept_longer_than_a_minute(cache, clock):
    compute, calls = computed("page")
    cache.fetch("k", compute, max_age=3600)
    clock.now += MAX_AGE + 0.1
    cache.fetch("k", compute, max_age=3600)
    assert MAX_AGE <= 60 and len(calls) == 2


def test_age_zero_keeps_nothing(cache):
    compute, calls = computed("page")
    cache.fetch("k", compute, max_age=0)
    cache.fetch("k", compute, max_age=0)
    assert len(calls) == 2 and len(cache) == 0


def test_the_least_recently_used_goes_first(cache):
    for key in "abc":
        cache.fetch(key, computed(key)[0], max_age=30)
    cache.fetch("a", computed("a")[0], max_age=30)  # a is used again: b is now the oldest
    cache.fetch("d", computed("d")[0], max_age=30)
    assert len(cache) == 3
    compute_b, calls_b = computed("b")
    compute_a, calls_a = computed("a")
    cache.fetch("a", compute_a, max_age=30)
    cache.fetch("b", compute_b, max_age=30)
    assert calls_a == [] and calls_b == ["b"]


def test_a_value_read_before_a_drop_is_not_kept_after_it(cache):
    def read_then_someone_commits():
        cache.drop()  # another thread's commit, while this request read the old rows
        return "stale"

    assert cache.fetch("k", read_then_someone_commits, max_age=30) == "stale"
    compute, calls = computed("fresh")
    assert cache.fetch("k", compute, max_age=30) == "fresh" and calls == ["fresh"]


# Dropped by the commits that write its tables ------------------------------------------------------

WATCHED = TimedCache("watches challenges", size=10)  # connected once: drop_on_commit is process-wide


@pytest.fixture
def watched(app):
    drop_on_commit(WATCHED, Challenge)
    WATCHED.drop()
    WATCHED.fetch("k", lambda: "page", max_age=30)
    yield WATCHED
    WATCHED.drop()


def test_a_commit_that_changes_a_watched_row_drops_it(watched, make_challenge):
    challenge = make_challenge()
    watched.fetch("k", lambda: "page", max_age=30)
    challenge.title = "Renamed"
    db.session.commit()
    assert len(watched) == 0


def test_a_bulk_update_drops_it(watched, make_challenge):
    challenge = make_challenge()
    watched.fetch("k", lambda: "page", max_age=30)
    db.session.execute(update(Challenge).where(Challenge.id == challenge.id).values(title="Renamed"))
    db.session.commit()
    assert len(watched) == 0


def test_a_rolled_back_change_or_another_table_keeps_it(watched, make_challenge):
    challenge = make_challenge()
    watched.fetch("k", lambda: "page", max_age=30)
    challenge.title = "Renamed"
    db.session.flush()
    db.session.rollback()
    db.session.add(OutboxEmail(recipient="someone@example.test", locale="en", subject="Hello", body_text="Hi",
                               message_id="<cache-test@kakehashi.test>"))
    db.session.commit()
    assert len(watched) == 1


def test_connecting_twice_connects_once(watched):
    drop_on_commit(WATCHED, Challenge)
    from app.common import cache

    assert sum(1 for connected, _ in cache._watched if connected is WATCHED) == 1
