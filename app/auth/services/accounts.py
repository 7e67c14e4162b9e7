"""People's accounts: found by address, created, and their own profile."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.common import audit
from app.common.errors import DomainError
from app.extensions import db


class EmailTaken(DomainError):
    default_message = _l("An account with this e-mail address already exists.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def new_user(*, email, name, password, organization, role, locale, timezone) -> User:
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(email=normalize_email(email), name=name.strip(), organization=organization,
                role=role, locale=locale, timezone=timezone or "Asia/Tokyo")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_profile(user: User, *, name: str, locale: str | None, timezone: str) -> None:
    user.name = name.strip()
    user.locale = locale or None
    user.timezone = timezone
    audit.record(user, "user.profile_updated", user)
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()
