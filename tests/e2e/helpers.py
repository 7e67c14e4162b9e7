"""What the journeys share: the expected text from the catalogs, the mail folder, the sign-in form."""
import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from app.common.outbox import send_pending

# A translation must be written in the language's own script, or the catalog is not filled.
SCRIPTS = {
    "ko": re.compile(r"[\uac00-\ud7a3]"),                # Hangul syllables
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),   # kana and kanji
}


def tr(app, locale: str, msgid: str, **variables) -> str:
    """The text the application shows for ``msgid`` in ``locale``, read from the compiled catalog."""
    with app.test_request_context(), force_locale(locale):
        return gettext(msgid, **variables)


def assert_page_in_language(page: Page, app, locale: str, msgids: list[str]) -> None:
    """<html lang> is ``locale``; each msgid shows translated and its English original does not."""
    expect(page.locator("html")).to_have_attribute("lang", locale)
    visible = page.locator("body").inner_text()
    for msgid in msgids:
        translated = tr(app, locale, msgid)
        assert SCRIPTS[locale].search(translated), (
            f"the {locale} catalog has no translation for {msgid!r} (gettext gave {translated!r}); "
            f"fill app/translations/{locale}/LC_MESSAGES/messages.po and run `make i18n-compile`")
        assert translated in visible, f"{translated!r} ({msgid!r}) is not on the {locale} page {page.url}"
        assert msgid not in visible, f"the English {msgid!r} is still on the {locale} page {page.url}"


def flash(page: Page):
    """The flashed messages at the top of the page."""
    return page.locator("main .alert[role=alert]")


def deliver_mail(app) -> int:
    """Run the outbox worker once, as `flask jobs run` does: it writes .eml files to MAIL_FILE_DIR."""
    with app.app_context():
        return send_pending()


def newest_email(mail_dir: Path, recipient: str) -> EmailMessage:
    """The last message written for ``recipient`` (files are named by outbox id, so they sort)."""
    messages = [email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(mail_dir.glob("*.eml"))]
    mine = [m for m in messages if m["To"] == recipient]
    assert mine, f"no e-mail to {recipient} in {mail_dir} (found {[m['To'] for m in messages]})"
    return mine[-1]


def link_in(message: EmailMessage, base_url: str, path_pattern: str) -> str:
    """The one link in the body that points to this server and matches ``path_pattern``."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(re.escape(base_url) + path_pattern + r"\S*", body)
    assert len(links) == 1, f"expected one link like {path_pattern} in the e-mail, found {links}:\n{body}"
    return links[0]


def sign_in(page: Page, address: str, password: str) -> None:
    """Fill the sign-in form on the current page and send it."""
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
