"""NPV of each option and the recommendation (domain.md section 4).

Each NPV is recomputed here as an explicit month-by-month sum of exact fractions (no closed
forms, no engine code), then rounded half-up once; the engine must agree to the cent.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from workouts.domain.evaluation import (
    BorrowerFinances,
    LoanSnapshot,
    PropertySnapshot,
    Scenario,
    ShortSaleOffer,
    evaluate,
)
from workouts.domain.npv import level_stream, recommend
from workouts.domain.parameters import DEFAULTS
from workouts.domain.results import (
    DeedInLieuResult,
    ForeclosureResult,
    ModificationResult,
    Reason,
    RepaymentPlanResult,
    ShortSaleResult,
)

D = Decimal
AS_OF = date(2026, 11, 27)
V = 1 / (1 + Fraction(6, 1200))  # 6.000% a year, monthly


def _cents(value: Fraction) -> Decimal:
    scaled = value * 100
    sign = -1 if scaled < 0 else 1
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if Fraction(rest, scaled.denominator) >= Fraction(1, 2):
        whole += 1
    return (Decimal(sign * whole) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _stream(amount: str, first: int, last: int) -> Fraction:
    return sum((Fraction(D(amount)) * V**t for t in range(first, last + 1)), Fraction(0))


def _at(amount: str, month: int) -> Fraction:
    return Fraction(D(amount)) * V**month


def _example() -> Scenario:
    return Scenario(
        program="GSE_FLEX",
        loan=LoanSnapshot(
            principal_balance=D("250000.00"),
            note_rate=D("7.000"),
            remaining_term_months=300,
            monthly_pi=D("1766.95"),
            monthly_escrow=D("400.00"),
            next_due_date=date(2026, 6, 1),
            past_due_amount=D("11050.00"),
            arrears=D("15000.00"),
            fees=D("250.00"),
            origination_date=date(2015, 3, 1),
            property_state="CA",
        ),
        borrower=BorrowerFinances(D("5000.00"), D("600.00")),
        property=PropertySnapshot(D("300000.00"), D("0.00")),
        short_sale=ShortSaleOffer(D("270000.00"), D("5000.00"), 45),
    )


@pytest.fixture(scope="module")
def example():
    return evaluate(_example(), DEFAULTS["GSE_FLEX"].with_overrides({"mod_posted_rate": "6.500"}), AS_OF)


def _foreclosure_twin() -> Fraction:
    # sale in month 10, REO sold in month 16; proceeds 246,000 (below the 296,376.03 owed)
    return -_stream("400", 1, 16) - _at("5000", 10) - _stream("150", 11, 16) + _at("246000", 16)


def test_foreclosure_npv(example):
    assert example.foreclosure.npv == _cents(_foreclosure_twin())


def test_short_sale_npv(example):
    """T&I advanced for 3 months, then 245,800.00 net proceeds at closing."""
    assert example.short_sale.npv == _cents(-_stream("400", 1, 3) + _at("245800", 3))


def test_deed_in_lieu_npv(example):
    """Deed recorded month 3 (relocation 3,000), REO sold month 9 for 246,000.00."""
    twin = -_stream("400", 1, 9) - _at("3000", 3) - _stream("150", 4, 9) + _at("246000", 9)
    assert example.deed_in_lieu.npv == _cents(twin)


def test_modification_npv_weights_redefault(example):
    """75% x (1,413.56 for 480 months + 23,554.35 forbearance at maturity) + 25% x foreclosure."""
    performing = _stream("1413.56", 1, 480) + _at("23554.35", 480)
    twin = Fraction(3, 4) * performing + Fraction(1, 4) * Fraction(example.foreclosure.npv)
    assert example.modification.npv == _cents(twin)


def test_repayment_plan_npv(example):
    """75% x (1,766.95 for 300 months + ten shares of 1,004.55 and a last of 1,004.50) + 25% x FC."""
    performing = _stream("1766.95", 1, 300) + _stream("1004.55", 1, 10) + _at("1004.50", 11)
    twin = Fraction(3, 4) * performing + Fraction(1, 4) * Fraction(example.foreclosure.npv)
    assert example.repayment_plan.npv == _cents(twin)


def test_fha_partial_claim_is_paid_to_the_investor_in_month_one():
    scenario = Scenario(
        program="FHA_HAMP",
        loan=LoanSnapshot(
            principal_balance=D("150000.00"),
            note_rate=D("6.000"),
            remaining_term_months=360,
            monthly_pi=D("920.00"),
            monthly_escrow=D("300.00"),
            next_due_date=date(2026, 6, 1),
            arrears=D("3660.00"),
            origination_date=date(2015, 3, 1),
            property_state="GA",
        ),
        borrower=BorrowerFinances(D("3500.00")),
        property=PropertySnapshot(D("160000.00")),
    )
    result = evaluate(scenario, DEFAULTS["FHA_HAMP"], AS_OF)
    performing = _stream("785.00", 1, 360) + _at("22728.58", 1)
    twin = Fraction(3, 4) * performing + Fraction(1, 4) * Fraction(result.foreclosure.npv)
    assert result.modification.npv == _cents(twin)


def test_level_stream_matches_month_by_month_sum():
    assert abs(Fraction(level_stream(D("100"), D("0.005"), 4, 9)) - _stream("100", 4, 9)) < Fraction(1, 10**30)
    assert level_stream(D("100"), D(0), 1, 12) == 1200
    assert level_stream(D("100"), D("0.005"), 5, 4) == 0


def _opt(cls, eligible, npv, **kw):
    reasons = () if eligible else (Reason("x", "Rule x failed."),)
    return cls(eligible=eligible, reasons=reasons, npv=None if npv is None else D(npv), **kw)


def _options(plan=(False, None), mod=(False, None), ss=(False, None), dil=(False, None), fc=(True, "100.00")):
    return {
        "repayment_plan": _opt(RepaymentPlanResult, *plan),
        "modification": _opt(ModificationResult, *mod),
        "short_sale": _opt(ShortSaleResult, *ss),
        "deed_in_lieu": _opt(DeedInLieuResult, *dil),
        "foreclosure": _opt(ForeclosureResult, *fc),
    }


@pytest.mark.parametrize(
    ("_case", "options", "expected"),
    [
        ("plan first when it beats liquidation", _options((True, "200.00"), (True, "300.00")), "repayment_plan"),
        ("plan equal to liquidation still wins", _options((True, "100.00"), (True, "300.00")), "repayment_plan"),
        ("plan below, modification above", _options((True, "99.99"), (True, "300.00")), "modification"),
        ("plan ineligible, modification above", _options((False, "500.00"), (True, "300.00")), "modification"),
        ("no retention beats liquidation", _options((True, "50.00"), (True, "60.00")), "foreclosure"),
        ("best liquidation is a short sale", _options(ss=(True, "150.00"), dil=(True, "120.00")), "short_sale"),
        ("ineligible short sale ignored", _options(ss=(False, "900.00"), dil=(True, "120.00")), "deed_in_lieu"),
        ("tie goes to the short sale", _options(ss=(True, "100.00")), "short_sale"),
        ("retention beats best liquidation", _options(mod=(True, "150.00"), dil=(True, "149.99")), "modification"),
    ],
)
def test_recommendation(_case, options, expected):
    name, reason = recommend(options)
    assert name == expected
    assert reason


def test_recommendation_reason_in_words():
    name, reason = recommend(_options((False, None), (True, "300.00"), dil=(True, "120.00")))
    assert name == "modification"
    assert reason == (
        "The repayment plan is not eligible (Rule x failed). The modification is recommended: its NPV to the "
        "investor of 300.00 is at least the best liquidation option, the deed-in-lieu (120.00), and retention "
        "comes first."
    )


def test_recommendation_reason_for_liquidation():
    name, reason = recommend(_options((True, "50.00"), (False, None), ss=(True, "90.00")))
    assert name == "foreclosure"
    assert "repayment plan's NPV of 50.00 is below the foreclosure's 100.00" in reason
    assert "modification is not eligible" in reason
    assert "highest liquidation NPV (100.00)" in reason
