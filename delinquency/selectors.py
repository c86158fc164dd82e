"""Reads for delinquency work: the loan's status fields for the API, call compliance, and the
specialist's worklist (ordered, with when each task can next be called)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from borrowers.models import Loan
from borrowers.states import STATE_TIME_ZONES
from delinquency import status
from delinquency.models import CallAttempt, CallTask, Hold, LoanDelinquency

# FDCPA 1692c(a)(1), Reg F 1006.6(b)(1)(i): calls only between 8:00 and 21:00 at the borrower's
# location.
CALL_WINDOW_START = time(8, 0)
CALL_WINDOW_END = time(21, 0)
# Reg F 1006.14(b)(2): more than 7 calls in 7 consecutive days, or a call within 7 days after a
# telephone conversation, is presumed harassment.
MAX_ATTEMPTS_IN_WINDOW = 7
ATTEMPT_WINDOW = timedelta(days=7)
AFTER_CONVERSATION = timedelta(days=7)

# Worklist order (users.md, Maria's morning): Reg X deadlines and case deadlines first by date,
# then broken promises, missed trial payments, early-warning outreach.
REASON_PRIORITY = {
    CallTask.Reason.REGX_LIVE_CONTACT: 0,
    CallTask.Reason.REGX_WRITTEN_NOTICE: 0,
    CallTask.Reason.CASE_DEADLINE: 0,
    CallTask.Reason.BROKEN_PROMISE: 1,
    CallTask.Reason.MISSED_TRIAL_PAYMENT: 2,
    CallTask.Reason.EARLY_WARNING: 3,
}


def loan_status_fields(loan: Loan, *, today: date | None = None) -> dict:
    """`days_past_due`, `mba_status`, `ots_status`, `bucket`, `status_as_of` for the loan API:
    as of the latest scan's business date, or computed as of today when no scan has covered the
    loan (api-contract.md)."""
    row = LoanDelinquency.objects.filter(loan_id=loan.pk).first()
    if row is not None:
        return {
            "days_past_due": row.days_past_due,
            "mba_status": row.mba_status,
            "ots_status": row.ots_status,
            "bucket": row.bucket,
            "status_as_of": row.business_date,
            "risk_score": row.risk_score,
            "risk_reasons": row.risk_reasons,
        }
    as_of = today or timezone.localdate()
    due_day = loan.first_payment_date.day
    mba = status.mba_status(loan.next_due_date, due_day, as_of)
    ots = status.ots_status(loan.next_due_date, due_day, as_of)
    dpd = status.days_past_due(loan.next_due_date, as_of)
    from delinquency.scan import convention

    return {
        "days_past_due": dpd,
        "mba_status": mba,
        "ots_status": ots,
        "bucket": status.bucket_for_days(status.convention_days(convention=convention(), dpd=dpd, mba=mba, ots=ots)),
        "status_as_of": as_of,
        "risk_score": 0,
        "risk_reasons": [],
    }


def borrower_time_zone(property_state: str | None, mailing_state: str | None) -> ZoneInfo:
    """The borrower's local zone: the property's state, else the mailing address's, else the
    servicer's own zone."""
    name = STATE_TIME_ZONES.get(property_state or "") or STATE_TIME_ZONES.get(mailing_state or "")
    return ZoneInfo(name or settings.TIME_ZONE)


