"""The Freddie Mac file layouts: every field of both files parsed, bad lines refused by line."""

from datetime import date
from decimal import Decimal

import pytest

from imports.freddie import (
    ORIGINATION_FIELDS,
    PERFORMANCE_FIELDS,
    OriginationRecord,
    PerformanceRecord,
    generate_sample,
    parse_line,
)

ORIG = [
    "751", "202103", "N", "205102", "12060", "25", "1", "P", "90", "36", "300000", "90", "3.250", "R", "N",
    "FRM", "GA", "SF", "30300", "F21Q10000001", "P", "360", "2", "Other sellers", "Other servicers", "Y",
    "F09Q10000009", "H", "Y", "2", "N", "7",
]  # fmt: skip
PERF = [
    "F21Q10000001", "202406", "281234.56", "2", "40", "320", "202312", "P", "", "", "3.125", "1500.00",
    "202404", "10.00", "C", "20.00", "30.00", "40.00", "50.00", "60.00", "70.00", "-80.00", "90.00", "N", "Y",
    "75", "", "1234.50", "Y", "F", "12.34", "279734.56",
]  # fmt: skip


def test_every_origination_field_is_parsed():
    """All 32 origination fields come out typed, in the published order."""
    record, errors = parse_line(1, "|".join(ORIG) + "\n", kind="origination")
    assert errors == []
    assert record == OriginationRecord(
        credit_score=751,
        first_payment_date=date(2021, 3, 1),
        first_time_homebuyer_flag="N",
        maturity_date=date(2051, 2, 1),
        msa="12060",
        mi_pct=25,
        number_of_units=1,
        occupancy_status="P",
        original_cltv=90,
        original_dti=36,
        original_upb=Decimal("300000"),
        original_ltv=90,
        original_interest_rate=Decimal("3.250"),
        channel="R",
        ppm_flag="N",
        amortization_type="FRM",
        property_state="GA",
        property_type="SF",
        postal_code="30300",
        loan_sequence_number="F21Q10000001",
        loan_purpose="P",
        original_loan_term=360,
        number_of_borrowers=2,
        seller_name="Other sellers",
        servicer_name="Other servicers",
        super_conforming_flag="Y",
        pre_relief_refinance_loan_sequence_number="F09Q10000009",
        special_eligibility_program="H",
        relief_refinance_indicator="Y",
        property_valuation_method="2",
        interest_only_indicator="N",
        mi_cancellation_indicator="7",
    )
    assert len(ORIGINATION_FIELDS) == len(ORIG) == 32


def test_every_performance_field_is_parsed():
    """All 32 performance fields come out typed; C (covered) net sale proceeds stay a code."""
    record, errors = parse_line(1, "|".join(PERF), kind="performance")
    assert errors == []
    assert record == PerformanceRecord(
        loan_sequence_number="F21Q10000001",
        monthly_reporting_period=date(2024, 6, 1),
        current_actual_upb=Decimal("281234.56"),
        current_loan_delinquency_status="2",
        loan_age=40,
        remaining_months_to_legal_maturity=320,
        defect_settlement_date=date(2023, 12, 1),
        modification_flag="P",
        zero_balance_code="",
        zero_balance_effective_date=None,
        current_interest_rate=Decimal("3.125"),
        current_non_interest_bearing_upb=Decimal("1500.00"),
        due_date_of_last_paid_installment=date(2024, 4, 1),
        mi_recoveries=Decimal("10.00"),
        net_sale_proceeds="C",
        non_mi_recoveries=Decimal("20.00"),
        expenses=Decimal("30.00"),
        legal_costs=Decimal("40.00"),
        maintenance_and_preservation_costs=Decimal("50.00"),
        taxes_and_insurance=Decimal("60.00"),
        miscellaneous_expenses=Decimal("70.00"),
        actual_loss=Decimal("-80.00"),
        cumulative_modification_cost=Decimal("90.00"),
        step_modification_flag="N",
        payment_deferral="Y",
        estimated_ltv=75,
        zero_balance_removal_upb=None,
        delinquent_accrued_interest=Decimal("1234.50"),
        delinquency_due_to_disaster="Y",
        borrower_assistance_status="F",
        current_month_modification_cost=Decimal("12.34"),
        interest_bearing_upb=Decimal("279734.56"),
    )
    assert len(PERFORMANCE_FIELDS) == len(PERF) == 32


