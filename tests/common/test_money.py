"""Amounts: read from what people type into minor units (MoneyField), shown for the reader (format_money)."""
from decimal import Decimal

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from app.common.forms import KakehashiForm, MoneyField
from app.common.i18n import format_money
from app.common.money import MAX_AMOUNT_MINOR, Currency, Money, from_minor_units, to_minor_units


class BudgetForm(KakehashiForm):
    class Meta:
        csrf = False

    budget = MoneyField("Budget")
    currency = SelectField("Currency", choices=[(c.value, c.value) for c in Currency])


def posted(app, budget, currency="JPY"):
    with app.test_request_context(method="POST"), force_locale("en"):
        form = BudgetForm(formdata=MultiDict({"budget": budget, "currency": currency}))
        form.validate()
        return form.budget.minor, form.budget.currency, [str(error) for error in form.budget.errors]


# Minor units: JPY and KRW have none, USD has cents ----------------------------------------------------

@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("5000000", Currency.JPY, 5_000_000), ("5,000,000", Currency.KRW, 5_000_000),
    ("1500.50", Currency.USD, 150_050), ("1500", Currency.USD, 150_000), ("0.01", Currency.USD, 1)])
def test_amounts_are_stored_in_the_currencys_minor_unit(typed, currency, minor):
    assert to_minor_units(typed, currency) == minor
    assert from_minor_units(minor, currency) == Decimal(typed.replace(",", ""))


@pytest.mark.parametrize(("typed", "currency"), [("1500.5", "JPY"), ("1500.5", "KRW"), ("1500.505", "USD")])
def test_more_decimals_than_the_currency_has_is_not_an_amount(typed, currency):
    with pytest.raises(ValueError):
        to_minor_units(typed, currency)


@pytest.mark.parametrize(("money", "typed"), [
    (Money(5_000_000, Currency.JPY), "5000000"), (Money(3_000_000_000, Currency.KRW), "3000000000"),
    (Money(150_050, Currency.USD), "1500.50"), (Money(7, Currency.USD), "0.07")])
def test_a_stored_amount_is_shown_as_people_type_it_and_reads_back(money, typed):
    assert money.as_typed() == typed
    assert to_minor_units(money.as_typed(), money.currency) == money.minor


def test_a_pair_of_columns_is_one_value_or_none():
    assert Money.stored(150_050, "USD") == Money(150_050, Currency.USD)
    assert Money.stored(None, None) is None


# MoneyField --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("5,000,000", "JPY", 5_000_000), (" 50000000 ", "KRW", 50_000_000), ("1500.50", "USD", 150_050),
    ("５０００", "JPY", 5000)])
def test_money_field_reads_the_amount_in_the_chosen_currency(app, typed, currency, minor):
    assert posted(app, typed, currency) == (minor, Currency(currency), [])


def test_an_empty_money_field_is_no_amount_and_no_currency(app):
    assert posted(app, "", "USD") == (None, None, [])


@pytest.mark.parametrize(("typed", "currency"), [("1500.5", "JPY"), ("NaN", "KRW"), ("-5", "USD"), ("1e3", "USD")])
def test_money_field_refuses_what_is_not_an_amount_in_the_currency(app, typed, currency):
    assert posted(app, typed, currency) == (None, None, ["Enter an amount such as 5000000 (or 1500.50 in USD)."])


def test_money_field_says_the_cap_in_the_currency(app):
    too_much = str(MAX_AMOUNT_MINOR + 1)
    assert posted(app, too_much, "KRW")[2] == ["Enter an amount of at most ₩1,000,000,000,000,000."]
    assert posted(app, too_much, "JPY")[2] == ["Enter an amount of at most ¥1,000,000,000,000,000."]
    assert posted(app, "10000000000000.01", "USD")[2] == ["Enter an amount of at most $10,000,000,000,000.00."]


def test_money_field_leaves_an_unknown_currency_to_the_currency_field(app):
    assert posted(app, "5000", "XXX") == (None, None, [])


def test_money_field_takes_its_own_message(app):
    class ProposalBudget(BudgetForm):
        budget = MoneyField("Budget", message="Enter an amount such as 50000000 (or 1500.50 in USD).")

    with app.test_request_context(method="POST"):
        form = ProposalBudget(formdata=MultiDict({"budget": "abc", "currency": "KRW"}))
        form.validate()
    assert [str(error) for error in form.budget.errors] == ["Enter an amount such as 50000000 (or 1500.50 in USD)."]


@pytest.mark.parametrize(("stored", "shown"), [
    (Money(150_050, Currency.USD), 'value="1500.50"'), (Money(5_000_000, Currency.JPY), 'value="5000000"'),
    (None, 'value=""')])
def test_money_field_shows_a_stored_amount(app, stored, shown):
    with app.test_request_context():
        form = BudgetForm(data={"budget": stored})
        assert shown in form.budget()


# format_money: the one formatter, the templates' ``money`` filter ------------------------------------------

@pytest.mark.parametrize(("minor", "currency", "lang", "shown"), [
    (1_200_000, "JPY", "en", "¥1,200,000"), (1_200_000, Currency.JPY, "ja", "￥1,200,000"),
    (5_000_000, "KRW", "en", "₩5,000,000"), (5_000_000, Currency.KRW, "ko", "₩5,000,000"),
    (123_456, "USD", "en", "$1,234.56"), (5, Currency.USD, "en", "$0.05"), (0, "JPY", "en", "¥0")])
def test_format_money_shows_minor_units_for_the_reader(app, minor, currency, lang, shown):
    with app.test_request_context(), force_locale(lang):
        assert format_money(minor, currency) == shown


def test_the_templates_money_filter_is_format_money(app):
    assert app.jinja_env.filters["money"] is format_money
