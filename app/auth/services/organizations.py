"""An organisation's own changes: its profile, and its owners removing a colleague."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import MemberRole, Organization, User
from app.auth.services.sessions import end_other_sessions
from app.common import audit
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.extensions import db


class LastOwner(DomainError):
    default_message = _l("An organisation needs at least one owner.")


def update_organization(organization: Organization, *, actor: User, country, name_latin,
                        name_native, website, description, fields,
                        machine_translate_confidential: bool | None = None) -> None:
    if not organization.can_edit(actor):
        raise PermissionDenied()
    if machine_translate_confidential is not None and \
            machine_translate_confidential != organization.machine_translate_confidential:
        # Consent to send confidential text to a third party: who gave or withdrew it, and when.
        organization.machine_translate_confidential = machine_translate_confidential
        audit.record(actor, "organization.machine_translation_consent", organization,
                     confidential=machine_translate_confidential)
    organization.country = country
    organization.name_latin = name_latin.strip()
    organization.name_native = (name_native or "").strip() or None
    organization.website = (website or "").strip() or None
    organization.description = (description or "").strip() or None
    organization.fields = fields
    audit.record(actor, "organization.updated", organization)
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
