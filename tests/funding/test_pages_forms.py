"""Funding forms through their pages: each one's happy path, and bad input refused with a message in the
reader's language while nothing changes (the fuzz test posts anything to every form besides)."""
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.common.models import AuditEvent, OutboxEmail
from app.extensions import db
from app.funding import ledger, services
from app.funding.forms import AwardForm, BankPayeeForm, EvidenceForm, RemittanceForm
from app.funding.ledger import LedgerTransaction
from app.funding.models import (
    Award,
    AwardSource,
    AwardState,
    Deposit,
    EvidenceFile,
    Payee,
    PayeeState,
    Payout,
    Tranche,
    TrancheState,
)
from tests.conftest import stored_keys

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))



def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def award_data(**overrides) -> dict:
    data = {"source": "company_award", "currency": "JPY", "amount": "3,000,000",
            "tranches-0-title": "Proof of concept", "tranches-0-amount": "1,000,000", "tranches-0-due_on": "2027-06-30",
            "tranches-1-title": "Validation", "tranches-1-amount": "2000000", "tranches-1-due_on": "",
            "note": "Agreed with the company on 1 December."}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Proposing an award ----------------------------------------------------------------------------------------

def test_the_form_starts_from_the_proposals_milestones(client_as, make_proposal):
    from app.proposals.models import ProposalMilestone

    proposal = make_proposal("selected", budget_minor=40_000_000, currency="KRW")
    proposal.milestones = [ProposalMilestone(position=1, title="Lead series", due_on=date(2027, 3, 1))]
    db.session.commit()
    page = text(client_as("ipark_staff").get(f"/funding/proposals/{proposal.id}/award"))
    assert 'value="Lead series"' in page and 'value="2027-03-01"' in page
    assert '<option selected value="company_award">' in page  # a company's call: its award


def test_staff_propose_an_award_in_milestones(client_as, selected):
    response = client_as("ipark_staff").post(f"/funding/proposals/{selected.id}/award", data=award_data())
    award = db.session.scalar(select(Award))
    assert response.status_code == 302 and response.location == f"/funding/awards/{award.id}"
    assert (award.state, award.amount_minor, award.currency) == (AwardState.proposed, 3_000_000, "JPY")
    assert [(t.position, t.title, t.amount_minor, str(t.due_on)) for t in award.tranches] == [
        (1, "Proof of concept", 1_000_000, "2027-06-30"), (2, "Validation", 2_000_000, "None")]
    assert award.note == "Agreed with the company on 1 December."


def test_blank_rows_between_milestones_are_ignored(client_as, selected):
    client_as("ipark_staff").post(f"/funding/proposals/{selected.id}/award", data=award_data(**{
        "tranches-1-title": "", "tranches-1-amount": "", "tranches-5-title": "Validation",
        "tranches-5-amount": "2000000"}))
    assert [t.position for t in db.session.scalar(select(Award)).tranches] == [1, 2]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"tranches-1-amount": "1,999,999"}, "The tranches must add up to the award exactly."),
    ({"currency": "KRW"}, "This source of funding pays in another currency."),
    ({"currency": ""}, "Choose the currency of the award."),
    ({"currency": "XXX"}, "Not a valid choice"),
    ({"amount": ""}, "Enter the amount of the award."),
    ({"amount": "-3000000"}, "Enter an amount such as"),
    ({"amount": "1E+999999999"}, "Enter an amount such as"),
    ({"tranches-0-title": ""}, "Give this milestone a title."),
    ({"tranches-0-amount": "a million"}, "amount, such as 1000000."),
    ({"tranches-0-amount": "9" * 30}, "more than any programme could fund"),
    ({"tranches-0-due_on": "0001-01-01"}, "Choose a date between"),
    ({"tranches-0-title": "", "tranches-0-amount": "", "tranches-0-due_on": "", "tranches-1-title": "",
      "tranches-1-amount": ""}, "Give at least one milestone with its amount."),
    ({"source": "nonsense"}, "Not a valid choice"),
])
def test_a_bad_award_is_refused_with_its_reason_and_nothing_saved(client_as, selected, overrides, message):
    response = client_as("ipark_staff").post(f"/funding/proposals/{selected.id}/award", data=award_data(**overrides))
    assert response.status_code == 200 and message in text(response)
    assert 'value="Proof of concept"' in text(response) or overrides.get("tranches-0-title") == ""  # kept as typed
    assert count(Award) == 0 and count(Tranche) == 0


