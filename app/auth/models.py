import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.enums import LabelledEnum
from app.common.models import EnumRows, Institution
from app.common.names import script_language
from app.common.taxonomy import Field
from app.common.time import as_utc, utcnow
from app.extensions import db

# argon2-cffi's defaults are RFC 9106's low-memory recommendation for argon2id. Tests use the
# same algorithm with small costs (config ARGON2_PARAMETERS); each hash records its own costs.
password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    parameters = current_app.config.get("ARGON2_PARAMETERS") if current_app else None
    return (PasswordHasher(**parameters) if parameters else password_hasher).hash(password)


class OrganizationKind(LabelledEnum):
    company = "company", _l("Company")
    university = "university", _l("University")
    research_institute = "research_institute", _l("Research institute")
    venture = "venture", _l("Venture")
    institution = "institution", _l("Institution")


# Kinds that post calls in the partners' programmes (DESIGN.md, the programme table) and review the
# proposals shortlisted for them; the institutions post the cohort calls of startup support.
CALL_POSTING_KINDS = frozenset({OrganizationKind.company, OrganizationKind.university,
                                OrganizationKind.research_institute})

# Kinds a person may choose when registering; institutions are created by administrators.
REGISTRABLE_KINDS = (OrganizationKind.company, OrganizationKind.university,
                     OrganizationKind.research_institute, OrganizationKind.venture)


class VerificationState(LabelledEnum):
    pending = "pending", _l("Awaiting verification"), "warning"
    verified = "verified", _l("Verified"), "success"
    rejected = "rejected", _l("Not verified"), "secondary"


VERIFICATION_TRANSITIONS: dict[VerificationState, set[VerificationState]] = {
    VerificationState.pending: {VerificationState.verified, VerificationState.rejected},
    VerificationState.verified: {VerificationState.rejected},
    VerificationState.rejected: {VerificationState.verified},
}


class MemberRole(LabelledEnum):
    owner = "owner", _l("Owner")
    member = "member", _l("Member")


# The two institutions' official names (their own, not translations of ours): what every reader sees,
# each in their language. Korean text never says "MSS" (docs/glossary.md).
INSTITUTION_NAMES: dict[Institution, dict[str, str]] = {
    Institution.ipark: {"en": "Shonan Health Innovation Park (Shonan iPark)",
                        "ja": "湘南ヘルスイノベーションパーク（湘南アイパーク）",
                        "ko": "쇼난 아이파크"},
    Institution.mss: {"en": "Ministry of SMEs and Startups (MSS)",
                      "ja": "韓国中小ベンチャー企業部（MSS）",
                      "ko": "중소벤처기업부"},
}

# A name in Han characters alone reads as Japanese only when the organisation is Japanese (a Chinese or
# Taiwanese name is no easier for a Japanese reader than for anyone else).
_HAN_READERS = {"JP": "ja"}


def language_of(locale) -> str:
    """'ja' of a Locale, 'ja', 'ja_JP' or 'ja-JP'; English when there is none."""
    return str(locale or "en").replace("-", "_").split("_")[0]


