"""How a payment is applied to a loan: the servicing rules as pure functions.

No Django here: the service (borrowers/services.py) loads a LoanState, asks these functions
what movements to make, and writes them to the ledger. Keeping the rules pure lets property
tests drive thousands of random postings quickly, and lets the demo seeder build histories
with exactly the rules production uses.

Rules (issue 2, domain.md section 1):
- Cash lands in suspense. From suspense, whole installments are applied to the oldest unpaid
  one first, each split interest, then principal, then escrow, advancing the next due date.
- The installments a payment may fill are those due on or before the payment date plus the
  next one to come (a borrower paying on Nov 28 for Dec 1 is paying that installment).
- Less than a whole installment waits in suspense; it is never applied in part.
- Once every installment already due is paid, the next one to come is paid if the money covers
  all of it; then late charges, then fees; anything beyond every billed installment and charge
  reduces principal (a curtailment). More than the payoff amount is refused.
- Money that only part-pays the coming installment on a loan that was already current waits in
  suspense rather than paying late charges (no pyramiding, Reg Z 1026.36(c)(2)); money left
  after curing a delinquency pays the charges, so a borrower who sends "the installment plus
  the late charge" sees both paid.
- A late charge is assessed once per installment still unpaid after the grace days, as a
  percent of P&I, never on a late charge (no pyramiding).
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from lossmit.errors import BadInput
from workouts.domain.amortization import split_installment
from workouts.domain.dates import add_months
from workouts.domain.money import ZERO, to_cents

OPENING = "opening"
PAYMENT = "payment"
INSTALLMENT = "installment"
LATE_CHARGE = "late_charge"
FEE = "fee"
CHARGES_PAID = "charges_paid"
CURTAILMENT = "curtailment"


class PostingError(BadInput):
    """A payment the rules refuse (bad amount, more than the payoff)."""


@dataclass(frozen=True)
class LoanState:
    principal: Decimal
    escrow: Decimal
    suspense: Decimal
    late_charges: Decimal
    fees: Decimal
    next_due_date: date
    remaining_term_months: int
    note_rate: Decimal
    monthly_pi: Decimal
    monthly_escrow: Decimal
    due_day: int
    grace_days: int = 15
    late_charge_pct: Decimal = Decimal("4.000")
    deferred: Decimal = ZERO

    @property
    def installment(self) -> Decimal:
        return self.monthly_pi + self.monthly_escrow

    def following_due_date(self, due: date) -> date:
        return add_months(due, 1, day=self.due_day)


@dataclass(frozen=True)
class Movement:
    """One ledger row to write: signed changes to each balance."""

    kind: str
    amount: Decimal
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    escrow: Decimal = ZERO
    suspense: Decimal = ZERO
    late_charges: Decimal = ZERO
    fees: Decimal = ZERO
    deferred: Decimal = ZERO
    installment_due_date: date | None = None
    advances_due_date: bool = False


@dataclass
class Posting:
    movements: list[Movement] = field(default_factory=list)
    state: LoanState | None = None


def apply_movement(state: LoanState, movement: Movement, *, reverse: bool = False) -> LoanState:
    """The state after `movement` (or after undoing it, with reverse=True)."""
    sign = -1 if reverse else 1
    next_due = state.next_due_date
    term = state.remaining_term_months
    if movement.advances_due_date:
        if reverse:
            next_due, term = movement.installment_due_date, term + 1
        else:
            next_due, term = state.following_due_date(state.next_due_date), max(term - 1, 0)
    return replace(
        state,
        principal=state.principal + sign * movement.principal,
        escrow=state.escrow + sign * movement.escrow,
        suspense=state.suspense + sign * movement.suspense,
        late_charges=state.late_charges + sign * movement.late_charges,
        fees=state.fees + sign * movement.fees,
        deferred=state.deferred + sign * movement.deferred,
        next_due_date=next_due,
        remaining_term_months=term,
    )


def billed_through(state: LoanState, on: date) -> date:
    """The last installment due date a payment received `on` may fill: every past-due one
    plus the next one to come."""
    due = state.next_due_date
    while due <= on:
        due = state.following_due_date(due)
    return due


# No single residential mortgage payment comes near this; anything at or above it is a typo or an
# attack, and it keeps every amount well inside the ledger's 14-digit money columns.
MAX_AMOUNT = Decimal("1000000000")


def validate_amount(amount: Decimal) -> Decimal:
    """Refuse anything but a positive Decimal of whole cents below MAX_AMOUNT (PostingError invalid_amount)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PostingError("invalid_amount", "The amount must be a decimal number of dollars and cents.")
    if amount <= 0:
        raise PostingError("invalid_amount", "The amount must be greater than zero.")
    # Size first: quantizing a huge Decimal to cents overflows the context and raises InvalidOperation.
    if amount >= MAX_AMOUNT:
        raise PostingError("invalid_amount", "The amount is too large.")
    if amount != amount.quantize(Decimal("0.01")):
        raise PostingError("invalid_amount", "The amount cannot have more than two decimal places.")
    return amount