def test_an_in_kind_award_carries_days_not_money(client_as, selected):
    response = client_as("mss_staff").post(f"/funding/proposals/{selected.id}/award", data=award_data(
        source="ipark_in_kind", currency="", amount="", in_kind_what="Wet lab bench, BSL-2",
        in_kind_where="Shonan iPark, building B", in_kind_days="90", in_kind_from="2027-01-04",
        in_kind_until="2027-06-30"))
    assert response.status_code == 302
    award = db.session.scalar(select(Award))
    assert (award.source, award.currency, award.amount_minor, award.in_kind_days) == (
        AwardSource.ipark_in_kind, None, 0, 90)
    assert award.tranches == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"in_kind_what": ""}, "Say what iPark provides."),
    ({"in_kind_days": ""}, "Say for how many days."),
    ({"in_kind_days": "0"}, "Number must be between 1 and 3660."),
    ({"in_kind_until": "2026-12-01"}, "The end comes before the start."),
])
def test_an_in_kind_award_needs_its_entitlement(client_as, selected, overrides, message):
    data = award_data(**{"source": "ipark_in_kind", "currency": "", "amount": "", "in_kind_what": "Bench",
                         "in_kind_days": "30", "in_kind_from": "2027-01-04"} | overrides)
    response = client_as("ipark_staff").post(f"/funding/proposals/{selected.id}/award", data=data)
    assert response.status_code == 200 and message in text(response) and count(Award) == 0


# Money in --------------------------------------------------------------------------------------------------

def test_staff_record_a_bank_transfer_and_the_award_starts(client_as, propose, sign):
    award = propose()
    sign(award)
    db.session.commit()
    client = client_as("ipark_staff")
    response = client.post(f"/funding/awards/{award.id}/bank-receipt",
                           data={"amount": "3,000,000", "currency": "JPY", "reference": "MUFG 2026-12-01 0042"})
    assert response.status_code == 302 and response.location.endswith("#deposits")
    deposit = db.session.scalar(select(Deposit))
    assert (deposit.amount_minor, deposit.reference) == (3_000_000, "MUFG 2026-12-01 0042")
    assert db.session.get(Award, award.id).state == AwardState.active


@pytest.mark.parametrize(("data", "message"), [
    ({"amount": "3,000,001", "currency": "JPY", "reference": "X"}, "more than the award still needs"),
    ({"amount": "0", "currency": "JPY", "reference": "X"}, "Enter the amount the bank received."),
    ({"amount": "1000", "currency": "KRW", "reference": "X"}, "Not a valid choice"),
    ({"amount": "1000", "currency": "JPY", "reference": ""}, "This field is required."),
    ({"amount": "12.5", "currency": "JPY", "reference": "X"}, "Enter an amount such as"),
])
def test_a_bad_bank_receipt_changes_nothing(client_as, propose, sign, data, message):
    award = propose()
    sign(award)
    db.session.commit()
    response = client_as("mss_staff").post(f"/funding/awards/{award.id}/bank-receipt", data=data)
    assert response.status_code == 200 and message in text(response)
    assert count(Deposit) == 0 and count(LedgerTransaction) == 0


def test_a_company_cannot_record_its_own_receipt(client_as, propose, sign):
    award = propose()
    sign(award)
    db.session.commit()
    response = client_as("company_owner").post(f"/funding/awards/{award.id}/bank-receipt",
                                               data={"amount": "3000000", "currency": "JPY", "reference": "X"})
    assert response.status_code == 403 and count(Deposit) == 0


