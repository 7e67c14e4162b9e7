"""The clock every module reads, stopped for a test by time-machine: services, models, forms, Flask's
session and the rate limiter see the same moment, whichever way they imported `utcnow` or `datetime`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import time_machine


class StoppedClock:
    """`now` is what datetime.now() and time.time() answer everywhere; `set` and `advance` move it."""

    def __init__(self, traveller: time_machine.Traveller, moment: datetime):
        self._traveller = traveller
        self.now = moment

    def set(self, moment: datetime) -> None:
        self._traveller.move_to(moment)
        self.now = moment

    def advance(self, seconds: float) -> None:
        self.set(self.now + timedelta(seconds=seconds))


@contextmanager
def stopped_clock(moment: datetime) -> Iterator[StoppedClock]:
    """The clock stopped at `moment` (it does not tick) until the block ends."""
    with time_machine.travel(moment, tick=False) as traveller:
        yield StoppedClock(traveller, moment)
