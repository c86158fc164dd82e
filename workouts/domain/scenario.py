"""What one evaluation looks at: a snapshot of the loan, borrower, property and any offer.

Frozen dataclasses, Decimal money with two places, rates in percent with three places. A
scenario does not need a stored loan: the preview API builds one from JSON, the workflow builds
one from a Loan row.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workouts.domain.money import ZERO

OWNER_OCCUPIED = "owner"


@dataclass(frozen=True)
class LoanSnapshot:
    """The loan as of the evaluation date.

    `next_due_date` is the due date of the oldest unpaid installment (Reg X 1024.31).
    `monthly_pi` is computed from balance, rate and remaining term when None.
    `past_due_amount` (what it takes to be current) is computed when None: the installments due
    from `next_due_date` through `as_of` times (P&I + escrow), plus `fees`.
    `arrears` are the capitalisable arrears (delinquent interest, escrow and servicing
    advances); `fees` are late charges and fees, never capitalised.
    """

    principal_balance: Decimal
    note_rate: Decimal
    remaining_term_months: int
    monthly_escrow: Decimal
    next_due_date: date
    origination_date: date
    property_state: str
    monthly_pi: Decimal | None = None
    past_due_amount: Decimal | None = None
    arrears: Decimal = ZERO
    fees: Decimal = ZERO
    lien_position: int = 1
    occupancy: str = OWNER_OCCUPIED
    prior_modifications: int = 0


@dataclass(frozen=True)
class BorrowerFinances:
    gross_monthly_income: Decimal
    monthly_debts: Decimal = ZERO


@dataclass(frozen=True)
class PropertySnapshot:
    """`subordinate_liens` is the payoff of junior liens; a deed-in-lieu needs them released."""

    market_value: Decimal
    subordinate_liens: Decimal = ZERO
    subordinate_liens_released: bool = False


@dataclass(frozen=True)
class ShortSaleOffer:
    """A third-party offer. `commission_pct` defaults to the program's maximum commission."""

    offer_price: Decimal
    closing_costs: Decimal
    days_on_market: int
    commission_pct: Decimal | None = None


@dataclass(frozen=True)
class Scenario:
    program: str
    loan: LoanSnapshot
    borrower: BorrowerFinances
    property: PropertySnapshot
    short_sale: ShortSaleOffer | None = None
