"""A company owner invites a colleague from the Members page; the colleague follows the link in
the e-mail, creates an account in the organisation, and signs in."""
import re

from playwright.sync_api import expect

from app.auth.models import MemberRole, Organization, OrganizationKind, User, VerificationState
from app.common.outbox import SUBJECT_PREFIX
from app.common.time import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.helpers import deliver_mail, flash, link_in, newest_email, sign_in, tr

OWNER_NAME = "Haruka Tanaka"
OWNER_ADDRESS = "haruka.tanaka@sakura-pharma.test"
COLLEAGUE_NAME = "Daiki Mori"
COLLEAGUE_ADDRESS = "daiki.mori@sakura-pharma.test"
COLLEAGUE_PASSWORD = "another long passphrase"


def create_company_owner(app) -> str:
    """A verified Japanese company and its owner, as a finished registration leaves them."""
    with app.app_context():
        organization = Organization(
            kind=OrganizationKind.company, country="JP", name_latin="Sakura Pharmaceutical Co., Ltd.",
            name_native="さくら製薬株式会社", verification_state=VerificationState.verified,
            verified_at=utcnow())
        owner = User(email=OWNER_ADDRESS, name=OWNER_NAME, organization=organization, role=MemberRole.owner,
                     locale="en", timezone="Asia/Tokyo", email_verified_at=utcnow())
        owner.set_password(PASSWORD)
        db.session.add_all([organization, owner])
        db.session.commit()
        return organization.name_for(owner.locale)


def test_owner_invites_a_colleague_who_registers_through_the_link_and_signs_in(
        live_server, page, new_context, shot):
    app = live_server.app
    en = lambda msgid, **variables: tr(app, "en", msgid, **variables)  # noqa: E731
    organization = create_company_owner(app)

    # The owner signs in and opens Members from the user menu.
    page.goto("/auth/login")
    sign_in(page, OWNER_ADDRESS, PASSWORD)
    expect(page.locator("#user-menu")).to_have_text(OWNER_NAME)
    page.locator("#user-menu").click()
    expect(page.locator(".dropdown-menu.show")).to_contain_text(organization)
    page.get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(r"/auth/organization/members$"))
    expect(page.get_by_text(en("No open invitations."))).to_be_visible()

    # Invite the colleague, in English.
    page.get_by_label("E-mail address").fill(COLLEAGUE_ADDRESS)
    page.get_by_label("Language of the invitation").select_option(label="English")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page).to_have_url(re.compile(r"/auth/organization/members$"))
    expect(flash(page)).to_contain_text(en("The invitation is on its way to %(email)s.", email=COLLEAGUE_ADDRESS))
    expect(page.locator(".list-group-item", has_text=COLLEAGUE_ADDRESS)).to_have_count(1)
    shot(page, "invitation-01-members-owner")

    # The e-mail goes out; the colleague opens its link in their own browser.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, COLLEAGUE_ADDRESS)
    # .strip(): a long subject is folded right after "Subject:", and the parser keeps that space.
    assert message["Subject"].strip() == SUBJECT_PREFIX + en("%(name)s invites you to %(organization)s on Kakehashi",
                                    name=OWNER_NAME, organization="Sakura Pharmaceutical Co., Ltd.")
    link = link_in(message, live_server.url, r"/auth/register\?invitation=")

    colleague = new_context().new_page()
    colleague.goto(link)
    expect(colleague.get_by_role("heading", name=en("Join %(organization)s", organization=organization))) \
        .to_be_visible()
    expect(colleague.get_by_text(en("%(name)s invited you to work with them on Kakehashi.", name=OWNER_NAME))) \
        .to_be_visible()
    address = colleague.get_by_label("E-mail address")
    expect(address).to_have_value(COLLEAGUE_ADDRESS)
    expect(address).to_have_attribute("readonly", "")
    # The organisation already exists: none of its fields are asked for.
    for label in ("Type of organisation", "Country", "Organisation name (Latin script)",
                  "Organisation name (own script)"):
        expect(colleague.get_by_label(label, exact=True)).to_have_count(0)
    expect(colleague.locator("input[name=fields]")).to_have_count(0)
    shot(colleague, "invitation-02-register-colleague")

    colleague.get_by_label("Your name").fill(COLLEAGUE_NAME)
    colleague.get_by_label("Password", exact=True).fill(COLLEAGUE_PASSWORD)
    colleague.get_by_label("Repeat the password").fill(COLLEAGUE_PASSWORD)
    colleague.get_by_label("I agree that Kakehashi keeps my data to run the programmes.").check()
    colleague.get_by_role("button", name="Create the account").click()

    # Signed out on the login page: the account is ready, no e-mail confirmation needed.
    expect(colleague).to_have_url(re.compile(r"/auth/login$"))
    expect(flash(colleague)).to_contain_text(en("Welcome! Your account is ready: please sign in."))
    expect(colleague.locator("#user-menu")).to_have_count(0)
    shot(colleague, "invitation-03-login-colleague")

    sign_in(colleague, COLLEAGUE_ADDRESS, COLLEAGUE_PASSWORD)
    expect(colleague).to_have_url(live_server.url + "/")
    expect(colleague.locator("#user-menu")).to_have_text(COLLEAGUE_NAME)
    colleague.locator("#user-menu").click()
    expect(colleague.locator(".dropdown-menu.show")).to_contain_text(organization)
    shot(colleague, "invitation-04-home-colleague")

    # The owner sees the new member, and the invitation is used up.
    page.reload()
    members = page.locator("table tbody tr")
    expect(members).to_have_count(2)
    expect(members.filter(has_text=COLLEAGUE_ADDRESS)).to_contain_text(COLLEAGUE_NAME)
    expect(page.get_by_text(en("No open invitations."))).to_be_visible()
    # A second use of the same link is refused.
    again = new_context().new_page()
    again.goto(link)
    expect(again).to_have_url(re.compile(r"/auth/register$"))
    expect(flash(again)).to_contain_text(
        en("This invitation is no longer valid. Please ask your colleague for a new one."))
