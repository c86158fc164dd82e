"""Delinquency status maths, exactly per domain.md section 1 and Reg X clocks (section 2)."""

import ast
from datetime import date
from pathlib import Path

import pytest

from delinquency import status
from delinquency.status import Bucket


@pytest.mark.parametrize(
    ("_case", "next_due", "due_day", "as_of", "dpd", "mba", "ots"),
    [
        ("not yet due", date(2026, 10, 1), 1, date(2026, 9, 30), 0, 0, 0),
        ("due today", date(2026, 10, 1), 1, date(2026, 10, 1), 0, 0, 0),
        ("domain example Oct 31", date(2026, 10, 1), 1, date(2026, 10, 31), 30, 30, 0),
        ("domain example Oct 30", date(2026, 10, 1), 1, date(2026, 10, 30), 29, 0, 0),
        ("domain example Nov 1 (OTS turns)", date(2026, 10, 1), 1, date(2026, 11, 1), 31, 30, 30),
        ("domain example Nov 15", date(2026, 10, 1), 1, date(2026, 11, 15), 45, 30, 30),
        ("domain example Nov 30", date(2026, 10, 1), 1, date(2026, 11, 30), 60, 60, 30),
        ("MBA Apr 1 unpaid through Apr 30", date(2026, 4, 1), 1, date(2026, 4, 30), 29, 30, 0),
        ("MBA Apr 1 unpaid through May 31", date(2026, 4, 1), 1, date(2026, 5, 31), 60, 60, 30),
        ("February: due Feb 1, end of Feb 27", date(2026, 2, 1), 1, date(2026, 2, 27), 26, 0, 0),
        ("February: due Feb 1, end of Feb 28 is 30 MBA", date(2026, 2, 1), 1, date(2026, 2, 28), 27, 30, 0),
        ("leap year: due Feb 1 2024, Feb 28", date(2024, 2, 1), 1, date(2024, 2, 28), 27, 0, 0),
        ("leap year: due Feb 1 2024, Feb 29", date(2024, 2, 1), 1, date(2024, 2, 29), 28, 30, 0),
        ("due 31st: Jan 31, next due Feb 28, end of Feb 27", date(2026, 1, 31), 31, date(2026, 2, 27), 27, 30, 0),
        ("due 31st: Jan 31, Feb 26", date(2026, 1, 31), 31, date(2026, 2, 26), 26, 0, 0),
        ("due 31st: Jan 31, OTS on Feb 28", date(2026, 1, 31), 31, date(2026, 2, 28), 28, 30, 30),
        ("due 31st: Jan 31, Mar 30 is 60 MBA", date(2026, 1, 31), 31, date(2026, 3, 30), 58, 60, 30),
        ("due 31st: Jan 31, Mar 31 OTS 60", date(2026, 1, 31), 31, date(2026, 3, 31), 59, 60, 60),
        ("due 31st leap: Jan 31 2024, Feb 28", date(2024, 1, 31), 31, date(2024, 2, 28), 28, 30, 0),
        ("due 31st leap: Jan 31 2024, Feb 29", date(2024, 1, 31), 31, date(2024, 2, 29), 29, 30, 30),
        ("due 31st, oldest unpaid Feb 28: next due Mar 31", date(2026, 2, 28), 31, date(2026, 3, 30), 30, 30, 0),
        ("due 30th in February: Jan 30, Feb 27", date(2026, 1, 30), 30, date(2026, 2, 27), 28, 30, 0),
        ("year end: Dec 1, Dec 31", date(2025, 12, 1), 1, date(2025, 12, 31), 30, 30, 0),
        ("year end: Dec 1, Jan 1", date(2025, 12, 1), 1, date(2026, 1, 1), 31, 30, 30),
        ("six payments behind", date(2026, 5, 1), 1, date(2026, 11, 27), 210, 180, 180),
        ("due the 15th", date(2026, 9, 15), 15, date(2026, 10, 14), 29, 30, 0),
    ],
)
def test_days_past_due_mba_ots(_case, next_due, due_day, as_of, dpd, mba, ots):
    assert status.days_past_due(next_due, as_of) == dpd
    assert status.mba_status(next_due, due_day, as_of) == mba
    assert status.ots_status(next_due, due_day, as_of) == ots


