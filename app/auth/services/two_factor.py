"""Staff two-factor sign-in with TOTP codes: enrolment, replacing a phone, and the code asked
after the password. Each 30-second step counts once."""
import secrets
from datetime import timedelta

import pyotp
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.auth.services.sessions import record_failed_login
from app.common import audit
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.time import utcnow
from app.extensions import db


class InvalidCode(DomainError):
    default_message = _l("The code is not correct. Please try again with the current code.")


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Kakehashi")


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The current or adjacent 30-second step that ``code`` is for, if later than ``after``
    (each step counts once: no replay); None otherwise."""
    totp = pyotp.TOTP(secret)
    code = "".join((code or "").split())
    now = utcnow()
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        counter = totp.timecode(moment)
        if secrets.compare_digest(totp.at(moment), code):
            return None if after is not None and counter <= after else counter
    return None


def enable_two_factor(user: User, *, secret: str, code: str, current_code: str | None = None) -> None:
    """Enrol ``secret``, proven by ``code``. Replacing a factor also takes a code of the current
    one: whoever has only the password (or an open session) cannot swap the phone. An
    administrator's reset_two_factor is the way back after a lost phone."""
    lock(user)  # a code is good once: two posts of it at the same moment enrol once
    if not user.needs_two_factor:
        raise PermissionDenied()
    replacing = user.has_two_factor
    if replacing and _matching_step(user.totp_secret, current_code, after=user.totp_last_counter) is None:
        audit.record(user, "user.two_factor_change_refused", user)
        db.session.flush()
        raise InvalidCode()
    step = _matching_step(secret, code, after=None if replacing else user.totp_last_counter)
    if step is None:
        raise InvalidCode()
    user.totp_secret = secret
    user.totp_last_counter = step
    audit.record(user, "user.two_factor_replaced" if replacing else "user.two_factor_enabled", user)
    db.session.flush()


def check_two_factor(user: User, code: str) -> None:
    lock(user)  # a code is good once, also when it is posted twice at the same moment
    step = None if user.totp_secret is None else _matching_step(user.totp_secret, code,
                                                                after=user.totp_last_counter)
    if step is None:
        record_failed_login(user.email, "two_factor_code", user=user)
        raise InvalidCode()
    user.totp_last_counter = step
    db.session.flush()