def payoff_amount(state: LoanState, on: date) -> Decimal:
    """What it takes to pay the loan off `on`: installments billed through the next due, then
    charges, then the principal left (interest accrues monthly, in the installments)."""
    simulated = state
    total = ZERO
    last = billed_through(state, on)
    while simulated.next_due_date <= last and simulated.principal > 0:
        split = split_installment(simulated.principal, simulated.note_rate, simulated.monthly_pi)
        total += split.interest + split.principal + simulated.monthly_escrow
        simulated = replace(
            simulated,
            principal=simulated.principal - split.principal,
            next_due_date=simulated.following_due_date(simulated.next_due_date),
        )
    return total + simulated.principal + state.late_charges + state.fees - state.suspense


def post_payment(
    state: LoanState,
    amount: Decimal,
    on: date,
    *,
    late_charges_payable: Decimal | None = None,
    fees_payable: Decimal | None = None,
) -> Posting:
    """Movements for a payment of `amount` received `on`, and the resulting state.

    `late_charges_payable` and `fees_payable` cap the charges this payment may pay (default: all
    outstanding). A payment reposted after an earlier returned payment may only pay the charges
    that existed when it was first received, or the loan would not end as if the returned
    payment had never arrived.
    """
    validate_amount(amount)
    movements = [Movement(kind=PAYMENT, amount=amount, suspense=amount)]
    state = apply_movement(state, movements[0])
    last_billable = billed_through(state, on)

    def apply_installments(through: date) -> int:
        nonlocal state
        applied = 0
        while state.principal > 0 and state.next_due_date <= through and state.suspense >= _installment_due(state):
            split = split_installment(state.principal, state.note_rate, state.monthly_pi)
            total = split.interest + split.principal + state.monthly_escrow
            move = Movement(
                kind=INSTALLMENT,
                amount=total,
                principal=-split.principal,
                interest=split.interest,
                escrow=state.monthly_escrow,
                suspense=-total,
                installment_due_date=state.next_due_date,
                advances_due_date=True,
            )
            movements.append(move)
            state = apply_movement(state, move)
            applied += 1
        return applied

    # 1. Installments already due, oldest first. Short of the next one: a partial payment.
    cured_past_due = apply_installments(on) > 0
    if state.principal > 0 and state.next_due_date <= on:
        return Posting(movements=movements, state=state)
    # 2. The installment to come, when the money covers all of it (paying early for next month).
    apply_installments(last_billable)
    upcoming_paid = state.next_due_date > last_billable or state.principal == 0
    # 3. Late charges, then fees. Money that only part-pays the coming installment on a loan that
    #    was already current is a partial payment toward it and stays in suspense: taking a late
    #    charge out of it would make that installment late because of a late charge, which
    #    Reg Z 1026.36(c)(2) forbids (no pyramiding).
    if state.suspense > 0 and (upcoming_paid or cured_past_due):
        late_cap = state.late_charges if late_charges_payable is None else min(late_charges_payable, state.late_charges)
        fees_cap = state.fees if fees_payable is None else min(fees_payable, state.fees)
        late = min(state.suspense, max(late_cap, ZERO))
        fees = min(state.suspense - late, max(fees_cap, ZERO))
        if late or fees:
            move = Movement(
                kind=CHARGES_PAID, amount=late + fees, late_charges=-late, fees=-fees, suspense=-(late + fees)
            )
            movements.append(move)
            state = apply_movement(state, move)
    # 4. Beyond every billed installment and charge: a principal curtailment.
    if upcoming_paid and state.suspense > 0:
        if state.suspense > state.principal:
            raise PostingError(
                "exceeds_payoff",
                f"The payment is more than the payoff amount; the most this loan can take on "
                f"{on.isoformat()} is {to_cents(payoff_amount(_before(movements, state), on))}.",
            )
        move = Movement(kind=CURTAILMENT, amount=state.suspense, principal=-state.suspense, suspense=-state.suspense)
        movements.append(move)
        state = apply_movement(state, move)
    return Posting(movements=movements, state=state)


def _installment_due(state: LoanState) -> Decimal:
    """The next installment's full amount; the final one only takes the principal left."""
    split = split_installment(state.principal, state.note_rate, state.monthly_pi)
    return split.interest + split.principal + state.monthly_escrow


def _before(movements: list[Movement], state: LoanState) -> LoanState:
    for move in reversed(movements):
        state = apply_movement(state, move, reverse=True)
    return state


def late_charge_amount(state: LoanState) -> Decimal:
    return to_cents(state.monthly_pi * state.late_charge_pct / 100)


def late_charges_due(state: LoanState, as_of: date, already_assessed: set[date]) -> list[Movement]:
    """Late charges for installments unpaid at the end of their grace period, once each.

    An installment due Oct 1 with 15 grace days is late when still unpaid at the end of Oct 16.
    """
    movements = []
    due = state.next_due_date
    charge = late_charge_amount(state)
    while due + timedelta(days=state.grace_days) < as_of:
        if due not in already_assessed and charge > 0:
            movements.append(Movement(kind=LATE_CHARGE, amount=charge, late_charges=charge, installment_due_date=due))
        due = state.following_due_date(due)
    return movements
