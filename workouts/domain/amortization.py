"""Fixed-rate amortization (domain.md section 3).

M = P r (1+r)^n / ((1+r)^n - 1), r = annual rate / 12 / 100; the balance a payment supports is
P = M (1 - (1+r)^-n) / r. Interest for a month on a mortgage is balance x r (30/360 monthly
interest, as US fixed-rate notes compute it). Rounding happens once, at the end.
"""

from dataclasses import dataclass
from decimal import Decimal

from workouts.domain.money import ZERO, to_cents, working_context

MONTHS_PER_YEAR = 12


def monthly_rate(annual_rate_pct: Decimal) -> Decimal:
    with working_context():
        return Decimal(annual_rate_pct) / MONTHS_PER_YEAR / 100


def monthly_payment(principal: Decimal, annual_rate_pct: Decimal, months: int) -> Decimal:
    """Level monthly P&I that repays `principal` over `months` at the annual rate."""
    if months <= 0:
        raise ValueError("months must be positive")
    if principal <= 0:
        return ZERO
    with working_context():
        r = monthly_rate(annual_rate_pct)
        if r == 0:
            return to_cents(Decimal(principal) / months)
        growth = (1 + r) ** months
        return to_cents(Decimal(principal) * r * growth / (growth - 1))


def supported_balance(payment: Decimal, annual_rate_pct: Decimal, months: int) -> Decimal:
    """The balance a level monthly P&I `payment` repays over `months` at the annual rate."""
    if months <= 0:
        raise ValueError("months must be positive")
    if payment <= 0:
        return ZERO
    with working_context():
        r = monthly_rate(annual_rate_pct)
        if r == 0:
            return to_cents(Decimal(payment) * months)
        return to_cents(Decimal(payment) * (1 - (1 + r) ** -months) / r)


def interest_for_period(balance: Decimal, annual_rate_pct: Decimal) -> Decimal:
    """One month's interest on `balance`, rounded to the cent.

    Multiply first, divide once: balance x rate / 1200 is exact whenever the true value ends
    within the working precision. Multiplying by the monthly rate instead (0.16 / 1200 =
    0.000133...) carries that rate's truncation into the product: 637.50 at 0.16% gave
    0.0849999... and rounded a cent short of the half-up 0.09."""
    with working_context():
        return to_cents(Decimal(balance) * Decimal(annual_rate_pct) / (MONTHS_PER_YEAR * 100))


@dataclass(frozen=True)
class InstallmentSplit:
    interest: Decimal
    principal: Decimal


def split_installment(balance: Decimal, annual_rate_pct: Decimal, payment: Decimal) -> InstallmentSplit:
    """Split one P&I installment into interest first, then principal.

    The principal part never exceeds the balance: the final installment only takes what is left.
    """
    interest = interest_for_period(balance, annual_rate_pct)
    principal = min(max(Decimal(payment) - interest, ZERO), Decimal(balance))
    return InstallmentSplit(interest=min(interest, Decimal(payment)), principal=to_cents(principal))


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


def schedule(
    principal: Decimal, annual_rate_pct: Decimal, months: int, payment: Decimal | None = None
) -> list[ScheduleRow]:
    """Full amortization schedule; the last payment absorbs the rounding so the balance ends at 0."""
    pay = monthly_payment(principal, annual_rate_pct, months) if payment is None else Decimal(payment)
    balance = to_cents(principal)
    rows: list[ScheduleRow] = []
    for number in range(1, months + 1):
        interest = interest_for_period(balance, annual_rate_pct)
        if number == months or pay - interest >= balance:
            principal_part = balance
        else:
            principal_part = pay - interest
        balance = balance - principal_part
        rows.append(ScheduleRow(number, interest + principal_part, interest, principal_part, balance))
        if balance == 0:
            break
    return rows
