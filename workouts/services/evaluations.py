"""Running the evaluation engine on a case's loan and storing what it used and said."""

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.policy import Action, check
from audit.services import audit_record
from borrowers.models import Valuation
from lossmit.errors import BadInput
from workouts.domain.amortization import interest_for_period
from workouts.domain.dates import add_months
from workouts.domain.money import ZERO
from workouts.models import Evaluation, LossMitCase, Workout
from workouts.services._common import (
    bump,
    check_version,
    lock_case,
    require_active_case,
)
from workouts.services.rulesets import program_rules


def unpaid_installments(loan, through: date) -> int:
    """Installments due on or before `through` and still unpaid."""
    count, due = 0, loan.next_due_date
    while due <= through:
        count += 1
        due = add_months(due, 1, day=loan.first_payment_date.day)
    return count


def capitalisable_arrears(loan, as_of: date) -> Decimal:
    """Delinquent interest on the installments unpaid as of `as_of` plus escrow advanced (a
    negative escrow balance), less funds waiting in suspense; never late charges or fees."""
    interest = unpaid_installments(loan, as_of) * interest_for_period(loan.principal_balance, loan.note_rate)
    gross = interest + max(ZERO, -loan.escrow_balance)
    return max(ZERO, gross - loan.suspense_balance)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def _money(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except Exception:
        value = Decimal("-1")
    if not value.is_finite() or value < 0:
        raise BadInput("invalid", f"{field} must be an amount of zero or more.", fields={field: ["Enter an amount."]})
    return value


@transaction.atomic
def evaluation_store(
    *,
    actor,
    case_id: int,
    as_of: date,
    gross_monthly_income: Decimal,
    monthly_debts: Decimal = ZERO,
    market_value: Decimal | None = None,
    subordinate_liens: Decimal = ZERO,
    subordinate_liens_released: bool = False,
    short_sale: dict | None = None,
    version: int | None = None,
) -> Evaluation:
    """Evaluate every option for the case's loan as of `as_of` under the program's rule set in
    force that day, and store the inputs, the result and the rule version, so the decision can
    be shown again exactly. The market value defaults to the property's latest valuation."""
    from workouts.domain.evaluation import (
        BorrowerFinances,
        LoanSnapshot,
        PropertySnapshot,
        Scenario,
        ShortSaleOffer,
        evaluate,
    )

    check(actor, Action.WORK, doing="run evaluations")
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="run evaluations")
    check_version(case, version)
    require_active_case(case)
    loan = case.loan
    if market_value is None:
        latest = Valuation.objects.filter(property_id=loan.property_id, valued_on__lte=as_of).first()
        if latest is None:
            raise BadInput(
                "market_value_required",
                "The property has no valuation; give the market value.",
                fields={"market_value": ["This field is required."]},
            )
        market_value = latest.value
    prior_mods = Workout.objects.filter(
        case__loan=loan, option=Workout.Option.MODIFICATION, status=Workout.Status.BOOKED
    ).count()
    scenario = Scenario(
        program=loan.program,
        loan=LoanSnapshot(
            principal_balance=loan.principal_balance,
            note_rate=loan.note_rate,
            remaining_term_months=loan.remaining_term_months,
            monthly_escrow=loan.monthly_escrow,
            next_due_date=loan.next_due_date,
            origination_date=loan.origination_date,
            property_state=loan.property.state,
            monthly_pi=loan.monthly_pi,
            arrears=capitalisable_arrears(loan, as_of),
            fees=loan.late_charges_outstanding + loan.fees_outstanding,
            lien_position=loan.lien_position,
            occupancy=loan.property.occupancy,
            prior_modifications=prior_mods,
        ),
        borrower=BorrowerFinances(
            gross_monthly_income=_money(gross_monthly_income, "gross_monthly_income"),
            monthly_debts=_money(monthly_debts, "monthly_debts"),
        ),
        property=PropertySnapshot(
            market_value=_money(market_value, "market_value"),
            subordinate_liens=_money(subordinate_liens, "subordinate_liens"),
            subordinate_liens_released=subordinate_liens_released,
        ),
        short_sale=(
            ShortSaleOffer(
                offer_price=_money(short_sale["offer_price"], "short_sale.offer_price"),
                closing_costs=_money(short_sale.get("closing_costs", "0"), "short_sale.closing_costs"),
                days_on_market=int(short_sale.get("days_on_market", 0)),
            )
            if short_sale
            else None
        ),
    )
    rules = program_rules(program=loan.program, as_of=as_of, investor=loan.investor)
    result = evaluate(scenario, rules.parameters, as_of)
    body = {**result.to_dict(), "rule_version": rules.version}
    evaluation = Evaluation.objects.create(
        case=case,
        as_of=as_of,
        program=loan.program,
        rule_version=rules.version,
        inputs=_jsonable(asdict(scenario)),
        result=_jsonable(body),
        recommendation=result.recommendation or "",
        created_by=actor,
    )
    if case.status == LossMitCase.Status.OPEN and case.application_complete_on:
        case.status = LossMitCase.Status.EVALUATING
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="evaluation.store",
        obj=evaluation,
        loan_id=loan.pk,
        note=f"{loan.program} rules {rules.version or 'default'} as of {as_of.isoformat()}: "
        f"recommends {result.recommendation or 'nothing'}",
    )
    return evaluation
