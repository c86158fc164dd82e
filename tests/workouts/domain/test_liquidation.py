"""Short sale, deed-in-lieu and foreclosure economics (domain.md section 4), hand-worked."""

from datetime import date
from decimal import Decimal

import pytest

from workouts.domain.liquidation import days_to_months, deed_in_lieu, foreclosure, short_sale, total_debt
from workouts.domain.parameters import DEFAULTS
from workouts.domain.scenario import LoanSnapshot, PropertySnapshot, ShortSaleOffer

D = Decimal
GSE = DEFAULTS["GSE_FLEX"]
AS_OF = date(2026, 11, 27)


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
        "arrears": D("15000.00"),
        "fees": D("250.00"),
    }
    values.update(overrides)
    return LoanSnapshot(**values)


def _property(value="300000.00", liens="0.00", released=False) -> PropertySnapshot:
    return PropertySnapshot(D(value), D(liens), released)


def test_total_debt_is_principal_arrears_and_fees():
    assert total_debt(_loan()) == D("265250.00")


def test_short_sale_contract_example():
    """270,000 - 6% commission 16,200 - closing 5,000 - liens 0 - relocation 3,000 = 245,800.00,
    81.93% of 300,000; at 45 days on market the minimum is 86%: not acceptable."""
    result = short_sale(
        offer=ShortSaleOffer(D("270000.00"), D("5000.00"), 45), loan=_loan(), property=_property(), parameters=GSE
    )
    assert result.commission == D("16200.00")
    assert result.net_proceeds == D("245800.00")
    assert result.net_proceeds_pct == D("81.93")
    assert result.minimum_net_pct == D("86.00")
    assert result.deficiency == D("19450.00")  # 265,250.00 - 245,800.00
    assert [r.code for r in result.reasons] == ["net_proceeds_below_minimum"]
    assert not result.eligible


@pytest.mark.parametrize(
    ("_case", "days", "minimum"),
    [
        ("day 1", 1, "88.00"),
        ("day 30", 30, "88.00"),
        ("day 31", 31, "86.00"),
        ("day 60", 60, "86.00"),
        ("day 61", 61, "84.00"),
        ("a year", 365, "84.00"),
    ],
)
def test_short_sale_minimum_net_tiers(_case, days, minimum):
    result = short_sale(
        offer=ShortSaleOffer(D("290000.00"), D("3000.00"), days), loan=_loan(), property=_property(), parameters=GSE
    )
    assert result.minimum_net_pct == D(minimum)


@pytest.mark.parametrize(
    ("_case", "offer", "liens", "commission_pct", "net", "pct", "eligible"),
    [
        # 290,000 - 17,400 - 3,000 - 0 - 3,000 = 266,600.00 = 88.87% >= 86%
        ("acceptable", "290000.00", "0.00", None, "266600.00", "88.87", True),
        # commission asked 5%: 14,500; liens 10,000 capped at 6,000: 290,000-14,500-3,000-6,000-3,000
        ("lower commission, capped liens", "290000.00", "10000.00", "5.00", "263500.00", "87.83", True),
        # an 8% commission is capped at 6%
        ("commission capped", "290000.00", "0.00", "8.00", "266600.00", "88.87", True),
        # 260,000 - 15,600 - 3,000 - 3,000 = 238,400.00 = 79.47%
        ("too low", "260000.00", "0.00", None, "238400.00", "79.47", False),
    ],
)
def test_short_sale_net_proceeds(_case, offer, liens, commission_pct, net, pct, eligible):
    result = short_sale(
        offer=ShortSaleOffer(D(offer), D("3000.00"), 45, None if commission_pct is None else D(commission_pct)),
        loan=_loan(),
        property=_property(liens=liens),
        parameters=GSE,
    )
    assert result.net_proceeds == D(net)
    assert result.net_proceeds_pct == D(pct)
    assert result.eligible is eligible
    assert result.deficiency == max(D("265250.00") - D(net), D("0.00"))  # never negative


