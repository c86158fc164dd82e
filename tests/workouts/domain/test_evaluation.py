"""One evaluation end to end, its serialised shape, and the program parameters behind it."""

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workouts.domain.evaluation import (
    DEFAULTS,
    BorrowerFinances,
    LoanSnapshot,
    ParameterError,
    PropertySnapshot,
    Scenario,
    ShortSaleOffer,
    evaluate,
    parse_parameters,
)
from workouts.domain.parameters import DEFAULTS_JSON, PARAMETER_NAMES, SPECS

D = Decimal
AS_OF = date(2026, 11, 27)

CONTRACT_KEYS = {
    "repayment_plan": {"eligible", "reasons", "months", "plan_payment"},
    "modification": {
        "eligible", "reasons", "interest_rate", "term_months", "capitalized_balance", "interest_bearing_balance",
        "forbearance", "partial_claim", "monthly_pi", "monthly_payment", "pi_reduction_pct", "target_met", "steps",
        "npv",
    },
    "short_sale": {"eligible", "reasons", "net_proceeds", "net_proceeds_pct", "minimum_net_pct", "deficiency", "npv"},
    "deed_in_lieu": {"eligible", "reasons", "expected_recovery", "npv"},
    "foreclosure": {"eligible", "reasons", "timeline_days", "expected_loss", "npv"},
}  # fmt: skip


def _scenario(program="GSE_FLEX", **loan_overrides) -> Scenario:
    loan = {
        "principal_balance": D("250000.00"),
        "note_rate": D("7.000"),
        "remaining_term_months": 300,
        "monthly_pi": D("1766.95"),
        "monthly_escrow": D("400.00"),
        "next_due_date": date(2026, 6, 1),
        "past_due_amount": D("11050.00"),
        "arrears": D("15000.00"),
        "fees": D("250.00"),
        "origination_date": date(2015, 3, 1),
        "property_state": "CA",
    }
    loan.update(loan_overrides)
    return Scenario(
        program=program,
        loan=LoanSnapshot(**loan),
        borrower=BorrowerFinances(D("5000.00"), D("600.00")),
        property=PropertySnapshot(D("300000.00"), D("0.00")),
        short_sale=ShortSaleOffer(D("270000.00"), D("5000.00"), 45),
    )


def test_contract_example_end_to_end():
    params = DEFAULTS["GSE_FLEX"].with_overrides({"mod_posted_rate": "6.500"})
    body = evaluate(_scenario(), params, AS_OF).to_dict()
    assert body["program"] == "GSE_FLEX"
    assert body["as_of"] == "2026-11-27"
    assert body["days_past_due"] == 179
    options = body["options"]
    for name, keys in CONTRACT_KEYS.items():
        assert keys <= set(options[name]), name
    plan = options["repayment_plan"]
    assert (plan["eligible"], plan["months"], plan["plan_payment"]) == (True, 11, "3171.50")
    mod = options["modification"]
    assert mod["interest_rate"] == "6.500"
    assert mod["term_months"] == 480
    assert mod["capitalized_balance"] == "265000.00"
    assert mod["interest_bearing_balance"] == "241445.65"
    assert mod["forbearance"] == "23554.35"
    assert mod["partial_claim"] == "0.00"
    assert mod["monthly_pi"] == "1413.56"
    assert mod["monthly_payment"] == "1813.56"
    assert mod["pi_reduction_pct"] == "20.00"
    assert mod["target_met"] is True
    assert [s["step"] for s in mod["steps"]] == ["capitalize", "rate", "term", "forbearance"]
    ss = options["short_sale"]
    assert (ss["net_proceeds"], ss["net_proceeds_pct"], ss["minimum_net_pct"], ss["deficiency"]) == (
        "245800.00", "81.93", "86.00", "19450.00",
    )  # fmt: skip
    assert options["deed_in_lieu"]["expected_recovery"] == "242700.00"
    assert (options["foreclosure"]["timeline_days"], options["foreclosure"]["expected_loss"]) == (480, "50376.03")
    assert body["recommendation"] == "repayment_plan"
    assert "repayment plan is recommended" in body["recommendation_reason"]
    json.dumps(body)  # serialisable as is


def test_to_dict_money_and_rates_are_strings_with_fixed_places():
    body = evaluate(_scenario(), DEFAULTS["GSE_FLEX"], AS_OF).to_dict()
    mod = body["options"]["modification"]
    assert mod["interest_rate"] == "6.500"
    for key in ("capitalized_balance", "forbearance", "monthly_pi", "npv"):
        assert isinstance(mod[key], str)
        assert len(mod[key].split(".")[1]) == 2