def test_cancelling_asks_for_a_reason_first(client_as, propose):
    award = propose()
    db.session.commit()
    client = client_as("ipark_staff")
    assert "Cancel the award" in text(client.get(f"/funding/awards/{award.id}/cancel"))
    refused = client.post(f"/funding/awards/{award.id}/cancel", data={"reason": "  "})
    assert refused.status_code == 200 and "Please give a reason" in text(refused)
    assert db.session.get(Award, award.id).state == AwardState.proposed
    done = client.post(f"/funding/awards/{award.id}/cancel", data={"reason": "The company withdrew its offer."})
    assert done.status_code == 302
    cancelled = db.session.get(Award, award.id)
    assert cancelled.state == AwardState.cancelled and cancelled.cancel_reason == "The company withdrew its offer."


def test_an_award_paid_in_cannot_be_cancelled(client_as, paid_in):
    award = paid_in()
    client = client_as("ipark_staff")
    assert "/cancel" not in text(client.get(f"/funding/awards/{award.id}"))
    response = client.post(f"/funding/awards/{award.id}/cancel", data={"reason": "Changed our minds."})
    assert response.status_code == 200 and "cannot be cancelled" in text(response)
    assert db.session.get(Award, award.id).state == AwardState.active
    assert client_as("venture_owner").post(f"/funding/awards/{award.id}/cancel").status_code == 403


# Evidence ---------------------------------------------------------------------------------------------------

def evidence(client, tranche, report="Two assays confirm the hits.", files=(("assay.pdf", PDF),)):
    return client.post(f"/funding/tranches/{tranche.id}/evidence", content_type="multipart/form-data",
                       data={"report": report, "files": [(io.BytesIO(content), name) for name, content in files]})


def test_the_venture_submits_evidence_with_its_files(client_as, paid_in, app):
    tranche = paid_in().tranches[0]
    response = evidence(client_as("venture_member"), tranche, files=[("assay.pdf", PDF), ("data.pdf", PDF)])
    assert response.status_code == 302
    stored = db.session.get(Tranche, tranche.id)
    assert stored.state == TrancheState.evidence_submitted and stored.evidence_report == "Two assays confirm the hits."
    assert sorted(f.filename for f in stored.evidence_files) == ["assay.pdf", "data.pdf"]
    from app.common import uploads

    assert sorted(stored_keys(uploads.storage())) == sorted(f.storage_key for f in stored.evidence_files)


@pytest.mark.parametrize(("report", "files", "message"), [
    ("Done.", [("notes.txt", b"plain text")], "is not a PDF file"),
    ("Done.", [("a.pdf", PDF), ("fake.pdf", b"<html>")], "is not a PDF file"),
    ("", [("a.pdf", PDF)], "This field is required."),
    ("Done.", [(f"{n}.pdf", PDF) for n in range(6)], "Attach at most 5 files."),
])
def test_bad_evidence_is_refused_and_no_file_is_kept(client_as, paid_in, app, report, files, message):
    from app.common import uploads

    tranche = paid_in().tranches[0]
    response = evidence(client_as("venture_owner"), tranche, report=report, files=files)
    assert response.status_code == 200 and message in text(response)
    assert db.session.get(Tranche, tranche.id).state == TrancheState.planned
    assert count(EvidenceFile) == 0 and stored_keys(uploads.storage()) == []


def test_evidence_before_the_deposit_is_refused_with_a_reason(client_as, propose, sign):
    award = propose()
    sign(award)
    db.session.commit()
    response = evidence(client_as("venture_owner"), award.tranches[0])
    assert response.status_code == 200 and "not possible in the current state" in text(response)
    assert count(EvidenceFile) == 0


def test_only_the_venture_submits_evidence(client_as, paid_in):
    tranche = paid_in().tranches[0]
    assert evidence(client_as("company_owner"), tranche).status_code == 403
    assert evidence(client_as("ipark_staff"), tranche).status_code == 403
    assert evidence(client_as("other_venture"), tranche).status_code == 404
    assert count(EvidenceFile) == 0


# Payouts ----------------------------------------------------------------------------------------------------

