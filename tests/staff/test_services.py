"""The services of the staff pages: organisation verification, staff accounts, the administration
of other people's accounts. What each changes, refuses, audits and mails."""
import itertools

import pytest
from sqlalchemy import select

from app.auth.models import MemberRole, VerificationState
from app.auth.services.accounts import EmailTaken
from app.auth.services.institutions import ensure_institutions, ensure_secretariat
from app.common.errors import InvalidTransition, PermissionDenied
from app.common.models import AuditEvent, Institution, OutboxEmail
from app.common.outbox import SUBJECT_PREFIX
from app.extensions import db
from app.staff.services import create_staff, create_staff_account, set_account_active, set_verification
from tests.records import audit_events, audit_summary, outbox, translated

NEW_PASSWORD = "another horse battery"


# Organisation verification ------------------------------------------------------------------

ALLOWED = {
    (VerificationState.pending, VerificationState.verified),
    (VerificationState.pending, VerificationState.rejected),
    (VerificationState.verified, VerificationState.rejected),
    (VerificationState.rejected, VerificationState.verified),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(VerificationState, repeat=2)))
def test_set_verification_every_transition(make_organization, make_user, users, current, target):
    organization = make_organization("company", state=current)
    owner = make_user(organization=organization, role="owner", locale="ja")
    make_user(organization=organization, role="member")
    staff = users["mss_staff"]

    if (current, target) not in ALLOWED:
        with pytest.raises(InvalidTransition):
            set_verification(organization, target, actor=staff)
        assert organization.verification_state == current
        assert audit_events(f"organization.{target}") == []
        assert outbox() == []
        return

    set_verification(organization, target, actor=staff, note="  Checked the registry. ")
    db.session.commit()
    assert organization.verification_state == target
    assert (organization.verified_at is not None) is (target == VerificationState.verified)
    assert organization.verification_note == "Checked the registry."
    [event] = audit_events(f"organization.{target}")
    assert audit_summary(event) == (f"organization.{target}", staff.id, "organizations", organization.id,
                                    str(current), str(target))
    assert event.details == {"note": "Checked the registry."}
    [mail] = outbox()  # to the owner only, in the owner's language
    assert (mail.recipient, mail.locale) == (owner.email, "ja")
    msgid = ("%(organization)s is verified on Kakehashi" if target == VerificationState.verified
             else "%(organization)s could not be verified on Kakehashi")
    assert mail.subject == SUBJECT_PREFIX + translated(msgid, "ja", organization=organization.name_latin)


def test_set_verification_mails_every_active_owner(make_organization, make_user, users):
    organization = make_organization("venture", state=VerificationState.pending)
    owners = [make_user(organization=organization, role="owner") for _ in range(2)]
    make_user(organization=organization, role="owner", active=False)
    make_user(organization=organization, role="member")
    set_verification(organization, VerificationState.verified, actor=users["admin"], note="")
    db.session.commit()
    assert organization.verification_note is None
    assert sorted(mail.recipient for mail in outbox()) == sorted(owner.email for owner in owners)


@pytest.mark.parametrize(("person", "org"), [
    ("venture_owner", "venture"),
    ("venture_member", "venture"),
    ("company_owner", "venture"),
    ("ipark_staff", "mss"),  # institutions are not verified by anyone
    ("admin", "ipark"),
])
def test_set_verification_refused(users, person, org):
    organization = {"venture": users["venture_owner"].organization, "mss": users["mss_staff"].organization,
                    "ipark": users["ipark_staff"].organization}[org]
    current = organization.verification_state
    target = VerificationState.rejected if current == VerificationState.verified else VerificationState.verified
    with pytest.raises(PermissionDenied):
        set_verification(organization, target, actor=users[person])
    assert organization.verification_state == current
    assert audit_events(f"organization.{target}") == []


# Staff accounts -----------------------------------------------------------------------------

@pytest.mark.parametrize(("institution", "is_admin", "timezone"), [
    (Institution.ipark, False, "Asia/Tokyo"),
    (Institution.mss, False, "Asia/Seoul"),
    (None, True, "Asia/Tokyo"),
])
def test_create_staff(app, institution, is_admin, timezone):
    user = create_staff(email="Staff@Example.TEST", name="Staff", password=NEW_PASSWORD,
                        institution=institution, is_admin=is_admin, locale="ja")
    db.session.commit()
    assert user.email == "staff@example.test"
    assert user.institution == institution
    assert user.is_staff is (institution is not None)
    assert user.is_admin is is_admin
    assert user.role == MemberRole.member
    assert user.email_verified is True
    assert user.timezone == timezone
    assert user.check_password(NEW_PASSWORD)
    if institution is None:
        assert user.organization == ensure_secretariat()
    else:
        assert user.organization == ensure_institutions()[institution]
    [event] = audit_events("user.staff_created")
    assert audit_summary(event) == ("user.staff_created", None, "users", user.id, None, None)
    assert event.details == {"institution": str(institution or "")}


def test_create_staff_refuses_an_address_in_use(make_user):
    make_user(email="staff@example.test")
    with pytest.raises(EmailTaken):
        create_staff(email="STAFF@example.test", name="Staff", password=NEW_PASSWORD,
                     institution=Institution.ipark)


# Administration of accounts -----------------------------------------------------------------

def test_create_staff_account_needs_an_administrator_and_mails_a_password_link(users):
    with pytest.raises(PermissionDenied):
        create_staff_account(actor=users["ipark_staff"], email="x@example.test", name="X",
                             institution=Institution.ipark, is_admin=False, locale="ja")
    user = create_staff_account(actor=users["admin"], email="new@ipark.example", name="New",
                                institution=Institution.ipark, is_admin=False, locale="ja")
    assert user.institution == Institution.ipark and not user.check_password("")
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "new@ipark.example"))
    assert "/auth/reset/" in mail.body_text and mail.locale == "ja"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == user.id,
                                                                AuditEvent.subject_type == "users")).all()
    assert "user.staff_invited" in actions


def test_set_account_active_transitions(users):
    target = users["venture_member"]
    set_account_active(target, False, actor=users["admin"])
    assert not target.active
    with pytest.raises(InvalidTransition):
        set_account_active(target, False, actor=users["admin"])
    with pytest.raises(PermissionDenied):
        set_account_active(target, True, actor=users["venture_owner"])
    set_account_active(target, True, actor=users["admin"])
    assert target.active
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == target.id,
                                                                AuditEvent.subject_type == "users")).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]