def test_past_due_computed_when_absent():
    """Six installments of 2,166.95 plus 250.00 fees; 13,251.70 needs 12 months at 1.5x?
    13,251.70 / 12 = 1,104.31 + 2,166.95 = 3,271.26 > 3,250.425: no plan fits."""
    result = evaluate(_scenario(past_due_amount=None), DEFAULTS["GSE_FLEX"], AS_OF)
    assert result.past_due_amount == D("13251.70")
    assert not result.repayment_plan.eligible
    assert [r.code for r in result.repayment_plan.reasons] == ["payment_limit"]
    assert result.recommendation == "modification"


def test_hud_example_through_evaluate():
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
    mod = evaluate(scenario, DEFAULTS["FHA_HAMP"], AS_OF).to_dict()["options"]["modification"]
    assert (mod["target_pi"], mod["interest_bearing_balance"], mod["forbearance"], mod["partial_claim"]) == (
        "785.00", "130931.42", "19068.58", "22728.58",
    )  # fmt: skip


def test_evaluate_is_deterministic():
    params = DEFAULTS["HAMP_31"]
    assert evaluate(_scenario("HAMP_31"), params, AS_OF) == evaluate(_scenario("HAMP_31"), params, AS_OF)


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "program", "name", "value"),
    [
        ("GSE pi reduction", "GSE_FLEX", "mod_target", "pi_reduction"),
        ("GSE posted at 80", "GSE_FLEX", "mod_rate_min_mtmltv", D("80.00")),
        ("GSE 480 months", "GSE_FLEX", "mod_max_term_months", 480),
        ("FHA partial claim", "FHA_HAMP", "mod_arrears_treatment", "partial_claim"),
        ("FHA posted whatever MTMLTV", "FHA_HAMP", "mod_rate_min_mtmltv", D("0.00")),
        ("FHA 360 months", "FHA_HAMP", "mod_max_term_months", 360),
        ("FHA DTI 31", "FHA_HAMP", "mod_target_dti_pct", D("31.00")),
        ("HAMP step down", "HAMP_31", "mod_rate_rule", "step_down"),
        ("HAMP step", "HAMP_31", "mod_rate_step", D("0.125")),
        ("HAMP floor", "HAMP_31", "mod_rate_floor", D("2.000")),
        ("HAMP forbearance", "HAMP_31", "mod_forbearance_cap_pct", D("30.00")),
        ("portfolio like GSE", "PORTFOLIO", "mod_target_pi_reduction_pct", D("20.00")),
        ("min days", "GSE_FLEX", "min_days_delinquent", 60),
        ("loan age", "GSE_FLEX", "min_loan_age_months", 12),
        ("prior mods", "GSE_FLEX", "max_prior_modifications", 3),
        ("repay months", "GSE_FLEX", "repay_max_months", 12),
        ("repay ratio", "GSE_FLEX", "repay_max_payment_ratio", D("1.50")),
        ("commission", "GSE_FLEX", "short_sale_max_commission_pct", D("6.00")),
        ("subordinate cap", "GSE_FLEX", "short_sale_subordinate_cap", D("6000.00")),
        ("relocation", "GSE_FLEX", "relocation_assistance", D("3000.00")),
    ],
)
def test_program_defaults(_case, program, name, value):
    assert getattr(DEFAULTS[program], name) == value


def test_every_program_has_every_parameter_and_round_trips_through_json():
    assert set(DEFAULTS) == {"GSE_FLEX", "FHA_HAMP", "HAMP_31", "PORTFOLIO"}
    for code, params in DEFAULTS.items():
        as_json = params.to_json()
        assert set(as_json) == set(PARAMETER_NAMES) == set(SPECS)
        assert as_json == DEFAULTS_JSON[code]
        assert parse_parameters(json.loads(json.dumps(as_json))) == params


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("unknown name", {"mod_posted_rat": "6.500"}, "mod_posted_rat"),
        ("rate with four places", {"mod_posted_rate": "6.5001"}, "mod_posted_rate"),
        ("not a number", {"mod_posted_rate": "six"}, "mod_posted_rate"),
        ("float instead of string", {"mod_posted_rate": 6.5}, "mod_posted_rate"),
        ("negative money", {"relocation_assistance": "-1.00"}, "relocation_assistance"),
        ("percent over 100", {"mod_forbearance_cap_pct": "100.01"}, "mod_forbearance_cap_pct"),
        ("bad choice", {"mod_rate_rule": "down"}, "mod_rate_rule"),
        ("bad bool", {"imminent_default_allowed": "yes"}, "imminent_default_allowed"),
        ("int not whole", {"repay_max_months": "1.5"}, "repay_max_months"),
        ("zero months", {"repay_max_months": "0"}, "repay_max_months"),
        ("ratio below one", {"repay_max_payment_ratio": "0.90"}, "repay_max_payment_ratio"),
        ("state not a code", {"foreclosure_timeline_days": {"Cali": "500"}}, "foreclosure_timeline_days"),
        ("timeline not a mapping", {"foreclosure_timeline_days": "500"}, "foreclosure_timeline_days"),
        ("tier bound not days", {"short_sale_min_net_pct": {"thirty": "88.00"}}, "short_sale_min_net_pct"),
        ("bool given as int", {"min_days_delinquent": True}, "min_days_delinquent"),
        ("costs over 100", {"reo_sale_discount_pct": "60.00", "selling_costs_pct": "50.00"}, "selling_costs_pct"),
    ],
)
def test_parameter_overrides_rejected(_case, overrides, field):
    with pytest.raises(ParameterError) as excinfo:
        DEFAULTS["GSE_FLEX"].with_overrides(overrides)
    assert field in excinfo.value.errors
    assert all(excinfo.value.errors[field])


