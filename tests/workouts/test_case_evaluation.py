"""Stored evaluations: the engine's answer on the case's loan, with the rule version and inputs."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from lossmit.errors import DomainError
from tests.factories import LoanFactory, ValuationFactory
from workouts import services
from workouts.domain.evaluation import DEFAULTS, evaluate
from workouts.models import Evaluation, Workout
from workouts.services.evaluations import capitalisable_arrears

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def case(specialist):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    ValuationFactory(property=loan.property, value=Decimal("230000.00"), valued_on=date(2027, 1, 10))
    return services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )


def test_arrears_are_delinquent_interest_and_escrow_advances_never_fees(specialist):
    """Nov 1 to Mar 1: 5 unpaid installments x 1,018.33 interest on 188,000.00 at 6.5%."""
    loan = LoanFactory(next_due_date=date(2026, 11, 1), escrow_balance=Decimal("-450.00"))
    assert capitalisable_arrears(loan, date(2027, 3, 15)) == Decimal("5541.65")  # 5091.65 + 450.00


def test_evaluation_is_stored_with_rule_version_inputs_and_result(specialist, case):
    evaluation = services.evaluation_store(
        actor=specialist,
        case_id=case.pk,
        as_of=date(2027, 3, 15),
        gross_monthly_income=Decimal("5200.00"),
        monthly_debts=Decimal("400.00"),
    )
    assert evaluation.program == "GSE_FLEX"
    assert evaluation.rule_version == evaluation.result["rule_version"]
    assert evaluation.inputs["property"]["market_value"] == "230000.00"  # the latest valuation
    assert evaluation.inputs["loan"]["arrears"] == "5091.65"
    assert evaluation.inputs["loan"]["next_due_date"] == "2026-11-01"
    assert set(evaluation.result["options"]) == {
        "repayment_plan",
        "modification",
        "short_sale",
        "deed_in_lieu",
        "foreclosure",
    }
    assert evaluation.recommendation == (evaluation.result["recommendation"] or "")
    assert AuditEvent.objects.filter(action="evaluation.store", loan_id=case.loan_id).exists()


def test_stored_result_reproduces_from_stored_inputs(specialist, case):
    """Re-running the engine on the stored scenario gives the stored answer: a past decision can
    be shown again exactly."""
    evaluation = services.evaluation_store(
        actor=specialist, case_id=case.pk, as_of=date(2027, 3, 15), gross_monthly_income=Decimal("5200.00")
    )
    from workouts.domain.scenario import BorrowerFinances, LoanSnapshot, PropertySnapshot, Scenario

    raw = evaluation.inputs
    loan = dict(raw["loan"])
    for key in ("principal_balance", "note_rate", "monthly_escrow", "monthly_pi", "arrears", "fees"):
        loan[key] = Decimal(loan[key])
    for key in ("next_due_date", "origination_date"):
        loan[key] = date.fromisoformat(loan[key])
    loan.pop("past_due_amount")
    scenario = Scenario(
        program=raw["program"],
        loan=LoanSnapshot(**loan),
        borrower=BorrowerFinances(**{k: Decimal(v) for k, v in raw["borrower"].items()}),
        property=PropertySnapshot(
            market_value=Decimal(raw["property"]["market_value"]),
            subordinate_liens=Decimal(raw["property"]["subordinate_liens"]),
            subordinate_liens_released=raw["property"]["subordinate_liens_released"],
        ),
    )
    again = evaluate(scenario, DEFAULTS["GSE_FLEX"], date(2027, 3, 15)).to_dict()
    assert {k: v for k, v in evaluation.result.items() if k != "rule_version"} == again


def test_submit_from_evaluation_uses_its_terms(specialist, case):
    evaluation = services.evaluation_store(
        actor=specialist, case_id=case.pk, as_of=date(2027, 3, 15), gross_monthly_income=Decimal("5200.00")
    )
    mod = evaluation.result["options"]["modification"]
    if not mod["eligible"]:
        pytest.skip("scenario not eligible under current defaults")
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="modification", evaluation_id=evaluation.pk
    )
    assert workout.terms["interest_rate"] == mod["interest_rate"]
    assert workout.amount == Decimal(mod["capitalized_balance"])
    assert workout.status == Workout.Status.SUBMITTED


def test_no_valuation_and_no_market_value_is_refused(specialist):
    loan = LoanFactory()
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 1))
    with pytest.raises(DomainError) as err:
        services.evaluation_store(
            actor=specialist, case_id=case.pk, as_of=date(2027, 3, 15), gross_monthly_income=Decimal("5000.00")
        )
    assert err.value.code == "market_value_required"
    assert not Evaluation.objects.exists()
