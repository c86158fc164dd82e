"""The acknowledgment's "send by" date and how letters write dates and money (pure, no database)."""

from datetime import date
from decimal import Decimal

import pytest

from letters.dates import documents_due_date, long_date, money


@pytest.mark.parametrize(
    ("_case", "sent_on", "oldest_unpaid_due", "sale_date", "expected"),
    [
        ("30 days when no milestone comes first", date(2026, 11, 30), date(2026, 10, 1), None, date(2026, 12, 30)),
        ("the 120th day of delinquency comes first", date(2026, 11, 30), date(2026, 8, 15), None, date(2026, 12, 13)),
        ("90 days before a sale", date(2026, 12, 1), None, date(2027, 3, 20), date(2026, 12, 20)),
        ("38 days before a sale once 90 has passed", date(2026, 12, 21), None, date(2027, 2, 20), date(2027, 1, 13)),
        ("never under 7 days", date(2026, 12, 1), date(2026, 8, 5), None, date(2026, 12, 8)),
        ("passed milestones do not count", date(2026, 12, 1), date(2026, 6, 1), None, date(2026, 12, 31)),
    ],
)
def test_documents_due_date(_case, sent_on, oldest_unpaid_due, sale_date, expected):
    assert documents_due_date(sent_on=sent_on, oldest_unpaid_due=oldest_unpaid_due, sale_date=sale_date) == expected


def test_formats():
    assert long_date(date(2026, 12, 3)) == "December 3, 2026"
    assert long_date(None) == ""
    assert money(Decimal("1126.105")) == "$1,126.11"
    assert money("191322.82") == "$191,322.82"
    assert money(None) == ""


def test_dates_module_stays_pure():
    from pathlib import Path

    import letters.dates as module

    source = Path(module.__file__).read_text()
    assert "django" not in source
