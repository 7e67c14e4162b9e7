"""The demo's organisations and accounts: every role the application knows, in three languages."""
from sqlalchemy import select

from app.auth.models import MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.accounts import find_user_by_email
from app.auth.services.institutions import ensure_institutions
from app.common.models import Institution
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db
from app.staff.services import create_staff

DEMO_PASSWORD = "kakehashi-demo"

ORGANIZATIONS = {
    "company": dict(kind=OrganizationKind.company, country="JP", name_latin="Sakura Pharmaceutical Co., Ltd.",
                    name_native="さくら製薬株式会社", website="https://sakura-pharma.example",
                    description="A mid-sized Japanese pharmaceutical company based in Fujisawa, "
                                "looking for AI partners in small-molecule discovery.",
                    fields=[Field.ai_drug_discovery, Field.target_identification, Field.clinical_development]),
    "university": dict(kind=OrganizationKind.university, country="JP", name_latin="Shonan University of Medicine",
                       name_native="湘南医科大学",
                       fields=[Field.regenerative_medicine, Field.cell_gene_therapy]),
    "venture": dict(kind=OrganizationKind.venture, country="KR", name_latin="Hanbit AI Discovery Inc.",
                    name_native="한빛에이아이디스커버리 주식회사",
                    description="Graph neural networks for hit-to-lead optimisation.",
                    fields=[Field.ai_drug_discovery, Field.bioinformatics]),
    "venture2": dict(kind=OrganizationKind.venture, country="KR", name_latin="Saeam Cell Therapeutics",
                     name_native="새암셀테라퓨틱스",
                     fields=[Field.cell_gene_therapy, Field.regenerative_medicine]),
}

# People are named as they write their names: Japanese family name first with a space, Korean names
# without one; the administrator, who works in English, in Latin script.
ACCOUNTS = [
    # email, name, organisation key, locale, time zone
    ("company@demo.test", "田中 遥", "company", "ja", "Asia/Tokyo"),
    ("university@demo.test", "佐藤 健二", "university", "ja", "Asia/Tokyo"),
    ("venture@demo.test", "김민준", "venture", "ko", "Asia/Seoul"),
    ("venture2@demo.test", "박서연", "venture2", "ko", "Asia/Seoul"),
]

STAFF = [
    ("admin@demo.test", "Site Administrator", None, "en"),
    ("ipark@demo.test", "鈴木 愛子", Institution.ipark, "ja"),
    ("mss@demo.test", "이지우", Institution.mss, "ko"),
]


def seed_people() -> int:
    """Idempotent: existing accounts and organisations are left as they are; returns how many
    accounts were created."""
    ensure_institutions()
    created = 0
    for email, name, institution, locale in STAFF:
        if find_user_by_email(email) is None:
            create_staff(email=email, name=name, password=DEMO_PASSWORD, institution=institution,
                         is_admin=institution is None, locale=locale)
            created += 1
    for email, name, key, locale, timezone in ACCOUNTS:
        if find_user_by_email(email) is not None:
            continue
        attributes = dict(ORGANIZATIONS[key])
        fields = attributes.pop("fields")
        organization = db.session.scalar(select(Organization).where(
            Organization.name_latin == attributes["name_latin"]))
        if organization is None:
            organization = Organization(**attributes, verification_state=VerificationState.verified,
                                        verified_at=utcnow())
            organization.fields = fields
            db.session.add(organization)
        user = User(email=email, name=name, organization=organization, role=MemberRole.owner,
                    locale=locale, timezone=timezone, email_verified_at=utcnow())
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created += 1
    _seed_unverified_organization()
    db.session.flush()
    return created


def person(email: str) -> User:
    """A demo account, which the stories need to exist already."""
    user = find_user_by_email(email)
    if user is None:
        raise LookupError(f"demo account {email} is missing: seed the accounts first")
    return user


def _seed_unverified_organization() -> None:
    """One registration waiting in the staff verification queue."""
    email = "newcomer@demo.test"
    if find_user_by_email(email) is not None:
        return
    organization = Organization(kind=OrganizationKind.venture, country="KR",
                                name_latin="NuriGen Inc.", name_native="누리젠")
    organization.fields = [Field.diagnostics, Field.digital_health]
    user = User(email=email, name="최현", organization=organization, role=MemberRole.owner,
                locale="ko", timezone="Asia/Seoul", email_verified_at=utcnow())
    user.set_password(DEMO_PASSWORD)
    db.session.add_all([organization, user])