class OrganizationField(db.Model):
    __tablename__ = "organization_fields"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    field: Mapped[Field] = mapped_column(primary_key=True, index=True)


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    name_latin: Mapped[str] = mapped_column(String(200))
    name_native: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    institution: Mapped[Institution | None] = mapped_column(unique=True)
    verification_state: Mapped[VerificationState] = mapped_column(
        default=VerificationState.pending, index=True)
    verified_at: Mapped[datetime | None]
    verification_note: Mapped[str | None] = mapped_column(Text)
    # The owners' consent to send the organisation's confidential text (a call's confidential part and
    # NDA, a venture's proposals) to DeepL for machine drafts; public text needs none (issue 11).
    machine_translate_confidential: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded when read: the pages that show an organisation's fields show one organisation.
    field_rows: Mapped[list[OrganizationField]] = relationship(cascade="all, delete-orphan")
    members: Mapped[list["User"]] = relationship(
        back_populates="organization", foreign_keys="User.organization_id",
        order_by="User.created_at")

    __table_args__ = (
        CheckConstraint("(verification_state = 'verified') = (verified_at IS NOT NULL)",
                        name="verified_at_matches_state"),
        CheckConstraint("institution IS NULL OR kind = 'institution'", name="institution_kind"),
    )

    fields = EnumRows("field_rows", "field", Field, OrganizationField)

    def pending_invitations(self) -> list["Invitation"]:
        """Invitations still open to use, the latest first."""
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.organization_id == self.id, Invitation.accepted_at.is_(None),
                                     Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc()))
        return [invitation for invitation in invitations if invitation.is_usable()]

    @property
    def display_name(self) -> str:
        """Both names, for staff who verify an organisation; readers get ``name_for``."""
        if self.name_native and self.name_native != self.name_latin:
            return f"{self.name_latin} ({self.name_native})"
        return self.name_latin

    @property
    def native_language(self) -> str | None:
        """The language whose readers read ``name_native`` ('ja', 'ko'), if any of the site's."""
        return script_language(self.name_native, han=_HAN_READERS.get(self.country)) if self.name_native else None

    def name_for(self, locale) -> str:
        """The name a reader of ``locale`` can read: an institution's official name in that language;
        the name in the organisation's own script for readers of that script; else the Latin name."""
        language = language_of(locale)
        if self.institution is not None:
            names = INSTITUTION_NAMES[self.institution]
            return names.get(language, names["en"])
        if self.name_native and self.native_language == language:
            return self.name_native
        return self.name_latin

    @property
    def is_verified(self) -> bool:
        return self.verification_state == VerificationState.verified

    @property
    def shows_verification_note(self) -> bool:
        """Staff's note tells the organisation what is missing; once verified it is staff's own."""
        return bool(self.verification_note) and not self.is_verified

    def can_edit(self, user) -> bool:
        """Its owners; administrators for any organisation."""
        return user.is_authenticated and (
            user.is_admin or (user.organization_id == self.id and user.is_owner))

    def can_view_members(self, user) -> bool:
        return user.is_authenticated and (
            user.organization_id == self.id or user.can_use_staff_pages)

    def can_invite(self, user) -> bool:
        """Owners bring in colleagues; staff accounts are made by administrators only."""
        return (user.is_authenticated and user.organization_id == self.id and user.is_owner
                and self.kind != OrganizationKind.institution)

    def can_verify(self, user) -> bool:
        return (user.is_authenticated and user.can_use_staff_pages
                and self.kind != OrganizationKind.institution)

    def can_become(self, target: VerificationState) -> bool:
        return target in VERIFICATION_TRANSITIONS.get(self.verification_state, set())


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(default=MemberRole.member)
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    email_verified_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_counter: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(
        back_populates="members", foreign_keys=[organization_id], lazy="joined")

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # Flask-Login's interface. get_id names the login session, not the user, so that ending
    # a session (logout, password change) makes its cookie worthless.
    is_anonymous = False
    login_session = None  # the LoginSession this request is signed in with

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_session.key if self.login_session else None

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        try:
            return password_hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.owner

    @property
    def institution(self) -> Institution | None:
        return self.organization.institution if self.organization else None

    @property
    def is_staff(self) -> bool:
        return self.institution is not None

    @property
    def is_venture(self) -> bool:
        return self.organization.kind == OrganizationKind.venture

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def can_use_staff_pages(self) -> bool:
        """Institution staff and administrators: verification, decisions, audit log."""
        return self.is_staff or self.is_admin

    @property
    def can_use_review_pages(self) -> bool:
        """Staff review every call's proposals; members of organisations that post calls review those
        shortlisted for them (the "Reviews" menu)."""
        return self.is_staff or self.organization.kind in CALL_POSTING_KINDS

    @property
    def needs_two_factor(self) -> bool:
        """Staff and administrators sign money and decisions: they may (or must) use TOTP."""
        return self.can_use_staff_pages

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def should_enrol_two_factor(self) -> bool:
        """Staff and administrators without a factor yet: reminded to enrol."""
        return self.needs_two_factor and not self.has_two_factor

    def must_enrol_two_factor(self, required: bool) -> bool:
        """The one case where a password alone leads to enrolment: two-factor is required
        (STAFF_REQUIRE_2FA) and this account has no factor yet."""
        return required and self.should_enrol_two_factor

    def asks_for_second_factor(self, required: bool) -> bool:
        """After the password, a code before the sign-in completes (or, when two-factor is
        ``required`` and there is no factor yet, enrolment first)."""
        return self.has_two_factor or self.must_enrol_two_factor(required)

    def can_be_removed_by(self, actor) -> bool:
        """An owner (or an administrator) removes a colleague, never themselves."""
        return self.active and self.organization.can_edit(actor) and actor.id != self.id

    def is_colleague_of(self, user) -> bool:
        """An active member of ``user``'s own organisation (``user`` included): the people on
        their members page, and the only ones an owner removes from there."""
        return user.is_authenticated and self.active and self.organization_id == user.organization_id

    def can_be_managed_by(self, actor) -> bool:
        """Administrators manage other people's accounts, never their own (no self lock-out)."""
        return actor.is_authenticated and actor.is_admin and actor.id != self.id


