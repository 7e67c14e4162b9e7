"""Currencies and amounts. Amounts are integers in the currency's minor unit (JPY and KRW have none)."""
import enum
import re
import unicodedata
from decimal import Decimal
from typing import NamedTuple

from babel.numbers import get_currency_precision


class Currency(enum.StrEnum):
    JPY = "JPY"
    KRW = "KRW"
    USD = "USD"


# The most any programme could fund, in minor units (₩1,000,000,000,000,000; ¥ alike; $10 trillion):
# far above any real award, far below the 64-bit columns (9.2 × 10**18).
MAX_AMOUNT_MINOR = 10**15

# What people type: digits, thousands separators, one decimal point. No sign, no exponent, no NaN.
_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class AmountTooLarge(ValueError):
    def __init__(self, limit: int):
        super().__init__("beyond what a programme could fund")
        self.limit = limit


def to_minor_units(amount: Decimal | str, currency: Currency | str) -> int:
    """'1500.25' USD → 150025; '5000000' JPY → 5000000; full-width digits read as digits. Raises
    ValueError for more decimals than the currency has, for a sign, an exponent or a special value
    (NaN, Infinity), and AmountTooLarge beyond MAX_AMOUNT_MINOR."""
    text = unicodedata.normalize("NFKC", str(amount)).replace(",", "").strip()
    # Checked as text first: Decimal reads "sNaN" and "1E+999999999", and int() of the latter
    # would build a billion-digit number.
    if not _PLAIN_AMOUNT.fullmatch(text) or len(text) > 40:
        raise ValueError("not an amount")
    digits = get_currency_precision(str(currency))
    minor = Decimal(text).scaleb(digits)
    if minor != minor.to_integral_value():
        raise ValueError("not an amount in this currency")
    if minor > MAX_AMOUNT_MINOR:
        raise AmountTooLarge(MAX_AMOUNT_MINOR)
    return int(minor)


def from_minor_units(amount_minor: int, currency: Currency | str) -> Decimal:
    """150025 USD → Decimal('1500.25'); 5000000 JPY → Decimal('5000000')."""
    return Decimal(amount_minor).scaleb(-get_currency_precision(str(currency)))


class Money(NamedTuple):
    """An amount in its currency's minor unit, as the columns store it, with its currency."""

    minor: int
    currency: Currency

    @classmethod
    def stored(cls, minor: int | None, currency: Currency | str | None) -> "Money | None":
        """A pair of columns (``*_minor`` and ``currency``) as one value; None where no amount is stored."""
        return None if minor is None else cls(minor, Currency(currency))

    def as_typed(self) -> str:
        """The amount as people type it in a form: '1500.25', '5000000' (no separators, no symbol)."""
        return str(from_minor_units(self.minor, self.currency))


# Showing amounts (docs/glossary.md, "Formats") ------------------------------------------------------------
# The three currencies have distinct symbols; Babel's own would write "JP¥" and "US$" in Korean and
# the full-width "￥" in Japanese.
SYMBOLS = {Currency.JPY: "¥", Currency.KRW: "₩", Currency.USD: "$"}
# Korean tables write won as a unit after the number, as Korean readers expect: 30,000,000원.
UNIT_AFTER = {("ko", Currency.KRW): "원"}
# Text in Japanese and Korean counts in myriads (3,000万円, 3,000만 원), with the currency's word.
WORDS = {
    "ja": {Currency.JPY: "円", Currency.KRW: "ウォン", Currency.USD: "ドル"},
    "ko": {Currency.JPY: "엔", Currency.KRW: "원", Currency.USD: "달러"},
}
MYRIADS = {"ja": ["兆", "億", "万"], "ko": ["조", "억", "만"]}
STYLES = ("table", "words")


def format_amount(amount_minor: int, currency: Currency | str, locale: str, style: str = "table") -> str:
    """An amount as a reader of ``locale`` expects it: ``table`` for columns and figures
    (¥30,000,000, 30,000,000원), ``words`` where the page speaks (3,000万円, 3,000만 원; English keeps
    the symbol)."""
    if style not in STYLES:
        raise ValueError(f"no money style {style!r}")
    currency, language = Currency(currency), str(locale).split("_")[0]
    sign, value = ("-" if amount_minor < 0 else ""), from_minor_units(abs(amount_minor), currency)
    if style == "words" and language in WORDS:
        return sign + _in_words(value, currency, language)
    if unit := UNIT_AFTER.get((language, currency)):
        return f"{sign}{_digits(value, currency)}{unit}"
    return f"{sign}{SYMBOLS[currency]}{_digits(value, currency)}"


def _digits(value: Decimal, currency: Currency) -> str:
    """Thousands separated by commas, with the currency's decimals (the same in en, ja and ko)."""
    return f"{value:,.{get_currency_precision(currency.value)}f}"


def _in_words(value: Decimal, currency: Currency, language: str) -> str:
    """1億5,000万円, 1억 5,000만 원; an amount with cents keeps its digits (1,500.25ドル)."""
    word = WORDS[language][currency]
    if value != value.to_integral_value():
        return f"{_digits(value, currency)}{word}"
    rest, groups = int(value), []
    for power, name in zip((12, 8, 4), MYRIADS[language], strict=True):
        count, rest = divmod(rest, 10**power)
        if count:
            groups.append(f"{count:,}{name}")
    if rest or not groups:
        groups.append(f"{rest:,}")
    if language == "ko":  # 띄어쓰기: myriad by myriad, and 원 apart after 만/억/조
        return " ".join(groups) + (f" {word}" if not rest and value else word)
    return "".join(groups) + word
