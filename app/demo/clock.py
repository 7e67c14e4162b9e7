"""The one way the demo dates its history.

Every step of a demo story runs through the services on the real clock, as a person's would; then
what the services stamped during that run is moved back to the step's moment, so the marketplace
reads as if it had been running for months. The audit log and the funding ledger are append-only
(nothing can move their rows afterwards), so what a step writes to them is dated as it is written: the
step runs inside ``clock.dating(moment)``, and a proposal's History or an award's ledger tells the same
story as their own timestamps.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import event, inspect

from app.common.models import AuditEvent
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.funding.ledger import LedgerTransaction

# The rows no one may update once written: dated as they are inserted.
APPEND_ONLY = (AuditEvent, LedgerTransaction)


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

    def moment(self, when: datetime | float) -> datetime:
        """``when`` as a moment: a moment already, or days before ``now``."""
        return when if isinstance(when, datetime) else self.at(when)

    @contextmanager
    def dating(self, when: datetime | float) -> Iterator[datetime]:
        """Audit events and ledger transactions written meanwhile are dated ``when``. Written by the
        seeding alone: a listener on the append-only tables while the step runs, flushed before it is
        removed."""
        moment = self.moment(when)

        def date_row(mapper, connection, row) -> None:
            row.created_at = moment

        for model in APPEND_ONLY:
            event.listen(model, "before_insert", date_row)
        try:
            yield moment
            db.session.flush()
        finally:
            for model in APPEND_ONLY:
                event.remove(model, "before_insert", date_row)

    def happened(self, when: datetime | float, *rows, touched: bool = False) -> None:
        """Whatever the services stamped on ``rows`` during this run (since the story started, up
        to the real now: a deadline ahead is a plan, not a stamp) now reads as ``when``, a moment
        or days before ``now``. ``touched``: the step also changed the rows, whose ``updated_at``
        reads ``when`` too (a transition that stamps only its own timestamp)."""
        moment = self.moment(when)
        stamped_until = utcnow()
        for row in rows:
            for attribute in inspect(row).mapper.column_attrs:
                value = getattr(row, attribute.key)
                if isinstance(value, datetime) and self.now <= as_utc(value) <= stamped_until:
                    setattr(row, attribute.key, moment)
            if touched:
                row.updated_at = moment