@pytest.mark.parametrize(
    ("_case", "next_due", "as_of", "convention", "bucket"),
    [
        ("current", date(2026, 12, 1), date(2026, 11, 27), "MBA", Bucket.CURRENT),
        ("day 5", date(2026, 11, 1), date(2026, 11, 6), "MBA", Bucket.D1_29),
        ("MBA 30 on Oct 31", date(2026, 10, 1), date(2026, 10, 31), "MBA", Bucket.D30_59),
        ("OTS still 1-29 on Oct 31", date(2026, 10, 1), date(2026, 10, 31), "OTS", Bucket.D1_29),
        ("OTS 30 on Nov 1", date(2026, 10, 1), date(2026, 11, 1), "OTS", Bucket.D30_59),
        ("MBA 60", date(2026, 10, 1), date(2026, 11, 30), "MBA", Bucket.D60_89),
        ("MBA 90", date(2026, 8, 1), date(2026, 10, 31), "MBA", Bucket.D90_119),
        ("MBA 120", date(2026, 7, 1), date(2026, 10, 31), "MBA", Bucket.D120_PLUS),
        ("MBA 119 days is 90-119", date(2026, 7, 1), date(2026, 10, 28), "MBA", Bucket.D90_119),
    ],
)
def test_bucket_by_convention(_case, next_due, as_of, convention, bucket):
    assert status.bucket_for(next_due_date=next_due, due_day=1, as_of=as_of, convention=convention) == bucket


def test_special_states_win_over_days():
    """REO over bankruptcy over foreclosure over the day-count bucket."""
    kwargs = {"next_due_date": date(2026, 1, 1), "due_day": 1, "as_of": date(2026, 11, 27)}
    assert status.bucket_for(**kwargs, foreclosure=True) == Bucket.FORECLOSURE
    assert status.bucket_for(**kwargs, foreclosure=True, bankruptcy=True) == Bucket.BANKRUPTCY
    assert status.bucket_for(**kwargs, foreclosure=True, bankruptcy=True, reo=True) == Bucket.REO


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (None, Bucket.D1_29, "entered"),
        (Bucket.CURRENT, Bucket.D30_59, "entered"),
        (Bucket.D30_59, Bucket.D60_89, "rolled_forward"),
        (Bucket.D60_89, Bucket.D30_59, "improved"),
        (Bucket.D60_89, Bucket.CURRENT, "cured"),
        (Bucket.D120_PLUS, Bucket.FORECLOSURE, "rolled_forward"),
        (Bucket.D30_59, Bucket.D30_59, None),
    ],
)
def test_bucket_change_kind(old, new, kind):
    assert status.bucket_change_kind(old, new) == kind


def test_regx_dates_day_36_and_45():
    """Payment due Jan 1 missed: live contact due by Feb 6 (day 36), written notice by Feb 15."""
    dates = status.regx_dates(date(2026, 1, 1))
    assert dates.live_contact_due == date(2026, 2, 6)
    assert dates.written_notice_due == date(2026, 2, 15)


def test_120_day_rule():
    """Oldest unpaid due Jan 1, 2024 (a leap year): day 120 is Apr 30, earliest filing May 1."""
    dates = status.regx_dates(date(2024, 1, 1))
    assert status.days_past_due(date(2024, 1, 1), date(2024, 4, 30)) == 120
    assert dates.earliest_foreclosure_filing == date(2024, 5, 1)


def test_regx_dates_are_calendar_days_even_on_holidays():
    """Reg X counts calendar days: a deadline on Thanksgiving (Nov 26, 2026) stays there."""
    assert status.regx_dates(date(2026, 10, 21)).live_contact_due == date(2026, 11, 26)


@pytest.mark.parametrize(
    ("next_due", "due_day", "as_of", "latest"),
    [
        (date(2026, 10, 1), 1, date(2026, 9, 30), None),
        (date(2026, 10, 1), 1, date(2026, 10, 1), date(2026, 10, 1)),
        (date(2026, 10, 1), 1, date(2026, 11, 27), date(2026, 11, 1)),
        (date(2026, 1, 31), 31, date(2026, 3, 15), date(2026, 2, 28)),
        (date(2026, 1, 31), 31, date(2026, 3, 31), date(2026, 3, 31)),
    ],
)
def test_latest_due(next_due, due_day, as_of, latest):
    assert status.latest_due_on_or_before(next_due, due_day, as_of) == latest


def test_status_module_is_pure():
    """The status maths imports no Django, like workouts/domain."""
    source = Path(status.__file__).read_text()
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(m.startswith("django") for m in modules)
