"""The interface wording follows docs/glossary.md: no word the glossary rules out, Japanese
labels with a full-width colon, Korean particles that fit whatever a placeholder ends with, column
headers apart from the state words, and every e-mail with its prefix, signature and send-only line."""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, pgettext

from app.common import outbox
from app.common.time import utcnow

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
GLOSSARY = ROOT / "docs" / "glossary.md"
EMAILS = ROOT / "app" / "templates" / "email"


def catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def msgstrs(lang):
    """(msgid, msgstr) for every translated form of every entry."""
    for message in catalog(lang):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for string in (message.string,) if isinstance(message.string, str) else message.string:
            yield source, string


def glossary_table(heading):
    """The rows of the first table under ``## heading``, as lists of cells."""
    section = GLOSSARY.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]  # header, rule


def words_we_do_not_use(lang):
    return [word for language, word, _instead in glossary_table("Words we do not use") if language == lang]


def test_the_glossary_rules_words_out_in_both_languages():
    assert len(words_we_do_not_use("ja")) >= 10 and len(words_we_do_not_use("ko")) >= 15
    assert {"公開審査", "発効", "投稿", "コホート", "オーナー", "スタッフ"} <= set(words_we_do_not_use("ja"))
    assert {"MSS", "포상금", "소유자", "심사", "돌려보내", "발효", "초안", "Shonan iPark"} <= set(
        words_we_do_not_use("ko"))


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_no_msgstr_uses_a_word_the_glossary_rules_out(lang):
    words = words_we_do_not_use(lang)
    found = [(word, source, string) for source, string in msgstrs(lang) for word in words if word in string]
    assert not found, "docs/glossary.md, 'Words we do not use':\n" + "\n".join(
        f"  {word!r} in {string!r} (msgid {source!r})" for word, source, string in found)


