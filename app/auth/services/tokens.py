"""Signed links mailed to people (e-mail verification, password reset), and the one answer every
bad, expired or tampered link gets."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.common.errors import DomainError


class InvalidToken(DomainError):
    default_message = _l("This link is invalid or has expired. Please ask for a new one.")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The salt binds a token to its purpose: a reset link never verifies an address.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kakehashi.{purpose}")


def signed_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_signed_token(purpose: str, token: str, *, max_age_setting: str) -> dict:
    """The payload of a token signed for ``purpose`` and younger than the configured age."""
    try:
        return _serializer(purpose).loads(token, max_age=current_app.config[max_age_setting])
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
