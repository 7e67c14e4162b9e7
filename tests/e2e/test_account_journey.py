"""A Korean venture registers, confirms its e-mail, signs in, reads the site in Korean and in
Japanese, and signs out; the session cookie it had no longer opens anything afterwards."""
import re

from playwright.sync_api import expect

from app.common.outbox import SUBJECT_PREFIX
from app.common.taxonomy import country_name
from tests.conftest import PASSWORD
from tests.e2e.helpers import (
    assert_page_in_language,
    deliver_mail,
    flash,
    link_in,
    newest_email,
    sign_in,
    tr,
)

NAME = "Jisoo Han"
ADDRESS = "jisoo.han@dasom-bio.test"
ORGANIZATION_LATIN = "Dasom Bio Inc."
ORGANIZATION_KOREAN = "다솜바이오 주식회사"

# Text of the signed-in home page (an organisation waiting for verification), checked in ko and ja.
HOME_TEXTS = [
    "My organisation",
    "Japan–Korea open innovation in the life sciences",
    "Three programmes",
    "Your organisation is waiting for verification by iPark or MSS staff. "
    "You can complete its profile in the meantime.",
    "Decisions on selection and funding are signed jointly by iPark Institute and MSS.",
]


def switch_language(page, language_name: str) -> None:
    page.locator("#language-menu").click()
    page.get_by_role("button", name=language_name, exact=True).click()


def test_venture_registers_confirms_signs_in_switches_language_and_signs_out(
        live_server, context, page, new_context, shot):
    app = live_server.app
    en = lambda msgid, **variables: tr(app, "en", msgid, **variables)  # noqa: E731

    # Register the organisation through the form, in English (the browser asks for en-US).
    page.goto("/auth/register")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Register your organisation")).to_be_visible()
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("E-mail address").fill(ADDRESS)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Language", exact=True).select_option(label="English")
    page.get_by_label("Time zone").select_option(label="Korean Time")
    page.get_by_label("Type of organisation").select_option(label="Venture")
    with app.test_request_context():
        korea = country_name("KR")
    page.get_by_label("Country", exact=True).select_option(label=korea)
    page.get_by_label("Organisation name (Latin script)").fill(ORGANIZATION_LATIN)
    page.get_by_label("Organisation name (own script)").fill(ORGANIZATION_KOREAN)
    page.get_by_label("AI drug discovery").check()
    page.get_by_label("Bioinformatics").check()
    page.get_by_label("I agree that Kakehashi keeps my data to run the programmes.").check()
    shot(page, "journey-01-register")
    page.get_by_role("button", name="Create the account").click()

    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(flash(page)).to_contain_text(
        en("Almost done: we sent you an e-mail with a link to confirm your address."))
    shot(page, "journey-02-login-after-register")

    # The outbox worker writes the confirmation e-mail; the person opens its link.
    assert deliver_mail(app) >= 1
    message = newest_email(live_server.mail_dir, ADDRESS)
    # .strip(): a long subject is folded right after "Subject:", and the parser keeps that space.
    assert message["Subject"].strip() == SUBJECT_PREFIX + en("Confirm your e-mail address for Kakehashi")
    page.goto(link_in(message, live_server.url, r"/auth/verify/"))
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(flash(page)).to_contain_text(
        en("Thank you: your e-mail address is confirmed. You can sign in now."))

    # Sign in through the form: the home page, signed in, in English.
    sign_in(page, ADDRESS, PASSWORD)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("#user-menu")).to_have_text(NAME)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text(HOME_TEXTS[3])).to_be_visible()
    shot(page, "journey-03-home-en")

    # The language menu: Korean, then Japanese.
    switch_language(page, "한국어")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#language-menu")).to_have_text("한국어")
    expect(page.locator("#user-menu")).to_have_text(NAME)
    shot(page, "journey-04-home-ko")
    assert_page_in_language(page, app, "ko", HOME_TEXTS)

    switch_language(page, "日本語")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#language-menu")).to_have_text("日本語")
    shot(page, "journey-05-home-ja")
    assert_page_in_language(page, app, "ja", HOME_TEXTS)

    # Keep the session cookie, and check that it really is a signed-in session on its own.
    (session_cookie,) = [c for c in context.cookies() if c["name"] == "session"]
    before_logout = new_context().new_page()
    before_logout.context.add_cookies([session_cookie])
    before_logout.goto("/auth/profile")
    expect(before_logout).to_have_url(re.compile(r"/auth/profile$"))
    expect(before_logout.locator("#user-menu")).to_have_text(NAME)
    before_logout.context.close()  # it must not touch the session again

    # Sign out through the user menu (the page is in Japanese now).
    page.locator("#user-menu").click()
    page.get_by_role("button", name=tr(app, "ja", "Sign out"), exact=True).click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("#user-menu")).to_have_count(0)
    expect(flash(page)).to_contain_text(tr(app, "ja", "You are signed out."))
    expect(page.locator("nav").get_by_role("link", name=tr(app, "ja", "Sign in"), exact=True)).to_be_visible()
    expect(page.locator("nav").get_by_role("link", name=tr(app, "ja", "Register"), exact=True)).to_be_visible()
    shot(page, "journey-06-signed-out-ja")
    assert_page_in_language(page, app, "ja", ["You are signed out.", "Register your organisation"])

    # The old cookie, replayed in another browser, is an anonymous visitor now.
    replay = new_context().new_page()
    replay.context.add_cookies([session_cookie])
    replay.goto("/auth/profile")
    expect(replay).to_have_url(re.compile(r"/auth/login\?next=%2Fauth%2Fprofile$"))
    expect(replay.locator("#user-menu")).to_have_count(0)
    expect(replay.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(flash(replay)).to_contain_text(en("Please sign in to see this page."))

    # The e-mail says which language it is in. Checked last so the journey above runs in full.
    # (write_eml() must set Content-Language after message.set_content(), which drops every
    # Content-* header set before it.)
    assert message["Content-Language"] == "en"
