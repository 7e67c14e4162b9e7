"""Currencies and amounts. Amounts are integers in the currency's minor unit (JPY and KRW have none)."""
import enum
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision


class Currency(enum.StrEnum):
    JPY = "JPY"
    KRW = "KRW"
    USD = "USD"


def to_minor_units(amount: Decimal | str, currency: Currency | str) -> int:
    """'1500.25' USD → 150025; '5000000' JPY → 5000000. Raises ValueError for more decimals
    than the currency has, or for a negative or malformed amount."""
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation as error:
        raise ValueError("not a number") from error
    digits = get_currency_precision(str(currency))
    minor = value.scaleb(digits)
    if not value.is_finite() or minor != minor.to_integral_value() or value < 0:
        raise ValueError("not an amount in this currency")
    return int(minor)


def from_minor_units(amount_minor: int, currency: Currency | str) -> Decimal:
    return Decimal(amount_minor).scaleb(-get_currency_precision(str(currency)))