def test_short_sale_without_offer_is_not_applicable():
    result = short_sale(offer=None, loan=_loan(), property=_property(), parameters=GSE)
    assert not result.eligible
    assert [r.code for r in result.reasons] == ["no_offer"]
    assert result.to_dict()["net_proceeds"] is None


def test_deed_in_lieu_recovery():
    """300,000 x (1 - 10% - 8%) = 246,000.00, less 6 months x (400 escrow + 150 preservation)."""
    result = deed_in_lieu(loan=_loan(), property=_property(), parameters=GSE)
    assert result.holding_costs == D("3300.00")
    assert result.expected_recovery == D("242700.00")
    assert result.relocation_assistance == D("3000.00")
    assert result.eligible


@pytest.mark.parametrize(
    ("_case", "liens", "released", "eligible"),
    [
        ("clear title", "0.00", False, True),
        ("junior lien", "12000.00", False, False),
        ("junior lien released", "12000.00", True, True),
    ],
)
def test_deed_in_lieu_needs_clear_title(_case, liens, released, eligible):
    result = deed_in_lieu(loan=_loan(), property=_property(liens=liens, released=released), parameters=GSE)
    assert result.eligible is eligible
    assert [r.code for r in result.reasons] == ([] if eligible else ["title_not_clear"])


def test_foreclosure_california_contract_example():
    """CA 480 days from 2026-06-01: sale 2027-09-24, 301 days (10 months) after as-of.
    Whole timeline 480 x 12 / 365 + 6 = 21.78082 months: interest 250,000 x 7%/12 x that =
    31,763.70; T&I 400 x that = 8,712.33; loss = 250,000 + 31,763.70 + 8,712.33 + 5,000 + 900
    - 246,000 = 50,376.03."""
    result = foreclosure(loan=_loan(), property=_property(), parameters=GSE, as_of=AS_OF)
    assert result.timeline_days == 480
    assert result.sale_date == date(2027, 9, 24)
    assert result.months_to_sale == 10
    assert result.unpaid_interest == D("31763.70")
    assert result.tax_insurance_advances == D("8712.33")
    assert result.legal_costs == D("5000.00")
    assert result.preservation_costs == D("900.00")
    assert result.reo_net_proceeds == D("246000.00")
    assert result.expected_loss == D("50376.03")
    assert result.eligible


@pytest.mark.parametrize(
    ("_case", "state", "days"),
    [
        ("Georgia", "GA", 330),
        ("Texas", "TX", 390),
        ("Florida", "FL", 810),
        ("New Jersey", "NJ", 1530),
        ("New York", "NY", 1740),
        ("not listed", "OH", 540),
        ("lower case", "ny", 1740),
    ],
)
def test_foreclosure_timeline_by_state(_case, state, days):
    result = foreclosure(loan=_loan(property_state=state), property=_property(), parameters=GSE, as_of=AS_OF)
    assert result.timeline_days == days


def test_foreclosure_timeline_override_for_one_state_keeps_the_others():
    params = GSE.with_overrides({"foreclosure_timeline_days": {"CA": "500"}})
    assert params.timeline_days("CA") == 500
    assert params.timeline_days("NY") == 1740


def test_foreclosure_with_equity_has_no_loss():
    result = foreclosure(loan=_loan(), property=_property("600000.00"), parameters=GSE, as_of=AS_OF)
    assert result.expected_loss == D("0.00")


def test_foreclosure_sale_already_past_counts_zero_months():
    result = foreclosure(
        loan=_loan(next_due_date=date(2024, 1, 1), property_state="GA"),
        property=_property(),
        parameters=GSE,
        as_of=AS_OF,
    )
    assert result.months_to_sale == 0


@pytest.mark.parametrize(("days", "months"), [(0, 0), (-5, 0), (1, 1), (30, 1), (31, 2), (365, 12), (366, 13)])
def test_days_to_months_rounds_up(days, months):
    assert days_to_months(days) == months
