"""Delinquency figures a scenario needs, and the repayment plan (domain.md section 4).

`plan_payment = contractual_payment + past_due_amount / months`, for the fewest whole months
(1 to `repay_max_months`) with `plan_payment <= repay_max_payment_ratio x contractual_payment`
(Fannie Mae D2-3.2-02). The contractual payment includes escrow.

Modelling choices where domain.md is silent:
- The test is the formula's, on exact values: contractual + past_due / months <= ratio x
  contractual (1.50 x 2,166.95 = 3,250.425 is the limit, not 3,250.43). The reported
  `plan_payment` is then rounded half-up to the cent.
- Every month but the last collects the rounded share `to_cents(past_due / months)`; the last
  collects what is left, so the shares sum to the past-due amount exactly. The last payment can
  therefore differ from `plan_payment` by a few cents; a month count whose last payment would
  round above the (rounded) limit is skipped, so no plan payment ever exceeds the limit.
- Plan installments fall on the note's due dates, starting with the first due date after
  `as_of` (the installments due through `as_of` are what the plan repays).
"""

from datetime import date
from decimal import Decimal

from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months
from workouts.domain.money import ZERO, to_cents, working_context
from workouts.domain.parameters import Parameters
from workouts.domain.results import PlanInstallment, Reason, RepaymentPlanResult
from workouts.domain.scenario import LoanSnapshot


def days_past_due(next_due_date: date, as_of: date) -> int:
    """Days from the oldest unpaid installment's due date (Reg X 1024.31); 0 if not yet due."""
    return max(0, (as_of - next_due_date).days)


def installments_due(next_due_date: date, as_of: date) -> int:
    """How many installments fall due from `next_due_date` through `as_of` (inclusive)."""
    count = 0
    while add_months(next_due_date, count) <= as_of:
        count += 1
    return count


def contractual_pi(loan: LoanSnapshot) -> Decimal:
    """The loan's P&I: as given, or computed from balance, rate and remaining term."""
    if loan.monthly_pi is not None:
        return to_cents(loan.monthly_pi)
    return monthly_payment(loan.principal_balance, loan.note_rate, max(loan.remaining_term_months, 1))


def past_due_amount(loan: LoanSnapshot, as_of: date) -> Decimal:
    """What it takes to be current (api-contract.md): as given, or the installments due and
    unpaid from `next_due_date` through `as_of` times (P&I + escrow), plus fees."""
    if loan.past_due_amount is not None:
        return to_cents(loan.past_due_amount)
    due = installments_due(loan.next_due_date, as_of)
    return to_cents(due * (contractual_pi(loan) + loan.monthly_escrow) + loan.fees)


def first_plan_due_date(next_due_date: date, as_of: date) -> date:
    return add_months(next_due_date, installments_due(next_due_date, as_of))


def repayment_plan(
    *, past_due: Decimal, contractual_payment: Decimal, first_due_date: date, parameters: Parameters
) -> RepaymentPlanResult:
    """The shortest repayment plan within the program's payment limit, or why there is none."""
    past_due = to_cents(past_due)
    contractual_payment = to_cents(contractual_payment)
    ratio = parameters.repay_max_payment_ratio
    max_months = parameters.repay_max_months
    base = {"contractual_payment": contractual_payment, "past_due_amount": past_due}
    if past_due <= 0:
        reason = Reason("nothing_past_due", "Nothing is past due, so there is nothing to repay.")
        return RepaymentPlanResult(eligible=False, reasons=(reason,), **base)
    with working_context():
        exact_limit = ratio * contractual_payment
    limit = to_cents(exact_limit)
    for months in range(1, max_months + 1):
        with working_context():
            fits = contractual_payment + past_due / months <= exact_limit
            share = to_cents(past_due / months)
        plan_payment = contractual_payment + share
        last_share = past_due - share * (months - 1)
        if fits and contractual_payment + last_share <= limit:
            schedule = tuple(
                PlanInstallment(
                    number=n,
                    due_date=add_months(first_due_date, n - 1),
                    contractual_payment=contractual_payment,
                    toward_past_due=share if n < months else last_share,
                )
                for n in range(1, months + 1)
            )
            return RepaymentPlanResult(
                eligible=True, months=months, plan_payment=plan_payment, schedule=schedule, **base
            )
    reason = Reason(
        "payment_limit",
        f"No plan of 1 to {max_months} months repays {past_due:,.2f} with a payment of at most {ratio} times "
        f"the contractual payment of {contractual_payment:,.2f} (limit {limit:,.2f}).",
    )
    return RepaymentPlanResult(eligible=False, reasons=(reason,), **base)


def plan_total(result: RepaymentPlanResult) -> Decimal:
    """What the plan collects toward the past-due amount (equals it exactly)."""
    return sum((row.toward_past_due for row in result.schedule), ZERO)
