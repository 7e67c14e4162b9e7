"""The one way the demo dates its history.

Every step of a demo story runs through the services on the real clock, as a person's would; then
what the services stamped during that run is moved back to the step's moment, so the marketplace
reads as if it had been running for months. The audit log keeps the real time of the seeding
(append-only, it cannot be moved back), so a demo page's History dates every step to that day.
"""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import inspect

from app.common.time import as_utc, utcnow


def deadline_at(days_from_today: int) -> datetime:
    """17:00 in Tokyo and Seoul (both UTC+9), the usual closing time of a call."""
    day = utcnow().date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(8, 0), tzinfo=UTC)


class DemoClock:
    """The clock of one story: ``now`` is when its seeding started."""

    def __init__(self) -> None:
        self.now = utcnow()

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def happened(self, when: datetime | float, *rows, touched: bool = False) -> None:
        """Whatever the services stamped on ``rows`` during this run (since the story started, up
        to the real now: a deadline ahead is a plan, not a stamp) now reads as ``when``, a moment
        or days before ``now``. ``touched``: the step also changed the rows, whose ``updated_at``
        reads ``when`` too (a transition that stamps only its own timestamp)."""
        moment = when if isinstance(when, datetime) else self.at(when)
        stamped_until = utcnow()
        for row in rows:
            for attribute in inspect(row).mapper.column_attrs:
                value = getattr(row, attribute.key)
                if isinstance(value, datetime) and self.now <= as_utc(value) <= stamped_until:
                    setattr(row, attribute.key, moment)
            if touched:
                row.updated_at = moment
