"""Per-process caches of output that may be a minute old (docs/performance.md, "Where we cache").

A ``TimedCache`` keeps at most ``size`` entries (the least recently used goes first), each for at most
``max_age`` seconds and never more than MAX_AGE. It lives in one process: gunicorn's workers and
nodes each keep their own, so another process sees a change when its entry expires, a minute at
most. In the process that made the change it is dropped at once: ``drop_on_commit`` connects a
cache to the commits that touch its tables, and each drop starts a new *generation*, so that a
request that read the database before the commit cannot store its now stale result after it.

Only output that is the same for everyone whose key matches belongs here: never a CSRF token,
never a person's name or menu. A lock guards the dictionary (gunicorn's threaded workers share
it); the value is computed outside the lock, so two requests that miss at once both compute it.

``clock`` (time.monotonic) is the seam through which a test expires entries without sleeping.
"""
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import event

MAX_AGE = 60  # seconds: what issue 12 allows ("cache only what may be a minute old")


class TimedCache:
    def __init__(self, name: str, *, size: int, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.size = size
        self.clock = clock
        self.generation = 0
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def fetch(self, key: Hashable, compute: Callable[[], object], *, max_age: float):
        """The value under ``key`` if younger than ``max_age`` seconds (MAX_AGE at most), else
        ``compute()``, kept unless the cache was dropped meanwhile. ``max_age`` 0: not cached."""
        max_age = min(max_age, MAX_AGE)
        if max_age <= 0:
            return compute()
        with self._lock:
            generation = self.generation
            entry = self._entries.get(key)
            if entry is not None:
                if entry[0] > self.clock():
                    self._entries.move_to_end(key)
                    return entry[1]
                del self._entries[key]
        value = compute()
        with self._lock:
            if generation == self.generation:  # else a commit dropped the cache while we read
                self._entries[key] = (self.clock() + max_age, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return value

    def drop(self) -> None:
        """Forget everything, and whatever is being computed now."""
        with self._lock:
            self.generation += 1
            self._entries.clear()


_PENDING = "kakehashi_caches_to_drop"
_watched: list[tuple[TimedCache, tuple[type, ...]]] = []


def drop_on_commit(cache: TimedCache, *models: type) -> None:
    """Drop ``cache`` whenever a transaction that wrote rows of ``models`` commits in this process:
    objects flushed (added, changed, deleted) or an ORM bulk INSERT, UPDATE or DELETE on them.
    Process-wide and idempotent (the tests build many apps)."""
    if any(watched is cache for watched, _ in _watched):
        return
    _watched.append((cache, models))
    if len(_watched) == 1:
        from sqlalchemy.orm import Session

        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_bulk)
        event.listen(Session, "after_commit", _drop_noted)
        event.listen(Session, "after_rollback", _forget_noted)


def _note(session, changed: Callable[[tuple[type, ...]], bool]) -> None:
    for cache, models in _watched:
        if changed(models):
            session.info.setdefault(_PENDING, set()).add(cache)


def _note_flush(session, _context) -> None:
    written = [*session.new, *session.dirty, *session.deleted]
    _note(session, lambda models: any(isinstance(instance, models) for instance in written))


def _note_bulk(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is not None:
            _note(state.session, lambda models: issubclass(mapper.class_, models))


def _drop_noted(session) -> None:
    for cache in session.info.pop(_PENDING, ()):
        cache.drop()


def _forget_noted(session) -> None:
    session.info.pop(_PENDING, None)