def remittance_data(**overrides) -> dict:
    data = {"sent_amount": "9,000,000", "sent_currency": "KRW", "received_amount": "8,990,000",
            "received_currency": "KRW", "rate": "9.0", "fee": "2,500", "reference": "SWIFT MT103 0042",
            "value_date": ""}
    data.update(overrides)
    return data


def test_staff_record_the_banks_confirmation(client_as, remittance_due):
    from app.funding.queries import bank_day

    tranche = remittance_due()
    response = client_as("ipark_staff").post(f"/funding/tranches/{tranche.id}/remittance",
                                             data=remittance_data(value_date=bank_day().isoformat()))
    assert response.status_code == 302
    paid = db.session.get(Tranche, tranche.id)
    assert paid.state == TrancheState.paid
    payout = db.session.scalar(select(Payout))
    assert (payout.sent_minor, payout.received_minor, payout.fee_minor, payout.rate) == (9_000_000, 8_990_000, 2_500,
                                                                                         "9.0")
    assert ledger.figures_for([paid.award])[paid.award_id].fx == {"JPY": -1_000_000, "KRW": 9_000_000}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"rate": "0"}, "Enter the rate as a number"),
    ({"rate": "nine"}, "Enter the rate as a number"),
    ({"sent_amount": "0"}, "Enter the amount the bank sent."),
    ({"received_amount": "0.00"}, "Enter the amount the venture received."),
    ({"sent_currency": "EUR"}, "Not a valid choice"),
    ({"value_date": "1999-01-01"}, "Choose a date between"),
    ({"value_date": "soon"}, "This field is required."),
    ({"reference": ""}, "This field is required."),
])
def test_a_bad_confirmation_changes_nothing(client_as, remittance_due, overrides, message):
    tranche = remittance_due()
    before = count(LedgerTransaction)
    data = remittance_data(value_date="2026-12-01") | overrides
    response = client_as("mss_staff").post(f"/funding/tranches/{tranche.id}/remittance", data=data)
    assert response.status_code == 200 and message in text(response)
    assert db.session.get(Tranche, tranche.id).state == TrancheState.remittance_due
    assert count(Payout) == 0 and count(LedgerTransaction) == before


def test_mss_staff_record_their_disbursement(client_as, mss_due):
    from app.funding.queries import bank_day

    tranche = mss_due()
    ipark = client_as("ipark_staff")
    assert 'id="disbursement"' not in text(ipark.get(f"/funding/tranches/{tranche.id}"))
    data = {"amount": "25,000,000", "currency": "KRW", "reference": "MSS-2026-118",
            "value_date": bank_day().isoformat()}
    assert ipark.post(f"/funding/tranches/{tranche.id}/disbursement", data=data).status_code == 403
    mss = client_as("mss_staff")
    assert 'value="25000000"' in text(mss.get(f"/funding/tranches/{tranche.id}"))
    wrong = mss.post(f"/funding/tranches/{tranche.id}/disbursement", data=data | {"amount": "24,000,000"})
    assert wrong.status_code == 200 and "The amount must be the tranche" in text(wrong) and count(Payout) == 0
    assert mss.post(f"/funding/tranches/{tranche.id}/disbursement", data=data).status_code == 302
    assert db.session.get(Tranche, tranche.id).state == TrancheState.paid


def test_retrying_a_payout_routes_it_again(client_as, users, paid_in, sign, bank_payee):
    tranche = paid_in().tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Done.")
    sign(tranche)
    db.session.commit()
    assert db.session.get(Tranche, tranche.id).payout_problem == "no_payee"
    bank_payee()
    db.session.commit()
    client = client_as("ipark_staff")
    response = client.post(f"/funding/tranches/{tranche.id}/retry", data={"next": "/funding/?queue=payouts"})
    assert response.status_code == 302 and response.location == "/funding/?queue=payouts"
    assert db.session.get(Tranche, tranche.id).state == TrancheState.remittance_due
    assert client_as("venture_owner").post(f"/funding/tranches/{tranche.id}/retry").status_code == 403


