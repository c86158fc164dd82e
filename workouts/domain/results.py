"""What one evaluation answers, option by option (frozen dataclasses, JSON-ready via to_dict).

`to_dict()` gives the shape of `POST /api/v1/evaluations/preview/` (api-contract.md): money as
two-place strings, rates as three-place strings, percentages as two-place strings, absent
values as None. Extra keys beyond the contract (schedule, pre-mod P&I, target) are allowed by
the contract ("add fields freely").
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from workouts.domain.money import to_cents, to_rate

RETENTION_OPTIONS = ("repayment_plan", "modification")
LIQUIDATION_OPTIONS = ("short_sale", "deed_in_lieu", "foreclosure")
OPTION_NAMES = RETENTION_OPTIONS + LIQUIDATION_OPTIONS


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else str(to_cents(value))


def rate_str(value: Decimal | None) -> str | None:
    return None if value is None else str(to_rate(value))


# Percentages of a whole (net proceeds / value, P&I reduction) carry two places like money.
pct_str = money_str


@dataclass(frozen=True)
class Reason:
    """One failed rule: `code` for machines, `message` for the borrower's denial letter."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _reasons(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [r.to_dict() for r in reasons]


@dataclass(frozen=True)
class PlanInstallment:
    """One repayment-plan month: the contractual payment plus a share of the past-due amount."""

    number: int
    due_date: date
    contractual_payment: Decimal
    toward_past_due: Decimal

    @property
    def payment(self) -> Decimal:
        return self.contractual_payment + self.toward_past_due

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "due_date": self.due_date.isoformat(),
            "payment": money_str(self.payment),
            "contractual_payment": money_str(self.contractual_payment),
            "toward_past_due": money_str(self.toward_past_due),
        }


@dataclass(frozen=True)
class RepaymentPlanResult:
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    months: int | None = None
    plan_payment: Decimal | None = None
    contractual_payment: Decimal | None = None
    past_due_amount: Decimal | None = None
    schedule: tuple[PlanInstallment, ...] = ()
    npv: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": _reasons(self.reasons),
            "months": self.months,
            "plan_payment": money_str(self.plan_payment),
            "contractual_payment": money_str(self.contractual_payment),
            "past_due_amount": money_str(self.past_due_amount),
            "schedule": [row.to_dict() for row in self.schedule],
            "npv": money_str(self.npv),
        }


@dataclass(frozen=True)
class ModificationStep:
    """One waterfall step taken, with the P&I after it. Only the fields the step changed are set."""

    step: str  # capitalize | rate | term | forbearance
    monthly_pi: Decimal
    interest_rate: Decimal | None = None
    term_months: int | None = None
    forbearance: Decimal | None = None
    capitalized_balance: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step}
        if self.capitalized_balance is not None:
            out["capitalized_balance"] = money_str(self.capitalized_balance)
        if self.interest_rate is not None:
            out["interest_rate"] = rate_str(self.interest_rate)
        if self.term_months is not None:
            out["term_months"] = self.term_months
        if self.forbearance is not None:
            out["forbearance"] = money_str(self.forbearance)
        out["monthly_pi"] = money_str(self.monthly_pi)
        return out


@dataclass(frozen=True)
class ModificationResult:
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    interest_rate: Decimal | None = None
    term_months: int | None = None
    capitalized_balance: Decimal | None = None
    interest_bearing_balance: Decimal | None = None
    forbearance: Decimal | None = None
    partial_claim: Decimal | None = None
    monthly_pi: Decimal | None = None
    monthly_payment: Decimal | None = None
    pi_reduction_pct: Decimal | None = None
    target_met: bool = False
    steps: tuple[ModificationStep, ...] = ()
    npv: Decimal | None = None
    pre_mod_pi: Decimal | None = None
    target_pi: Decimal | None = None
    mtmltv_pct: Decimal | None = None
    eligibility_basis: str | None = None  # delinquency | imminent_default

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": _reasons(self.reasons),
            "interest_rate": rate_str(self.interest_rate),
            "term_months": self.term_months,
            "capitalized_balance": money_str(self.capitalized_balance),
            "interest_bearing_balance": money_str(self.interest_bearing_balance),
            "forbearance": money_str(self.forbearance),
            "partial_claim": money_str(self.partial_claim),
            "monthly_pi": money_str(self.monthly_pi),
            "monthly_payment": money_str(self.monthly_payment),
            "pi_reduction_pct": pct_str(self.pi_reduction_pct),
            "target_met": self.target_met,
            "steps": [s.to_dict() for s in self.steps],
            "npv": money_str(self.npv),
            "pre_mod_pi": money_str(self.pre_mod_pi),
            "target_pi": money_str(self.target_pi),
            "mtmltv_pct": pct_str(self.mtmltv_pct),
            "eligibility_basis": self.eligibility_basis,
        }


