"""What staff and administrators change from the staff pages: organisation verification, staff
accounts, and the accounts of other people. Services flush; the caller commits."""
import secrets

from app.auth.models import MemberRole, Organization, User, VerificationState
from app.auth.services.accounts import new_user
from app.auth.services.institutions import ensure_institutions, ensure_secretariat
from app.auth.services.passwords import password_setting_link
from app.auth.services.sessions import end_other_sessions
from app.common import audit
from app.common.errors import InvalidTransition, PermissionDenied
from app.common.locking import lock
from app.common.models import Institution
from app.common.outbox import queue_email
from app.common.time import utcnow
from app.extensions import db

# Organisation verification ------------------------------------------------------------------

def set_verification(organization: Organization, target: VerificationState, *, actor: User,
                     note: str | None = None) -> None:
    lock(organization)
    if not organization.can_verify(actor):
        raise PermissionDenied()
    if not organization.can_become(target):
        raise InvalidTransition()
    before = organization.verification_state
    organization.verification_state = target
    organization.verified_at = utcnow() if target == VerificationState.verified else None
    organization.verification_note = (note or "").strip() or None
    audit.record(actor, f"organization.{target}", organization, from_state=before, to_state=target,
                 note=organization.verification_note)
    for owner in organization.members:
        if owner.is_owner and owner.active:
            queue_email(owner, "organization_verification", organization=organization,
                        verified=target == VerificationState.verified,
                        note=organization.verification_note)
    db.session.flush()


# Staff accounts -----------------------------------------------------------------------------

def create_staff(*, email, name, password, institution: Institution | None, is_admin=False,
                 locale=None) -> User:
    """Institution staff (iPark or MSS), or with no institution an administrator of the site."""
    organization = (ensure_institutions()[institution] if institution is not None
                    else ensure_secretariat())
    user = new_user(email=email, name=name, password=password, organization=organization,
                    role=MemberRole.member, locale=locale,
                    timezone="Asia/Seoul" if institution == Institution.mss else "Asia/Tokyo")
    user.is_admin = is_admin
    user.email_verified_at = utcnow()
    audit.record(None, "user.staff_created", user, institution=str(institution or ""))
    db.session.flush()
    return user


def create_staff_account(*, actor: User, email, name, institution: Institution | None, is_admin: bool,
                         locale: str | None) -> User:
    """An administrator opens a staff account; the person chooses their own password by e-mail."""
    if not actor.is_admin:
        raise PermissionDenied()
    user = create_staff(email=email, name=name, password=secrets.token_urlsafe(24), institution=institution,
                        is_admin=is_admin, locale=locale)
    audit.record(actor, "user.staff_invited", user, institution=str(institution or ""), admin=is_admin)
    queue_email(user, "staff_welcome", link=password_setting_link(user), inviter=actor)
    db.session.flush()
    return user


# Administration of accounts -----------------------------------------------------------------

def set_account_active(user: User, active: bool, *, actor: User) -> None:
    lock(user)
    if not user.can_be_managed_by(actor):
        raise PermissionDenied()
    if user.active == active:
        raise InvalidTransition()
    user.active = active
    if not active:
        end_other_sessions(user, keep=None)
    audit.record(actor, "user.reactivated" if active else "user.deactivated", user)
    db.session.flush()


def reset_two_factor(user: User, *, actor: User) -> None:
    """For a lost phone: the person enrols again at the next sign-in (or when asked to)."""
    if not user.can_be_managed_by(actor):
        raise PermissionDenied()
    if not user.has_two_factor:
        raise InvalidTransition()
    user.totp_secret = None
    user.totp_last_counter = None
    end_other_sessions(user, keep=None)
    audit.record(actor, "user.two_factor_reset", user)
    queue_email(user, "two_factor_reset")
    db.session.flush()