def test_parameter_overrides_accepted_and_normalised():
    params = DEFAULTS["GSE_FLEX"].with_overrides(
        {
            "mod_posted_rate": "6.5",
            "repay_max_months": 6,
            "imminent_default_allowed": False,
            "short_sale_min_net_pct": {"90": "82.00"},
        }
    )
    assert params.mod_posted_rate == D("6.500")
    assert params.to_json()["mod_posted_rate"] == "6.500"
    assert params.repay_max_months == 6
    assert params.imminent_default_allowed is False
    assert params.minimum_net_pct(75) == D("82.00")
    assert params.minimum_net_pct(91) == D("84.00")
    assert DEFAULTS["GSE_FLEX"].mod_posted_rate == D("6.500")  # the defaults are untouched


def test_full_parameter_set_requires_every_name():
    values = dict(DEFAULTS_JSON["GSE_FLEX"])
    del values["mod_target"]
    with pytest.raises(ParameterError) as excinfo:
        parse_parameters(values)
    assert list(excinfo.value.errors) == ["mod_target"]


# --- invariants over random scenarios ---------------------------------------------------------

money = st.decimals(min_value=D("0.00"), max_value=D("900000.00"), places=2)


@settings(max_examples=60, deadline=None)
@given(
    balance=st.decimals(min_value=D("10000.00"), max_value=D("900000.00"), places=2),
    rate=st.decimals(min_value=D("0.000"), max_value=D("12.000"), places=3),
    term=st.integers(min_value=1, max_value=480),
    escrow=st.decimals(min_value=D("0.00"), max_value=D("2000.00"), places=2),
    arrears=st.decimals(min_value=D("0.00"), max_value=D("50000.00"), places=2),
    fees=st.decimals(min_value=D("0.00"), max_value=D("2000.00"), places=2),
    months_late=st.integers(min_value=0, max_value=40),
    value=st.decimals(min_value=D("1000.00"), max_value=D("2000000.00"), places=2),
    income=money,
    offer=st.one_of(st.none(), st.decimals(min_value=D("1000.00"), max_value=D("2000000.00"), places=2)),
    program=st.sampled_from(["GSE_FLEX", "FHA_HAMP", "HAMP_31", "PORTFOLIO"]),
    state=st.sampled_from(["CA", "NY", "TX", "OH"]),
)
def test_any_scenario_evaluates_to_a_serialisable_recommendation(
    balance, rate, term, escrow, arrears, fees, months_late, value, income, offer, program, state
):
    from workouts.domain.dates import add_months
    from workouts.domain.repayment import plan_total

    scenario = Scenario(
        program=program,
        loan=LoanSnapshot(
            principal_balance=balance,
            note_rate=rate,
            remaining_term_months=term,
            monthly_escrow=escrow,
            next_due_date=add_months(date(2026, 11, 1), -months_late),
            arrears=arrears,
            fees=fees,
            origination_date=date(2015, 3, 1),
            property_state=state,
        ),
        borrower=BorrowerFinances(income),
        property=PropertySnapshot(value),
        short_sale=None if offer is None else ShortSaleOffer(offer, D("2500.00"), 40),
    )
    result = evaluate(scenario, DEFAULTS[program], AS_OF)
    body = json.loads(json.dumps(result.to_dict()))
    assert body["recommendation"] in body["options"]
    assert body["options"][body["recommendation"]]["eligible"] is True
    mod = result.modification
    assert mod.forbearance >= 0
    assert mod.interest_bearing_balance >= 0
    assert mod.monthly_pi >= 0
    assert result.foreclosure.expected_loss >= 0
    assert result.past_due_amount >= 0
    if result.repayment_plan.eligible:
        assert plan_total(result.repayment_plan) == result.past_due_amount
    if result.short_sale.deficiency is not None:
        assert result.short_sale.deficiency >= 0