class AnonymousUser(AnonymousUserMixin):
    is_admin = False
    is_staff = False
    can_use_staff_pages = False
    can_use_review_pages = False
    is_owner = False
    is_venture = False
    institution = None
    organization_id = None
    locale = None
    timezone = None


class LoginSession(db.Model):
    """One signed-in browser. The session cookie carries only its random key."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


def organizations_to_verify(state: VerificationState | None):
    """Organisations (not the institutions) in ``state``, or in any state, the latest registered
    first (a query to paginate)."""
    query = select(Organization).where(Organization.kind != OrganizationKind.institution)
    if state is not None:
        query = query.where(Organization.verification_state == state)
    return query.order_by(Organization.created_at.desc(), Organization.id.desc())


def verification_counts() -> dict[VerificationState, int]:
    """How many organisations (not the institutions) are in each verification state."""
    return dict(db.session.execute(
        select(Organization.verification_state, func.count())
        .where(Organization.kind != OrganizationKind.institution)
        .group_by(Organization.verification_state)).all())


def find_accounts(q: str):
    """Accounts whose address, name or organisation's name (Latin or native) contains ``q`` (all,
    without it), the latest created first (a query to paginate)."""
    query = select(User).join(User.organization)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(User.email.like(pattern), func.lower(User.name).like(pattern),
                                func.lower(Organization.name_latin).like(pattern),
                                Organization.name_native.like(f"%{q}%")))
    return query.order_by(User.created_at.desc(), User.id.desc())


def venture(organization_id: int) -> Organization | None:
    """The venture with this id; None if there is none (another kind of organisation included)."""
    organization = db.session.get(Organization, organization_id)
    return organization if organization is not None and organization.kind == OrganizationKind.venture else None


def ventures() -> list[Organization]:
    """Every venture, by name: the choices of a form."""
    return db.session.scalars(select(Organization).where(Organization.kind == OrganizationKind.venture)
                              .order_by(Organization.name_latin, Organization.id)).all()


class Invitation(db.Model):
    """An owner's invitation to join their organisation; single use, and it expires."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_invitations_organization_open", "organization_id", "accepted_at"),
        CheckConstraint("accepted_at IS NULL OR revoked_at IS NULL", name="accepted_or_revoked"),
    )

    def is_usable(self) -> bool:
        return (self.accepted_at is None and self.revoked_at is None
                and as_utc(self.expires_at) > utcnow())

    def can_view(self, user) -> bool:
        """Members of the inviting organisation; to anyone else it does not exist."""
        return user.is_authenticated and user.organization_id == self.organization_id

    def can_revoke(self, user) -> bool:
        return self.organization.can_invite(user) and self.is_usable()
