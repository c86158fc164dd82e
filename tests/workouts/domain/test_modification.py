"""Modification waterfall (domain.md section 4): steps, stopping rule, caps, eligibility.

Expected figures are hand-worked; amortisation figures are cross-checked with an exact-fraction
twin of the payment formula that shares no code with the engine.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workouts.domain.modification import loan_age_months, modification
from workouts.domain.parameters import DEFAULTS
from workouts.domain.scenario import BorrowerFinances, LoanSnapshot, PropertySnapshot

D = Decimal
AS_OF = date(2026, 11, 27)


def _cents(value: Fraction) -> Decimal:
    scaled = value * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if Fraction(rest, scaled.denominator) >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _pi(principal: str, rate: str, months: int) -> Decimal:
    """Exact-fraction twin of M = P r (1+r)^n / ((1+r)^n - 1)."""
    r = Fraction(D(rate)) / 1200
    growth = (1 + r) ** months
    return _cents(Fraction(D(principal)) * r * growth / (growth - 1))


def _loan(**overrides) -> LoanSnapshot:
    values = {
        "principal_balance": D("200000.00"),
        "note_rate": D("7.000"),
        "remaining_term_months": 360,
        "monthly_pi": D("1330.60"),
        "monthly_escrow": D("300.00"),
        "next_due_date": date(2026, 6, 1),
        "origination_date": date(2015, 3, 1),
        "property_state": "GA",
        "arrears": D("0.00"),
    }
    values.update(overrides)
    return LoanSnapshot(**values)


def _modify(program="GSE_FLEX", loan=None, income="3500.00", market_value="300000.00", overrides=None, dpd=120):
    loan = loan or _loan()
    return modification(
        loan=loan,
        borrower=BorrowerFinances(D(income)),
        property=PropertySnapshot(D(market_value)),
        parameters=DEFAULTS[program].with_overrides(overrides or {}),
        pre_mod_pi=loan.monthly_pi,
        days_past_due=dpd,
        as_of=AS_OF,
    )


def _hud_loan(**overrides) -> LoanSnapshot:
    values = {
        "principal_balance": D("150000.00"),
        "note_rate": D("6.000"),
        "remaining_term_months": 360,
        "monthly_pi": D("920.00"),
        "monthly_escrow": D("300.00"),
        "arrears": D("3660.00"),
    }
    values.update(overrides)
    return _loan(**values)


def test_hud_mortgagee_letter_2009_23_example_to_the_cent():
    """FHA-HAMP: target P&I 785.00, supported balance 130,931.42, deferment 19,068.58,
    partial claim 22,728.58 (HUD ML 2009-23)."""
    result = _modify("FHA_HAMP", _hud_loan(), income="3500.00", market_value="160000.00")
    assert result.target_pi == D("785.00")  # 31% of 3,500.00 = 1,085.00, less 300.00 escrow
    assert result.interest_bearing_balance == D("130931.42")
    assert result.forbearance == D("19068.58")
    assert result.partial_claim == D("22728.58")
    assert result.monthly_pi == D("785.00") == _pi("130931.42", "6", 360)
    assert result.monthly_payment == D("1085.00")
    assert result.capitalized_balance == D("150000.00")  # arrears go to the claim, not the balance
    assert result.interest_rate == D("6.000")
    assert result.term_months == 360
    assert result.target_met
    assert result.eligible
    # 6% is below the posted 6.5% and 360 is the maximum: only the forbearance step is taken.
    assert [s.to_dict() for s in result.steps] == [
        {"step": "forbearance", "forbearance": "19068.58", "monthly_pi": "785.00"}
    ]
    assert result.pi_reduction_pct == D("14.67")  # (920 - 785) / 920 = 14.673...%


def test_contract_example_gse_flex_waterfall_takes_every_step():
    """250,000 + 15,000 arrears at 7% over 300 months, posted 6.5%: each step is recorded."""
    loan = _loan(
        principal_balance=D("250000.00"),
        remaining_term_months=300,
        monthly_pi=D("1766.95"),
        monthly_escrow=D("400.00"),
        arrears=D("15000.00"),
    )
    result = _modify("GSE_FLEX", loan, income="5000.00", overrides={"mod_posted_rate": "6.500"})
    assert result.capitalized_balance == D("265000.00")
    assert result.mtmltv_pct == D("88.33")
    assert result.target_pi == D("1413.56")  # 1,766.95 x 0.8 = 1,413.56
    assert [s.to_dict() for s in result.steps] == [
        {"step": "capitalize", "capitalized_balance": "265000.00", "monthly_pi": str(_pi("265000", "7", 300))},
        {"step": "rate", "interest_rate": "6.500", "monthly_pi": str(_pi("265000", "6.5", 300))},
        {"step": "term", "term_months": 480, "monthly_pi": str(_pi("265000", "6.5", 480))},
        {"step": "forbearance", "forbearance": "23554.35", "monthly_pi": "1413.56"},
    ]
    assert [s.monthly_pi for s in result.steps] == [D("1872.96"), D("1789.30"), D("1551.46"), D("1413.56")]
    assert result.interest_bearing_balance == D("241445.65")
    assert _pi("241445.65", "6.5", 480) == D("1413.56")
    assert result.monthly_payment == D("1813.56")
    assert result.pi_reduction_pct == D("20.00")
    assert result.target_met
    assert result.eligible


def test_posted_rate_not_applied_below_min_mtmltv():
    """MTMLTV 206,000 / 300,000 = 68.67% < 80%: the rate stays at 7%; term, then forbearance."""
    result = _modify("GSE_FLEX", _loan(arrears=D("6000.00")))
    assert result.mtmltv_pct == D("68.67")
    assert [s.step for s in result.steps] == ["capitalize", "term", "forbearance"]
    assert result.interest_rate == D("7.000")
    assert result.monthly_pi == D("1064.48")  # 1,330.60 x 0.8
    assert result.forbearance == D("34705.11")
    assert result.target_met


def test_step_down_stops_at_first_rate_meeting_target():
    """HAMP_31: 205,000 over 360; target 31% x 4,000 - 400 = 840.00. 2.875% pays more than
    840.00, 2.750% pays 836.89: the rate step stops there, no term or forbearance step."""
    loan = _loan(monthly_pi=D("1398.43"), note_rate=D("7.500"), monthly_escrow=D("400.00"), arrears=D("5000.00"))
    result = _modify("HAMP_31", loan, income="4000.00", market_value="250000.00")
    assert _pi("205000", "2.875", 360) > D("840.00") >= _pi("205000", "2.75", 360) == D("836.89")
    assert [s.step for s in result.steps] == ["capitalize", "rate"]
    assert result.interest_rate == D("2.750")
    assert result.monthly_pi == D("836.89")
    assert result.target_met


def test_step_down_ends_at_the_floor_then_extends_term():
    loan = _loan(monthly_pi=D("1398.43"), note_rate=D("7.500"), monthly_escrow=D("400.00"))
    result = _modify("HAMP_31", loan, income="2600.00", market_value="250000.00")
    # target 806.00 - 400.00 = 406.00: even 2% over 480 months (605.65) is above it.
    assert result.steps[0].step == "rate"
    assert result.steps[0].interest_rate == D("2.000")
    assert result.steps[1].to_dict() == {"step": "term", "term_months": 480, "monthly_pi": str(_pi("200000", "2", 480))}
    assert result.steps[2].step == "forbearance"


def test_term_stops_at_the_first_month_meeting_target():
    """Keep rule, 5% reduction: target 1,264.07; the term grows only as far as it must."""
    result = _modify("GSE_FLEX", overrides={"mod_rate_rule": "keep", "mod_target_pi_reduction_pct": "5.00"})
    term = result.term_months
    assert [s.step for s in result.steps] == ["term"]
    assert _pi("200000", "7", term) <= D("1264.07") < _pi("200000", "7", term - 1)
    assert result.monthly_pi == _pi("200000", "7", term)
    assert result.forbearance == D("0.00")
    assert result.target_met


def test_forbearance_cap_of_30_pct_binds_and_target_is_not_met():
    """Target 532.24 would need 114,350-odd forborne; 30% of 200,000 = 60,000.00 caps it."""
    result = _modify(
        "GSE_FLEX",
        market_value="400000.00",
        overrides={"mod_target_pi_reduction_pct": "60.00", "mod_forbearance_min_mtmltv_pct": "0.00"},
    )
    assert result.forbearance == D("60000.00")
    assert result.interest_bearing_balance == D("140000.00")
    assert result.monthly_pi == _pi("140000", "7", 480) == D("870.00")
    assert not result.target_met
    assert result.eligible  # mod_offer_if_no_increase: 870.00 <= 1,330.60


def test_forbearance_mtmltv_floor_binds():
    """50% of 300,000.00 = 150,000.00 must stay interest-bearing: forbearance 50,000.00."""
    result = _modify("GSE_FLEX", overrides={"mod_target_pi_reduction_pct": "60.00"})
    assert result.forbearance == D("50000.00")
    assert result.interest_bearing_balance == D("150000.00")
    assert result.monthly_pi == D("932.15")
    assert not result.target_met


def test_fha_partial_claim_cap_binds():
    """30% of 150,000.00 = 45,000.00 for deferment plus arrears: deferment 41,340.00."""
    result = _modify("FHA_HAMP", _hud_loan(), income="2500.00", market_value="160000.00")
    assert result.forbearance == D("41340.00")
    assert result.partial_claim == D("45000.00")
    assert result.monthly_pi == _pi("108660", "6", 360) == D("651.47")
    assert not result.target_met


def test_fha_arrears_over_the_partial_claim_cap_are_ineligible():
    result = _modify("FHA_HAMP", _hud_loan(arrears=D("45000.01")), market_value="160000.00")
    assert "partial_claim_cap_exceeded" in [r.code for r in result.reasons]
    assert not result.eligible


def test_target_missed_and_payment_rises_is_not_offered():
    """Capitalising 40,000 keeps P&I above the current 1,330.60 even at the posted 6.5% over 480
    months with no forbearance allowed: not offered (nor when mod_offer_if_no_increase is off)."""
    loan = _loan(arrears=D("40000.00"))
    result = _modify("GSE_FLEX", loan, market_value="250000.00", overrides={"mod_forbearance_cap_pct": "0.00"})
    assert result.monthly_pi == _pi("240000", "6.5", 480) == D("1405.10")
    assert [r.code for r in result.reasons] == ["target_not_met"]
    assert not result.eligible
    off = _modify("GSE_FLEX", overrides={"mod_target_pi_reduction_pct": "60.00", "mod_offer_if_no_increase": "false"})
    assert [r.code for r in off.reasons] == ["target_not_met"]


def test_capitalize_step_meeting_dti_target_stops_the_waterfall():
    """Income 10,000: 31% = 3,100 - 300 escrow = 2,800 already exceeds the capitalised P&I."""
    result = _modify("HAMP_31", _loan(arrears=D("1000.00")), income="10000.00")
    assert [s.step for s in result.steps] == ["capitalize"]
    assert result.interest_rate == D("7.000")
    assert result.term_months == 360
    assert result.target_met


@pytest.mark.parametrize(
    ("_case", "loan_overrides", "dpd", "codes", "basis"),
    [
        ("eligible by delinquency", {}, 60, [], "delinquency"),
        ("imminent default, owner-occupied", {}, 0, [], "imminent_default"),
        ("not owner-occupied and 59 days", {"occupancy": "investment"}, 59, ["not_delinquent_enough"], None),
        ("loan 11 months old", {"origination_date": date(2025, 12, 28)}, 90, ["loan_too_new"], "delinquency"),
        ("loan exactly 12 months old", {"origination_date": date(2025, 11, 27)}, 90, [], "delinquency"),
        ("three prior modifications", {"prior_modifications": 3}, 90, ["too_many_modifications"], "delinquency"),
        ("two prior modifications", {"prior_modifications": 2}, 90, [], "delinquency"),
        ("second lien", {"lien_position": 2}, 90, ["not_first_lien"], "delinquency"),
        (
            "everything wrong",
            {"occupancy": "second_home", "lien_position": 2, "prior_modifications": 5},
            10,
            ["not_delinquent_enough", "too_many_modifications", "not_first_lien"],
            None,
        ),
    ],
)
def test_eligibility_reasons(_case, loan_overrides, dpd, codes, basis):
    result = _modify("GSE_FLEX", _loan(**loan_overrides), dpd=dpd)
    assert [r.code for r in result.reasons] == codes
    assert result.eligible == (not codes)
    assert result.eligibility_basis == basis
    assert all(r.message for r in result.reasons)


def test_imminent_default_not_allowed_by_program():
    result = _modify("GSE_FLEX", dpd=0, overrides={"imminent_default_allowed": "false"})
    assert [r.code for r in result.reasons] == ["not_delinquent_enough"]


@pytest.mark.parametrize(
    ("_case", "origination", "as_of", "months"),
    [
        ("same day", date(2026, 1, 15), date(2026, 1, 15), 0),
        ("day before the monthiversary", date(2025, 11, 28), date(2026, 11, 27), 11),
        ("on the monthiversary", date(2025, 11, 27), date(2026, 11, 27), 12),
        ("31st to month end", date(2026, 1, 31), date(2026, 2, 28), 1),
    ],
)
def test_loan_age_months(_case, origination, as_of, months):
    assert loan_age_months(origination, as_of) == months


@settings(max_examples=120, deadline=None)
@given(
    balance=st.decimals(min_value=D("20000.00"), max_value=D("900000.00"), places=2),
    arrears=st.decimals(min_value=D("0.00"), max_value=D("60000.00"), places=2),
    rate=st.decimals(min_value=D("2.000"), max_value=D("12.000"), places=3),
    term=st.integers(min_value=60, max_value=360),
    value_ratio=st.decimals(min_value=D("0.40"), max_value=D("2.00"), places=2),
    income=st.decimals(min_value=D("500.00"), max_value=D("30000.00"), places=2),
    program=st.sampled_from(["GSE_FLEX", "FHA_HAMP", "HAMP_31", "PORTFOLIO"]),
)
def test_waterfall_invariants(balance, arrears, rate, term, value_ratio, income, program):
    """Balances never negative, forbearance never over its caps, P&I amortises the
    interest-bearing balance, and target_met means what it says."""
    from workouts.domain.amortization import monthly_payment

    market_value = (balance * value_ratio).quantize(D("0.01"))
    pre_pi = monthly_payment(balance, rate, term)
    loan = _loan(
        principal_balance=balance, arrears=arrears, note_rate=rate, remaining_term_months=term, monthly_pi=pre_pi
    )
    params = DEFAULTS[program]
    result = _modify(program, loan, income=str(income), market_value=str(market_value))
    assert result.forbearance >= 0
    assert result.interest_bearing_balance >= 0
    assert result.monthly_pi >= 0
    assert result.interest_bearing_balance + result.forbearance == result.capitalized_balance
    assert result.monthly_pi == monthly_payment(
        result.interest_bearing_balance, result.interest_rate, result.term_months
    )
    assert result.term_months <= max(term, params.mod_max_term_months)
    if program == "FHA_HAMP":
        cap = (balance * params.mod_partial_claim_cap_pct / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert result.partial_claim == result.forbearance + arrears
        if result.forbearance > 0:
            assert result.partial_claim <= cap
    else:
        capitalised = balance + arrears
        assert result.capitalized_balance == capitalised
        assert result.forbearance <= capitalised * params.mod_forbearance_cap_pct / 100 + D("0.005")
        if result.forbearance > 0:
            assert result.interest_bearing_balance >= market_value * params.mod_forbearance_min_mtmltv_pct / 100 - D(
                "0.005"
            )
        assert result.interest_rate >= min(rate, params.mod_rate_floor)
    assert result.target_met == (result.monthly_pi <= result.target_pi)
    steps = [s.step for s in result.steps]
    assert steps == sorted(steps, key=["capitalize", "rate", "term", "forbearance"].index)
    if result.steps:
        assert result.steps[-1].monthly_pi == result.monthly_pi
