"""Calendar helpers for installments and regulatory clocks (pure, no clock of its own)."""

import calendar
from datetime import date, timedelta
from functools import lru_cache


def add_months(start: date, months: int, day: int | None = None) -> date:
    """`start` moved by whole months, on `day` (default start's day), clamped to the month's end.

    Installments fall on the note's due day: a note due on the 31st is due Feb 28 (or 29).
    """
    target_day = day or start.day
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(target_day, calendar.monthrange(year, month)[1]))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier` to `later` by month number (day ignored)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> frozenset[date]:
    """US federal legal public holidays (5 USC 6103) in `year`, on their observed dates."""
    import holidays

    return frozenset(holidays.US(years=[year], observed=True).keys())


def is_business_day(day: date, declared: frozenset[date] = frozenset()) -> bool:
    """Reg X counts business days without Saturdays, Sundays and legal public holidays: the
    federal ones, plus `declared`, the days an admin added to the calendar (a holiday declared
    after the `holidays` package was released, e.g. a national day of mourning)."""
    return day.weekday() < 5 and day not in us_federal_holidays(day.year) and day not in declared


def add_business_days(start: date, days: int, declared: frozenset[date] = frozenset()) -> date:
    """The date `days` business days after `start` (start itself is day 0)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, declared):
            remaining -= 1
    return current