def test_a_failed_stripe_transfer_keeps_its_reason_for_staff(client_as, users, paid_in, sign, fake_stripe):
    from app.funding.payments import gateway

    tranche = paid_in().tranches[0]
    payee, token = services.register_payee(actor=users["venture_owner"], kind="stripe_connect", details={},
                                           gateway=gateway())
    services.confirm_payee(token, actor=users["venture_owner"])
    fake_stripe.enable_account(payee.stripe_account_id)
    services.sync_connected_account(payee.stripe_account_id, payouts_enabled=True, as_of=1)
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Done.")
    sign(tranche)  # the platform's Stripe balance is empty
    db.session.commit()
    client = client_as("ipark_staff")
    assert "The platform&#39;s Stripe balance is too low." in text(client.get(f"/funding/tranches/{tranche.id}"))
    response = client.post(f"/funding/tranches/{tranche.id}/retry", follow_redirects=True)
    assert "Tried again: The platform&#39;s Stripe balance is too low." in text(response)
    fake_stripe.top_up("jpy", 10_000_000)
    response = client.post(f"/funding/tranches/{tranche.id}/retry", follow_redirects=True)
    assert "The payout is made." in text(response)
    assert db.session.get(Tranche, tranche.id).state == TrancheState.paid


# The payee -----------------------------------------------------------------------------------------------------

def payee_data(**overrides) -> dict:
    data = {"account_holder": "Hanbit Bio Co., Ltd.", "bank_name": "Shinhan Bank", "bank_country": "KR",
            "account_number": " 110-123-456789 ", "swift": "shbk kr se"}
    data.update(overrides)
    return data


def confirmation_path() -> str:
    """The link of the latest confirmation e-mail, as its owner follows it."""
    bodies = db.session.scalars(select(OutboxEmail.body_text).order_by(OutboxEmail.id.desc()))
    return next(re.search(r"/funding/payee/confirm/[\w-]+", body).group(0) for body in bodies
                if "/funding/payee/confirm/" in body)


def test_the_owner_registers_an_account_and_confirms_it_from_the_email(client_as, users):
    client = client_as("venture_owner")
    response = client.post("/funding/payee", data=payee_data())
    assert response.status_code == 302
    payee = db.session.scalar(select(Payee))
    assert (payee.state, payee.account_number, payee.swift) == (PayeeState.unconfirmed, "110-123-456789", "SHBKKRSE")
    path = confirmation_path()
    assert "which works for 48 hours" in text(client.get("/funding/payee"))
    assert client_as("venture_member").get(path).status_code == 404  # the owner's link
    page = client.get(path)
    assert page.status_code == 200 and "••••••••6789" in text(page) and "Confirm the new account" in text(page)
    assert db.session.get(Payee, payee.id).state == PayeeState.unconfirmed  # reading the page confirms nothing
    assert client.post(path).status_code == 302
    assert db.session.get(Payee, payee.id).state == PayeeState.active
    assert client.get(path).status_code == 404  # used once


def test_a_confirmation_link_is_never_written_to_the_audit_log(client_as):
    client = client_as("venture_owner")
    client.post("/funding/payee", data=payee_data())
    path = confirmation_path()
    token = path.rsplit("/", 1)[1]
    client.post(path)
    details = " ".join(str(event.details) for event in db.session.scalars(select(AuditEvent)))
    assert token not in details


@pytest.mark.parametrize(("overrides", "message"), [
    ({"swift": "SHBK"}, "SWIFT/BIC code: 8 or 11 letters and digits"),
    ({"account_number": "12"}, "Enter the account number as the bank writes it"),
    ({"account_number": "110;DROP"}, "Enter the account number as the bank writes it"),
    ({"bank_country": "ZZ"}, "Not a valid choice"),
    ({"account_holder": ""}, "This field is required."),
])
def test_bad_account_details_change_nothing(client_as, overrides, message):
    response = client_as("venture_owner").post("/funding/payee", data=payee_data(**overrides))
    assert response.status_code == 200 and message in text(response)
    assert count(Payee) == 0 and count(OutboxEmail) == 0


