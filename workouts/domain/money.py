"""Money rounding in one place.

Every money figure in Lossmit is a Decimal rounded half-up to the cent here and nowhere else,
at the end of a computation, never in between (domain.md section 3).
"""

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.001")

# Enough digits that (1 + r) ** 480 keeps every cent exact before the final rounding.
WORKING_PRECISION = 50


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round a money amount half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_rate(value: Decimal | int | str) -> Decimal:
    """Round a percentage rate half-up to three places (6.500)."""
    return Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def working_context():
    """A local decimal context with the working precision, for intermediate maths."""
    return localcontext(prec=WORKING_PRECISION)
