"""Money, rates and scores (SPEC ground rules), the one place every app rounds: CNY as `Decimal`
with 2 places, rounded half-up to the fen; rates as fractions 0–1 with 4 places, scores with 2
places, half-up too (SPEC decisions: rounding)."""
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")


def money(value) -> Decimal:
    """Round half-up to the fen (SPEC ground rules)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def rate(numerator, denominator) -> Decimal | None:
    """A rate as a fraction with 4 decimals, half-up; None when the denominator is 0 (SPEC)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def rate_of(fraction) -> Decimal | None:
    """An already-divided fraction rounded like `rate()`: 4 places, half-up; None stays None."""
    if fraction is None:
        return None
    return Decimal(fraction).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def score(value) -> Decimal:
    """A score (0–100 points, a dimension or the composite) to 2 places, half-up."""
    return Decimal(value).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


EMPTY = "—"


def yuan(value) -> str:
    """Money as a person reads it: ¥134,100.00, -¥24.51 (admin, row names)."""
    if value is None or value == "":
        return EMPTY
    amount = money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def rate_field(verbose_name, **kwargs):
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4,
                               validators=[MinValueValidator(0), MaxValueValidator(1)], **kwargs)