@dataclass(frozen=True)
class ShortSaleResult:
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    net_proceeds: Decimal | None = None
    net_proceeds_pct: Decimal | None = None
    minimum_net_pct: Decimal | None = None
    deficiency: Decimal | None = None
    npv: Decimal | None = None
    commission: Decimal | None = None
    subordinate_payoff: Decimal | None = None
    relocation_assistance: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": _reasons(self.reasons),
            "net_proceeds": money_str(self.net_proceeds),
            "net_proceeds_pct": pct_str(self.net_proceeds_pct),
            "minimum_net_pct": pct_str(self.minimum_net_pct),
            "deficiency": money_str(self.deficiency),
            "npv": money_str(self.npv),
            "commission": money_str(self.commission),
            "subordinate_payoff": money_str(self.subordinate_payoff),
            "relocation_assistance": money_str(self.relocation_assistance),
        }


@dataclass(frozen=True)
class DeedInLieuResult:
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    expected_recovery: Decimal | None = None
    npv: Decimal | None = None
    relocation_assistance: Decimal | None = None
    holding_costs: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": _reasons(self.reasons),
            "expected_recovery": money_str(self.expected_recovery),
            "npv": money_str(self.npv),
            "relocation_assistance": money_str(self.relocation_assistance),
            "holding_costs": money_str(self.holding_costs),
        }


@dataclass(frozen=True)
class ForeclosureResult:
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    timeline_days: int | None = None
    expected_loss: Decimal | None = None
    npv: Decimal | None = None
    sale_date: date | None = None
    months_to_sale: int | None = None
    unpaid_interest: Decimal | None = None
    tax_insurance_advances: Decimal | None = None
    legal_costs: Decimal | None = None
    preservation_costs: Decimal | None = None
    reo_net_proceeds: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": _reasons(self.reasons),
            "timeline_days": self.timeline_days,
            "expected_loss": money_str(self.expected_loss),
            "npv": money_str(self.npv),
            "sale_date": self.sale_date.isoformat() if self.sale_date else None,
            "months_to_sale": self.months_to_sale,
            "unpaid_interest": money_str(self.unpaid_interest),
            "tax_insurance_advances": money_str(self.tax_insurance_advances),
            "legal_costs": money_str(self.legal_costs),
            "preservation_costs": money_str(self.preservation_costs),
            "reo_net_proceeds": money_str(self.reo_net_proceeds),
        }


@dataclass(frozen=True)
class Evaluation:
    """Every option for one scenario, and the recommendation with its reason in words."""

    program: str
    as_of: date
    days_past_due: int
    past_due_amount: Decimal
    contractual_pi: Decimal
    repayment_plan: RepaymentPlanResult
    modification: ModificationResult
    short_sale: ShortSaleResult
    deed_in_lieu: DeedInLieuResult
    foreclosure: ForeclosureResult
    recommendation: str | None
    recommendation_reason: str

    def option(self, name: str):
        return getattr(self, name)

    def options_dict(self) -> dict[str, dict[str, Any]]:
        """The contract's "options" object."""
        return {name: self.option(name).to_dict() for name in OPTION_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """The contract's response body without `rule_version` (the caller knows the rule set)."""
        return {
            "program": self.program,
            "as_of": self.as_of.isoformat(),
            "days_past_due": self.days_past_due,
            "past_due_amount": money_str(self.past_due_amount),
            "contractual_pi": money_str(self.contractual_pi),
            "options": self.options_dict(),
            "recommendation": self.recommendation,
            "recommendation_reason": self.recommendation_reason,
        }
