"""Calendar helpers: installment dates on the note's due day, and Reg X business days."""

from datetime import date

import pytest

from workouts.domain.dates import add_business_days, add_months, is_business_day, months_between


@pytest.mark.parametrize(
    ("_case", "start", "months", "day", "expected"),
    [
        ("ordinary month", date(2026, 10, 1), 1, None, date(2026, 11, 1)),
        ("across the year end", date(2026, 12, 1), 1, None, date(2027, 1, 1)),
        ("many months", date(2021, 1, 1), 359, None, date(2050, 12, 1)),
        ("Jan 31 to Feb, common year", date(2027, 1, 31), 1, None, date(2027, 2, 28)),
        ("Jan 31 to Feb, leap year", date(2028, 1, 31), 1, None, date(2028, 2, 29)),
        ("Jan 30 to Feb, leap year", date(2024, 1, 30), 1, None, date(2024, 2, 29)),
        ("Feb 29 plus a year", date(2024, 2, 29), 12, None, date(2025, 2, 28)),
        ("Feb 29 plus four years", date(2024, 2, 29), 48, None, date(2028, 2, 29)),
        ("Mar 31 to Apr 30", date(2026, 3, 31), 1, None, date(2026, 4, 30)),
        ("back to the 31st after a short month", date(2027, 2, 28), 1, 31, date(2027, 3, 31)),
        ("due day 30 in February", date(2026, 1, 30), 1, 30, date(2026, 2, 28)),
        ("zero months", date(2026, 11, 27), 0, None, date(2026, 11, 27)),
        ("backwards", date(2026, 3, 31), -1, None, date(2026, 2, 28)),
        ("backwards across the year", date(2026, 1, 15), -2, None, date(2025, 11, 15)),
    ],
)
def test_add_months(_case, start, months, day, expected):
    """Whole months land on the due day, clamped to the month's last day (Feb 28/29)."""
    assert add_months(start, months, day=day) == expected


def test_add_months_keeps_due_day_through_february():
    """A note due on the 31st is due Feb 28 and then Mar 31 again, not Mar 28."""
    due = date(2027, 1, 31)
    dates = []
    for _ in range(3):
        due = add_months(due, 1, day=31)
        dates.append(due)
    assert dates == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 1), 1),
        (date(2021, 1, 1), date(2050, 12, 1), 359),
        (date(2026, 11, 27), date(2026, 11, 1), 0),
        (date(2026, 12, 1), date(2026, 10, 1), -2),
    ],
)
def test_months_between(earlier, later, expected):
    """Months between two dates count month numbers, ignoring the day."""
    assert months_between(earlier, later) == expected


@pytest.mark.parametrize(
    ("_case", "day", "expected"),
    [
        ("Thanksgiving 2026 (Thu)", date(2026, 11, 26), False),
        ("day after Thanksgiving is a business day", date(2026, 11, 27), True),
        ("Christmas 2026 (Fri)", date(2026, 12, 25), False),
        ("New Year 2027 (Fri)", date(2027, 1, 1), False),
        ("Independence Day 2026 observed Fri Jul 3", date(2026, 7, 3), False),
        ("Christmas 2027 observed Fri Dec 24", date(2027, 12, 24), False),
        ("New Year 2028 (Sat) observed Fri Dec 31, 2027", date(2027, 12, 31), False),
        ("Juneteenth 2027 observed Fri Jun 18", date(2027, 6, 18), False),
        ("Veterans Day 2028 (Sat) observed Fri Nov 10", date(2028, 11, 10), False),
        ("Saturday", date(2026, 11, 28), False),
        ("Sunday", date(2026, 11, 29), False),
        ("ordinary Monday", date(2026, 11, 30), True),
    ],
)
def test_is_business_day(_case, day, expected):
    """Business days exclude weekends and federal holidays on their observed dates (5 USC 6103)."""
    assert is_business_day(day) is expected


@pytest.mark.parametrize(
    ("_case", "start", "days", "expected"),
    [
        ("zero days is the start itself", date(2026, 11, 28), 0, date(2026, 11, 28)),
        ("Mon + 1", date(2026, 11, 16), 1, date(2026, 11, 17)),
        ("Fri + 1 skips the weekend", date(2026, 11, 20), 1, date(2026, 11, 23)),
        ("Fri + 5 is the next Fri", date(2026, 11, 13), 5, date(2026, 11, 20)),
        ("Sat + 1 is Mon", date(2026, 11, 21), 1, date(2026, 11, 23)),
        ("Wed before Thanksgiving + 1 skips Nov 26", date(2026, 11, 25), 1, date(2026, 11, 27)),
        ("Mon of Thanksgiving week + 5", date(2026, 11, 23), 5, date(2026, 12, 1)),
        ("Thanksgiving + 1", date(2026, 11, 26), 1, date(2026, 11, 27)),
        ("Christmas week 2026 + 5", date(2026, 12, 21), 5, date(2026, 12, 29)),
        ("Dec 24 2026 + 1 skips Christmas and the weekend", date(2026, 12, 24), 1, date(2026, 12, 28)),
        ("Dec 31 2026 + 1 skips New Year and the weekend", date(2026, 12, 31), 1, date(2027, 1, 4)),
        ("Dec 28 2026 + 5 across New Year", date(2026, 12, 28), 5, date(2027, 1, 5)),
        ("Dec 23 2027 + 1 skips observed Christmas (Fri Dec 24)", date(2027, 12, 23), 1, date(2027, 12, 27)),
        ("Dec 30 2027 + 1 skips observed New Year (Fri Dec 31)", date(2027, 12, 30), 1, date(2028, 1, 3)),
        ("Jul 2 2026 + 1 skips observed Independence Day", date(2026, 7, 2), 1, date(2026, 7, 6)),
        ("30 business days across Thanksgiving and Christmas", date(2026, 11, 20), 30, date(2027, 1, 6)),
    ],
)
def test_add_business_days(_case, start, days, expected):
    """Counting business days skips weekends and observed federal holidays, exactly."""
    assert add_business_days(start, days) == expected
