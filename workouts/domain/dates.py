"""Calendar helpers for installments and regulatory clocks (pure, no clock of its own)."""

import calendar
from datetime import date


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
