"""Regulation X (12 CFR 1024.39-41) deadlines for one loss mitigation case, as exact dates.

Pure Python: dates in, dates out, no clock and no database (domain.md section 2). "Days before
sale" is the calendar-day count from the event to the scheduled foreclosure sale date; a case
with no sale scheduled always gets the full protections.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from workouts.domain.dates import add_business_days

# 1024.39(a): good-faith live contact by the 36th day of delinquency (due Jan 1 -> Feb 6).
LIVE_CONTACT_DAYS = 36
# 1024.39(b): written early-intervention notice by the 45th day of delinquency.
WRITTEN_NOTICE_DAYS = 45
# 1024.41(b)(2)(i)(B): written acknowledgment within 5 business days of receipt...
ACKNOWLEDGMENT_BUSINESS_DAYS = 5
# ...of an application received 45 days or more before a scheduled sale.
ACKNOWLEDGMENT_MIN_DAYS_BEFORE_SALE = 45
# 1024.41(c)(1): evaluate and send the decision within 30 days of a complete application...
EVALUATION_DAYS = 30
# ...received more than 37 days before a foreclosure sale.
EVALUATION_MIN_DAYS_BEFORE_SALE = 38
# 1024.41(e)(1): at least 14 days to accept when complete 90+ days before sale, 7 days when 38-89.
ACCEPTANCE_DAYS_FULL = 14
ACCEPTANCE_DAYS_SHORT = 7
FULL_PROTECTION_MIN_DAYS_BEFORE_SALE = 90
# 1024.41(h): at least 14 days to appeal a modification denial (complete 90+ days before sale),
# decided within 30 days of the appeal.
APPEAL_DAYS = 14
APPEAL_DECISION_DAYS = 30
# 1024.41(f)(1): no first notice or filing until the loan is MORE than 120 days delinquent, so the
# earliest referral is day 121 (oldest unpaid due Jan 1, 2024: day 120 is Apr 30, referral May 1).
PRE_FORECLOSURE_DAYS = 120


def days_before_sale(event: date, sale_date: date | None) -> int | None:
    """Calendar days from `event` to the scheduled sale, or None when no sale is scheduled."""
    return None if sale_date is None else (sale_date - event).days


def live_contact_due(oldest_unpaid_due: date) -> date:
    return oldest_unpaid_due + timedelta(days=LIVE_CONTACT_DAYS)


def written_notice_due(oldest_unpaid_due: date) -> date:
    return oldest_unpaid_due + timedelta(days=WRITTEN_NOTICE_DAYS)


def earliest_foreclosure_referral(oldest_unpaid_due: date) -> date:
    """The first day the loan is more than 120 days delinquent."""
    return oldest_unpaid_due + timedelta(days=PRE_FORECLOSURE_DAYS + 1)


def acknowledgment_due(
    received_on: date, sale_date: date | None = None, declared: frozenset[date] = frozenset()
) -> date | None:
    """5 business days after receipt, when received 45+ days before a sale (or none scheduled).
    `declared`: legal public holidays an admin added to the federal calendar."""
    before = days_before_sale(received_on, sale_date)
    if before is not None and before < ACKNOWLEDGMENT_MIN_DAYS_BEFORE_SALE:
        return None
    return add_business_days(received_on, ACKNOWLEDGMENT_BUSINESS_DAYS, declared)


def evaluation_due(complete_on: date | None, sale_date: date | None = None) -> date | None:
    """30 days after completeness, when complete more than 37 days before a sale (or none)."""
    if complete_on is None or not evaluation_required(complete_on, sale_date):
        return None
    return complete_on + timedelta(days=EVALUATION_DAYS)


def evaluation_required(complete_on: date, sale_date: date | None = None) -> bool:
    before = days_before_sale(complete_on, sale_date)
    return before is None or before >= EVALUATION_MIN_DAYS_BEFORE_SALE


def acceptance_window_days(complete_on: date | None, sale_date: date | None = None) -> int | None:
    """Days the borrower must have to accept an offer: 14 (complete 90+ days before sale or no
    sale), 7 (38-89 days), None when the rule does not apply (37 days or fewer, or not complete)."""
    if complete_on is None:
        return None
    before = days_before_sale(complete_on, sale_date)
    if before is None or before >= FULL_PROTECTION_MIN_DAYS_BEFORE_SALE:
        return ACCEPTANCE_DAYS_FULL
    if before >= EVALUATION_MIN_DAYS_BEFORE_SALE:
        return ACCEPTANCE_DAYS_SHORT
    return None


def acceptance_deadline(offered_on: date, complete_on: date | None, sale_date: date | None = None) -> date | None:
    days = acceptance_window_days(complete_on, sale_date)
    return None if days is None else offered_on + timedelta(days=days)


def appeal_available(complete_on: date | None, sale_date: date | None = None) -> bool:
    if complete_on is None:
        return False
    before = days_before_sale(complete_on, sale_date)
    return before is None or before >= FULL_PROTECTION_MIN_DAYS_BEFORE_SALE


def appeal_deadline(denial_notice_on: date, complete_on: date | None, sale_date: date | None = None) -> date | None:
    """14 days after the denial notice, when the application was complete 90+ days before sale."""
    if not appeal_available(complete_on, sale_date):
        return None
    return denial_notice_on + timedelta(days=APPEAL_DAYS)


def appeal_decision_due(appeal_received_on: date) -> date:
    return appeal_received_on + timedelta(days=APPEAL_DECISION_DAYS)


@dataclass(frozen=True)
class CaseDeadlines:
    live_contact_due: date
    written_notice_due: date
    acknowledgment_due: date | None
    evaluation_due: date | None
    earliest_foreclosure_referral: date
    acceptance_window_days: int | None
    appeal_deadline: date | None = None
    appeal_decision_due: date | None = None

    def to_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def case_deadlines(
    *,
    oldest_unpaid_due: date,
    received_on: date,
    complete_on: date | None = None,
    sale_date: date | None = None,
    denial_notice_on: date | None = None,
    appeal_received_on: date | None = None,
    declared: frozenset[date] = frozenset(),
) -> CaseDeadlines:
    """Every Reg X date for one case. The contact and referral clocks run from the oldest
    unpaid installment's due date (1024.31: delinquency starts there)."""
    return CaseDeadlines(
        live_contact_due=live_contact_due(oldest_unpaid_due),
        written_notice_due=written_notice_due(oldest_unpaid_due),
        acknowledgment_due=acknowledgment_due(received_on, sale_date, declared),
        evaluation_due=evaluation_due(complete_on, sale_date),
        earliest_foreclosure_referral=earliest_foreclosure_referral(oldest_unpaid_due),
        acceptance_window_days=acceptance_window_days(complete_on, sale_date),
        appeal_deadline=(
            appeal_deadline(denial_notice_on, complete_on, sale_date) if denial_notice_on is not None else None
        ),
        appeal_decision_due=appeal_decision_due(appeal_received_on) if appeal_received_on is not None else None,
    )


def too_early_for_referral(oldest_unpaid_due: date, on: date) -> bool:
    """1024.41(f)(1): True while the loan is 120 days delinquent or less on `on`."""
    return on < earliest_foreclosure_referral(oldest_unpaid_due)
