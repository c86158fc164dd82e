"""One evaluation: every workout option for a scenario, and the recommendation.

Public interface (the workflow stores `Evaluation.to_dict()` with the rule-set version):

    from workouts.domain.evaluation import Scenario, LoanSnapshot, ..., evaluate
    result = evaluate(scenario, DEFAULTS["GSE_FLEX"], as_of=date(2026, 11, 27))
    result.to_dict()  # the preview API's response body minus "rule_version"
"""

from dataclasses import replace
from datetime import date

from workouts.domain import liquidation, npv
from workouts.domain.modification import modification
from workouts.domain.parameters import DEFAULTS, ParameterError, Parameters, parse_parameters
from workouts.domain.repayment import (
    contractual_pi,
    days_past_due,
    first_plan_due_date,
    past_due_amount,
    repayment_plan,
)
from workouts.domain.results import (
    DeedInLieuResult,
    Evaluation,
    ForeclosureResult,
    ModificationResult,
    ModificationStep,
    PlanInstallment,
    Reason,
    RepaymentPlanResult,
    ShortSaleResult,
)
from workouts.domain.scenario import BorrowerFinances, LoanSnapshot, PropertySnapshot, Scenario, ShortSaleOffer

__all__ = [
    "DEFAULTS",
    "BorrowerFinances",
    "DeedInLieuResult",
    "Evaluation",
    "ForeclosureResult",
    "LoanSnapshot",
    "ModificationResult",
    "ModificationStep",
    "ParameterError",
    "Parameters",
    "PlanInstallment",
    "PropertySnapshot",
    "Reason",
    "RepaymentPlanResult",
    "Scenario",
    "ShortSaleOffer",
    "ShortSaleResult",
    "evaluate",
    "parse_parameters",
]


def evaluate(scenario: Scenario, parameters: Parameters, as_of: date) -> Evaluation:
    """Evaluate every option for `scenario` under `parameters` as of the end of day `as_of`.

    Pure: the same inputs always give the same result, so a stored evaluation can be re-shown.
    """
    loan = scenario.loan
    p = parameters
    dpd = days_past_due(loan.next_due_date, as_of)
    pre_pi = contractual_pi(loan)
    past_due = past_due_amount(loan, as_of)

    fc = liquidation.foreclosure(loan=loan, property=scenario.property, parameters=p, as_of=as_of)
    fc = replace(fc, npv=npv.foreclosure_npv(fc, loan, p))

    plan = repayment_plan(
        past_due=past_due,
        contractual_payment=pre_pi + loan.monthly_escrow,
        first_due_date=first_plan_due_date(loan.next_due_date, as_of),
        parameters=p,
    )
    plan = replace(plan, npv=npv.repayment_npv(plan, pre_pi, loan.remaining_term_months, p, fc.npv))

    mod = modification(
        loan=loan,
        borrower=scenario.borrower,
        property=scenario.property,
        parameters=p,
        pre_mod_pi=pre_pi,
        days_past_due=dpd,
        as_of=as_of,
    )
    mod = replace(mod, npv=npv.modification_npv(mod, p, fc.npv))

    debt = liquidation.total_debt(loan)
    ss = liquidation.short_sale(offer=scenario.short_sale, loan=loan, property=scenario.property, parameters=p)
    ss = replace(ss, npv=npv.short_sale_npv(ss, loan, debt, p))

    dil = liquidation.deed_in_lieu(loan=loan, property=scenario.property, parameters=p)
    reo_net = liquidation.reo_net_proceeds(scenario.property.market_value, p)
    dil = replace(dil, npv=npv.deed_in_lieu_npv(dil, loan, debt, reo_net, p))

    options = {"repayment_plan": plan, "modification": mod, "short_sale": ss, "deed_in_lieu": dil, "foreclosure": fc}
    recommendation, reason = npv.recommend(options)
    return Evaluation(
        program=scenario.program,
        as_of=as_of,
        days_past_due=dpd,
        past_due_amount=past_due,
        contractual_pi=pre_pi,
        repayment_plan=plan,
        modification=mod,
        short_sale=ss,
        deed_in_lieu=dil,
        foreclosure=fc,
        recommendation=recommendation,
        recommendation_reason=reason,
    )