def next_window_opening(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` if it is inside 8:00-21:00 in `zone`, else the next 8:00 there."""
    local = moment.astimezone(zone)
    if CALL_WINDOW_START <= local.time() < CALL_WINDOW_END:
        return moment
    day = local.date() if local.time() < CALL_WINDOW_START else local.date() + timedelta(days=1)
    return datetime.combine(day, CALL_WINDOW_START, tzinfo=zone)


@dataclass
class Compliance:
    callable_now: bool
    next_callable_at: datetime | None  # None: never while the hold lasts
    blocked_reason: str = ""
    local_time: datetime | None = None
    attempts_last_7_days: int = 0
    reasons: list[str] = field(default_factory=list)


def compliance_for(
    *, now: datetime, zone: ZoneInfo, attempts: list[tuple[datetime, str]], no_call_hold: str | None
) -> Compliance:
    """Whether a loan may be called at `now`, and when it next may. `attempts` are the loan's
    call attempts (time, outcome) of the last seven days."""
    local_now = now.astimezone(zone)
    recent = sorted(at for at, _ in attempts if now - at < ATTEMPT_WINDOW)
    if no_call_hold:
        return Compliance(False, None, no_call_hold, local_now, len(recent), [no_call_hold])
    earliest = now
    reasons = []
    if len(recent) >= MAX_ATTEMPTS_IN_WINDOW:
        # The count drops below 7 when the oldest attempts that keep it at 7 age out.
        frees_at = recent[len(recent) - MAX_ATTEMPTS_IN_WINDOW] + ATTEMPT_WINDOW
        earliest = max(earliest, frees_at)
        reasons.append(f"{len(recent)} call attempts in the last 7 days")
    conversations = [at for at, outcome in attempts if outcome == CallAttempt.Outcome.RIGHT_PARTY_CONTACT]
    if conversations and now - max(conversations) < AFTER_CONVERSATION:
        earliest = max(earliest, max(conversations) + AFTER_CONVERSATION)
        reasons.append(f"spoke with the borrower on {max(conversations).astimezone(zone):%b %d}")
    opening = next_window_opening(earliest, zone)
    if opening > earliest and earliest == now:
        reasons.append(f"outside 8am-9pm local time (it is {local_now:%I:%M %p} there)")
    callable_now = opening <= now
    return Compliance(
        callable_now,
        None if callable_now else opening,
        "" if callable_now else "Not callable now: " + "; ".join(reasons) + ".",
        local_now,
        len(recent),
        reasons,
    )


def _no_call_holds(loan_ids, day: date) -> dict[int, str]:
    holds = Hold.objects.filter(loan_id__in=loan_ids, kind__in=Hold.NO_CALL_KINDS, start_date__lte=day).exclude(
        end_date__lt=day
    )
    return {h.loan_id: f"No calls: {h.get_kind_display().lower()} hold since {h.start_date:%b %d, %Y}." for h in holds}


def _recent_attempts(loan_ids, now: datetime) -> dict[int, list[tuple[datetime, str]]]:
    since = now - max(ATTEMPT_WINDOW, AFTER_CONVERSATION)
    out: dict[int, list[tuple[datetime, str]]] = {}
    for loan_id, at, outcome in CallAttempt.objects.filter(loan_id__in=loan_ids, at__gt=since, at__lte=now).values_list(
        "loan_id", "at", "outcome"
    ):
        out.setdefault(loan_id, []).append((at, outcome))
    return out


def call_compliance(*, loan_id: int, now: datetime | None = None) -> Compliance:
    now = now or timezone.now()
    loan = Loan.objects.select_related("property", "borrower").get(pk=loan_id)
    zone = borrower_time_zone(loan.property.state, loan.borrower.mailing_state)
    return compliance_for(
        now=now,
        zone=zone,
        attempts=_recent_attempts([loan_id], now).get(loan_id, []),
        no_call_hold=_no_call_holds([loan_id], now.astimezone(zone).date()).get(loan_id),
    )


def open_tasks_for(user) -> QuerySet[CallTask]:
    return CallTask.objects.filter(assigned_to=user, status=CallTask.Status.OPEN).select_related(
        "loan", "loan__borrower", "loan__property", "loan__delinquency"
    )


def worklist_for(*, user, now: datetime | None = None) -> list[CallTask]:
    """The user's open call tasks, most urgent first, each annotated with `compliance`
    (callable_now, next_callable_at, blocked_reason). Three queries whatever the list's length.

    Order: callable now before not yet callable (a California borrower at 8:30 Eastern moves
    down until 11:00 Eastern), then Reg X and case deadlines by due date, broken promises,
    missed trial payments, early warning; then by due date and when the task becomes callable.
    """
    now = now or timezone.now()
    tasks = list(open_tasks_for(user))
    loan_ids = {t.loan_id for t in tasks}
    attempts = _recent_attempts(loan_ids, now) if loan_ids else {}
    holds = _no_call_holds(loan_ids, timezone.localdate(now)) if loan_ids else {}
    for task in tasks:
        zone = borrower_time_zone(task.loan.property.state, task.loan.borrower.mailing_state)
        task.compliance = compliance_for(
            now=now, zone=zone, attempts=attempts.get(task.loan_id, []), no_call_hold=holds.get(task.loan_id)
        )
    far = now + timedelta(days=3650)
    tasks.sort(
        key=lambda t: (
            not t.compliance.callable_now,
            t.compliance.next_callable_at is None,
            REASON_PRIORITY.get(t.reason, 9),
            t.due_by,
            t.compliance.next_callable_at or far,
            t.pk,
        )
    )
    return tasks
