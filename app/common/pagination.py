"""A page of results for listings that Flask-SQLAlchemy's paginate cannot build (several columns,
ranked searches)."""
import math
from dataclasses import dataclass, field

from flask import request

# A page number beyond this is no page anyone reached by paging; the offset stays small.
MAX_PAGE = 10_000


def requested_page() -> int:
    """?page= as a number from 1 to MAX_PAGE; anything else (missing, words, signs, 10**30) reads as
    the nearest of them, so no listing answers 500 or runs an offset beyond 64 bits."""
    text = request.args.get("page", "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


@dataclass(frozen=True)
class Page:
    """One page of a listing computed by hand; the names follow Flask-SQLAlchemy's Pagination."""

    items: list
    total: int
    page: int
    per_page: int
    # A search's page: the languages each item matched in (id → codes), for "Matched in 日本語".
    matched_languages: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        """Position of the first item on this page in the whole result (1-based; 0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def iter_pages(self, *, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Page numbers for a pager, with None where a gap (…) goes."""
        previous = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number <= self.page + right_current
                    or number > self.pages - right_edge):
                if number != previous + 1:
                    yield None
                yield number
                previous = number
