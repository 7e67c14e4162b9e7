"""Passwords: a mailed link to choose a new one (forgotten, or a new staff account), and a change
by a signed-in person. Either ends the account's other sessions."""
import hashlib

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.auth.services.accounts import find_user_by_email
from app.auth.services.sessions import end_other_sessions
from app.auth.services.tokens import InvalidToken, read_signed_token, signed_token
from app.common import audit
from app.common.errors import DomainError
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db


class WrongPassword(DomainError):
    default_message = _l("The current password is not correct.")


def _reset_fingerprint(user: User) -> str:
    """Changes when the password does, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_setting_link(user: User) -> str:
    token = signed_token("reset-password", {"uid": user.id, "fp": _reset_fingerprint(user)})
    return external_url("auth.reset_password", token=token)


def request_password_reset(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    queue_email(user, "reset_password", link=password_setting_link(user))
    audit.record(None, "user.password_reset_requested", user)
    db.session.flush()


def user_for_reset_token(token: str) -> User:
    payload = read_signed_token("reset-password", token, max_age_setting="PASSWORD_RESET_MAX_AGE")
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or payload.get("fp") != _reset_fingerprint(user):
        raise InvalidToken()
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    user.set_password(new_password)
    # Whoever could read the mailbox could also reach the account: proving it is enough.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    end_other_sessions(user, keep=None)
    audit.record(user, "user.password_reset", user)
    db.session.flush()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise WrongPassword()
    user.set_password(new_password)
    end_other_sessions(user, keep=user.login_session)
    audit.record(user, "user.password_changed", user)
    queue_email(user, "password_changed")
    db.session.flush()
