"""What funding writes for other programs: the CSV of every table its pages show, the bank's remittance
instruction, and the receipt of a deposit as a PDF.

CSV cells are for spreadsheets and accounting: codes rather than labels (``remittance_due``), amounts as
decimals in the currency's major unit beside their ISO code, moments in UTC (ISO 8601). The headers are
the same in every language, so that a sheet built on one export reads the next.
"""
from babel.numbers import get_currency_precision

from app.common.money import from_minor_units
from app.common.pdf import Line
from app.common.time import as_utc
from app.funding.ledger import DAYS
from app.funding.models import DepositMethod


def amount(minor: int | None, currency) -> str:
    """150025 USD → "1500.25": the number a spreadsheet reads."""
    if minor is None or currency is None:
        return ""
    if str(currency) == DAYS:
        return str(minor)
    return str(from_minor_units(minor, currency))


def iso_amount(minor: int, currency) -> str:
    """"JPY 3,000,000", "USD 1,500.25": an amount in Latin script whatever the reader's language (the
    receipt's PDF shows Latin script only)."""
    currency = str(currency)
    return f"{currency} {from_minor_units(minor, currency):,.{get_currency_precision(currency)}f}"


def moment(value) -> str:
    return as_utc(value).isoformat() if value is not None else ""


def day(value) -> str:
    return value.isoformat() if value is not None else ""


def by_currency(amounts: dict) -> str:
    """{"JPY": -1000000, "KRW": 9000000} → "JPY -1000000; KRW 9000000"."""
    return "; ".join(f"{currency} {amount(total, currency)}" for currency, total in sorted(amounts.items()))


def code(value) -> str:
    return str(value) if value is not None else ""


# The pages' tables ------------------------------------------------------------------------------------

AWARD_HEADER = ["award_id", "challenge_id", "proposal_id", "venture", "payer", "source", "state", "currency",
                "amount", "deposited", "held", "committed", "paid", "due", "remaining", "fees", "fx", "in_kind_days",
                "created_at"]


def award_rows(awards, figures):
    yield AWARD_HEADER
    for award in awards:
        numbers, currency = figures[award.id], award.currency
        yield [award.id, award.challenge_id, award.proposal_id, award.organization.name_latin,
               award.payer.name_latin if award.payer else "", code(award.source), code(award.state), code(currency),
               amount(award.amount_minor, currency), amount(numbers.deposited, currency),
               amount(numbers.held, currency), amount(numbers.committed, currency), amount(numbers.paid, currency),
               amount(numbers.due, currency), amount(numbers.remaining, currency), by_currency(numbers.fees),
               by_currency(numbers.fx), award.in_kind_days or "", moment(award.created_at)]


def proposal_rows(proposals):
    yield ["proposal_id", "title", "venture", "challenge_id", "call", "program", "selected_at"]
    for proposal in proposals:
        yield [proposal.id, proposal.title, proposal.organization.name_latin, proposal.challenge_id,
               proposal.challenge.title, code(proposal.challenge.program), moment(proposal.decided_at)]


def tranche_rows(tranches, problem_of):
    """``problem_of(tranche)``: the payout's problem in words, or None."""
    yield ["tranche_id", "award_id", "venture", "position", "title", "currency", "amount", "due_on", "state",
           "payout_method", "payout_problem", "payout_problem_in_words", "evidence_submitted_at", "approved_at",
           "paid_at"]
    for tranche in tranches:
        award = tranche.award
        yield [tranche.id, award.id, award.organization.name_latin, tranche.position, tranche.title,
               code(award.currency), amount(tranche.amount_minor, award.currency), day(tranche.due_on),
               code(tranche.state), code(tranche.payout_method), tranche.payout_problem or "",
               problem_of(tranche) or "", moment(tranche.evidence_submitted_at), moment(tranche.approved_at),
               moment(tranche.paid_at)]


def deposit_rows(deposits):
    yield ["receipt_number", "award_id", "method", "state", "currency", "amount", "fee", "refunded", "reference",
           "stripe_payment_intent", "created_at", "received_at"]
    for deposit in deposits:
        currency = deposit.currency
        yield [deposit.receipt_number, deposit.award_id, code(deposit.method), code(deposit.state), code(currency),
               amount(deposit.amount_minor, currency), amount(deposit.fee_minor, currency),
               amount(deposit.refunded_minor, currency), deposit.reference or "",
               deposit.stripe_payment_intent_id or "", moment(deposit.created_at), moment(deposit.received_at)]


