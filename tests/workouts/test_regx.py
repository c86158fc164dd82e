"""Regulation X deadlines as exact dates: business days skip weekends and federal holidays."""

from datetime import date, timedelta

import pytest

from workouts.domain import regx


@pytest.mark.parametrize(
    ("_case", "received", "expected"),
    [
        ("Wed before Thanksgiving 2026 skips Thu holiday and weekend", date(2026, 11, 25), date(2026, 12, 3)),
        ("Fri before Christmas 2026 (Fri) skips the holiday", date(2026, 12, 18), date(2026, 12, 28)),
        ("July 4 2026 is a Saturday: observed Fri Jul 3", date(2026, 7, 2), date(2026, 7, 10)),
        ("MLK day 2027 Mon Jan 18", date(2027, 1, 15), date(2027, 1, 25)),
        ("received on a Saturday counts from Monday", date(2026, 11, 28), date(2026, 12, 4)),
        ("New Year 2028 (Sat) observed Fri Dec 31 2027", date(2027, 12, 27), date(2028, 1, 4)),
        ("New Year's Day 2027 across the year end", date(2026, 12, 31), date(2027, 1, 8)),
        ("plain week, no holiday", date(2027, 3, 1), date(2027, 3, 8)),
    ],
)
def test_acknowledgment_due_is_five_business_days(_case, received, expected):
    assert regx.acknowledgment_due(received) == expected


def test_acknowledgment_required_only_45_days_or_more_before_sale():
    assert regx.acknowledgment_due(date(2027, 3, 1), date(2027, 4, 15)) == date(2027, 3, 8)  # 45 days
    assert regx.acknowledgment_due(date(2027, 3, 1), date(2027, 4, 14)) is None  # 44 days


def test_evaluation_due_30_days_after_complete_when_more_than_37_days_before_sale():
    assert regx.evaluation_due(date(2027, 3, 1)) == date(2027, 3, 31)
    assert regx.evaluation_due(date(2027, 3, 1), date(2027, 4, 8)) == date(2027, 3, 31)  # 38 days before
    assert regx.evaluation_due(date(2027, 3, 1), date(2027, 4, 7)) is None  # 37 days before
    assert regx.evaluation_due(None) is None
    # Calendar days, not business days: complete Fri 2026-11-27 -> Sun 2026-12-27.
    assert regx.evaluation_due(date(2026, 11, 27)) == date(2026, 12, 27)


@pytest.mark.parametrize(
    ("_case", "sale", "days", "appeal"),
    [
        ("no sale scheduled", None, 14, True),
        ("exactly 90 days before sale", date(2027, 5, 30), 14, True),
        ("89 days before sale", date(2027, 5, 29), 7, False),
        ("38 days before sale", date(2027, 4, 8), 7, False),
        ("37 days before sale", date(2027, 4, 7), None, False),
    ],
)
def test_acceptance_window_and_appeal_right_by_days_before_sale(_case, sale, days, appeal):
    complete = date(2027, 3, 1)
    assert regx.acceptance_window_days(complete, sale) == days
    assert regx.appeal_available(complete, sale) is appeal


def test_acceptance_deadline_counts_calendar_days_from_the_offer():
    assert regx.acceptance_deadline(date(2027, 3, 20), date(2027, 3, 1)) == date(2027, 4, 3)
    assert regx.acceptance_deadline(date(2027, 3, 20), date(2027, 3, 1), date(2027, 5, 1)) == date(2027, 3, 27)
    assert regx.acceptance_deadline(date(2027, 3, 20), date(2027, 3, 1), date(2027, 4, 1)) is None


def test_appeal_deadline_and_decision():
    assert regx.appeal_deadline(date(2026, 12, 10), date(2026, 11, 1)) == date(2026, 12, 24)
    assert regx.appeal_deadline(date(2026, 12, 10), date(2026, 11, 1), date(2027, 1, 29)) is None  # 89 days
    assert regx.appeal_decision_due(date(2026, 12, 20)) == date(2027, 1, 19)


def test_delinquency_clocks_from_oldest_unpaid_due_date():
    assert regx.live_contact_due(date(2026, 1, 1)) == date(2026, 2, 6)
    assert regx.written_notice_due(date(2026, 1, 1)) == date(2026, 2, 15)


@pytest.mark.parametrize(
    ("_case", "oldest_unpaid", "earliest"),
    [
        ("domain.md example, leap year", date(2024, 1, 1), date(2024, 5, 1)),
        ("non-leap year", date(2025, 1, 1), date(2025, 5, 2)),
        ("mid-year", date(2026, 6, 1), date(2026, 9, 30)),
    ],
)
def test_earliest_referral_is_day_121(_case, oldest_unpaid, earliest):
    assert regx.earliest_foreclosure_referral(oldest_unpaid) == earliest
    assert regx.too_early_for_referral(oldest_unpaid, earliest - timedelta(days=1))
    assert not regx.too_early_for_referral(oldest_unpaid, earliest)


def test_case_deadlines_bundle():
    deadlines = regx.case_deadlines(
        oldest_unpaid_due=date(2026, 9, 1),
        received_on=date(2026, 11, 25),
        complete_on=date(2026, 12, 4),
        sale_date=None,
        denial_notice_on=date(2026, 12, 30),
    )
    assert deadlines.to_dict() == {
        "live_contact_due": "2026-10-07",
        "written_notice_due": "2026-10-16",
        "acknowledgment_due": "2026-12-03",
        "evaluation_due": "2027-01-03",
        "earliest_foreclosure_referral": "2026-12-31",
        "acceptance_window_days": 14,
        "appeal_deadline": "2027-01-13",
        "appeal_decision_due": None,
    }
