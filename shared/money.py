"""Money and hours: `Decimal` only, written as strings with two places.

The rounding rule (one, everywhere): amounts are computed unrounded and rounded once, at the end,
to the penny with ROUND_HALF_UP. Where a total is split between funders, every share but the last
is rounded and the last takes the remainder, so the shares add up exactly to the total.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

PENNY = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _two_places(value: Decimal) -> str:
    return f"{round_money(value):.2f}"


_DECIMAL_STRING = WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["15.75"]})

Money = Annotated[Decimal, PlainSerializer(_two_places, return_type=str, when_used="json"), _DECIMAL_STRING]
"""An amount of money in pounds; JSON as a string with two places."""

def quantity_text(value: Decimal) -> str:
    """Two places, or up to four where the quantity needs them (20 minutes is 0.3333 hours)."""
    four = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return f"{four:.2f}" if four == four.quantize(PENNY) else f"{four:.4f}".rstrip("0")


Quantity = Annotated[Decimal, PlainSerializer(quantity_text, return_type=str, when_used="json"),
                     WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2,4}$", "examples": ["5.00", "2.3333"]})]
"""A quantity charged for (hours or visits); JSON as a string with two to four places."""

Hours = Annotated[Decimal, PlainSerializer(_two_places, return_type=str, when_used="json"), _DECIMAL_STRING]
"""A number of hours (per week, usually); JSON as a string with two places."""
