"""Funding, end to end, with the Stripe path pointed at a local fake Stripe (tests/fakes/stripe_server.py):
the library's API base is the fake's, whose hosted pages (Checkout, Connect onboarding) send real signed
webhooks to the application and redirect back, as Stripe's do.

Two awards on a Japanese company's call, signed by iPark (reading Japanese) and MSS (reading Korean) on the
joint decisions page. The company pays one in through Checkout; staff record its bank transfer for the other.
A Japanese venture registers a Stripe account (confirmed from its e-mail, onboarded at "Stripe"), a Korean
venture a bank account. Both submit the evidence of their first milestone; both institutions approve it: the
Japanese payee is paid by a Stripe transfer at once, the Korean payee's remittance is exported for the bank
and its confirmation recorded. Each side sees where its money is, in its own language."""
import csv
import io
import re
from datetime import date

from playwright.sync_api import expect

from app.auth.models import Institution, MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.institutions import ensure_institutions
from app.common.money import Currency
from app.common.time import utcnow
from app.demo.pdf import one_page_pdf
from app.extensions import db
from app.funding import services
from app.funding.models import Award, AwardSource, PayeeKind, Tranche, TrancheState
from tests.conftest import PASSWORD, challenge_factory, proposal_factory
from tests.e2e.helpers import deliver_mail, flash, newest_email, tr
from tests.fakes.stripe_server import FakeStripeServer

WEBHOOK_SECRET = "whsec_journey"
POSTER = "haruka.tanaka@sakura-pharma.test"
IPARK = "aiko.suzuki@ipark.test"
MSS = "seoyeon.kim@mss.test"
JP_VENTURE = "ren.ito@kotobuki-ai.test"
KR_VENTURE = "minjun.kim@hanbit-bio.test"
KR_ACCOUNT = "110123456789"


def people_and_awards(app) -> dict:
    """The people, a selected proposal of each venture to the company's call, and an award of
    ¥3,000,000 in two milestones proposed on each; the Korean venture's bank account, confirmed."""
    with app.app_context():
        institutions = ensure_institutions()

        def person(address, name, organization, locale, zone, role=MemberRole.owner):
            user = User(email=address, name=name, organization=organization, role=role, locale=locale,
                        timezone=zone, email_verified_at=utcnow())
            user.set_password(PASSWORD)
            db.session.add(user)
            return user

        def organization(kind, country, latin, native):
            made = Organization(kind=kind, country=country, name_latin=latin, name_native=native,
                                verification_state=VerificationState.verified, verified_at=utcnow())
            db.session.add(made)
            return made

        company = organization(OrganizationKind.company, "JP", "Sakura Pharma Inc.", "さくら製薬株式会社")
        jp_venture = organization(OrganizationKind.venture, "JP", "Kotobuki AI K.K.", "寿AI株式会社")
        kr_venture = organization(OrganizationKind.venture, "KR", "Hanbit Bio Inc.", "한빛바이오")
        people = {
            "poster": person(POSTER, "田中 遥", company, "ja", "Asia/Tokyo", MemberRole.member),
            "ipark": person(IPARK, "鈴木 愛子", institutions[Institution.ipark], "ja", "Asia/Tokyo", MemberRole.member),
            "mss": person(MSS, "김서연", institutions[Institution.mss], "ko", "Asia/Seoul", MemberRole.member),
            "jp": person(JP_VENTURE, "伊藤 蓮", jp_venture, "ja", "Asia/Tokyo"),
            "kr": person(KR_VENTURE, "김민준", kr_venture, "ko", "Asia/Seoul"),
        }
        db.session.commit()
        challenge = challenge_factory({"company_owner": people["poster"]})("open", title="抗体毒性予測AI",
                                                                           language="ja")
        make_proposal = proposal_factory({"venture_owner": people["jp"]}, None)
        proposals = {"jp": make_proposal("selected", challenge=challenge, creator=people["jp"], title="毒性予測モデル"),
                     "kr": make_proposal("selected", challenge=challenge, creator=people["kr"], title="독성 예측 AI")}
        awards = {name: services.propose_award(
            proposal, actor=people["ipark"], source=AwardSource.company_award, currency=Currency.JPY,
            amount_minor=3_000_000, tranches=[("PoC", 1_000_000, None), ("Validation", 2_000_000, None)])
            for name, proposal in proposals.items()}
        _, token = services.register_payee(actor=people["kr"], kind=PayeeKind.bank_account, details={
            "account_holder": "Hanbit Bio Inc.", "bank_name": "Shinhan Bank", "bank_country": "KR",
            "account_number": KR_ACCOUNT, "swift": "SHBKKRSE"})
        services.confirm_payee(token, actor=people["kr"])
        db.session.commit()
        return {name: {"award": award.id, "tranche": award.tranches[0].id} for name, award in awards.items()}


