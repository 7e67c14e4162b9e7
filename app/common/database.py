"""Telling a database that cannot be reached from a statement that it refused."""
import sqlite3

from sqlalchemy import exc

RETRY_AFTER_SECONDS = 30

# PostgreSQL's codes for "no connection now": class 08 (connection exception), the server
# shutting down or starting up (57P01–57P03), and no connection slot left (53300).
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03", "53300"}


def database_unreachable(error: BaseException | None) -> bool:
    """True for a database that is down, restarting, locked, out of connections or out of reach; the
    request may well succeed in a moment (503). False for everything else (a bad statement, a
    serialisation failure, a constraint), which is ours to fix or to answer otherwise."""
    if isinstance(error, exc.TimeoutError):  # every connection of the pool busy
        return True
    if not isinstance(error, exc.OperationalError | exc.InterfaceError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        # A file that cannot be opened, or one another writer holds longer than we wait.
        return any(reason in str(original) for reason in ("unable to open database", "database is locked"))
    if hasattr(original, "sqlstate"):  # psycopg: no code at all for errors on the client side of the wire
        state = original.sqlstate
        return state is None or state.startswith("08") or state in _UNREACHABLE_STATES
    return isinstance(error, exc.InterfaceError)