def test_not_available_codes_become_none():
    """9999 credit score, 999 ratios and MI, 99 units and borrowers mean "not available"."""
    values = list(ORIG)
    values[0], values[5], values[6], values[8], values[9], values[11], values[22] = (
        "9999", "999", "99", "999", "999", "999", "99",
    )  # fmt: skip
    record, _ = parse_line(1, "|".join(values), kind="origination")
    assert (record.credit_score, record.mi_pct, record.number_of_units) == (None, None, None)
    assert (record.original_cltv, record.original_dti, record.original_ltv, record.number_of_borrowers) == (
        None,
        None,
        None,
        None,
    )


def test_trailing_fields_are_ignored():
    """A later layout that appends fields still loads."""
    record, errors = parse_line(3, "|".join([*PERF, "X", "Y"]), kind="performance")
    assert errors == []
    assert record.interest_bearing_upb == Decimal("279734.56")


@pytest.mark.parametrize(
    ("_case", "kind", "values", "column", "message"),
    [
        ("short line", "performance", PERF[:31], "performance", "has 31 fields; the performance layout has 32"),
        ("bad period", "performance", [PERF[0], "202413", *PERF[2:]], "performance field 2 monthly_reporting_period",
         "'202413' is not a YYYYMM date"),
        ("bad upb", "performance", [*PERF[:2], "12,000", *PERF[3:]], "performance field 3 current_actual_upb",
         "'12,000' is not a number"),
        ("bad status", "performance", [*PERF[:3], "R", *PERF[4:]],
         "performance field 4 current_loan_delinquency_status",
         "'R' is not a delinquency status (0, 1, 2, ..., RA, XX)"),
        ("bad zero balance code", "performance", [*PERF[:8], "07", *PERF[9:]],
         "performance field 9 zero_balance_code", "'07' is not a zero balance code (01, 02, 03, 09, 15, 16, 96)"),
        ("bad first payment", "origination", [ORIG[0], "2021-03", *ORIG[2:]], "origination field 2 first_payment_date",
         "'2021-03' is not a YYYYMM date"),
        ("missing upb", "origination", [*ORIG[:10], "", *ORIG[11:]], "origination field 11 original_upb",
         "is required"),
        ("bad rate", "origination", [*ORIG[:12], "3.2.5", *ORIG[13:]], "origination field 13 original_interest_rate",
         "'3.2.5' is not a number"),
        ("occupancy not available", "origination", [*ORIG[:7], "9", *ORIG[8:]], "origination field 8 occupancy_status",
         "'9' is not an occupancy status (P, S, I)"),
        ("territory we do not service", "origination", [*ORIG[:16], "GU", *ORIG[17:]],
         "origination field 17 property_state", "'GU' is not a US state code we service"),
    ],
)  # fmt: skip
def test_bad_lines_are_refused_with_line_and_field(_case, kind, values, column, message):
    record, errors = parse_line(7, "|".join(values), kind=kind)
    assert record is None
    assert [(e.line, e.column, e.message) for e in errors] == [(7, column, message)]


def test_generator_is_deterministic_and_in_layout():
    """Same seed, same files; every line has exactly 32 fields and parses."""
    first = generate_sample(loans=24, seed=7)
    assert first == generate_sample(loans=24, seed=7)
    assert first[:2] != generate_sample(loans=24, seed=8)[:2]
    orig_lines, perf_lines, categories = first
    assert len(orig_lines) == 24
    assert len(categories) == 24
    for line_no, line in enumerate(orig_lines, start=1):
        assert line.count("|") == 31
        assert parse_line(line_no, line, kind="origination")[1] == []
    for line_no, line in enumerate(perf_lines, start=1):
        assert line.count("|") == 31
        assert parse_line(line_no, line, kind="performance")[1] == []
