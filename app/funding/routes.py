"""Funding pages (thin views): each reader's awards, milestones and payouts, the company's deposits and
receipts, the staff's queues, exports and reconciliation (docs/funding.md). Load or 404, check or 403,
validate, call one service, commit, redirect; a page with a refused form is shown again with what was
typed and why."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.challenges.models import Challenge
from app.common import signoff, uploads
from app.common.csv_export import csv_download
from app.common.money import Currency, Money
from app.common.outbox import external_url
from app.common.pagination import Page, requested_page
from app.common.pdf import one_page_pdf
from app.common.routes import requested_next
from app.common.security import content_security_policy
from app.common.time import utcnow
from app.common.views import attempt, require, run_service, visible_or_404
from app.extensions import db
from app.funding import bp, exports, ledger, payments, queries, services
from app.funding.forms import (
    ActionForm,
    AwardForm,
    BankPayeeForm,
    BankReceiptForm,
    CancelAwardForm,
    DisbursementForm,
    EvidenceForm,
    RemittanceForm,
)
from app.funding.gateway import PaymentError
from app.funding.models import (
    MAX_TRANCHES,
    PAYEE_CHANGE_HOLD,
    PAYEE_CONFIRMATION_TIME,
    Award,
    AwardSource,
    Deposit,
    DepositMethod,
    PayeeKind,
    Tranche,
    TrancheState,
    can_oversee_funding,
    can_propose_award,
    can_record_mss_disbursements,
)
from app.funding.queries import QUEUES, payout_problem
from app.proposals.models import Proposal

# What other domains' pages ask of funding (the proposal page's "Propose an award").
bp.add_app_template_global(can_propose_award)

PER_PAGE = 25
COMPANY_LISTS = ("awards", "receipts")
EXPORTS = tuple(dict.fromkeys(("awards", "receipts", *QUEUES)))  # each list of each index


def _award_or_404(award_id: int) -> Award:
    return visible_or_404(Award, award_id, options=queries.AWARD_PAGE)


def _tranche_or_404(tranche_id: int) -> Tranche:
    return visible_or_404(Tranche, tranche_id, options=queries.TRANCHE_PAGE)


def _to_award(award: Award, anchor: str | None = None):
    return redirect(url_for(".award", award_id=award.id, _anchor=anchor))


def _to_tranche(tranche: Tranche, anchor: str | None = None):
    return redirect(url_for(".tranche", tranche_id=tranche.id, _anchor=anchor))


def _paginate(statement, per_page: int = PER_PAGE):
    return db.paginate(statement, page=requested_page(), per_page=per_page, error_out=False)


def _reader_kind(user) -> str:
    """Which index a reader gets: the institutions' queues, a venture's awards, or a payer's."""
    if can_oversee_funding(user):
        return "staff"
    return "venture" if user.is_venture else "company"


# The index: one page per kind of reader ----------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    kind = _reader_kind(current_user)
    if kind == "staff":
        return _staff_index()
    if kind == "venture":
        page = _paginate(queries.awards_of_venture(current_user.organization_id))
        organization_id = current_user.organization_id
        return render_template("funding/index_venture.html", page=page, figures=ledger.figures_for(page.items),
                               payee=services.active_payee(organization_id),
                               pending_payee=queries.pending_payee(organization_id),
                               may_manage_payee=services.can_manage_payee(current_user, organization_id),
                               now=utcnow())
    shown = request.args.get("list") if request.args.get("list") in COMPANY_LISTS else "awards"
    if shown == "receipts":
        page = _paginate(queries.receipts_of(current_user.organization_id))
        figures = {}
    else:
        page = _paginate(queries.awards_paid_by(current_user.organization_id))
        figures = ledger.figures_for(page.items)
    return render_template("funding/index_company.html", page=page, figures=figures, shown=shown)


def _staff_index():
    counts = queries.queue_counts(current_user)
    asked = request.args.get("queue")
    if asked in QUEUES:
        shown = asked
    else:  # the first queue with work in it
        shown = next((name for name in QUEUES if counts[name]), "awards")
    queue = QUEUES[shown]
    page = _paginate(queries.queue_query(shown, current_user))
    figures = ledger.figures_for(page.items) if queue.rows == "awards" else {}
    return render_template("funding/index_staff.html", queues=QUEUES, counts=counts, queue=queue, page=page,
                           figures=figures, payout_problem=payout_problem, action_form=ActionForm())