def test_a_made_up_confirmation_link_is_not_found(client_as):
    response = client_as("venture_owner").get("/funding/payee/confirm/not-a-token")
    assert response.status_code == 404 and "not valid any more" in text(response)
    assert client_as("venture_owner").post("/funding/payee/confirm/not-a-token").status_code == 404


def test_with_stripe_the_owner_registers_a_stripe_account_and_continues_there(client_as, fake_stripe):
    client = client_as("venture_owner")
    assert 'id="stripe-payee"' in text(client.get("/funding/payee"))
    assert client.post("/funding/payee/stripe").status_code == 302
    payee = db.session.scalar(select(Payee))
    assert payee.stripe_account_id.startswith("acct_") and payee.state == PayeeState.unconfirmed
    client.post(confirmation_path())
    assert "Continue at Stripe" in text(client.get("/funding/payee"))
    response = client.post("/funding/payee/stripe/onboarding")
    [sent] = fake_stripe.requests_to("POST", "/v1/account_links")
    assert sent.params["account"] == payee.stripe_account_id
    assert sent.params["return_url"] == sent.params["refresh_url"] == "http://127.0.0.1:5000/funding/payee"
    assert response.status_code == 303
    assert response.location.startswith(f"https://connect.stripe.com/setup/e/{payee.stripe_account_id}/")


def test_without_stripe_there_is_no_stripe_account_to_register(client_as):
    client = client_as("venture_owner")
    assert 'id="stripe-payee"' not in text(client.get("/funding/payee"))
    response = client.post("/funding/payee/stripe", follow_redirects=True)
    assert "not set up here" in text(response) and count(Payee) == 0
    assert client_as("venture_member").post("/funding/payee/stripe").status_code == 403


# CSRF -------------------------------------------------------------------------------------------------------------

def test_every_funding_form_needs_its_csrf_token(app, client_as, selected, paid_in, remittance_due, mss_due):
    tranche = remittance_due()
    award = tranche.award
    mss = mss_due()
    before = {model: count(model) for model in (Award, Deposit, EvidenceFile, Payout, Payee, LedgerTransaction)}
    posts = {"ipark_staff": [f"/funding/proposals/{selected.id}/award", f"/funding/awards/{award.id}/bank-receipt",
                             f"/funding/awards/{award.id}/cancel", f"/funding/tranches/{tranche.id}/retry",
                             f"/funding/tranches/{tranche.id}/remittance"],
             "mss_staff": [f"/funding/tranches/{mss.id}/disbursement"],
             "company_owner": [f"/funding/awards/{award.id}/checkout"],
             "venture_owner": [f"/funding/tranches/{award.tranches[1].id}/evidence", "/funding/payee",
                               "/funding/payee/stripe", "/funding/payee/stripe/onboarding",
                               "/funding/payee/confirm/abc"]}
    clients = {who: client_as(who) for who in posts}
    app.config["WTF_CSRF_ENABLED"] = True  # as in production, once signed in (restored after the test)
    for who, paths in posts.items():
        client = clients[who]
        for path in paths:
            response = client.post(path, data=award_data() | payee_data() | remittance_data() | {"report": "Done."})
            assert response.status_code in (400, 404) or "expired" in str(flashes(client)), (who, path)
    assert {model: count(model) for model in before} == before


def test_with_its_token_the_award_form_is_taken(app, client_as, selected):
    client = client_as("ipark_staff")
    app.config["WTF_CSRF_ENABLED"] = True
    page = text(client.get(f"/funding/proposals/{selected.id}/award"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/funding/proposals/{selected.id}/award", data=award_data(csrf_token=token))
    assert response.status_code == 302 and count(Award) == 1


# The forms' own shapes ---------------------------------------------------------------------------------------------

def test_the_forms_build_without_a_request_body(app):
    with app.test_request_context():
        for form in (AwardForm, BankPayeeForm, EvidenceForm, RemittanceForm):
            assert form(meta={"csrf": False}, formdata=None).validate() is False
