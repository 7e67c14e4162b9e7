"""Owners invite colleagues by e-mail; an invitation is used once, withdrawn, or expires.
Accepting one is registration (registration.register_invited_member)."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.auth.models import Invitation, Organization, User
from app.auth.services.accounts import find_user_by_email, normalize_email
from app.common import audit
from app.common.errors import PermissionDenied
from app.common.locking import lock
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(organization: Organization, *, actor: User, email: str, locale: str | None) -> Invitation:
    """The owner sees the same pending invitation whether or not the address has an account
    (no enumeration). A person who has one cannot join a second organisation: they get a mail
    that says so, with no link, and the invitation simply expires."""
    if not organization.can_invite(actor):
        raise PermissionDenied()
    email = normalize_email(email)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization, email=email, token_hash=_token_hash(token), invited_by=actor,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "invitation.sent", invitation, email=email)
    if (holder := find_user_by_email(email)) is not None:
        queue_email(holder, "invitation_account_exists", organization=organization, inviter=actor,
                    login_link=external_url("auth.login"))
    else:
        queue_email(email, "invitation", locale=locale or actor.locale or "en",
                    organization=organization, inviter=actor,
                    link=external_url("auth.register", invitation=token))
    return invitation


def find_invitation(token: str | None) -> Invitation | None:
    if not token:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    lock(invitation)
    if not invitation.can_revoke(actor):
        raise PermissionDenied()
    invitation.revoked_at = utcnow()
    audit.record(actor, "invitation.revoked", invitation)
    db.session.flush()