@bp.get(f"/lists/<any({', '.join(EXPORTS)}):name>.csv")
@login_required
def export(name: str):
    """Every row of a list of the index (not only its page): the reader's own."""
    kind = _reader_kind(current_user)
    organization_id = current_user.organization_id
    if kind == "staff" and name in QUEUES:
        rows = list(db.session.scalars(queries.queue_query(name, current_user)))
        table = QUEUES[name].rows
        if table == "proposals":
            return csv_download(exports.proposal_rows(rows), f"funding-{name}.csv")
        if table == "awards":
            return csv_download(exports.award_rows(rows, ledger.figures_for(rows)), f"funding-{name}.csv")
        return csv_download(exports.tranche_rows(rows, payout_problem), f"funding-{name}.csv")
    if kind == "venture" and name == "awards":
        awards = list(db.session.scalars(queries.awards_of_venture(organization_id)))
        return csv_download(exports.award_rows(awards, ledger.figures_for(awards)), "funding-awards.csv")
    if kind == "company" and name == "awards":
        awards = list(db.session.scalars(queries.awards_paid_by(organization_id)))
        return csv_download(exports.award_rows(awards, ledger.figures_for(awards)), "funding-awards.csv")
    if kind == "company" and name == "receipts":
        return csv_download(exports.deposit_rows(db.session.scalars(queries.receipts_of(organization_id))),
                            "funding-receipts.csv")
    abort(404)


# The pages whose forms lead to Stripe's hosted pages (paying in, a payee's onboarding).
LEADS_TO_STRIPE = {"funding.award", "funding.payee", "funding.confirm_payee"}


@bp.after_request
def allow_forms_to_stripe(response):
    """Their forms' answers redirect to Stripe: the page's policy lets forms go there (only with Stripe)."""
    if request.endpoint in LEADS_TO_STRIPE and payments.gateway() is not None:
        response.headers["Content-Security-Policy"] = content_security_policy(payments.hosted_page_origins())
    return response


# One award ---------------------------------------------------------------------------------------------

@bp.get("/awards/<int:award_id>")
@login_required
def award(award_id: int):
    return _award_page(_award_or_404(award_id))


def _award_page(award: Award, *, receipt_form=None, status: int = 200):
    staff = can_oversee_funding(current_user)
    figures = ledger.figures_for([award])[award.id]
    sees_deposits = staff or award.is_payer_member(current_user)
    if receipt_form is None and award.can_record_receipt(current_user):
        receipt_form = BankReceiptForm(formdata=None, data={
            "amount": Money(figures.outstanding, award.currency)}).for_currency(award.currency)
    return render_template(
        "funding/award.html", award=award, figures=figures,
        deposits=queries.deposits_of(award) if sees_deposits else [],
        payouts=queries.payouts_of_award(award) if staff or award.is_venture_member(current_user) else [],
        transactions=ledger.transactions_of(award.id) if staff else [],
        decision=signoff.pending_decision(award) if staff else None,
        receipt_form=receipt_form, action_form=ActionForm(), gateway=payments.gateway(),
        bank_account=current_app.config["FUNDING_BANK_ACCOUNT"], payout_problem=payout_problem,
        award_status=queries.award_status, outstanding=figures.outstanding,
        days=ledger.DAYS), status


@bp.get("/awards/<int:award_id>/<any(tranches, deposits, payouts, ledger):table>.csv")
@login_required
def award_export(award_id: int, table: str):
    award = _award_or_404(award_id)
    staff = can_oversee_funding(current_user)
    name = f"award-{award.id}-{table}.csv"
    if table == "tranches":
        return csv_download(exports.tranche_rows(award.tranches, payout_problem), name)
    if table == "deposits":
        require(staff or award.is_payer_member(current_user))
        return csv_download(exports.deposit_rows(queries.deposits_of(award)), name)
    if table == "payouts":
        require(staff or award.is_venture_member(current_user))
        return csv_download(exports.payout_rows(queries.payouts_of_award(award)), name)
    require(staff)
    return csv_download(exports.ledger_rows(ledger.transactions_of(award.id)), name)