def confirm_and_click(page, button) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()


def sign_everything_waiting(page, app, locale: str) -> None:
    """The staff member signs every decision waiting for their institution, with the bulk signature."""
    page.goto("/staff/decisions")
    boxes = page.get_by_label(tr(app, locale, "Select for signing"), exact=True)
    expect(boxes.first).to_be_visible()
    for box in boxes.all():
        box.check()
    confirm_and_click(page, page.get_by_role("button", name=tr(app, locale, "Sign selected"), exact=True))
    expect(flash(page).first).to_be_visible()


def test_deposit_sign_evidence_transfer_and_remittance_each_side_in_its_language(live_server, new_context, shot,
                                                                                   tmp_path):
    app = live_server.app
    stripe = FakeStripeServer(f"{live_server.url}/webhooks/stripe", WEBHOOK_SECRET).start()
    app.config.update(STRIPE_SECRET_KEY=stripe.fake.secret_key, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=stripe.url)
    app.extensions.pop("stripe_gateway", None)  # built again from the configuration above
    try:
        ids = people_and_awards(app)
        pages = {}
        for name, address, locale in (("poster", POSTER, "ja-JP"), ("ipark", IPARK, "ja-JP"), ("mss", MSS, "ko-KR"),
                                      ("jp", JP_VENTURE, "ja-JP"), ("kr", KR_VENTURE, "ko-KR")):
            page = new_context(locale=locale).new_page()
            page.goto("/auth/login")
            page.locator("input[name=email]").fill(address)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page).not_to_have_url(re.compile(r"/auth/login"))
            pages[name] = page
        ja = lambda msgid, **values: tr(app, "ja", msgid, **values)  # noqa: E731
        ko = lambda msgid, **values: tr(app, "ko", msgid, **values)  # noqa: E731

        # Both institutions sign both awards.
        sign_everything_waiting(pages["ipark"], app, "ja")
        sign_everything_waiting(pages["mss"], app, "ko")
        shot(pages["mss"], "funding-01-awards-signed-ko")

        # The company pays the Japanese venture's award online: Stripe's page, Stripe's webhook, back here.
        poster = pages["poster"]
        poster.goto(f"/funding/awards/{ids['jp']['award']}")
        expect(poster.locator("main")).to_contain_text(ja("Awaiting the deposit"))
        poster.get_by_role("button", name=ja("Pay online"), exact=True).click()
        expect(poster).to_have_url(re.compile(re.escape(stripe.url) + r"/pay/cs_"))
        poster.locator("#pay").click()
        expect(poster).to_have_url(re.compile(rf"/funding/awards/{ids['jp']['award']}/deposit-return"))
        poster.goto(f"/funding/awards/{ids['jp']['award']}")
        expect(poster.locator("main")).to_contain_text(ja("Received"))
        expect(poster.locator("main")).to_contain_text(ja("Active"))
        shot(poster, "funding-02-deposit-received-ja")

        # The other award's deposit came by bank transfer: iPark records it.
        ipark = pages["ipark"]
        ipark.goto(f"/funding/awards/{ids['kr']['award']}")
        ipark.get_by_label(ja("Amount received"), exact=True).fill("3000000")
        ipark.get_by_label(ja("Bank reference"), exact=True).fill("MUFG-20261201-0042")
        ipark.get_by_role("button", name=ja("Record the receipt"), exact=True).click()
        expect(ipark.locator("main")).to_contain_text(ja("Active"))

        # The Japanese venture registers a Stripe account, confirms it from its e-mail, onboards at "Stripe".
        jp = pages["jp"]
        jp.goto("/funding/payee")
        jp.get_by_role("button", name=ja("Register a Stripe account"), exact=True).click()
        deliver_mail(app)
        link = re.search(re.escape(live_server.url) + r"/funding/payee/confirm/\S+",
                         newest_email(live_server.mail_dir, JP_VENTURE).get_body(("plain",)).get_content()).group(0)
        jp.goto(link)
        jp.get_by_role("button", name=ja("Confirm the new account"), exact=True).click()
        jp.get_by_role("button", name=ja("Continue at Stripe"), exact=True).click()
        expect(jp).to_have_url(re.compile(re.escape(stripe.url) + r"/onboard/acct_"))
        jp.locator("#finish").click()
        expect(jp).to_have_url(re.compile(r"/funding/payee"))

        # Both ventures report their first milestone.
        evidence = tmp_path / "milestone-report.pdf"
        evidence.write_bytes(one_page_pdf(["Milestone 1: proof of concept", "AUC 0.91 on the held-out assays"]))
        for name, language in (("jp", ja), ("kr", ko)):
            venture = pages[name]
            venture.goto(f"/funding/tranches/{ids[name]['tranche']}")
            venture.get_by_label(language("Report on the milestone"), exact=True).fill("PoC done: AUC 0.91.")
            venture.locator("input[type=file]").set_input_files(str(evidence))
            venture.get_by_role("button", name=language("Submit the evidence"), exact=True).click()
            expect(venture.locator("#payout-status")).to_be_visible()
            expect(venture.locator("main .badge").first).to_have_text(language("Evidence submitted"))

        # Both institutions approve both: the Japanese payee is paid by Stripe at once. Stripe's
        # transfer.created arrives after the signature's commit here (on SQLite, a webhook writing while
        # the signature still writes would wait for it), and confirms what Stripe's answer recorded.
        sign_everything_waiting(pages["ipark"], app, "ja")
        stripe.hold_deliveries()
        sign_everything_waiting(pages["mss"], app, "ko")
        stripe.release_deliveries()
        stripe.wait_for_deliveries()
        assert [(d.event_type, d.status) for d in stripe.deliveries if d.event_type == "transfer.created"] == \
            [("transfer.created", 200)]
        [transfer] = stripe.fake.requests_to("POST", "/v1/transfers")
        assert transfer.idempotency_key == f"tranche-{ids['jp']['tranche']}-transfer"
        assert transfer.params["amount"] == "1000000" and transfer.params["currency"] == "jpy"
        jp.goto(f"/funding/tranches/{ids['jp']['tranche']}")
        expect(jp.locator("main .badge").first).to_have_text(ja("Paid"))
        shot(jp, "funding-03-paid-by-transfer-ja")

        # The Korean payee's remittance: the bank instruction, then what the bank confirmed.
        ipark.goto("/funding/?queue=remittances")
        with ipark.expect_download() as download:
            ipark.get_by_role("link", name=ja("Export the bank instruction (CSV)"), exact=True).click()
        rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
        assert any(KR_ACCOUNT in row for row in rows[1:]), rows
        ipark.goto(f"/funding/tranches/{ids['kr']['tranche']}")
        ipark.get_by_label(ja("Amount sent"), exact=True).fill("9320000")
        ipark.get_by_label(ja("Currency sent"), exact=True).select_option("KRW")
        ipark.get_by_label(ja("Amount received by the venture"), exact=True).fill("9284000")
        ipark.get_by_label(ja("Currency received"), exact=True).select_option("KRW")
        ipark.get_by_label(ja("Exchange rate (received per sent)"), exact=True).fill("9.32")
        ipark.get_by_label(ja("Bank fee (in the currency sent)"), exact=True).fill("36000")
        ipark.get_by_label(ja("Bank reference"), exact=True).fill("SWIFT-MUFGJPJT-0042")
        ipark.get_by_label(ja("Value date"), exact=True).fill(date.today().isoformat())
        ipark.get_by_role("button", name=ja("Record the remittance"), exact=True).click()
        expect(ipark.locator("main .badge").first).to_have_text(ja("Paid"))

        kr = pages["kr"]
        kr.goto(f"/funding/tranches/{ids['kr']['tranche']}")
        expect(kr.locator("main .badge").first).to_have_text(ko("Paid"))
        expect(kr.locator("html")).to_have_attribute("lang", "ko")
        shot(kr, "funding-04-remitted-ko")
        kr.goto("/funding/")
        expect(kr.locator("main")).to_contain_text(ko("Active"))

        with app.app_context():
            assert db.session.get(Tranche, ids["jp"]["tranche"]).state == TrancheState.paid
            assert db.session.get(Tranche, ids["kr"]["tranche"]).state == TrancheState.paid
            assert db.session.get(Award, ids["jp"]["award"]).state == "active"
    finally:
        stripe.stop()
        app.extensions.pop("stripe_gateway", None)
