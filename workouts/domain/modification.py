"""The modification waterfall (domain.md section 4), step by step.

1. capitalise the arrears (or, with `partial_claim`, set them aside for the FHA partial claim);
2. rate by `mod_rate_rule` (posted / step_down / keep);
3. term, month by month up to `mod_max_term_months`;
4. forbearance (or FHA principal deferment) down to the balance the target P&I supports,
   within its caps.
The waterfall stops as soon as the target is met; a step is recorded only when it is taken.

Modelling choices where domain.md is silent:
- The target is checked first on the balance `B` re-amortised at the note rate over the
  remaining term (the "capitalize" P&I); a loan that already meets it takes no further step.
- "capitalize" is recorded only when arrears were added to the balance; "rate" only when the
  rate changed; "term" only when the term grew; "forbearance" only when something was forborne.
- step_down tries note rate - k x step while above the floor, then the floor itself.
- The pre-mod P&I is the loan's contractual P&I (given, or computed from its terms).
- Forbearance: the interest-bearing balance is `supported_balance(target P&I)`, rounded to the
  cent; if that rounded balance re-amortises to a P&I a cent above the target, it is lowered a
  cent at a time until it does not (the target must be met by the payment the borrower pays).
- FHA partial claim: if the arrears alone exceed the partial-claim cap there is no room for
  them, and the modification is ineligible (`partial_claim_cap_exceeded`).
- Eligibility failures do not stop the maths: the terms are still computed and reported, so
  the specialist (and a denial letter's NPV disclosure) can see them.
- Loan age is whole months from the origination date to `as_of` (a month counts once its day
  has been reached).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workouts.domain.amortization import monthly_payment, supported_balance
from workouts.domain.dates import add_months, months_between
from workouts.domain.money import CENT, ZERO, to_cents, working_context
from workouts.domain.parameters import Parameters
from workouts.domain.results import ModificationResult, ModificationStep, Reason
from workouts.domain.scenario import OWNER_OCCUPIED, BorrowerFinances, LoanSnapshot, PropertySnapshot

CAPITALIZE = "capitalize"
PARTIAL_CLAIM = "partial_claim"
HUNDRED = Decimal(100)


def loan_age_months(origination_date: date, as_of: date) -> int:
    months = months_between(origination_date, as_of)
    if months > 0 and add_months(origination_date, months) > as_of:
        months -= 1
    return max(months, 0)


def target_pi(*, parameters: Parameters, pre_mod_pi: Decimal, borrower: BorrowerFinances, escrow: Decimal) -> Decimal:
    """The highest P&I that meets the program's target.

    pi_reduction: round(pre-mod P&I x (1 - pct/100)); front_end_dti: round(income x pct/100)
    minus escrow (P&I + escrow <= the DTI allowance).
    """
    with working_context():
        if parameters.mod_target == "pi_reduction":
            return to_cents(pre_mod_pi * (1 - parameters.mod_target_pi_reduction_pct / HUNDRED))
        return to_cents(borrower.gross_monthly_income * parameters.mod_target_dti_pct / HUNDRED) - to_cents(escrow)


def eligibility_reasons(
    *, loan: LoanSnapshot, parameters: Parameters, days_past_due: int, as_of: date
) -> tuple[list[Reason], str | None]:
    """The failed eligibility rules, and the basis (delinquency or imminent default) if any."""
    reasons: list[Reason] = []
    basis: str | None = None
    if days_past_due >= parameters.min_days_delinquent:
        basis = "delinquency"
    elif parameters.imminent_default_allowed and loan.occupancy == OWNER_OCCUPIED:
        basis = "imminent_default"
    else:
        extra = (
            " Imminent default is considered only for owner-occupied homes."
            if parameters.imminent_default_allowed
            else " The program does not consider imminent default."
        )
        reasons.append(
            Reason(
                "not_delinquent_enough",
                f"The loan is {days_past_due} days past due; the program needs at least "
                f"{parameters.min_days_delinquent}.{extra}",
            )
        )
    age = loan_age_months(loan.origination_date, as_of)
    if age < parameters.min_loan_age_months:
        reasons.append(
            Reason(
                "loan_too_new",
                f"The loan is {age} months old; the program needs at least {parameters.min_loan_age_months}.",
            )
        )
    if loan.prior_modifications >= parameters.max_prior_modifications:
        reasons.append(
            Reason(
                "too_many_modifications",
                f"The loan has been modified {loan.prior_modifications} times; the program allows fewer than "
                f"{parameters.max_prior_modifications}.",
            )
        )
    if loan.lien_position != 1:
        reasons.append(Reason("not_first_lien", f"Only first liens are modified; this is lien {loan.lien_position}."))
    return reasons, basis


@dataclass
class _State:
    rate: Decimal
    term: int
    pi: Decimal


def _rate_step(p: Parameters, state: _State, balance: Decimal, mtmltv: Decimal, target: Decimal) -> bool:
    """Apply the rate rule; True when the rate changed."""
    if p.mod_rate_rule == "posted":
        if mtmltv < p.mod_rate_min_mtmltv:
            return False
        new_rate = min(state.rate, p.mod_posted_rate)
        if new_rate == state.rate:
            return False
        state.rate, state.pi = new_rate, monthly_payment(balance, new_rate, state.term)
        return True
    if p.mod_rate_rule == "step_down":
        if state.rate <= p.mod_rate_floor:
            return False
        candidate = state.rate
        while candidate > p.mod_rate_floor:
            candidate = max(candidate - p.mod_rate_step, p.mod_rate_floor)
            state.rate, state.pi = candidate, monthly_payment(balance, candidate, state.term)
            if state.pi <= target:
                break
        return True
    return False  # keep


def _term_step(p: Parameters, state: _State, balance: Decimal, target: Decimal) -> bool:
    """Extend the term month by month; True when it grew. P&I falls as the term grows, so the
    first term that meets the target is found by bisection (same answer as month by month)."""
    if state.term >= p.mod_max_term_months:
        return False
    lo, hi = state.term + 1, p.mod_max_term_months
    if monthly_payment(balance, state.rate, hi) > target:
        state.term, state.pi = hi, monthly_payment(balance, state.rate, hi)
        return True
    while lo < hi:
        mid = (lo + hi) // 2
        if monthly_payment(balance, state.rate, mid) <= target:
            hi = mid
        else:
            lo = mid + 1
    state.term, state.pi = lo, monthly_payment(balance, state.rate, lo)
    return True


def forbearance_limit(
    *, p: Parameters, balance: Decimal, principal_balance: Decimal, arrears: Decimal, market_value: Decimal
) -> Decimal:
    """The most that may be forborne (or deferred to the FHA partial claim), never negative."""
    with working_context():
        if p.mod_arrears_treatment == PARTIAL_CLAIM:
            room = to_cents(principal_balance * p.mod_partial_claim_cap_pct / HUNDRED) - arrears
        else:
            cap = to_cents(balance * p.mod_forbearance_cap_pct / HUNDRED)
            floor_room = balance - to_cents(market_value * p.mod_forbearance_min_mtmltv_pct / HUNDRED)
            room = min(cap, floor_room)
    return max(room, ZERO)


def supported_within_target(target: Decimal, rate: Decimal, term: int) -> Decimal:
    """The interest-bearing balance whose P&I is at most `target` (see module docstring)."""
    if target <= 0:
        return ZERO
    balance = supported_balance(target, rate, term)
    while balance > 0 and monthly_payment(balance, rate, term) > target:
        balance -= CENT
    return balance


def modification(
    *,
    loan: LoanSnapshot,
    borrower: BorrowerFinances,
    property: PropertySnapshot,
    parameters: Parameters,
    pre_mod_pi: Decimal,
    days_past_due: int,
    as_of: date,
) -> ModificationResult:
    """Run the waterfall and judge eligibility. NPV is added by the evaluation."""
    p = parameters
    reasons, basis = eligibility_reasons(loan=loan, parameters=p, days_past_due=days_past_due, as_of=as_of)
    if property.market_value <= 0:
        reasons.append(Reason("no_market_value", "A market value is needed to evaluate a modification."))
        return ModificationResult(eligible=False, reasons=tuple(reasons), pre_mod_pi=pre_mod_pi)

    upb = to_cents(loan.principal_balance)
    arrears = to_cents(loan.arrears)
    partial = p.mod_arrears_treatment == PARTIAL_CLAIM
    balance = upb if partial else upb + arrears
    with working_context():
        mtmltv = balance / property.market_value * HUNDRED
    target = target_pi(parameters=p, pre_mod_pi=pre_mod_pi, borrower=borrower, escrow=loan.monthly_escrow)
    state = _State(rate=loan.note_rate, term=max(loan.remaining_term_months, 1), pi=ZERO)
    state.pi = monthly_payment(balance, state.rate, state.term)

    steps: list[ModificationStep] = []
    if not partial and arrears > 0:
        steps.append(ModificationStep(CAPITALIZE, monthly_pi=state.pi, capitalized_balance=balance))
    if state.pi > target and _rate_step(p, state, balance, mtmltv, target):
        steps.append(ModificationStep("rate", monthly_pi=state.pi, interest_rate=state.rate))
    if state.pi > target and _term_step(p, state, balance, target):
        steps.append(ModificationStep("term", monthly_pi=state.pi, term_months=state.term))

    forbearance = ZERO
    room = forbearance_limit(
        p=p, balance=balance, principal_balance=upb, arrears=arrears, market_value=property.market_value
    )
    if state.pi > target:
        needed = balance - supported_within_target(target, state.rate, state.term)
        forbearance = min(needed, room)
        if forbearance > 0:
            state.pi = monthly_payment(balance - forbearance, state.rate, state.term)
            steps.append(ModificationStep("forbearance", monthly_pi=state.pi, forbearance=forbearance))

    target_met = state.pi <= target
    if partial and arrears > to_cents(upb * p.mod_partial_claim_cap_pct / HUNDRED):
        reasons.append(
            Reason(
                "partial_claim_cap_exceeded",
                f"The arrears of {arrears:,.2f} exceed the partial claim cap of {p.mod_partial_claim_cap_pct}% "
                f"of the unpaid principal balance.",
            )
        )
    if not target_met and not (p.mod_offer_if_no_increase and state.pi <= pre_mod_pi):
        why = f" and the new P&I would be above the current {pre_mod_pi:,.2f}" if p.mod_offer_if_no_increase else ""
        reasons.append(
            Reason(
                "target_not_met",
                f"The waterfall cannot bring P&I to the target of {target:,.2f} (best reached {state.pi:,.2f}){why}.",
            )
        )
    with working_context():
        reduction = (pre_mod_pi - state.pi) / pre_mod_pi * HUNDRED if pre_mod_pi > 0 else None
    return ModificationResult(
        eligible=not reasons,
        reasons=tuple(reasons),
        interest_rate=state.rate,
        term_months=state.term,
        capitalized_balance=balance,
        interest_bearing_balance=balance - forbearance,
        forbearance=forbearance,
        partial_claim=forbearance + arrears if partial else ZERO,
        monthly_pi=state.pi,
        monthly_payment=state.pi + to_cents(loan.monthly_escrow),
        pi_reduction_pct=None if reduction is None else to_cents(reduction),
        target_met=target_met,
        steps=tuple(steps),
        pre_mod_pi=pre_mod_pi,
        target_pi=target,
        mtmltv_pct=to_cents(mtmltv),
        eligibility_basis=basis,
    )
