"""Delinquency status maths: pure functions, no Django, no clock.

Every rule here is domain.md section 1 (delinquency, MBA and OTS) and section 2 (Regulation X
clocks). The nightly scan computes the same numbers in SQL (delinquency/scan.py); the tests
hold both to these functions.

As-of dates mean the end of that day. The installments of a note fall on its due day (the day
of the first payment date), clamped to the month's end: a note due on the 31st is due Feb 28
(or 29), then Mar 31.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from workouts.domain.dates import add_months, months_between

MBA = "MBA"
OTS = "OTS"
CONVENTIONS = (MBA, OTS)

# Reg X 1024.39(a): a good-faith live contact attempt by the 36th day of delinquency.
LIVE_CONTACT_DAYS = 36
# Reg X 1024.39(b): the written early-intervention notice by the 45th day of delinquency.
WRITTEN_NOTICE_DAYS = 45
# Reg X 1024.39(b)(2): the written notice is not required more than once in 180 days.
WRITTEN_NOTICE_INTERVAL_DAYS = 180
# Reg X 1024.41(f)(1): no first foreclosure notice or filing until MORE than 120 days delinquent.
FORECLOSURE_WAIT_DAYS = 120


class Bucket:
    """Bucket names as stored and shown. Day-count buckets come from the status convention."""

    CURRENT = "current"
    D1_29 = "1-29"
    D30_59 = "30-59"
    D60_89 = "60-89"
    D90_119 = "90-119"
    D120_PLUS = "120+"
    FORECLOSURE = "foreclosure"
    BANKRUPTCY = "bankruptcy"
    REO = "reo"

    DAY_BUCKETS = (CURRENT, D1_29, D30_59, D60_89, D90_119, D120_PLUS)
    SPECIAL = (FORECLOSURE, BANKRUPTCY, REO)
    ALL = DAY_BUCKETS + SPECIAL
    # Severity order: roll forward means a higher rank, improve a lower one.
    RANK = {name: rank for rank, name in enumerate((*DAY_BUCKETS, FORECLOSURE, BANKRUPTCY, REO))}


def days_past_due(next_due_date: date, as_of: date) -> int:
    """Days from the oldest unpaid installment's due date to `as_of`; 0 when not past due."""
    return max((as_of - next_due_date).days, 0)


def installments_following_on_or_before(next_due_date: date, due_day: int, limit: date) -> int:
    """How many installments after the oldest unpaid one fall due on or before `limit`.

    Installment j (j >= 1) is due add_months(next_due_date, j, day=due_day); it lies in the month
    `j` months after the oldest unpaid one, so the count is the month distance to `limit`, less
    one when that month's installment is still ahead of `limit`.
    """
    months = months_between(next_due_date, limit)
    if months <= 0:
        return 0
    if add_months(next_due_date, months, day=due_day) > limit:
        months -= 1
    return max(months, 0)


def mba_status(next_due_date: date, due_day: int, as_of: date) -> int:
    """30 x unpaid installments whose following due date minus one day is on or before `as_of`.

    An installment is 30 days delinquent under MBA when it is still unpaid at the end of the day
    before the next due date: due Oct 1, unpaid through Oct 31, is 30.
    """
    return 30 * installments_following_on_or_before(next_due_date, due_day, as_of + timedelta(days=1))


def ots_status(next_due_date: date, due_day: int, as_of: date) -> int:
    """30 x unpaid installments whose following due date is on or before `as_of` (one month later
    than MBA: due Oct 1, unpaid through Nov 1, is 30)."""
    return 30 * installments_following_on_or_before(next_due_date, due_day, as_of)


def bucket_for_days(days: int) -> str:
    """The day-count bucket for a number of days delinquent (0 is current)."""
    if days <= 0:
        return Bucket.CURRENT
    if days < 30:
        return Bucket.D1_29
    if days < 60:
        return Bucket.D30_59
    if days < 90:
        return Bucket.D60_89
    if days < 120:
        return Bucket.D90_119
    return Bucket.D120_PLUS


def convention_days(*, convention: str, dpd: int, mba: int, ots: int) -> int:
    """The day count that drives buckets under `convention`.

    MBA and OTS statuses move in 30-day steps; within the first month (status 0) a loan past its
    due date sits in 1-29 by its actual days past due, so a day-5 loan is not shown as current.
    """
    status = mba if convention == MBA else ots
    if status == 0:
        return min(dpd, 29)
    return status


def bucket_for(
    *,
    next_due_date: date,
    due_day: int,
    as_of: date,
    convention: str = MBA,
    bankruptcy: bool = False,
    foreclosure: bool = False,
    reo: bool = False,
) -> str:
    """A loan's bucket: a special state when one applies (REO over bankruptcy over foreclosure),
    else the day-count bucket under `convention`."""
    if reo:
        return Bucket.REO
    if bankruptcy:
        return Bucket.BANKRUPTCY
    if foreclosure:
        return Bucket.FORECLOSURE
    days = convention_days(
        convention=convention,
        dpd=days_past_due(next_due_date, as_of),
        mba=mba_status(next_due_date, due_day, as_of),
        ots=ots_status(next_due_date, due_day, as_of),
    )
    return bucket_for_days(days)


def bucket_change_kind(from_bucket: str | None, to_bucket: str) -> str | None:
    """What a bucket change is called: entered (from current), rolled_forward (worse), improved
    (better but still delinquent), cured (back to current). None when nothing changed."""
    from_bucket = from_bucket or Bucket.CURRENT
    if from_bucket == to_bucket:
        return None
    if to_bucket == Bucket.CURRENT:
        return "cured"
    if from_bucket == Bucket.CURRENT:
        return "entered"
    if Bucket.RANK[to_bucket] > Bucket.RANK[from_bucket]:
        return "rolled_forward"
    return "improved"


def latest_due_on_or_before(next_due_date: date, due_day: int, as_of: date) -> date | None:
    """The most recent installment due date on or before `as_of` while the loan is unpaid from
    `next_due_date` (None when nothing is due yet)."""
    if next_due_date > as_of:
        return None
    return add_months(next_due_date, installments_following_on_or_before(next_due_date, due_day, as_of), day=due_day)


@dataclass(frozen=True)
class RegXDates:
    live_contact_due: date
    written_notice_due: date
    earliest_foreclosure_filing: date


def regx_dates(oldest_unpaid_due: date) -> RegXDates:
    """Reg X clocks of a delinquency that began on `oldest_unpaid_due`.

    Live contact by day 36 (due Jan 1 missed: Feb 6), written notice by day 45, and the first
    foreclosure notice or filing only when more than 120 days delinquent (due Jan 1, 2024: day
    120 is Apr 30, earliest filing May 1).
    """
    return RegXDates(
        live_contact_due=oldest_unpaid_due + timedelta(days=LIVE_CONTACT_DAYS),
        written_notice_due=oldest_unpaid_due + timedelta(days=WRITTEN_NOTICE_DAYS),
        earliest_foreclosure_filing=oldest_unpaid_due + timedelta(days=FORECLOSURE_WAIT_DAYS + 1),
    )
