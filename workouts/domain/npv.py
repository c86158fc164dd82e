"""Net present value of each option to the investor, and the recommendation (domain.md s.4).

Cash flows are monthly, month 0 being `as_of`; month t is discounted by (1 + d)^-t with
d = `npv_discount_rate_pct` / 12 / 100. Each NPV is rounded to the cent once, at the end.

Modelling choices where domain.md is silent:
- Escrow paid by a performing borrower passes through to taxes and insurance, so retention
  cash flows count P&I only; when the investor must advance taxes and insurance (foreclosure,
  deed-in-lieu, short sale until closing) the monthly escrow is an outflow.
- Modification: the new P&I for the new term (a level annuity: the final installment's
  rounding is ignored), plus the forbearance repaid at maturity. With an FHA partial claim,
  HUD pays the investor the partial claim (deferment + arrears) in month 1 instead.
- Repayment plan: the contractual P&I for the remaining term plus each month's share of the
  past-due amount over the plan.
- Redefault: retention NPV = (1 - q) x performing NPV + q x foreclosure NPV, q =
  `redefault_rate_pct` / 100, the foreclosure NPV being today's foreclosure outcome.
- Foreclosure: T&I advances every month until the REO is sold, legal costs at the sale,
  preservation during REO marketing, REO net proceeds (capped at what is owed) at the end.
- Short sale: T&I advances until closing (`liquidation_closing_months`), then the net proceeds.
- Deed-in-lieu: T&I advances until the REO is sold, relocation assistance when the deed is
  recorded (`liquidation_closing_months`), preservation during REO marketing, REO net proceeds
  (capped at the total debt) at the end.
- Recommendation: retention options in the program's order (repayment plan, modification);
  the first eligible one whose NPV is at least the best eligible liquidation NPV wins; else
  the best liquidation (ties go to the least severe: short sale, deed-in-lieu, foreclosure).
"""

from decimal import Decimal

from workouts.domain.modification import PARTIAL_CLAIM
from workouts.domain.money import ZERO, to_cents, working_context
from workouts.domain.parameters import Parameters
from workouts.domain.results import (
    LIQUIDATION_OPTIONS,
    RETENTION_OPTIONS,
    DeedInLieuResult,
    ForeclosureResult,
    ModificationResult,
    RepaymentPlanResult,
    ShortSaleResult,
)
from workouts.domain.scenario import LoanSnapshot

HUNDRED = Decimal(100)
LABELS = {
    "repayment_plan": "repayment plan",
    "modification": "modification",
    "short_sale": "short sale",
    "deed_in_lieu": "deed-in-lieu",
    "foreclosure": "foreclosure",
}


def monthly_discount_rate(p: Parameters) -> Decimal:
    with working_context():
        return p.npv_discount_rate_pct / 12 / HUNDRED


def discount(amount: Decimal, d: Decimal, month: int) -> Decimal:
    """Present value of `amount` received in `month` (unrounded)."""
    with working_context():
        return Decimal(amount) * (1 + d) ** -month


def level_stream(amount: Decimal, d: Decimal, first: int, last: int) -> Decimal:
    """Present value of `amount` every month from `first` to `last` inclusive (unrounded)."""
    count = last - first + 1
    if count <= 0:
        return Decimal(0)
    with working_context():
        if d == 0:
            return Decimal(amount) * count
        return Decimal(amount) * (1 + d) ** -(first - 1) * (1 - (1 + d) ** -count) / d


def _weighted(performing: Decimal, foreclosure_npv: Decimal, p: Parameters) -> Decimal:
    with working_context():
        q = p.redefault_rate_pct / HUNDRED
        return to_cents((1 - q) * performing + q * foreclosure_npv)


def foreclosure_npv(fc: ForeclosureResult, loan: LoanSnapshot, p: Parameters) -> Decimal:
    d = monthly_discount_rate(p)
    sale = fc.months_to_sale or 0
    end = sale + p.reo_marketing_months
    owed = (
        to_cents(loan.principal_balance)
        + fc.unpaid_interest
        + fc.tax_insurance_advances
        + fc.legal_costs
        + fc.preservation_costs
    )
    with working_context():
        value = (
            -level_stream(loan.monthly_escrow, d, 1, end)
            - discount(fc.legal_costs, d, sale)
            - level_stream(p.property_preservation_monthly, d, sale + 1, end)
            + discount(min(fc.reo_net_proceeds, owed), d, end)
        )
    return to_cents(value)


