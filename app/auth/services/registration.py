"""Joining the site: a new organisation with its owner, or a colleague through an invitation.
A taken address answers as a new one does (no enumeration); its holder hears of it by mail."""
from flask_babel import lazy_gettext as _l

from app.auth.models import Invitation, MemberRole, Organization, OrganizationKind, User, hash_password
from app.auth.services.accounts import find_user_by_email, new_user, normalize_email
from app.auth.services.tokens import InvalidToken
from app.auth.services.verification import send_verification_email
from app.common import audit
from app.common.errors import PermissionDenied
from app.common.locking import lock
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db


def _registration_attempt(existing: User, password: str) -> None:
    """Someone registers with an address that has an account. The page answers as for a new
    address (no enumeration) and costs the same hashing; the address's holder hears of it."""
    hash_password(password)
    queue_email(existing, "registration_attempt", login_link=external_url("auth.login"),
                reset_link=external_url("auth.forgot_password"))
    audit.record(None, "user.registration_attempted", existing)
    db.session.flush()


def register_organization(*, email, name, password, locale, timezone, kind, country,
                          name_latin, name_native, fields) -> User | None:
    """A new organisation with the registering person as its owner, awaiting verification.
    None when the address has an account already: its holder gets a mail instead."""
    if OrganizationKind(kind) == OrganizationKind.institution:
        raise PermissionDenied()
    if (existing := find_user_by_email(email)) is not None:
        _registration_attempt(existing, password)
        return None
    organization = Organization(kind=OrganizationKind(kind), country=country,
                                name_latin=name_latin.strip(), name_native=(name_native or "").strip() or None)
    organization.fields = fields
    db.session.add(organization)
    user = new_user(email=email, name=name, password=password, organization=organization,
                    role=MemberRole.owner, locale=locale, timezone=timezone)
    audit.record(user, "organization.registered", organization, to_state=organization.verification_state)
    audit.record(user, "user.registered", user)
    send_verification_email(user)
    db.session.flush()
    return user


def register_invited_member(invitation: Invitation, *, email, name, password, locale,
                            timezone) -> User | None:
    """None when the address has an account meanwhile: its holder gets a mail instead."""
    lock(invitation)  # the link used twice at once: one account
    if not invitation.is_usable():
        raise InvalidToken()
    if normalize_email(email) != invitation.email:
        raise InvalidToken(_l("This invitation was sent to another e-mail address."))
    if (existing := find_user_by_email(email)) is not None:
        _registration_attempt(existing, password)
        return None
    user = new_user(email=email, name=name, password=password, organization=invitation.organization,
                    role=MemberRole.member, locale=locale, timezone=timezone)
    # The invitation link reached this address, which proves it.
    user.email_verified_at = utcnow()
    invitation.accepted_at = utcnow()
    audit.record(user, "user.joined", invitation.organization, invitation_id=invitation.id)
    db.session.flush()
    return user
