"""Signing in and out: the password check, refused sign-ins, and the login session each browser
holds (its key is all the cookie carries)."""
from functools import cache

from flask import has_request_context, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import contains_eager

from app.auth.models import LoginSession, User, hash_password
from app.auth.services.accounts import find_user_by_email, normalize_email
from app.common import audit
from app.common.time import utcnow
from app.extensions import db


class _UnknownAccount:
    """The audit subject of a sign-in with an address no account uses (a log row needs one)."""

    __tablename__ = "login"
    id = 0


def record_failed_login(email: str, reason: str, *, user: User | None = None) -> None:
    """One audit row per refused sign-in: the address tried, the reason and (by audit) the IP;
    never the password. Nobody is signed in, so there is no actor."""
    audit.record(None, "user.login_failed", user if user is not None else _UnknownAccount(),
                 email=normalize_email(email)[:254], reason=reason)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, or None; the same effort either way.
    Each refusal is audited (the caller commits it)."""
    user = find_user_by_email(email)
    if user is None:
        # Hashing costs what verifying does: a wrong address answers as slowly as a wrong
        # password, so the response time does not tell which accounts exist.
        hash_password(password)
        record_failed_login(email, "unknown_address")
        return None
    if not user.check_password(password):
        record_failed_login(email, "wrong_password", user=user)
        return None
    if not user.active:
        record_failed_login(email, "inactive", user=user)
        return None
    return user


def start_login_session(user: User) -> LoginSession:
    login_session = LoginSession(
        user=user,
        ip=request.remote_addr if has_request_context() else None,
        user_agent=(request.user_agent.string[:300] if has_request_context() else None),
    )
    db.session.add(login_session)
    db.session.flush()
    user.login_session = login_session
    audit.record(user, "user.logged_in", user)
    return login_session


def load_login_session(key: str) -> User | None:
    """The signed-in user of this session key, with the session and their organisation: one
    statement, on every signed-in request (the organisation's fields load where a page shows them)."""
    login_session = db.session.scalar(_open_login_session(), {"key": key})
    if login_session is None or not login_session.user.active:
        return None
    user = login_session.user
    user.login_session = login_session
    return user


@cache
def _open_login_session():
    """Built once per process (every signed-in request sends it): building the select and its cache
    key cost more than sending it."""
    return (select(LoginSession).join(LoginSession.user).join(User.organization)
            .where(LoginSession.key == bindparam("key"), LoginSession.ended_at.is_(None))
            .options(contains_eager(LoginSession.user).contains_eager(User.organization)))


def end_login_session(user: User) -> None:
    if user.login_session is not None and user.login_session.ended_at is None:
        user.login_session.ended_at = utcnow()
        audit.record(user, "user.logged_out", user)
        db.session.flush()


def end_other_sessions(user: User, *, keep: LoginSession | None) -> None:
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(LoginSession.id != keep.id)
    db.session.execute(query.values(ended_at=utcnow()))
