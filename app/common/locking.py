"""Lock, then check: a service that changes a subject first takes its row lock, then decides on what
it reads under that lock. Two tabs, two staff members or a job and a person acting at the same
moment are then taken one after the other, and the second one sees what the first one did.

One lock order across the application, so two paths never wait for each other in a circle:
an organisation before its members, a challenge before its proposals, a subject (a proposal)
before its decisions, reviews and attachments. See docs/concurrency.md.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError, OperationalError

from app.common.errors import DomainError
from app.extensions import db

# PostgreSQL's answers when two transactions collided: a deadlock, a serialization failure.
CONFLICT_SQLSTATES = {"40P01", "40001"}


class ChangedMeanwhile(DomainError):
    default_message = _l("This changed meanwhile. Here is its current state.")


def lock(*subjects) -> None:
    """Flush, then re-read each subject with ``SELECT … FOR UPDATE`` (in the order given: pass them
    in the lock order), so the caller checks the committed state and holds it until commit.

    A subject deleted meanwhile raises ChangedMeanwhile. On SQLite, which has no row locks and
    serialises writers anyway, only the flush: a refresh would bring back its time-zone-less dates.
    """
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        return
    for subject in subjects:
        # OF its own table only: joined relationships (a proposal's challenge) are not locked with it.
        try:
            db.session.refresh(subject, with_for_update={"of": inspect(subject).mapper.local_table})
        except InvalidRequestError as error:  # "Could not refresh instance": the row is gone
            raise ChangedMeanwhile() from error


class TransactionCollision(OperationalError):
    """A deadlock or a serialization failure: PostgreSQL gave up this transaction in favour of
    another one. Raised in place of SQLAlchemy's OperationalError (it is one), so that the error
    handler can answer 409 without taking "the database is down" for a collision."""


@event.listens_for(Engine, "handle_error")
def _name_collisions(context):
    error = context.sqlalchemy_exception
    if isinstance(error, OperationalError) and not isinstance(error, TransactionCollision) \
            and _sqlstate(context.original_exception) in CONFLICT_SQLSTATES:
        return TransactionCollision(error.statement, error.params, context.original_exception,
                                    connection_invalidated=error.connection_invalidated)
    return None


def _sqlstate(original) -> str | None:
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


def is_conflict(error: BaseException) -> bool:
    """A collision with another transaction, found at flush or commit: a unique or check constraint
    that the other one's change now breaks, a deadlock, a serialization failure. Not a lost database."""
    if isinstance(error, IntegrityError):
        return True
    if isinstance(error, DBAPIError):
        return _sqlstate(error.orig) in CONFLICT_SQLSTATES
    return False
