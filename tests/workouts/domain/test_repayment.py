"""Repayment plan and delinquency figures (domain.md section 4, api-contract.md)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workouts.domain.parameters import DEFAULTS
from workouts.domain.repayment import (
    contractual_pi,
    days_past_due,
    first_plan_due_date,
    installments_due,
    past_due_amount,
    plan_total,
    repayment_plan,
)
from workouts.domain.scenario import LoanSnapshot

D = Decimal
GSE = DEFAULTS["GSE_FLEX"]


def _loan(**overrides) -> LoanSnapshot:
    values = {
        "principal_balance": D("250000.00"),
        "note_rate": D("7.000"),
        "remaining_term_months": 300,
        "monthly_pi": D("1766.95"),
        "monthly_escrow": D("400.00"),
        "next_due_date": date(2026, 6, 1),
        "origination_date": date(2015, 3, 1),
        "property_state": "CA",
        "fees": D("250.00"),
    }
    values.update(overrides)
    return LoanSnapshot(**values)


@pytest.mark.parametrize(
    ("_case", "next_due", "as_of", "dpd", "due"),
    [
        ("contract example", date(2026, 6, 1), date(2026, 11, 27), 179, 6),
        ("due today counts", date(2026, 11, 27), date(2026, 11, 27), 0, 1),
        ("not yet due", date(2026, 12, 1), date(2026, 11, 27), 0, 0),
        ("one day late", date(2026, 11, 1), date(2026, 11, 2), 1, 1),
        ("second installment due on its day", date(2026, 10, 1), date(2026, 11, 1), 31, 2),
        ("day before second installment", date(2026, 10, 1), date(2026, 10, 31), 30, 1),
        ("31st clamps in February", date(2026, 1, 31), date(2026, 2, 28), 28, 2),
    ],
)
def test_days_past_due_and_installments_due(_case, next_due, as_of, dpd, due):
    assert days_past_due(next_due, as_of) == dpd
    assert installments_due(next_due, as_of) == due


def test_past_due_amount_is_taken_as_given_when_present():
    assert past_due_amount(_loan(past_due_amount=D("11050.00")), date(2026, 11, 27)) == D("11050.00")


def test_past_due_amount_computed_from_installments_due_plus_fees():
    """Six installments (Jun..Nov) of 1,766.95 + 400.00, plus 250.00 fees: 13,251.70."""
    assert past_due_amount(_loan(), date(2026, 11, 27)) == D("13251.70")


def test_past_due_amount_uses_computed_pi_when_absent():
    """250,000.00 at 7% over 300 months pays 1,766.95 (api-contract example)."""
    loan = _loan(monthly_pi=None)
    assert contractual_pi(loan) == D("1766.95")
    assert past_due_amount(loan, date(2026, 6, 1)) == D("2416.95")


def test_first_plan_due_date_follows_the_installments_already_due():
    assert first_plan_due_date(date(2026, 6, 1), date(2026, 11, 27)) == date(2026, 12, 1)
    assert first_plan_due_date(date(2026, 12, 1), date(2026, 11, 27)) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("_case", "past_due", "contractual", "months", "plan_payment", "last_payment"),
    [
        # limit 1.5 x 2,166.95 = 3,250.425 -> 3,250.43; 10 months: 3,271.95 too much;
        # 11 months: 11,050 / 11 = 1,004.545... -> 1,004.55; the last takes 1,004.50.
        ("contract example", "11050.00", "2166.95", 11, "3171.50", "3171.45"),
        ("fits in one month", "500.00", "1000.00", 1, "1500.00", "1500.00"),
        ("exactly at the limit in two", "1000.00", "1000.00", 2, "1500.00", "1500.00"),
        ("one cent over in two takes three", "1000.02", "1000.00", 3, "1333.34", "1333.34"),
        # 1,000.00 / 3 = 333.333.. -> 333.33 twice, last 333.34
        ("last month absorbs a cent up", "1000.00", "900.00", 3, "1233.33", "1233.34"),
        ("twelve months at the cap", "6000.00", "1000.00", 12, "1500.00", "1500.00"),
    ],
)
def test_repayment_plan_fewest_months(_case, past_due, contractual, months, plan_payment, last_payment):
    plan = repayment_plan(
        past_due=D(past_due), contractual_payment=D(contractual), first_due_date=date(2026, 12, 1), parameters=GSE
    )
    assert plan.eligible
    assert plan.months == months
    assert plan.plan_payment == D(plan_payment)
    assert plan.schedule[-1].payment == D(last_payment)
    assert plan_total(plan) == D(past_due)
    assert [row.due_date for row in plan.schedule[:2]] == [date(2026, 12, 1), date(2027, 1, 1)][: min(months, 2)]


@pytest.mark.parametrize(
    ("_case", "past_due", "contractual", "code"),
    [
        ("over twelve months at 1.5x", "6000.01", "1000.00", "payment_limit"),
        ("rounded share would hide the excess", "6000.05", "1000.00", "payment_limit"),
        ("nothing past due", "0.00", "1000.00", "nothing_past_due"),
        ("no contractual payment", "100.00", "0.00", "payment_limit"),
    ],
)
def test_repayment_plan_not_eligible(_case, past_due, contractual, code):
    plan = repayment_plan(
        past_due=D(past_due), contractual_payment=D(contractual), first_due_date=date(2026, 12, 1), parameters=GSE
    )
    assert not plan.eligible
    assert [r.code for r in plan.reasons] == [code]
    assert plan.months is None
    assert plan.plan_payment is None
    assert plan.to_dict()["plan_payment"] is None


def test_repayment_plan_respects_program_overrides():
    params = GSE.with_overrides({"repay_max_months": "6", "repay_max_payment_ratio": "2.00"})
    plan = repayment_plan(
        past_due=D("5000.00"), contractual_payment=D("1000.00"), first_due_date=date(2026, 12, 1), parameters=params
    )
    assert (plan.months, plan.plan_payment) == (5, D("2000.00"))


money = st.decimals(min_value=D("0.01"), max_value=D("200000.00"), places=2)


@settings(max_examples=300, deadline=None)
@given(past_due=money, contractual=st.decimals(min_value=D("100.00"), max_value=D("20000.00"), places=2))
def test_schedule_sums_exactly_and_plan_is_shortest(past_due, contractual):
    """Invariants: the shares sum to the past-due amount exactly, none is negative, the plan
    payment is within the limit, and one month fewer would not be."""
    plan = repayment_plan(
        past_due=past_due, contractual_payment=contractual, first_due_date=date(2026, 12, 1), parameters=GSE
    )
    exact_limit = D("1.50") * contractual
    limit = exact_limit.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    if not plan.eligible:
        assert contractual + past_due / 12 > exact_limit - D("0.01")
        return
    assert plan_total(plan) == past_due
    assert all(row.toward_past_due >= 0 for row in plan.schedule)
    assert len(plan.schedule) == plan.months
    assert plan.plan_payment <= limit
    assert all(row.payment <= limit for row in plan.schedule)
    if plan.months > 1:
        assert contractual + past_due / (plan.months - 1) > exact_limit - D("0.05")
