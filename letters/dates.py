"""Dates and amounts as letters print them, and the acknowledgment's "send by" date.

Pure Python (no Django, no clock), like workouts/domain: dates in, dates out.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# 1024.41(b)(2)(ii) and its commentary: the date by which the borrower should send what is
# missing must be reasonable. Comment 41(b)(2)(ii)-1 says 30 days after the notice is generally
# reasonable, but the date must come before the earliest milestone still ahead of the borrower:
# the 120th day of delinquency, 90 days before a scheduled sale, 38 days before a scheduled sale.
DOCUMENTS_DUE_DAYS = 30
# ...and it may never be less than 7 days after the notice is provided.
DOCUMENTS_DUE_MIN_DAYS = 7
DELINQUENCY_MILESTONE_DAYS = 120  # 1024.41(f)(1): first notice or filing after day 120
SALE_MILESTONES_DAYS = (90, 38)  # 1024.41(e), (h) full protections; 1024.41(c), (g) evaluation


def documents_due_date(*, sent_on: date, oldest_unpaid_due: date | None, sale_date: date | None) -> date:
    """The "send by" date an acknowledgment gives for missing documents.

    The earliest of: 30 days after the notice, the 120th day of delinquency, 90 and 38 days
    before a scheduled sale, counting only milestones still after the notice, and never
    earlier than 7 days after it.
    """
    candidates = [sent_on + timedelta(days=DOCUMENTS_DUE_DAYS)]
    if oldest_unpaid_due is not None:
        candidates.append(oldest_unpaid_due + timedelta(days=DELINQUENCY_MILESTONE_DAYS))
    if sale_date is not None:
        candidates.extend(sale_date - timedelta(days=days) for days in SALE_MILESTONES_DAYS)
    ahead = [day for day in candidates if day > sent_on]
    return max(min(ahead), sent_on + timedelta(days=DOCUMENTS_DUE_MIN_DAYS))


def long_date(day: date | None) -> str:
    """December 3, 2026: how a letter writes a date."""
    return "" if day is None else f"{day:%B} {day.day}, {day.year}"


def money(amount: Decimal | str | int | None) -> str:
    """$1,126.11: how a letter writes an amount (half-up to the cent)."""
    if amount in (None, ""):
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