def short_sale_npv(ss: ShortSaleResult, loan: LoanSnapshot, debt: Decimal, p: Parameters) -> Decimal | None:
    if ss.net_proceeds is None:
        return None
    d = monthly_discount_rate(p)
    close = p.liquidation_closing_months
    with working_context():
        value = -level_stream(loan.monthly_escrow, d, 1, close) + discount(min(ss.net_proceeds, debt), d, close)
    return to_cents(value)


def deed_in_lieu_npv(dil: DeedInLieuResult, loan: LoanSnapshot, debt: Decimal, reo_net: Decimal, p: Parameters):
    d = monthly_discount_rate(p)
    deed = p.liquidation_closing_months
    end = deed + p.reo_marketing_months
    with working_context():
        value = (
            -level_stream(loan.monthly_escrow, d, 1, end)
            - discount(p.relocation_assistance, d, deed)
            - level_stream(p.property_preservation_monthly, d, deed + 1, end)
            + discount(min(reo_net, debt), d, end)
        )
    return to_cents(value)


def modification_npv(mod: ModificationResult, p: Parameters, foreclosure_value: Decimal) -> Decimal | None:
    if mod.monthly_pi is None or mod.term_months is None:
        return None
    d = monthly_discount_rate(p)
    with working_context():
        performing = level_stream(mod.monthly_pi, d, 1, mod.term_months)
        if p.mod_arrears_treatment == PARTIAL_CLAIM:
            performing += discount(mod.partial_claim or ZERO, d, 1)
        else:
            performing += discount(mod.forbearance or ZERO, d, mod.term_months)
    return _weighted(performing, foreclosure_value, p)


def repayment_npv(
    plan: RepaymentPlanResult, pre_mod_pi: Decimal, remaining_term: int, p: Parameters, foreclosure_value: Decimal
) -> Decimal | None:
    if not plan.schedule:
        return None
    d = monthly_discount_rate(p)
    with working_context():
        performing = level_stream(pre_mod_pi, d, 1, max(remaining_term, 1))
        for row in plan.schedule:
            performing += discount(row.toward_past_due, d, row.number)
    return _weighted(performing, foreclosure_value, p)


def recommend(options: dict[str, object]) -> tuple[str | None, str]:
    """The recommended option and the reason in words (see module docstring for the rule)."""
    liquidation = [
        (name, options[name])
        for name in LIQUIDATION_OPTIONS
        if options[name].eligible and options[name].npv is not None  # type: ignore[attr-defined]
    ]
    best_name, best = None, None
    for name, result in liquidation:
        if best is None or result.npv > best.npv:  # type: ignore[attr-defined]
            best_name, best = name, result
    skipped: list[str] = []
    for name in RETENTION_OPTIONS:
        result = options[name]
        label = LABELS[name]
        if not result.eligible:  # type: ignore[attr-defined]
            reasons = "; ".join(r.message for r in result.reasons)  # type: ignore[attr-defined]
            skipped.append(f"The {label} is not eligible ({reasons.rstrip('.')}).")
            continue
        if result.npv is None:  # type: ignore[attr-defined]
            continue
        if best is None or result.npv >= best.npv:  # type: ignore[attr-defined]
            versus = (
                f"at least the best liquidation option, the {LABELS[best_name]} ({best.npv:,.2f})"  # type: ignore[index,attr-defined]
                if best is not None
                else "the only eligible outcome"
            )
            because = (
                f"The {label} is recommended: its NPV to the investor of {result.npv:,.2f} "  # type: ignore[attr-defined]
                f"is {versus}, and retention comes first."
            )
            return name, " ".join([*skipped, because])
        skipped.append(
            f"The {label}'s NPV of {result.npv:,.2f} is below the {LABELS[best_name]}'s {best.npv:,.2f}."  # type: ignore[attr-defined,index]
        )
    if best is None:
        return None, " ".join([*skipped, "No option is eligible."])
    because = (
        f"The {LABELS[best_name]} is recommended: no retention option is eligible with an NPV at least the best "
        f"liquidation NPV, and the {LABELS[best_name]} has the highest liquidation NPV ({best.npv:,.2f})."  # type: ignore[attr-defined]
    )
    return best_name, " ".join([*skipped, because])