def test_japanese_labels_take_a_full_width_colon():
    half_width = [(source, string) for source, string in msgstrs("ja")
                  if re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]\s*:(?!//)", string)]
    assert not half_width, half_width


# A particle right after a placeholder (or after the quote closing it) must agree with the last
# letter of a text we do not know: 은/는, 이/가, 을/를, 와/과, 으로/로 cannot.
VARIABLE_PARTICLE = re.compile(r"%\(\w+\)s[’”'\"」]?(은|는|이|가|을|를|와|과|으로|로)(?![가-힣])")


def test_korean_particles_after_a_placeholder_fit_any_last_letter():
    wrong = [(source, string) for source, string in msgstrs("ko") if VARIABLE_PARTICLE.search(string)]
    assert not wrong, wrong


@pytest.mark.parametrize(("string", "wrong"), [
    ("제안서 ‘%(proposal)s’는 이제 수정할 수 없으며", True),
    ("%(organization)s와(과) 함께하려면", True),
    ("%(title)s을 선택", True),
    ("‘%(proposal)s’ 제안서는 이제 수정할 수 없으며", False),
    ("%(name)s 님이 초대했습니다", False),
    ("%(organization)s에서 제안서를 열람할 수 있습니다", False),
    ("%(deadline)s까지 연장되었습니다", False),
])
def test_the_particle_rule_itself(string, wrong):
    assert bool(VARIABLE_PARTICLE.search(string)) is wrong


# Column headers that reuse a state word ----------------------------------------------------------

# The English word of a state (or of a menu) that also heads a table column: as a header it says
# what the column holds (提出日時, not 提出済み), so it is translated apart, as pgettext("column", …).
COLUMN_HEADERS = ["Submitted", "Reviews", "Waiting for signatures"]


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_column_headers_have_their_own_translation(lang):
    entries = {(message.context, message.id): message.string for message in catalog(lang) if message.id}
    for label in COLUMN_HEADERS:
        header, state = entries.get(("column", label)), entries[(None, label)]
        assert header and header != state, (label, header, state)


def test_the_ranking_table_heads_its_columns_with_the_column_words(client, login, users, make_challenge,
                                                                   make_proposal):
    challenge = make_challenge("open")
    make_proposal("submitted", challenge=challenge)
    login(users["ipark_staff"])
    for lang, submitted_header, submitted_state in (("ja", "提出日時", "提出済み"), ("ko", "제출일", "제출됨")):
        page = client.get(f"/review/challenges/{challenge.id}?lang={lang}").get_data(as_text=True)
        head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
        with force_locale(lang):
            wanted = [pgettext("column", label) for label in COLUMN_HEADERS]
        assert submitted_header in head and submitted_state not in head
        assert all(word in head for word in wanted), (lang, wanted)
        assert submitted_state in page  # the state badge in the row keeps the state word


# E-mails -----------------------------------------------------------------------------------------

def body_templates() -> list[str]:
    return sorted(path.name.removesuffix(".txt") for path in EMAILS.glob("*.txt")
                  if not path.name.startswith("_") and not path.name.endswith(".subject.txt"))


def test_every_email_body_ends_with_the_shared_signature():
    """The signature lives in one partial, so a new e-mail gets it by including that partial."""
    assert len(body_templates()) >= 25
    missing = [name for name in body_templates()
               if '{% include "email/_footer.txt" %}' not in (EMAILS / f"{name}.txt").read_text(encoding="utf-8")]
    assert not missing, missing


def test_the_subject_line_has_the_prefix_once_and_one_line():
    assert outbox.subject_line("  Your call is open:\n  KRAS  ") == "[Kakehashi] Your call is open: KRAS"


@pytest.fixture
def mail_contexts(users, make_challenge, make_proposal):
    """(recipient, context) for every e-mail template, as the services queue them."""
    challenge = make_challenge("open", title="KRAS binders")
    proposal = make_proposal("shortlisted", challenge=challenge, title="Graph binders")
    venture, company, staff = users["venture_owner"], users["company_owner"], users["mss_staff"]
    url, link = "https://kakehashi.test/challenges/1", "https://kakehashi.test/auth/token"
    question = SimpleNamespace(body="May we use your assay data?", answer="Yes, after the NDA.", answered_at=utcnow())
    on_proposal = dict(proposal=proposal, challenge=challenge, url=url)
    award = SimpleNamespace(id=7, proposal=proposal, amount_minor=30_000_000, currency="JPY", is_in_kind=False,
                            needs_deposit=True, in_kind_what=None, in_kind_days=None)
    tranche = SimpleNamespace(title="Proof of concept", amount_minor=10_000_000)
    deposit = SimpleNamespace(amount_minor=30_000_000, currency="JPY", receipt_number="KH-00007-00001")
    payee = SimpleNamespace(masked_account="••••••••6789")
    on_award = dict(award=award, url=url)
    return {
        "award_active": (venture, on_award),
        "award_approved": (venture, on_award),
        "award_deposit_due": (company, on_award),
        "award_to_propose": (staff, dict(proposal=proposal, url=url)),
        "deposit_received": (company, dict(on_award, deposit=deposit)),
        "evidence_returned": (venture, dict(on_award, tranche=tranche, reason="Add the assay data.")),
        "evidence_submitted": (staff, dict(on_award, tranche=tranche)),
        "payee_changed": (venture, dict(payee=payee, url=url)),
        "payee_confirm": (venture, dict(payee=payee, url=link)),
        "tranche_approved": (venture, dict(on_award, tranche=tranche)),
        "tranche_paid": (venture, dict(on_award, tranche=tranche)),
        "challenge_awarded": (venture, dict(challenge=challenge, url=url)),
        "challenge_cancelled": (venture, dict(challenge=challenge, url=url, reason="The budget was withdrawn.")),
        "challenge_changes_requested": (company, dict(challenge=challenge, url=url, note="Name the assay.")),
        "challenge_closed": (company, dict(challenge=challenge, url=url)),
        "challenge_matching": (venture, dict(challenge=challenge, url=url)),
        "challenge_published": (company, dict(challenge=challenge, url=url)),
        "challenge_submitted": (staff, dict(challenge=challenge, url=url)),
        "challenge_updated": (venture, dict(challenge=challenge, url=url, nda_changed=True, deadline_extended=True)),
        "invitation": ("new.colleague@example.test", dict(organization=company.organization, inviter=company,
                                                          link=link)),
        "invitation_account_exists": (venture, dict(organization=company.organization, inviter=company,
                                                    login_link=link)),
        "organization_verification": (venture, dict(organization=venture.organization, verified=False,
                                                    note="Add your registry number.")),
        "password_changed": (venture, {}),
        "proposal_call_closed": (venture, dict(on_proposal, was_draft=False)),
        "proposal_declined": (venture, dict(on_proposal, reason="Out of scope.")),
        "proposal_revision_requested": (venture, dict(on_proposal, reason="Add a budget.")),
        "proposal_selected": (venture, dict(on_proposal, note="Welcome aboard.")),
        "proposal_shortlisted": (venture, dict(on_proposal, note="Strong science.")),
        "proposal_shortlisted_company": (company, on_proposal),
        "proposal_submitted": (venture, dict(on_proposal, resubmitted=False)),
        "question_answered": (venture, dict(challenge=challenge, url=url, question=question)),
        "question_asked": (company, dict(challenge=challenge, url=url, question=question)),
        "registration_attempt": (venture, dict(login_link=link, reset_link=link)),
        "reset_password": (venture, dict(link=link)),
        "review_assigned": (staff, on_proposal),
        "staff_welcome": (staff, dict(link=link, inviter=users["admin"])),
        "two_factor_reset": (staff, {}),
        "verify_email": (venture, dict(link=link)),
    }


# What the brief for the e-mails asks of each language, word for word.
SEND_ONLY = {"ja": "本メールは送信専用です", "ko": "본 메일은 발신 전용입니다", "en": "send-only address"}
SECRETARIAT = {"ja": "運営事務局", "ko": "운영 사무국", "en": "Kakehashi secretariat"}


@pytest.mark.parametrize("locale", ["en", "ja", "ko"])
@pytest.mark.parametrize("template", body_templates())
def test_every_email_has_the_prefix_the_signature_and_the_send_only_line(app, mail_contexts, template, locale):
    if template not in mail_contexts:
        pytest.fail(f"email/{template}.txt is new: give it a recipient and a context in mail_contexts")
    recipient, context = mail_contexts[template]
    row = outbox.queue_email(recipient, template, locale=locale, **context)
    assert row.subject.startswith(outbox.SUBJECT_PREFIX) and row.subject.count("[Kakehashi]") == 1
    assert row.subject.removeprefix(outbox.SUBJECT_PREFIX).strip()
    with force_locale(locale):
        signature = [gettext("Kakehashi secretariat"),
                     gettext("Contact: %(address)s", address=app.config["MAIL_SECRETARIAT"]),
                     gettext("This e-mail was sent from a send-only address. Please do not reply to it; "
                             "write to the contact above.")]
    body = row.body_text
    assert all(line in body for line in signature), (template, locale, body)
    assert SEND_ONLY[locale] in body and SECRETARIAT[locale] in body
    assert app.config["MAIL_SECRETARIAT"] in body
    if locale == "ja":  # a business register
        assert "こんにちは" not in body and "うれしい" not in body
