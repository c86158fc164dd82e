"""Reads for the manager's team dashboard (issue 5, "Manager"; users.md, Dev's morning).

Definitions (domain.md section 1), exact so the numbers can be defended to an auditor:

- A loan's bucket on a day is the `to_bucket` of its latest BucketEvent on or before that day
  (the scan writes one whenever the bucket changes); a loan with no event yet is current.
- Periods end on month-ends; the last period runs from the last month-end to the latest scan's
  business date (month to date).
- Roll rate of bucket i in a period = loans in bucket i at the period's start that are in bucket
  i+1 at its end / loans in bucket i at the start. Cure rate = those current at the end / loans in
  bucket i at the start. Both are month-end snapshots, so a loan counts once per period.

Every function runs a fixed number of queries whatever the portfolio size: one per period end
for bucket counts, one per period for transitions, a handful for the rest.
"""

import calendar
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.roles import Role
from borrowers.models import Loan
from delinquency.models import BucketEvent, CallAttempt, CallTask, Promise, ScanRun
from delinquency.status import Bucket
from rules.selectors import holidays_declared
from workouts.domain import regx
from workouts.models import Appeal, LossMitCase, Workout

DELINQUENT_BUCKETS = (Bucket.D1_29, Bucket.D30_59, Bucket.D60_89, Bucket.D90_119, Bucket.D120_PLUS)
CHART_BUCKETS = (*DELINQUENT_BUCKETS, Bucket.FORECLOSURE, Bucket.BANKRUPTCY, Bucket.REO)
# Bucket i rolls to the next one; 120+ has nowhere further to roll by days.
ROLLS_TO = dict(pairwise(DELINQUENT_BUCKETS))
DEFAULT_MONTHS = 6
DEFAULT_RISK_DAYS = 7
DEFAULT_ACTIVITY_DAYS = 30
# Cases whose decision is already sent, or that are past deciding: no evaluation deadline at risk.
DECIDED_STATUSES = (
    Workout.Status.APPROVED,
    Workout.Status.DENIED,
    Workout.Status.OFFERED,
    Workout.Status.ACCEPTED,
    Workout.Status.REJECTED,
    Workout.Status.TRIAL,
    Workout.Status.TRIAL_FAILED,
    Workout.Status.BOOKED,
)
PIPELINE_CASE_STATUSES = (
    LossMitCase.Status.OPEN,
    LossMitCase.Status.EVALUATING,
    LossMitCase.Status.DECISION,
    LossMitCase.Status.OFFER,
    LossMitCase.Status.TRIAL,
)
REGX_TASK_REASONS = (CallTask.Reason.REGX_LIVE_CONTACT, CallTask.Reason.REGX_WRITTEN_NOTICE)
# Overdue items older than this are reported by the worklist, not as "at risk".
RISK_LOOKBACK_DAYS = 60


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_back(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Period:
    start: date  # the snapshot the period starts from (a month-end)
    end: date
    label: str


def business_date(today: date | None = None) -> date:
    """The date the dashboard is as of: the latest completed scan's business date, else today."""
    return scan_state(today).as_of


@dataclass(frozen=True)
class ScanState:
    """What the bucket figures depend on. Only the scan writes BucketEvents, so the figures as
    of `as_of` stay exact until another scan finishes (or a new event is written)."""

    as_of: date
    version: str  # "" when no scan has finished: nothing to cache against


def scan_state(today: date | None = None) -> ScanState:
    """One query: the latest completed scan's business date, the latest finish time and the
    newest bucket event."""
    done = ScanRun.objects.filter(status=ScanRun.Status.DONE)
    row = done.aggregate(
        as_of=Max("business_date"),
        finished=Max("finished_at"),
        runs=Count("pk"),
        last_event=Max(Subquery(BucketEvent.objects.order_by("-pk").values("pk")[:1])),
    )
    if row["as_of"] is None:
        return ScanState(today or timezone.localdate(), "")
    return ScanState(row["as_of"], f"{row['as_of']}:{row['finished']}:{row['runs']}:{row['last_event']}")


def periods(as_of: date, months: int = DEFAULT_MONTHS) -> list[Period]:
    """`months` periods ending at `as_of`: complete months, then the month to date (when
    `as_of` is a month-end, the last period is that whole month)."""
    ends = [as_of]
    for k in range(1, months + 1):
        ends.append(month_end(*_months_back(as_of, k)))
    ends.reverse()
    out = []
    for start, end in pairwise(ends):
        whole = end == month_end(end.year, end.month)
        label = f"{end:%b %Y}" if whole else f"{end:%b} 1-{end.day}, {end.year} (to date)"
        out.append(Period(start=start, end=end, label=label))
    return out


def _latest_event_on(day: date):
    later = BucketEvent.objects.filter(loan_id=OuterRef("loan_id"), date__gt=OuterRef("date"), date__lte=day)
    return BucketEvent.objects.filter(date__lte=day).exclude(Exists(later))


def _bucket_on(day: date):
    return Subquery(
        BucketEvent.objects.filter(loan_id=OuterRef("loan_id"), date__lte=day).order_by("-date").values("to_bucket")[:1]
    )


def bucket_counts_on(day: date) -> dict[str, int]:
    """Loans in each non-current bucket at the end of `day`. One query."""
    rows = (
        _latest_event_on(day)
        .exclude(to_bucket=Bucket.CURRENT)
        .values_list("to_bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _transitions(period: Period, *, by_state: bool = False):
    """(from bucket, to bucket[, state]) -> loans, for loans delinquent at the period's start."""
    keys = ["to_bucket", "end_bucket"] + (["loan__property__state"] if by_state else [])
    return (
        _latest_event_on(period.start)
        .filter(to_bucket__in=DELINQUENT_BUCKETS)
        .annotate(end_bucket=_bucket_on(period.end))
        .values_list(*keys)
        .annotate(n=Count("id"))
        .order_by()
    )


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class RateCell:
    numerator: int
    denominator: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.numerator, self.denominator)


@dataclass
class RateRow:
    label: str  # the period, or the state
    rolls: dict[str, RateCell] = field(default_factory=dict)  # from bucket -> cell
    cures: dict[str, RateCell] = field(default_factory=dict)


def _rate_row(label: str, moves: dict[tuple[str, str], int]) -> RateRow:
    starts: dict[str, int] = defaultdict(int)
    for (b0, _b1), n in moves.items():
        starts[b0] += n
    row = RateRow(label=label)
    for b0 in DELINQUENT_BUCKETS:
        if b0 in ROLLS_TO:
            row.rolls[b0] = RateCell(moves.get((b0, ROLLS_TO[b0]), 0), starts[b0])
        row.cures[b0] = RateCell(moves.get((b0, Bucket.CURRENT), 0), starts[b0])
    return row


def roll_cure_by_period(period_list: list[Period]) -> list[RateRow]:
    """Roll and cure rates of each delinquent bucket, one row per period. One query per period."""
    rows = []
    for period in period_list:
        moves = {(b0, b1 or Bucket.CURRENT): n for b0, b1, n in _transitions(period)}
        rows.append(_rate_row(period.label, moves))
    return rows


def roll_cure_by_state(period: Period) -> list[RateRow]:
    """The same rates for one period, one row per property state, worst 30-59 roll first."""
    by_state: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for b0, b1, state, n in _transitions(period, by_state=True):
        by_state[state][(b0, b1 or Bucket.CURRENT)] = n
    rows = [_rate_row(state, moves) for state, moves in by_state.items()]
    rows.sort(key=lambda r: (-(r.rolls[Bucket.D30_59].rate or Decimal(-1)), r.label))
    return rows


def bucket_history(period_list: list[Period]) -> list[tuple[str, dict[str, int]]]:
    """(label, loans per bucket) at each period's end, oldest first. One query per period."""
    return [(p.label, bucket_counts_on(p.end)) for p in period_list]


# Figures keyed by scan state never go stale; the timeout only frees memory.
BUCKET_FIGURES_CACHE_SECONDS = 36 * 3600


@dataclass
class BucketFigures:
    history: list[tuple[str, dict[str, int]]]
    rates: list[RateRow]
    state_rates: list[RateRow]


def bucket_figures(period_list: list[Period], state: ScanState) -> BucketFigures:
    """Bucket history, roll and cure rates by period and by state: the dashboard's heavy reads
    (two per period over every bucket event). Computed once per scan state and kept in the
    cache, so between nightly scans the page reads none of them; without a finished scan they
    are computed on each request."""
    key = ""
    if state.version:
        spans = ",".join(f"{p.start}/{p.end}" for p in period_list)
        key = "dashboard-buckets:" + hashlib.sha256(f"{state.version}|{spans}".encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached
    figures = BucketFigures(
        history=bucket_history(period_list),
        rates=roll_cure_by_period(period_list),
        state_rates=roll_cure_by_state(period_list[-1]),
    )
    if key:
        cache.set(key, figures, BUCKET_FIGURES_CACHE_SECONDS)
    return figures


@dataclass
class PipelineRow:
    stage: str
    label: str
    cases: int = 0


@dataclass
class WorkoutStageRow:
    status: str
    label: str
    option: str
    option_label: str
    count: int
    amount: Decimal


def pipeline() -> tuple[list[PipelineRow], list[WorkoutStageRow]]:
    """Active cases by stage, and live workouts by status and option with their amounts. Two queries."""
    counts = dict(
        LossMitCase.objects.filter(status__in=PIPELINE_CASE_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    stages = [PipelineRow(s.value, s.label, counts.get(s.value, 0)) for s in PIPELINE_CASE_STATUSES]
    order = {s: i for i, s in enumerate(Workout.LIVE_STATUSES)}
    workouts = [
        WorkoutStageRow(
            status=status,
            label=Workout.Status(status).label,
            option=option,
            option_label=Workout.Option(option).label,
            count=n,
            amount=amount or Decimal("0.00"),
        )
        for status, option, n, amount in Workout.objects.filter(status__in=Workout.LIVE_STATUSES)
        .values_list("status", "option")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    ]
    workouts.sort(key=lambda r: (order[r.status], r.option))
    return stages, workouts


@dataclass
class RiskRow:
    due: date
    days_left: int
    what: str
    rule: str
    loan_id: int
    loan_number: str
    borrower: str
    owner: str


def _name(user) -> str:
    if user is None:
        return "Unassigned"
    return user.get_full_name() or user.username


def deadlines_at_risk(*, today: date, days: int = DEFAULT_RISK_DAYS) -> list[RiskRow]:
    """Reg X dates due within `days` (or already missed, up to RISK_LOOKBACK_DAYS back) that are
    not met yet: evaluation decisions (1024.41(c)), acknowledgments (1024.41(b)), appeal
    decisions (1024.41(h)), and open live-contact / written-notice tasks (1024.39). Four queries."""
    horizon = today + timedelta(days=days)
    oldest = today - timedelta(days=RISK_LOOKBACK_DAYS)
    rows: list[RiskRow] = []
    cases = LossMitCase.objects.exclude(status__in=LossMitCase.FINAL_STATUSES).select_related(
        "loan", "loan__borrower", "assigned_to", "loan__assigned_to"
    )
    decided = Workout.objects.filter(case_id=OuterRef("pk"), status__in=DECIDED_STATUSES)
    evaluation_cases = cases.filter(
        application_complete_on__gte=oldest - timedelta(days=regx.EVALUATION_DAYS),
        application_complete_on__lte=horizon - timedelta(days=regx.EVALUATION_DAYS),
    ).exclude(Exists(decided))
    for case in evaluation_cases:
        due = regx.evaluation_due(case.application_complete_on, case.foreclosure_sale_date)
        if due is not None and oldest <= due <= horizon:
            rows.append(_risk(due, today, "Evaluation decision", "1024.41(c)(1)", case.loan, case.assigned_to))
    declared = holidays_declared()
    for case in cases.filter(acknowledgment_sent_on__isnull=True, application_received_on__gte=oldest - timedelta(14)):
        due = regx.acknowledgment_due(case.application_received_on, case.foreclosure_sale_date, declared)
        if due is not None and oldest <= due <= horizon:
            rows.append(_risk(due, today, "Acknowledgment letter", "1024.41(b)(2)", case.loan, case.assigned_to))
    appeals = Appeal.objects.filter(
        status=Appeal.Status.PENDING, decision_due__gte=oldest, decision_due__lte=horizon
    ).select_related("workout__case__loan__borrower", "workout__case__assigned_to", "workout__case__loan__assigned_to")
    for appeal in appeals:
        case = appeal.workout.case
        rows.append(_risk(appeal.decision_due, today, "Appeal decision", "1024.41(h)(4)", case.loan, case.assigned_to))
    tasks = CallTask.objects.filter(
        status=CallTask.Status.OPEN, reason__in=REGX_TASK_REASONS, due_by__gte=oldest, due_by__lte=horizon
    ).select_related("loan", "loan__borrower", "assigned_to")
    for task in tasks:
        rule = "1024.39(a)" if task.reason == CallTask.Reason.REGX_LIVE_CONTACT else "1024.39(b)"
        rows.append(_risk(task.due_by, today, task.get_reason_display(), rule, task.loan, task.assigned_to))
    rows.sort(key=lambda r: (r.due, r.loan_number, r.what))
    return rows


def _risk(due: date, today: date, what: str, rule: str, loan: Loan, owner) -> RiskRow:
    return RiskRow(
        due=due,
        days_left=(due - today).days,
        what=what,
        rule=rule,
        loan_id=loan.pk,
        loan_number=loan.loan_number,
        borrower=loan.borrower.full_name,
        owner=_name(owner or loan.assigned_to),
    )


@dataclass
class SpecialistRow:
    user_id: int
    name: str
    capacity: int
    active_for_assignment: bool
    loans: int = 0
    open_tasks: int = 0
    overdue_tasks: int = 0
    calls: int = 0  # outbound calls placed
    contacts: int = 0  # right-party contacts on those calls
    inbound: int = 0  # calls the borrower made to us, taken by this specialist
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0

    @property
    def contact_rate(self) -> Decimal | None:
        return _rate(self.contacts, self.calls)

    @property
    def kept_rate(self) -> Decimal | None:
        return _rate(self.promises_kept, self.promises_kept + self.promises_broken)


def specialist_activity(*, today: date, days: int = DEFAULT_ACTIVITY_DAYS) -> list[SpecialistRow]:
    """Per specialist over the last `days` days (today included): outbound calls, their
    right-party contacts, inbound calls taken, promises made, and promises resolved kept or
    broken; with today's loans, open and overdue tasks. Six queries whatever the team's size."""
    since = today - timedelta(days=days - 1)
    since_at = timezone.make_aware(datetime.combine(since, time.min))
    people = (
        get_user_model()
        .objects.filter(groups__name=Role.SPECIALIST, is_active=True)
        .select_related("profile")
        .order_by("first_name", "last_name", "username")
    )
    rows = {}
    for user in people:
        profile = getattr(user, "profile", None)
        rows[user.pk] = SpecialistRow(
            user_id=user.pk,
            name=_name(user),
            capacity=profile.capacity if profile else 0,
            active_for_assignment=profile.is_active_for_assignment if profile else False,
        )
    ids = list(rows)
    for user_id, n in (
        Loan.objects.filter(assigned_to_id__in=ids, status=Loan.Status.ACTIVE)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[user_id].loans = n
    for user_id, n, overdue in (
        CallTask.objects.filter(assigned_to_id__in=ids, status=CallTask.Status.OPEN)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_by__lt=today)))
        .order_by()
    ):
        rows[user_id].open_tasks, rows[user_id].overdue_tasks = n, overdue
    # The contact rate is outbound work's (contacts per call placed); a borrower calling in
    # reached us by their own doing, so inbound calls are counted on their own.
    outbound = Q(direction=CallAttempt.Direction.OUTBOUND)
    for user_id, n, contacts, inbound in (
        CallAttempt.objects.filter(made_by_id__in=ids, at__gte=since_at)
        .values_list("made_by_id")
        .annotate(
            n=Count("id", filter=outbound),
            rpc=Count("id", filter=outbound & Q(outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT)),
            inbound=Count("id", filter=~outbound),
        )
        .order_by()
    ):
        rows[user_id].calls, rows[user_id].contacts, rows[user_id].inbound = n, contacts, inbound
    for user_id, n in (
        Promise.objects.filter(created_by_id__in=ids, created_on__gte=since, created_on__lte=today)
        .values_list("created_by_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[user_id].promises_made = n
    for user_id, kept, broken in (
        Promise.objects.filter(created_by_id__in=ids, resolved_on__gte=since, resolved_on__lte=today)
        .values_list("created_by_id")
        .annotate(
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("id", filter=Q(status=Promise.Status.BROKEN)),
        )
        .order_by()
    ):
        rows[user_id].promises_kept, rows[user_id].promises_broken = kept, broken
    return list(rows.values())


# --- reassignment ----------------------------------------------------------------------------


@dataclass
class Person:
    pk: int
    name: str
    capacity: int
    active_for_assignment: bool
    loans: int
    languages: str

    @property
    def spare(self) -> int:
        return self.capacity - self.loans


def reassign_people() -> list[Person]:
    """Active specialists with their capacity, languages and active loans. Two queries."""
    users = (
        get_user_model()
        .objects.filter(groups__name=Role.SPECIALIST, is_active=True)
        .select_related("profile")
        .order_by("first_name", "last_name", "username")
    )
    loans = dict(
        Loan.objects.filter(status=Loan.Status.ACTIVE, assigned_to__isnull=False)
        .values_list("assigned_to_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    people = []
    for user in users:
        profile = getattr(user, "profile", None)
        people.append(
            Person(
                pk=user.pk,
                name=_name(user),
                capacity=profile.capacity if profile else 0,
                active_for_assignment=profile.is_active_for_assignment if profile else False,
                loans=loans.get(user.pk, 0),
                languages=profile.languages if profile else "",
            )
        )
    return people


def reassign_loans(*, user_id: int) -> list[Loan]:
    """A specialist's active loans by loan number, with borrower, property state, delinquency
    and open-task count and the next task's due date. One query."""
    open_tasks = Q(call_tasks__status=CallTask.Status.OPEN)
    return list(
        Loan.objects.filter(assigned_to_id=user_id, status=Loan.Status.ACTIVE)
        .select_related("borrower", "property", "delinquency")
        .annotate(
            open_tasks=Count("call_tasks", filter=open_tasks), next_task=Min("call_tasks__due_by", filter=open_tasks)
        )
        .order_by("loan_number", "id")
    )
