"""One evaluation: every workout option for a scenario, and the recommendation.

Public interface (the workflow stores `Evaluation.to_dict()` with the rule-set version):

    from workouts.domain.evaluation import Scenario, LoanSnapshot, ..., evaluate
    result = evaluate(scenario, DEFAULTS["GSE_FLEX"], as_of=date(2026, 11, 27))
    result.to_dict()  # the preview API's response body minus "rule_version"
"""

from datetime import date

from workouts.domain.parameters import DEFAULTS, ParameterError, Parameters, parse_parameters
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
    """Evaluate every option for `scenario` under `parameters` as of the end of day `as_of`."""
    raise NotImplementedError("engine lands in the next commits; the interface is fixed")
