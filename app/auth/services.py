"""Every change to accounts and organisations. Services flush; the caller commits."""
import hashlib
import secrets
from datetime import timedelta

import pyotp
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from app.auth.models import (
    Invitation,
    LoginSession,
    MemberRole,
    Organization,
    OrganizationKind,
    User,
    VerificationState,
    hash_password,
)
from app.common import audit
from app.common.errors import DomainError, InvalidTransition, PermissionDenied
from app.common.locking import lock
from app.common.models import Institution
from app.common.outbox import external_url, queue_email
from app.common.time import utcnow
from app.extensions import db


class EmailTaken(DomainError):
    default_message = _l("An account with this e-mail address already exists.")


class InvalidToken(DomainError):
    default_message = _l("This link is invalid or has expired. Please ask for a new one.")


class WrongPassword(DomainError):
    default_message = _l("The current password is not correct.")


class InvalidCode(DomainError):
    default_message = _l("The code is not correct. Please try again with the current code.")


class LastOwner(DomainError):
    default_message = _l("An organisation needs at least one owner.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


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


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kakehashi.{purpose}")


# Registration and e-mail verification ------------------------------------------------------

def _new_user(*, email, name, password, organization, role, locale, timezone) -> User:
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(email=normalize_email(email), name=name.strip(), organization=organization,
                role=role, locale=locale, timezone=timezone or "Asia/Tokyo")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


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
    user = _new_user(email=email, name=name, password=password, organization=organization,
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
    user = _new_user(email=email, name=name, password=password, organization=invitation.organization,
                     role=MemberRole.member, locale=locale, timezone=timezone)
    # The invitation link reached this address, which proves it.
    user.email_verified_at = utcnow()
    invitation.accepted_at = utcnow()
    audit.record(user, "user.joined", invitation.organization, invitation_id=invitation.id)
    db.session.flush()
    return user


def send_verification_email(user: User) -> None:
    token = _serializer("verify-email").dumps({"uid": user.id, "email": user.email})
    queue_email(user, "verify_email", link=external_url("auth.verify_email", token=token))


def verify_email(token: str) -> User:
    try:
        payload = _serializer("verify-email").loads(
            token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
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


# Login sessions -----------------------------------------------------------------------------

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
    login_session = db.session.scalar(
        select(LoginSession).where(LoginSession.key == key, LoginSession.ended_at.is_(None)))
    if login_session is None or not login_session.user.active:
        return None
    user = login_session.user
    user.login_session = login_session
    return user


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


# Passwords ----------------------------------------------------------------------------------

def _reset_fingerprint(user: User) -> str:
    """Changes when the password does, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = _serializer("reset-password").dumps({"uid": user.id, "fp": _reset_fingerprint(user)})
    queue_email(user, "reset_password", link=external_url("auth.reset_password", token=token))
    audit.record(None, "user.password_reset_requested", user)
    db.session.flush()


def user_for_reset_token(token: str) -> User:
    try:
        payload = _serializer("reset-password").loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
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


# Profiles -----------------------------------------------------------------------------------

def update_profile(user: User, *, name: str, locale: str | None, timezone: str) -> None:
    user.name = name.strip()
    user.locale = locale or None
    user.timezone = timezone
    audit.record(user, "user.profile_updated", user)
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def update_organization(organization: Organization, *, actor: User, country, name_latin,
                        name_native, website, description, fields) -> None:
    if not organization.can_edit(actor):
        raise PermissionDenied()
    organization.country = country
    organization.name_latin = name_latin.strip()
    organization.name_native = (name_native or "").strip() or None
    organization.website = (website or "").strip() or None
    organization.description = (description or "").strip() or None
    organization.fields = fields
    audit.record(actor, "organization.updated", organization)
    db.session.flush()


# Invitations --------------------------------------------------------------------------------

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


def remove_member(member: User, *, actor: User) -> None:
    """Owners remove colleagues; the person's sessions end and the account is deactivated."""
    organization = member.organization
    # The organisation before its members: two owners removing each other at once leave one owner.
    lock(organization, actor, member)
    if not member.can_be_removed_by(actor):
        raise PermissionDenied()
    if member.is_owner and not db.session.scalar(select(User.id).where(
            User.organization_id == organization.id, User.role == MemberRole.owner, User.active.is_(True),
            User.id != member.id).limit(1)):
        raise LastOwner()
    member.active = False
    end_other_sessions(member, keep=None)
    audit.record(actor, "user.removed", member, organization_id=organization.id)
    db.session.flush()


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


# Two-factor ---------------------------------------------------------------------------------

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


# Institutions and staff ---------------------------------------------------------------------

INSTITUTIONS = {
    Institution.ipark: dict(country="JP", name_latin="iPark Institute",
                            name_native="アイパークインスティチュート株式会社",
                            website="https://www.shonan-health-innovation-park.com/"),
    Institution.mss: dict(country="KR", name_latin="Ministry of SMEs and Startups",
                          name_native="중소벤처기업부", website="https://www.mss.go.kr/"),
}


def ensure_institutions() -> dict[Institution, Organization]:
    """The two partners exist in every database; the initial migration creates them too."""
    found = {org.institution: org for org in db.session.scalars(
        select(Organization).where(Organization.institution.is_not(None)))}
    for institution, attributes in INSTITUTIONS.items():
        if institution not in found:
            found[institution] = Organization(
                kind=OrganizationKind.institution, institution=institution,
                verification_state=VerificationState.verified, verified_at=utcnow(), **attributes)
            db.session.add(found[institution])
    db.session.flush()
    return found


SECRETARIAT = dict(country="JP", name_latin="Kakehashi Secretariat", name_native="かけはし事務局")


def ensure_secretariat() -> Organization:
    """Administrators' home: an institution-kind organisation that signs no joint decision."""
    organization = db.session.scalar(select(Organization).where(
        Organization.kind == OrganizationKind.institution, Organization.institution.is_(None)))
    if organization is None:
        organization = Organization(kind=OrganizationKind.institution,
                                    verification_state=VerificationState.verified,
                                    verified_at=utcnow(), **SECRETARIAT)
        db.session.add(organization)
        db.session.flush()
    return organization


def create_staff(*, email, name, password, institution: Institution | None, is_admin=False,
                 locale=None) -> User:
    """Institution staff (iPark or MSS), or with no institution an administrator of the site."""
    organization = (ensure_institutions()[institution] if institution is not None
                    else ensure_secretariat())
    user = _new_user(email=email, name=name, password=password, organization=organization,
                     role=MemberRole.member, locale=locale,
                     timezone="Asia/Seoul" if institution == Institution.mss else "Asia/Tokyo")
    user.is_admin = is_admin
    user.email_verified_at = utcnow()
    audit.record(None, "user.staff_created", user, institution=str(institution or ""))
    db.session.flush()
    return user



# Administration of accounts ----------------------------------------------------------------

def _password_setting_link(user: User) -> str:
    token = _serializer("reset-password").dumps({"uid": user.id, "fp": _reset_fingerprint(user)})
    return external_url("auth.reset_password", token=token)


def create_staff_account(*, actor: User, email, name, institution: Institution | None, is_admin: bool,
                         locale: str | None) -> User:
    """An administrator opens a staff account; the person chooses their own password by e-mail."""
    if not actor.is_admin:
        raise PermissionDenied()
    user = create_staff(email=email, name=name, password=secrets.token_urlsafe(24), institution=institution,
                        is_admin=is_admin, locale=locale)
    audit.record(actor, "user.staff_invited", user, institution=str(institution or ""), admin=is_admin)
    queue_email(user, "staff_welcome", link=_password_setting_link(user), inviter=actor)
    db.session.flush()
    return user


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
