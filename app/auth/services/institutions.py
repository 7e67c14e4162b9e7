"""The organisations the site itself runs on: the two partner institutions (iPark, MSS) and the
secretariat that is home to administrators. Created on demand, so every database has them."""
from sqlalchemy import select

from app.auth.models import Organization, OrganizationKind, VerificationState
from app.common.models import Institution
from app.common.time import utcnow
from app.extensions import db

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
