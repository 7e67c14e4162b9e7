"""E-mail verification: the address a person registers with is proven by a mailed link."""
from app.auth.models import User
from app.auth.services.accounts import find_user_by_email
from app.auth.services.tokens import InvalidToken, read_signed_token, signed_token
from app.common import audit
from app.common.locking import lock
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db


def send_verification_email(user: User) -> None:
    token = signed_token("verify-email", {"uid": user.id, "email": user.email})
    queue_email(user, "verify_email", link=external_url("auth.verify_email", token=token))


def verify_email(token: str) -> User:
    payload = read_signed_token("verify-email", token, max_age_setting="EMAIL_TOKEN_MAX_AGE")
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise InvalidToken()
    lock(user)  # the link opened twice at once: verified (and recorded) once
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(user, "user.email_verified", user)
        db.session.flush()
    return user


def resend_verification(email: str) -> None:
    """Quietly does nothing for unknown or verified addresses: the page says the same either way."""
    user = find_user_by_email(email)
    if user is not None and user.active and not user.email_verified:
        send_verification_email(user)
        db.session.flush()
