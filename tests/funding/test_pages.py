"""Funding pages: who gets 200, 302, 403 or 404 on each (the rules are the predicates', tested with the
models and services), what each reader sees, and the links into funding from elsewhere."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.models import AuditEvent
from app.common.time import utcnow
from app.extensions import db
from app.funding import services
from app.funding.models import AwardState, Deposit, DepositState, RemittanceExport

# Who may see what: the award's venture and payer once it is signed, staff always.
MEMBERS_AND_STAFF = {"anonymous": 302, "venture_owner": 200, "venture_member": 200, "other_venture": 404,
                     "company_owner": 200, "company_member": 200, "other_company": 404, "ipark_staff": 200,
                     "mss_staff": 200}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text(response) -> str:
    return response.get_data(as_text=True)



def expected(table: dict) -> list[tuple[str, int]]:
    return list(table.items())


@pytest.mark.parametrize("path", ["/funding/", "/funding/awards/1", "/funding/tranches/1", "/funding/payee",
                                  "/funding/proposals/1/award", "/funding/payee/confirm/abc",
                                  "/funding/remittances.csv", "/funding/deposits/1/receipt",
                                  "/funding/deposits/1/receipt.pdf", "/funding/challenges/1/reconciliation",
                                  "/funding/lists/awards.csv"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_unknown_ids_are_not_found(client_as):
    client = client_as("ipark_staff")
    for path in ["/funding/awards/424242", "/funding/tranches/424242", "/funding/proposals/424242/award",
                 "/funding/deposits/424242/receipt", "/funding/deposits/424242/receipt.pdf",
                 "/funding/challenges/424242/reconciliation", "/funding/awards/424242/ledger.csv",
                 "/funding/tranches/424242/files/1", "/funding/awards/424242/deposit-return"]:
        assert client.get(path).status_code == 404, path
    for path in ["/funding/awards/424242/checkout", "/funding/awards/424242/bank-receipt",
                 "/funding/awards/424242/cancel", "/funding/tranches/424242/evidence",
                 "/funding/tranches/424242/retry", "/funding/tranches/424242/remittance",
                 "/funding/tranches/424242/disbursement"]:
        assert client.post(path).status_code == 404, path


# Each page, each person ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), expected(MEMBERS_AND_STAFF))
def test_an_active_award_and_its_milestones(client_as, paid_in, who, status):
    award = paid_in()
    client = client_as(who)
    assert client.get(f"/funding/awards/{award.id}").status_code == status
    assert client.get(f"/funding/tranches/{award.tranches[0].id}").status_code == status
    assert client.get(f"/funding/awards/{award.id}/tranches.csv").status_code == status


@pytest.mark.parametrize(("who", "status"), expected(MEMBERS_AND_STAFF | {
    "venture_owner": 404, "venture_member": 404, "company_owner": 404, "company_member": 404}))
def test_an_award_waiting_for_signatures_is_known_to_staff_only(client_as, propose, who, status):
    award = propose()
    db.session.commit()
    client = client_as(who)
    assert client.get(f"/funding/awards/{award.id}").status_code == status
    assert client.get(f"/funding/tranches/{award.tranches[0].id}").status_code == status


@pytest.mark.parametrize(("who", "deposits", "payouts", "ledger"), [
    ("venture_owner", 403, 200, 403), ("company_member", 200, 403, 403), ("mss_staff", 200, 200, 200)])
def test_an_awards_tables_as_csv(client_as, paid_in, who, deposits, payouts, ledger):
    award = paid_in()
    client = client_as(who)
    assert client.get(f"/funding/awards/{award.id}/deposits.csv").status_code == deposits
    assert client.get(f"/funding/awards/{award.id}/payouts.csv").status_code == payouts
    response = client.get(f"/funding/awards/{award.id}/ledger.csv")
    assert response.status_code == ledger
    if ledger == 200:
        lines = text(response).lstrip("\ufeff").splitlines()
        assert lines[0].startswith("transaction_id,created_at,kind")
        assert sum("deposit" in line and "3000000" in line for line in lines) == 2  # both legs of the deposit


@pytest.mark.parametrize(("who", "status"), expected(MEMBERS_AND_STAFF | {
    "company_owner": 403, "company_member": 403}))
def test_evidence_files_are_the_ventures_and_the_staffs(client_as, paid_in, users, who, status):
    award = paid_in()
    tranche = award.tranches[0]
    client_as("venture_owner").post(f"/funding/tranches/{tranche.id}/evidence", content_type="multipart/form-data",
                                    data={"report": "Done.", "files": [(io.BytesIO(PDF), "assay.pdf")]})
    document = db.session.get(type(tranche), tranche.id).evidence_files[0]
    response = client_as(who).get(f"/funding/tranches/{tranche.id}/files/{document.id}")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF and response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("who", "status"), expected(MEMBERS_AND_STAFF | {
    "venture_owner": 403, "venture_member": 403}))
def test_receipts_are_the_payers_and_the_staffs(client_as, paid_in, who, status):
    award = paid_in()
    deposit = db.session.scalar(select(Deposit).where(Deposit.award_id == award.id))
    client = client_as(who)
    page = client.get(f"/funding/deposits/{deposit.id}/receipt")
    pdf = client.get(f"/funding/deposits/{deposit.id}/receipt.pdf")
    assert (page.status_code, pdf.status_code) == (status, status)
    if status == 200:
        assert deposit.receipt_number in text(page) and "¥3,000,000" in text(page)
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-1.4")
        assert b"(Amount received: JPY 3,000,000) Tj" in pdf.data
        assert f"(Receipt number: {deposit.receipt_number}) Tj".encode() in pdf.data


def test_a_receipt_is_for_money_that_arrived(client_as, users, propose, sign):
    award = propose()
    sign(award)
    deposit = Deposit(award_id=award.id, method="stripe_checkout", amount_minor=3_000_000, currency="JPY",
                      stripe_session_id="cs_open", created_by_id=users["company_owner"].id)
    db.session.add(deposit)
    db.session.commit()
    assert client_as("company_owner").get(f"/funding/deposits/{deposit.id}/receipt.pdf").status_code == 403


@pytest.mark.parametrize(("who", "status"), [
    ("venture_owner", 403), ("venture_member", 403), ("other_venture", 404), ("company_owner", 403),
    ("other_company", 404), ("ipark_staff", 200), ("mss_staff", 200)])
def test_only_staff_propose_awards(client_as, selected, who, status):
    assert client_as(who).get(f"/funding/proposals/{selected.id}/award").status_code == status


def test_a_proposal_not_selected_gets_no_award(client_as, make_proposal):
    shortlisted = make_proposal("shortlisted")
    assert client_as("ipark_staff").get(f"/funding/proposals/{shortlisted.id}/award").status_code == 403


@pytest.mark.parametrize(("who", "status", "form"), [
    ("venture_owner", 200, True), ("venture_member", 200, False), ("other_venture", 200, True),
    ("company_owner", 403, False), ("ipark_staff", 403, False)])
def test_the_payee_page_is_the_ventures_own(client_as, who, status, form):
    response = client_as(who).get("/funding/payee")
    assert response.status_code == status
    if status == 200:
        assert ('id="bank-payee"' in text(response)) is form


def test_a_member_cannot_change_the_payee(client_as):
    response = client_as("venture_member").post("/funding/payee", data={"account_holder": "X"})
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "status"), [("venture_owner", 403), ("company_owner", 403), ("ipark_staff", 200)])
def test_the_reconciliation_is_the_staffs(client_as, paid_in, who, status):
    award = paid_in()
    client = client_as(who)
    assert client.get(f"/funding/challenges/{award.challenge_id}/reconciliation").status_code == status
    assert client.get(f"/funding/challenges/{award.challenge_id}/reconciliation.csv").status_code == status


@pytest.mark.parametrize(("who", "lists"), [
    ("venture_owner", {"awards": 200, "receipts": 404, "to_sign": 404}),
    ("company_member", {"awards": 200, "receipts": 200, "remittances": 404}),
    ("mss_staff", {"awards": 200, "to_propose": 200, "evidence": 200, "receipts": 404})])
def test_each_reader_downloads_their_own_lists(client_as, paid_in, who, lists):
    paid_in()
    client = client_as(who)
    for name, status in lists.items():
        assert client.get(f"/funding/lists/{name}.csv").status_code == status, name


def test_the_remittance_instruction_is_the_staffs(client_as, remittance_due):
    remittance_due()
    assert client_as("company_owner").get("/funding/remittances.csv").status_code == 403
    assert client_as("venture_owner").get("/funding/remittances.csv").status_code == 403


# What each reader sees ------------------------------------------------------------------------------------

def test_the_venture_sees_its_awards_money_and_how_it_is_paid(client_as, paid_in):
    award = paid_in()
    page = text(client_as("venture_member").get("/funding/"))
    assert f"/funding/awards/{award.id}" in page and "Company award" in page
    assert "¥3,000,000" in page and "¥0" in page  # the award; nothing paid or due yet
    assert "No account is registered yet" in page and "See how you are paid" in page
    assert "Change how you are paid" in text(client_as("venture_owner").get("/funding/"))


def test_the_company_sees_what_it_pays_and_its_receipts(client_as, propose, sign, paid_in):
    waiting = propose(amount=1_200_000, tranches=[("One", 1_200_000, None)])
    sign(waiting)
    db.session.commit()
    paid_in()
    client = client_as("company_member")
    page = text(client.get("/funding/"))
    assert len(set(re.findall(r'href="/funding/awards/(\d+)', page))) == 2
    assert f'href="/funding/awards/{waiting.id}#pay"' in page  # "Pay in" on the award still waiting for it
    receipts = text(client.get("/funding/?list=receipts"))
    assert "KH-" in receipts and "¥3,000,000" in receipts and ".pdf" in receipts


def test_staff_see_each_queue_with_its_count(client_as, selected, propose, remittance_due):
    tranche = remittance_due()
    client = client_as("ipark_staff")
    page = text(client.get("/funding/"))
    assert "Remittances due" in page and "Awards to propose" in page
    remittances = text(client.get("/funding/?queue=remittances"))
    assert f"/funding/tranches/{tranche.id}" in remittances and "/funding/remittances.csv" in remittances
    assert "Every selected proposal has its award." in text(client.get("/funding/?queue=to_propose"))
    assert "No evidence waits for approval." in text(client.get("/funding/?queue=evidence"))
    for queue in ("to_sign", "payouts", "disbursements", "awards", "unknown"):
        assert client.get(f"/funding/?queue={queue}").status_code == 200


def test_a_selected_proposal_without_an_award_waits_to_be_proposed(client_as, make_proposal, make_user):
    selected = make_proposal("selected", creator=make_user("venture"), title="Waiting for its award")
    page = text(client_as("mss_staff").get("/funding/?queue=to_propose"))
    assert "Waiting for its award" in page and f"/funding/proposals/{selected.id}/award" in page


def test_the_award_page_shows_the_money_to_each_reader(client_as, paid_in):
    award = paid_in()
    staff = text(client_as("ipark_staff").get(f"/funding/awards/{award.id}"))
    assert 'id="ledger"' in staff and "Company escrow" in staff and "MUFG-77" in staff
    assert f"/funding/challenges/{award.challenge_id}/reconciliation" in staff
    venture = text(client_as("venture_owner").get(f"/funding/awards/{award.id}"))
    assert "¥3,000,000" in venture and 'id="ledger"' not in venture and 'id="deposits"' not in venture
    company = text(client_as("company_owner").get(f"/funding/awards/{award.id}"))
    assert 'id="deposits"' in company and "/receipt.pdf" in company and 'id="ledger"' not in company


def test_a_payer_is_shown_how_to_pay_and_online_only_with_stripe(client_as, propose, sign):
    award = propose()
    sign(award)
    db.session.commit()
    page = text(client_as("company_owner").get(f"/funding/awards/{award.id}"))
    assert 'id="pay"' in page and "MUFG Bank, Ltd." in page and award.payment_reference in page
    assert "/checkout" not in page
    assert 'id="pay"' not in text(client_as("venture_owner").get(f"/funding/awards/{award.id}"))


def test_with_stripe_the_payer_pays_online(client_as, propose, sign, fake_stripe):
    award = propose()
    sign(award)
    db.session.commit()
    client = client_as("company_owner")
    assert f"/funding/awards/{award.id}/checkout" in text(client.get(f"/funding/awards/{award.id}"))
    response = client.post(f"/funding/awards/{award.id}/checkout")
    deposit = db.session.scalar(select(Deposit).where(Deposit.award_id == award.id))
    assert response.status_code == 303 and response.location == deposit.checkout_url
    [sent] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "3000000"
    assert sent.params["success_url"] == (f"http://127.0.0.1:5000/funding/awards/{award.id}/deposit-return"
                                          "?session_id={CHECKOUT_SESSION_ID}")
    assert sent.params["cancel_url"] == f"http://127.0.0.1:5000/funding/awards/{award.id}"
    assert deposit.state == DepositState.open and db.session.get(type(award), award.id).state == AwardState.approved


def test_the_return_from_checkout_never_marks_anything_paid(client_as, propose, sign, fake_stripe):
    award = propose()
    sign(award)
    db.session.commit()
    client = client_as("company_owner")
    client.post(f"/funding/awards/{award.id}/checkout")
    deposit = db.session.scalar(select(Deposit).where(Deposit.award_id == award.id))
    fake_stripe.complete_checkout(deposit.stripe_session_id)  # paid at Stripe; its webhook has not arrived
    for _ in range(3):
        page = client.get(f"/funding/awards/{award.id}/deposit-return?session_id={deposit.stripe_session_id}")
        assert page.status_code == 200 and "being confirmed" in text(page) and "Waiting for payment" in text(page)
    db.session.expire_all()
    assert db.session.get(Deposit, deposit.id).state == DepositState.open
    assert db.session.get(type(award), award.id).state == AwardState.approved
    assert client_as("venture_owner").get(f"/funding/awards/{award.id}/deposit-return").status_code == 403


def test_a_refused_checkout_says_why_and_keeps_nothing(client_as, propose, sign, fake_stripe):
    award = propose()
    sign(award)
    db.session.commit()
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=500, error_type="api_error")
    client = client_as("company_owner")
    response = client.post(f"/funding/awards/{award.id}/checkout", follow_redirects=True)
    assert "Stripe had an error." in text(response)
    assert db.session.scalar(select(func.count()).select_from(Deposit)) == 0


def test_the_tranche_page_shows_the_payee_in_full_to_staff_only(client_as, remittance_due):
    tranche = remittance_due()
    staff = text(client_as("mss_staff").get(f"/funding/tranches/{tranche.id}"))
    assert "110123456789" in staff and 'id="remittance"' in staff and "iPark sends it by bank remittance" in staff
    venture = text(client_as("venture_owner").get(f"/funding/tranches/{tranche.id}"))
    assert "110123456789" not in venture and "••••••••6789" in venture and 'id="remittance"' not in venture
    company = text(client_as("company_owner").get(f"/funding/tranches/{tranche.id}"))
    assert "6789" not in company and "Hits confirmed" not in company


def test_a_payout_waiting_for_a_payee_says_so(client_as, users, paid_in, sign):
    award = paid_in()
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Done.")
    sign(tranche)
    db.session.commit()
    page = text(client_as("venture_owner").get(f"/funding/tranches/{tranche.id}"))
    assert "has not registered a confirmed account" in page
    queue = text(client_as("ipark_staff").get("/funding/?queue=payouts"))
    assert "has not registered a confirmed account" in queue and f"/funding/tranches/{tranche.id}/retry" in queue


# Links into funding ----------------------------------------------------------------------------------------

def test_the_navigation_links_to_funding_for_signed_in_people(client_as):
    assert 'href="/funding/"' in text(client_as("venture_member").get("/"))
    assert 'href="/funding/"' not in text(client_as("anonymous").get("/"))


def test_a_selected_proposal_offers_staff_to_propose_its_award(client_as, selected):
    link = f'href="/funding/proposals/{selected.id}/award"'
    assert link in text(client_as("ipark_staff").get(f"/proposals/{selected.id}"))
    assert link not in text(client_as("venture_owner").get(f"/proposals/{selected.id}"))


def test_funding_decisions_show_on_the_decisions_page_with_their_subject(client_as, users, paid_in, propose,
                                                                        make_proposal, make_user):
    waiting = propose(proposal=make_proposal("selected", creator=make_user("venture")))
    award = paid_in()
    tranche = award.tranches[1]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Validated.")
    db.session.commit()
    page = text(client_as("mss_staff").get("/staff/decisions"))
    assert f'href="/funding/awards/{waiting.id}"' in page and "Approve a funding award" in page
    assert f'href="/funding/tranches/{tranche.id}"' in page and "Release a tranche" in page
    assert "2. Validation · ¥2,000,000" in page


# Exports ---------------------------------------------------------------------------------------------------

def test_the_remittance_instruction_lists_the_due_remittances_and_is_recorded(client_as, remittance_due):
    tranche = remittance_due()
    response = client_as("ipark_staff").get("/funding/remittances.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, line = csv.reader(io.StringIO(text(response).lstrip("\ufeff")))
    assert header == ["value_date", "ordering_account", "beneficiary_name", "beneficiary_account", "bank_name",
                      "bank_country", "swift_bic", "currency", "amount", "reference", "purpose"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", line[0])
    assert line[1:] == ["0123456", "Venture Co., Ltd.", "110123456789", "Shinhan Bank", "KR", "SHBKKRSE", "JPY",
                        "1000000", tranche.remittance_reference,
                        f"Kakehashi award {tranche.award_id} milestone 1 grant payment"]
    export = db.session.scalar(select(RemittanceExport))
    assert export.tranche_ids == [tranche.id]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "remittance.exported")) == 1


def test_a_payee_on_hold_is_left_out_of_the_instruction(client_as, users, remittance_due):
    tranche = remittance_due()
    payee, token = services.register_payee(actor=users["venture_owner"], kind="bank_account", details={
        "account_holder": "Venture Co., Ltd.", "bank_name": "KB Kookmin Bank", "bank_country": "KR",
        "account_number": "999988887777", "swift": "CZNBKRSE"})
    services.confirm_payee(token, actor=users["venture_owner"])
    services.retry_payout(db.session.get(type(tranche), tranche.id), actor=users["ipark_staff"])
    db.session.commit()
    response = client_as("ipark_staff").get("/funding/remittances.csv")
    assert response.status_code == 302 and db.session.scalar(select(func.count()).select_from(RemittanceExport)) == 0
    queue = text(client_as("ipark_staff").get("/funding/?queue=remittances"))
    assert "changed its account recently" in queue


def test_after_its_hold_a_changed_account_is_where_the_remittance_goes(client_as, users, remittance_due):
    tranche = remittance_due()
    payee, token = services.register_payee(actor=users["venture_owner"], kind="bank_account", details={
        "account_holder": "Venture Co., Ltd.", "bank_name": "KB Kookmin Bank", "bank_country": "KR",
        "account_number": "999988887777", "swift": "CZNBKRSE"})
    services.confirm_payee(token, actor=users["venture_owner"])
    payee.payouts_from = utcnow() - timedelta(minutes=1)  # the hold is over
    db.session.commit()
    page = text(client_as("ipark_staff").get(f"/funding/tranches/{tranche.id}"))
    assert "999988887777" in page and "110123456789" not in page
    instruction = text(client_as("mss_staff").get("/funding/remittances.csv")).lstrip("\ufeff")
    [line] = list(csv.reader(io.StringIO(instruction)))[1:]
    assert line[3:7] == ["999988887777", "KB Kookmin Bank", "KR", "CZNBKRSE"]


def test_the_reconciliation_totals_each_currency(client_as, paid_in, propose, sign, make_proposal, make_user):
    award = paid_in()
    mss = propose(source="mss_commercialization", amount=20_000_000, currency="KRW",
                  proposal=make_proposal("selected", challenge=award.challenge, creator=make_user("venture")))
    sign(mss)
    db.session.commit()
    client = client_as("ipark_staff")
    page = text(client.get(f"/funding/challenges/{award.challenge_id}/reconciliation"))
    assert 'id="total-JPY"' in page and 'id="total-KRW"' in page and "₩20,000,000" in page
    lines = text(client.get(f"/funding/challenges/{award.challenge_id}/reconciliation.csv")).splitlines()
    assert [line.split(",")[0] for line in lines[-2:]] == ["total", "total"]
    assert lines[-2].split(",")[7:10] == ["JPY", "3000000", "3000000"]


def test_an_in_kind_award_shows_its_entitlement_in_days(client_as, propose, sign):
    award = propose(source="ipark_in_kind", amount=0, tranches=[],
                    in_kind={"what": "Wet lab bench, BSL-2", "where": "Shonan iPark, building B", "days": 90})
    sign(award)
    db.session.commit()
    venture = text(client_as("venture_member").get(f"/funding/awards/{award.id}"))
    assert "Wet lab bench, BSL-2" in venture and "90 granted" in venture and 'id="tranches"' not in venture
    staff = text(client_as("ipark_staff").get(f"/funding/awards/{award.id}"))
    ledger = staff[staff.index('id="ledger"'):]
    assert "In-kind support granted" in ledger and ledger.count("90 days") == 2  # both legs, in days
    assert "90 days of use" in text(client_as("venture_member").get("/funding/"))


def test_staff_with_a_conflict_see_nothing_of_the_proposals_funding(users, client_as, propose, sign):
    """As they see nothing of the proposal: not its award, its milestones nor the queues' rows of them."""
    from app.proposals.conflicts import Conflict

    award = propose(amount=3_000_000)
    db.session.add(Conflict(user_id=users["mss_staff"].id, organization_id=award.organization_id,
                            reason="My former employer."))
    db.session.commit()
    mss = client_as("mss_staff")
    assert mss.get(f"/funding/awards/{award.id}").status_code == 404
    assert mss.get(f"/funding/tranches/{award.tranches[0].id}").status_code == 404
    assert award.payment_reference not in mss.get("/funding/?queue=to_sign").get_data(as_text=True)
    ipark = client_as("ipark_staff")
    assert ipark.get(f"/funding/awards/{award.id}").status_code == 200
    assert award.payment_reference in ipark.get("/funding/?queue=to_sign").get_data(as_text=True)
