"""Amounts: read from what people type into minor units (MoneyField), shown for the reader (format_money)."""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from app.common.forms import KakehashiForm, MoneyField
from app.common.i18n import format_money
from app.common.money import MAX_AMOUNT_MINOR, Currency, Money, format_amount, from_minor_units, to_minor_units
from app.extensions import db


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
# docs/glossary.md, "Formats": tables show the symbol (¥ ₩ $, never "JP¥", "US$" or the full-width
# "￥"), Korean tables write won as "원"; text in Japanese and Korean counts in 万/億/兆 and 만/억/조.

TABLE = {
    "en": {"JPY": "¥30,000,000", "KRW": "₩30,000,000", "USD": "$30,000,000.00"},
    "ja": {"JPY": "¥30,000,000", "KRW": "₩30,000,000", "USD": "$30,000,000.00"},
    "ko": {"JPY": "¥30,000,000", "KRW": "30,000,000원", "USD": "$30,000,000.00"},
}
WORDS = {
    "en": {"JPY": "¥30,000,000", "KRW": "₩30,000,000", "USD": "$30,000,000.00"},
    "ja": {"JPY": "3,000万円", "KRW": "3,000万ウォン", "USD": "3,000万ドル"},
    "ko": {"JPY": "3,000만 엔", "KRW": "3,000만 원", "USD": "3,000만 달러"},
}
THIRTY_MILLION = {"JPY": 30_000_000, "KRW": 30_000_000, "USD": 3_000_000_000}  # in minor units


def money(app, minor, currency, lang, style="table"):
    with app.test_request_context(), force_locale(lang):
        return format_money(minor, currency, style=style)


@pytest.mark.parametrize("currency", list(Currency))
@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
@pytest.mark.parametrize(("style", "expected"), [("table", TABLE), ("words", WORDS)])
def test_each_currency_in_each_language_and_style(app, currency, lang, style, expected):
    assert money(app, THIRTY_MILLION[currency], currency, lang, style) == expected[lang][currency]


def test_the_table_style_is_the_default(app):
    assert money(app, 30_000_000, "KRW", "ko") == format_amount(30_000_000, Currency.KRW, "ko", "table")


@pytest.mark.parametrize(("minor", "currency", "lang", "shown"), [
    (150_000_000, "JPY", "ja", "1億5,000万円"), (150_000_000, "KRW", "ko", "1억 5,000만 원"),
    (12_345_678, "JPY", "ja", "1,234万5,678円"), (12_345_678, "KRW", "ko", "1,234만 5,678원"),
    (100_000_001, "JPY", "ja", "1億1円"), (100_000_001, "JPY", "ko", "1억 1엔"),
    (100_000_000, "KRW", "ko", "1억 원"), (10**15, "JPY", "ja", "1,000兆円"), (10**15, "KRW", "ko", "1,000조 원"),
    (9_999, "JPY", "ja", "9,999円"), (9_999, "KRW", "ko", "9,999원"), (0, "JPY", "ja", "0円"), (0, "KRW", "ko", "0원"),
    (150_025, "USD", "ja", "1,500.25ドル"), (3_000_000_050, "USD", "ko", "30,000,000.50달러"),
    (150_025, "USD", "en", "$1,500.25")])
def test_words_count_in_myriads(app, minor, currency, lang, shown):
    assert money(app, minor, currency, lang, "words") == shown


@pytest.mark.parametrize(("minor", "currency", "lang", "shown"), [
    (1_200_000, "JPY", "en", "¥1,200,000"), (1_200_000, Currency.JPY, "ja", "¥1,200,000"),
    (5_000_000, "KRW", "en", "₩5,000,000"), (5_000_000, Currency.KRW, "ko", "5,000,000원"),
    (123_456, "USD", "en", "$1,234.56"), (123_456, "USD", "ko", "$1,234.56"), (5, Currency.USD, "en", "$0.05"),
    (0, "JPY", "en", "¥0"), (-5_000, "JPY", "ja", "-¥5,000"), (-5_000, "KRW", "ko", "-5,000원")])
def test_format_money_shows_minor_units_for_the_reader(app, minor, currency, lang, shown):
    assert money(app, minor, currency, lang) == shown


def test_an_unknown_style_is_a_mistake(app):
    with pytest.raises(ValueError):
        money(app, 1, "JPY", "ja", "prose")


def test_the_templates_money_filter_is_format_money(app):
    assert app.jinja_env.filters["money"] is format_money


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
def test_no_page_shows_a_country_prefixed_or_full_width_symbol(client, login, users, make_challenge, make_proposal,
                                                               lang):
    challenge = make_challenge("open", budget_minor=30_000_000, currency=Currency.JPY)
    proposal = make_proposal("submitted", challenge=challenge, budget_minor=300_000_000, currency=Currency.KRW)
    staff = users["ipark_staff"]
    staff.locale = lang
    db.session.commit()
    login(staff)
    pages = [client.get(f"/challenges/{challenge.id}").get_data(as_text=True),
             client.get(f"/proposals/{proposal.id}").get_data(as_text=True)]
    for page in pages:
        assert not any(symbol in page for symbol in ["JP¥", "￥", "US$", "KR₩", "JPY 3", "KRW 3"])
    assert WORDS[lang]["JPY"] in pages[0]
    assert {"en": "₩300,000,000", "ja": "3億ウォン", "ko": "3억 원"}[lang] in pages[1]


def test_no_template_formats_money_itself():
    """Every amount goes through the ``money`` filter: Babel's own currency formats say "JP¥" in
    Korean and "￥" in Japanese."""
    app_dir = Path(__file__).parents[2] / "app"
    offenders = [str(path.relative_to(app_dir)) for path in app_dir.rglob("*")
                 if path.suffix in {".py", ".html", ".txt"} and path.name != "money.py"
                 and re.search(r"format_currency|currencyformat|JP¥|￥", path.read_text(encoding="utf-8"))]
    assert offenders == []