@bp.post("/awards/<int:award_id>/checkout")
@login_required
def checkout(award_id: int):
    """The company pays online: a Stripe Checkout session, then Stripe's hosted page. Whether the money
    came is Stripe's webhook's word, never the browser's return."""
    award = _award_or_404(award_id)
    require(award.is_payer_member(current_user))
    back = _to_award(award, "pay")
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return back
    # Stripe puts the session's id in place of the placeholder: it cannot go through url_for's quoting.
    returned = external_url("funding.deposit_return", award_id=award.id) + "?session_id={CHECKOUT_SESSION_ID}"
    outcome = attempt(lambda: services.start_checkout(
        award, actor=current_user, gateway=payments.gateway(), success_url=returned,
        cancel_url=external_url("funding.award", award_id=award.id), locale=str(get_locale())),
        back=back, denied_is_403=False)
    if not outcome.done:
        return back
    return redirect(outcome.result.checkout_url, code=303)


@bp.get("/awards/<int:award_id>/deposit-return")
@login_required
def deposit_return(award_id: int):
    """Where Stripe sends the company back. It says the payment is being confirmed and shows the deposit
    as the webhook left it: nothing here marks anything paid."""
    award = _award_or_404(award_id)
    require(award.is_payer_member(current_user) or can_oversee_funding(current_user))
    deposits = queries.deposits_of(award)
    session_id = request.args.get("session_id", "")[:255]
    deposit = next((d for d in deposits if d.stripe_session_id and d.stripe_session_id == session_id), None)
    if deposit is None:
        deposit = next((d for d in reversed(deposits) if d.method == DepositMethod.stripe_checkout), None)
    return render_template("funding/deposit_return.html", award=award, deposit=deposit, now=utcnow())


@bp.post("/awards/<int:award_id>/bank-receipt")
@login_required
def bank_receipt(award_id: int):
    award = _award_or_404(award_id)
    require(award.can_manage(current_user))
    form = BankReceiptForm().for_currency(award.currency)
    if not form.validate_on_submit():
        return _award_page(award, receipt_form=form)
    outcome = attempt(lambda: services.record_bank_receipt(
        award, actor=current_user, amount_minor=form.amount.minor, reference=form.reference.data.strip()),
        back=_to_award(award, "deposits"), denied_is_403=False)
    if not outcome.done:
        return _award_page(award, receipt_form=form)
    flash(_("The bank transfer is recorded; receipt %(number)s.", number=outcome.result.receipt_number), "success")
    return _to_award(award, "deposits")