def payout_rows(payouts):
    yield ["tranche_id", "position", "attempt", "method", "sent_currency", "sent", "received_currency", "received",
           "rate", "fee", "reversed", "reference", "stripe_transfer", "value_date", "recorded_at"]
    for payout in payouts:
        yield [payout.tranche_id, payout.tranche.position, payout.attempt, code(payout.method),
               code(payout.sent_currency), amount(payout.sent_minor, payout.sent_currency),
               code(payout.received_currency), amount(payout.received_minor, payout.received_currency),
               payout.rate or "", amount(payout.fee_minor, payout.sent_currency),
               amount(payout.reversed_minor, payout.sent_currency), payout.reference or "",
               payout.stripe_transfer_id or "", day(payout.value_date), moment(payout.created_at)]


def ledger_rows(transactions):
    """One line per entry: each transaction's lines sum to zero per currency."""
    yield ["transaction_id", "created_at", "kind", "key", "external_id", "tranche_id", "deposit_id", "account",
           "account_award_id", "currency", "amount", "memo"]
    for transaction in transactions:
        for entry in transaction.entries:
            yield [transaction.id, moment(transaction.created_at), code(transaction.kind), transaction.key,
                   transaction.external_id or "", transaction.tranche_id or "", transaction.deposit_id or "",
                   code(entry.account.kind), entry.account.award_id or "", entry.currency,
                   amount(entry.amount_minor, entry.currency), transaction.memo or ""]


def reconciliation_rows(awards, figures, totals):
    yield from award_rows(awards, figures)
    for total in totals:
        currency = total.currency
        yield ["total", "", "", "", "", "", "", currency, amount(total.amount, currency),
               amount(total.deposited, currency), "", amount(total.committed, currency), amount(total.paid, currency),
               amount(total.due, currency), amount(total.remaining, currency), by_currency(total.fees),
               by_currency(total.fx), "", ""]


# The bank's instruction -----------------------------------------------------------------------------------

REMITTANCE_HEADER = ["value_date", "ordering_account", "beneficiary_name", "beneficiary_account", "bank_name",
                     "bank_country", "swift_bic", "currency", "amount", "reference", "purpose"]


def remittance_instruction(remittances, *, ordering_account: str, value_date):
    """The remittances, (tranche, payee) pairs, in the common layout of Japanese banks' bulk upload: one line
    per transfer, the tranche's reference so that the bank's confirmation finds it again. Purpose in plain
    ASCII, as SWIFT messages carry it."""
    yield REMITTANCE_HEADER
    for tranche, payee in remittances:
        award = tranche.award
        yield [value_date.isoformat(), ordering_account, payee.account_holder, payee.account_number,
               payee.bank_name, payee.bank_country or "", payee.swift or "", code(award.currency),
               amount(tranche.amount_minor, award.currency), tranche.remittance_reference,
               f"Kakehashi award {award.id} milestone {tranche.position} grant payment"]


# The receipt ----------------------------------------------------------------------------------------------

METHODS = {DepositMethod.bank_transfer: "Bank transfer", DepositMethod.stripe_checkout: "Online payment (Stripe)"}


def receipt_lines(deposit, *, issuer: str, issued_on) -> list[Line]:
    """The receipt of a deposit, in Latin script (the PDF's fonts have no other)."""
    award = deposit.award
    lines = [Line("Kakehashi", size=10), Line("Receipt", size=20, bold=True), Line(""),
             Line(f"Receipt number: {deposit.receipt_number}", bold=True),
             f"Date received: {day(as_utc(deposit.received_at).date())}",
             f"Issued on: {day(issued_on)}", "",
             f"Received from: {award.payer.name_latin if award.payer else ''}",
             f"Received by: {issuer}", "",
             Line(f"Amount received: {iso_amount(deposit.amount_minor, deposit.currency)}", size=13, bold=True),
             f"Method: {METHODS[deposit.method]}",
             f"Reference: {deposit.reference or deposit.stripe_payment_intent_id or award.payment_reference}"]
    if deposit.refunded_minor:
        lines.append(f"Refunded since: {iso_amount(deposit.refunded_minor, deposit.currency)}")
    lines += ["", f"For: award {award.payment_reference} ({award.source.value.replace('_', ' ')}) of "
                  f"{iso_amount(award.amount_minor, award.currency)}",
              f"Beneficiary of the award: {award.organization.name_latin}",
              f"Call number {award.challenge_id}, proposal number {award.proposal_id}", "",
              Line("The amount is held in escrow for the award and paid to the beneficiary in milestones approved "
                   "jointly by iPark Institute and the Ministry of SMEs and Startups.", size=9)]
    return lines