@bp.route("/awards/<int:award_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(award_id: int):
    """Staff withdraw an award before money moved, with a reason both institutions read."""
    award = _award_or_404(award_id)
    require(award.can_manage(current_user))
    form = CancelAwardForm()
    if form.validate_on_submit():
        if attempt(lambda: services.cancel_award(award, actor=current_user, reason=form.reason.data.strip()),
                   back=_to_award(award), denied_is_403=False).done:
            flash(_("The award is cancelled."), "success")
            return _to_award(award)
    elif form.is_submitted():
        flash(_("Please give a reason for cancelling the award."), "danger")
    return render_template("funding/cancel.html", award=award, form=form)


# One tranche -------------------------------------------------------------------------------------------

@bp.get("/tranches/<int:tranche_id>")
@login_required
def tranche(tranche_id: int):
    return _tranche_page(_tranche_or_404(tranche_id))


def _tranche_page(tranche: Tranche, *, evidence_form=None, remittance_form=None, disbursement_form=None):
    award = tranche.award
    staff = can_oversee_funding(current_user)
    sees_evidence = tranche.can_view_evidence(current_user)
    if evidence_form is None and tranche.can_submit_evidence(current_user):
        evidence_form = EvidenceForm(formdata=None, data={"report": tranche.evidence_report})
    if remittance_form is None and tranche.can_confirm_remittance(current_user):
        remittance_form = RemittanceForm(formdata=None, data={
            "sent_currency": str(award.currency), "received_currency": "KRW", "value_date": queries.bank_day()})
    if disbursement_form is None and tranche.can_record_disbursement(current_user):
        disbursement_form = DisbursementForm(formdata=None, data={
            "amount": Money(tranche.amount_minor, award.currency), "value_date": queries.bank_day()}
        ).for_currency(award.currency)
    return render_template(
        "funding/tranche.html", tranche=tranche, award=award, staff=staff, sees_evidence=sees_evidence,
        payee=queries.paid_to(tranche) if sees_evidence else None, now=utcnow(),
        payouts=queries.payouts_of(tranche) if sees_evidence else [],
        decision=signoff.pending_decision(tranche) if staff else None, problem=payout_problem(tranche),
        tranche_status=queries.tranche_status,
        evidence_form=evidence_form, remittance_form=remittance_form, disbursement_form=disbursement_form,
        action_form=ActionForm())


@bp.post("/tranches/<int:tranche_id>/evidence")
@login_required
def submit_evidence(tranche_id: int):
    tranche = _tranche_or_404(tranche_id)
    require(tranche.award.is_venture_member(current_user))
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _tranche_page(tranche, evidence_form=form)

    def submit():
        # Stored first: a refusal or a failed commit discards the files again (app.common.uploads).
        stored = [uploads.store_pdf(upload) for upload in form.uploads()]
        services.submit_evidence(tranche, actor=current_user, report=form.report.data.strip(), files=stored)

    if not attempt(submit, back=_to_tranche(tranche), denied_is_403=False).done:
        return _tranche_page(tranche, evidence_form=form)
    flash(_("Your evidence is submitted. iPark and MSS will review it and approve the payment together."),
          "success")
    return _to_tranche(tranche)


@bp.get("/tranches/<int:tranche_id>/files/<int:file_id>")
@login_required
def evidence_file(tranche_id: int, file_id: int):
    tranche = _tranche_or_404(tranche_id)
    document = queries.evidence_file(tranche, file_id)
    if document is None:
        abort(404)
    require(tranche.can_view_evidence(current_user))
    return uploads.download(document.storage_key, document.filename)


@bp.post("/tranches/<int:tranche_id>/retry")
@login_required
def retry_payout(tranche_id: int):
    tranche = _tranche_or_404(tranche_id)
    require(can_oversee_funding(current_user))

    def said(_result) -> str:
        if tranche.state == TrancheState.paid:
            return _("The payout is made.")
        return _("Tried again: %(problem)s", problem=payout_problem(tranche)) if tranche.payout_problem else \
            _("The payout is on its way.")

    return run_service(lambda: services.retry_payout(tranche, actor=current_user), said,
                       back=redirect(requested_next(url_for(".tranche", tranche_id=tranche.id))),
                       form=ActionForm(), invalid=_("The form has expired. Please try again."), denied_is_403=False)


@bp.post("/tranches/<int:tranche_id>/remittance")
@login_required
def confirm_remittance(tranche_id: int):
    tranche = _tranche_or_404(tranche_id)
    require(can_oversee_funding(current_user))
    form = RemittanceForm()
    if not form.validate_on_submit():
        return _tranche_page(tranche, remittance_form=form)
    outcome = attempt(lambda: services.confirm_remittance(
        tranche, actor=current_user, sent_minor=form.sent_amount.minor, sent_currency=form.sent_amount.currency,
        received_minor=form.received_amount.minor, received_currency=form.received_amount.currency,
        rate=form.rate.data, fee_minor=form.fee.minor or 0, reference=form.reference.data.strip(),
        value_date=form.value_date.data), back=_to_tranche(tranche), denied_is_403=False)
    if not outcome.done:
        return _tranche_page(tranche, remittance_form=form)
    flash(_("The remittance is recorded and the tranche is paid."), "success")
    return _to_tranche(tranche)


@bp.post("/tranches/<int:tranche_id>/disbursement")
@login_required
def record_disbursement(tranche_id: int):
    tranche = _tranche_or_404(tranche_id)
    require(can_record_mss_disbursements(current_user))
    form = DisbursementForm().for_currency(tranche.award.currency)
    if not form.validate_on_submit():
        return _tranche_page(tranche, disbursement_form=form)
    outcome = attempt(lambda: services.record_mss_disbursement(
        tranche, actor=current_user, amount_minor=form.amount.minor, reference=form.reference.data.strip(),
        value_date=form.value_date.data), back=_to_tranche(tranche), denied_is_403=False)
    if not outcome.done:
        return _tranche_page(tranche, disbursement_form=form)
    flash(_("The disbursement is recorded and the tranche is paid."), "success")
    return _to_tranche(tranche)


# Proposing an award -------------------------------------------------------------------------------------

# Which field shows each refusal of propose_award; the others show above the form.
AWARD_REFUSALS = {services.WrongCurrency: "currency", services.TranchesMustAddUp: "amount",
                  services.NoCompanyToPay: "source", services.InKindNeedsEntitlement: "in_kind_what"}


@bp.route("/proposals/<int:proposal_id>/award", methods=["GET", "POST"])
@login_required
def new_award(proposal_id: int):
    proposal = visible_or_404(Proposal, proposal_id)
    require(can_propose_award(proposal, current_user))
    form = AwardForm(data=None if request.method == "POST" else _award_defaults(proposal))
    if form.validate_on_submit():
        in_kind = form.is_in_kind

        def refused(error) -> None:
            field = AWARD_REFUSALS.get(type(error))
            if field is None:
                flash(error.message, "danger")
            else:
                form[field].errors = [*form[field].errors, error.message]

        outcome = attempt(lambda: services.propose_award(
            proposal, actor=current_user, source=AwardSource(form.source.data),
            currency=None if in_kind else form.currency.data, amount_minor=0 if in_kind else form.amount.minor,
            tranches=[] if in_kind else form.tranche_rows(), in_kind=form.in_kind() if in_kind else None,
            note=(form.note.data or "").strip() or None), refused=refused, denied_is_403=False)
        if outcome.done:
            flash(_("The award is proposed. It takes effect when iPark and MSS have both signed it."), "success")
            return redirect(url_for(".award", award_id=outcome.result.id))
    elif form.is_submitted():
        flash(_("Please correct the marked fields. Nothing was saved."), "danger")
    return render_template("funding/new_award.html", proposal=proposal, challenge=proposal.challenge, form=form)


def _award_defaults(proposal: Proposal) -> dict:
    """The form as first shown: the kind of money of the call's poster (a company pays its award; the
    institutions' own calls are MSS's), the proposal's milestones as the tranches, its budget if in that
    currency."""
    by_company = proposal.challenge.organization.institution is None
    source = AwardSource.company_award if by_company else AwardSource.mss_commercialization
    currency = Currency.JPY if by_company else Currency.KRW
    return {"source": source.value, "currency": currency.value,
            "amount": Money.stored(proposal.budget_minor, currency) if proposal.currency == currency else None,
            "tranches": [{"title": milestone.title, "due_on": milestone.due_on}
                         for milestone in proposal.milestones[:MAX_TRANCHES]]}


# The venture's payee ---------------------------------------------------------------------------------------

@bp.route("/payee", methods=["GET", "POST"])
@login_required
def payee():
    """How the venture is paid: its members read it, its owner changes it (confirmed by e-mail)."""
    require(current_user.is_venture)
    organization_id = current_user.organization_id
    may_manage = services.can_manage_payee(current_user, organization_id)
    form = BankPayeeForm() if may_manage else None
    if request.method == "POST":
        require(may_manage)
        if form.validate_on_submit():
            if attempt(lambda: services.register_payee(actor=current_user, kind=PayeeKind.bank_account,
                                                       details=form.details()), denied_is_403=False).done:
                flash(_("Check your e-mail: the change takes effect when you confirm it from the link we sent."),
                      "success")
                return redirect(url_for(".payee"))
        else:
            flash(_("Please correct the marked fields. Nothing was saved."), "danger")
    return render_template("funding/payee.html", form=form, may_manage=may_manage, now=utcnow(),
                           payee=services.active_payee(organization_id),
                           pending_payee=queries.pending_payee(organization_id),
                           gateway=payments.gateway(), action_form=ActionForm(), hold_days=PAYEE_CHANGE_HOLD.days,
                           confirm_hours=int(PAYEE_CONFIRMATION_TIME.total_seconds() // 3600))


@bp.post("/payee/stripe")
@login_required
def register_stripe_payee():
    require(services.can_manage_payee(current_user, current_user.organization_id))
    return run_service(
        lambda: services.register_payee(actor=current_user, kind=PayeeKind.stripe_connect, details={},
                                        gateway=payments.gateway()),
        _("Check your e-mail: confirm the Stripe account from the link we sent, then continue at Stripe."),
        back=redirect(url_for(".payee")), form=ActionForm(), invalid=_("The form has expired. Please try again."),
        denied_is_403=False)


@bp.post("/payee/stripe/onboarding")
@login_required
def stripe_onboarding():
    """Stripe's own pages collect the payee's identity and bank: a one-time link, made when asked for."""
    require(services.can_manage_payee(current_user, current_user.organization_id))
    back = redirect(url_for(".payee"))
    payee = services.active_payee(current_user.organization_id)
    stripe = payments.gateway()
    if not ActionForm().validate_on_submit() or payee is None or payee.kind != PayeeKind.stripe_connect \
            or stripe is None:
        flash(_("There is no confirmed Stripe account to continue with."), "danger")
        return back
    here = external_url("funding.payee")
    try:
        link = stripe.account_link(account_id=payee.stripe_account_id, refresh_url=here, return_url=here)
    except PaymentError as error:
        flash(error.label, "danger")
        return back
    return redirect(link, code=303)


@bp.route("/payee/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_payee(token: str):
    """The link of the e-mail. The token is a secret: it is never logged, and only its digest is stored."""
    pending = services.payee_of_token(token)
    if pending is None or not services.can_manage_payee(current_user, pending.organization_id):
        return render_template("funding/confirm_payee.html", payee=None, current=None, form=None), 404
    form = ActionForm()
    if form.validate_on_submit():
        if attempt(lambda: services.confirm_payee(token, actor=current_user), denied_is_403=False).done:
            flash(_("The new account is confirmed."), "success")
            return redirect(url_for(".payee"))
    return render_template("funding/confirm_payee.html", payee=pending, form=form,
                           current=services.active_payee(pending.organization_id),
                           hold_days=PAYEE_CHANGE_HOLD.days)


# Remittances, receipts, reconciliation ----------------------------------------------------------------------

@bp.get("/remittances.csv")
@login_required
def remittances():
    """The bank's instruction for the remittances due whose payee can receive now; the export is recorded."""
    require(can_oversee_funding(current_user))
    remittances = queries.remittances_to_instruct()
    if not remittances:
        flash(_("No remittance can be instructed now: none is due, or their payees' accounts are on hold."), "info")
        return redirect(url_for(".index", queue="remittances"))
    account = current_app.config["FUNDING_BANK_ACCOUNT"]
    rows = list(exports.remittance_instruction(remittances, ordering_account=account.get("account_number", ""),
                                               value_date=queries.bank_day()))
    outcome = attempt(lambda: services.export_remittances([tranche for tranche, _payee in remittances],
                                                          actor=current_user))
    if not outcome.done:
        return redirect(url_for(".index", queue="remittances"))
    return csv_download(rows, f"remittances-{outcome.result.id}.csv")


def _receipt_or_404(deposit_id: int) -> Deposit:
    deposit = visible_or_404(Deposit, deposit_id, visible=lambda deposit: deposit.award.can_view(current_user))
    require(deposit.can_view_receipt(current_user))
    return deposit


@bp.get("/deposits/<int:deposit_id>/receipt")
@login_required
def receipt(deposit_id: int):
    deposit = _receipt_or_404(deposit_id)
    return render_template("funding/receipt.html", deposit=deposit, award=deposit.award,
                           issuer=current_app.config["FUNDING_BANK_ACCOUNT"].get("account_holder", ""))


@bp.get("/deposits/<int:deposit_id>/receipt.pdf")
@login_required
def receipt_pdf(deposit_id: int):
    deposit = _receipt_or_404(deposit_id)
    lines = exports.receipt_lines(deposit, issuer=current_app.config["FUNDING_BANK_ACCOUNT"].get("account_holder", ""),
                                  issued_on=queries.bank_day())
    response = current_app.response_class(one_page_pdf(lines, title=f"Receipt {deposit.receipt_number}"),
                                          mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{deposit.receipt_number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/challenges/<int:challenge_id>/reconciliation")
@login_required
def challenge_reconciliation(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(can_oversee_funding(current_user))
    awards, figures, totals = queries.reconciliation(challenge.id)
    number = requested_page()
    page = Page(items=awards[(number - 1) * PER_PAGE:number * PER_PAGE], total=len(awards), page=number,
                per_page=PER_PAGE)
    return render_template("funding/challenge_reconciliation.html", challenge=challenge, page=page, figures=figures,
                           totals=totals)


@bp.get("/challenges/<int:challenge_id>/reconciliation.csv")
@login_required
def challenge_reconciliation_export(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id)
    require(can_oversee_funding(current_user))
    awards, figures, totals = queries.reconciliation(challenge.id)
    return csv_download(exports.reconciliation_rows(awards, figures, totals),
                        f"challenge-{challenge.id}-reconciliation.csv")
