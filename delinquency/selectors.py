"""Reads for delinquency work: the loan's status fields for the API, call compliance, and the
specialist's worklist (ordered, with when each task can next be called)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
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
# telephone conversation, is presumed harassment. The 7 are calls we place (1006.14(b)(2)(i)(A):
# "places telephone calls"), so the borrower's calls to us do not count; a conversation is one
# whoever dialled, so an inbound right-party conversation starts the 7 days too.
MAX_ATTEMPTS_IN_WINDOW = 7
ATTEMPT_WINDOW = timedelta(days=7)
AFTER_CONVERSATION = timedelta(days=7)


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


class RecentCall(NamedTuple):
    """A call the compliance check weighs: when, what came of it, who dialled."""

    at: datetime
    outcome: str
    direction: str = CallAttempt.Direction.OUTBOUND


@dataclass
class Compliance:
    callable_now: bool
    next_callable_at: datetime | None  # None: never while the hold lasts
    blocked_reason: str = ""
    local_time: datetime | None = None
    # Calls we placed (inbound calls are not attempts); None: not read (the paged worklist's
    # callable tier).
    attempts_last_7_days: int | None = 0
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def open_now(cls, now: datetime, zone: ZoneInfo) -> "Compliance":
        """Callable at `now`, known without reading the attempts: under seven of them, no
        conversation in the last seven days, no no-call hold, inside the window."""
        return cls(True, None, "", now.astimezone(zone), None, [])


def compliance_for(
    *, now: datetime, zone: ZoneInfo, attempts: list[RecentCall], no_call_hold: str | None
) -> Compliance:
    """Whether a loan may be called at `now`, and when it next may. `attempts` are the loan's
    calls of the last seven days, both directions: the outbound ones count toward 7 in 7, a
    right-party contact either way starts the 7 days after a conversation."""
    local_now = now.astimezone(zone)
    placed = (call.at for call in attempts if call.direction == CallAttempt.Direction.OUTBOUND)
    recent = sorted(at for at in placed if now - at < ATTEMPT_WINDOW)
    if no_call_hold:
        return Compliance(False, None, no_call_hold, local_now, len(recent), [no_call_hold])
    earliest = now
    reasons = []
    if len(recent) >= MAX_ATTEMPTS_IN_WINDOW:
        # The count drops below 7 when the oldest attempts that keep it at 7 age out.
        frees_at = recent[len(recent) - MAX_ATTEMPTS_IN_WINDOW] + ATTEMPT_WINDOW
        earliest = max(earliest, frees_at)
        reasons.append(f"{len(recent)} call attempts in the last 7 days")
    conversations = [call.at for call in attempts if call.outcome == CallAttempt.Outcome.RIGHT_PARTY_CONTACT]
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


def _recent_attempts(loan_ids, now: datetime) -> dict[int, list[RecentCall]]:
    """Each loan's calls (both directions) of the window compliance_for weighs."""
    since = now - max(ATTEMPT_WINDOW, AFTER_CONVERSATION)
    out: dict[int, list[RecentCall]] = {}
    rows = CallAttempt.objects.filter(loan_id__in=loan_ids, at__gt=since, at__lte=now).values_list(
        "loan_id", "at", "outcome", "direction"
    )
    for loan_id, at, outcome, direction in rows:
        out.setdefault(loan_id, []).append(RecentCall(at, outcome, direction))
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


def _loan_zone(task: CallTask) -> ZoneInfo:
    return borrower_time_zone(task.loan.property.state, task.loan.borrower.mailing_state)


def annotate_compliance(tasks: list[CallTask], now: datetime, *, zone=_loan_zone) -> None:
    """Set `task.compliance` on each task: two queries (attempts, holds) for the whole list,
    none for an empty one. `zone(task)` is the borrower's time zone."""
    loan_ids = {t.loan_id for t in tasks}
    if not loan_ids:
        return
    attempts = _recent_attempts(loan_ids, now)
    holds = _no_call_holds(loan_ids, timezone.localdate(now))
    for task in tasks:
        task.compliance = compliance_for(
            now=now, zone=zone(task), attempts=attempts.get(task.loan_id, []), no_call_hold=holds.get(task.loan_id)
        )


# --- the paged worklist -------------------------------------------------------------------

WORKLIST_PAGE_SIZE = 50
# What a worklist row shows and the compliance check reads: building five full models per row
# (a loan has dozens of columns) cost more than the query.
WORKLIST_COLUMNS = ("id", "loan_id", "reason", "due_by", "business_date", "status", "assigned_to_id", "priority")
WORKLIST_LOAN_COLUMNS = (
    "id",
    "loan_number",
    "next_due_date",
    "borrower__first_name",
    "borrower__last_name",
    "borrower__mailing_state",
    "property__state",
    "delinquency__bucket",
    "delinquency__risk_reasons",
    "delinquency__days_past_due",
)


@dataclass(frozen=True, slots=True)
class WorklistLoan:
    """What a worklist row shows of the task's loan, read as plain values: four model instances
    per row (loan, borrower, property, status) cost more to build than the query to run."""

    id: int
    loan_number: str
    next_due_date: date
    first_name: str
    last_name: str
    mailing_state: str
    property_state: str
    bucket: str | None  # None until the first scan covers the loan
    risk_reasons: list | None
    days_past_due: int | None  # as of the latest scan; None until a scan covers the loan

    @property
    def borrower_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def zone(self) -> ZoneInfo:
        return borrower_time_zone(self.property_state, self.mailing_state)


class Tier(IntEnum):
    """The worklist's first sort key: what the specialist can do with the task right now."""

    CALLABLE = 0  # inside the borrower's window, under 7 attempts in 7 days, no recent conversation
    LATER = 1  # callable once the window opens, an attempt ages out or the 7-day gap ends
    NO_CALLS = 2  # a no-call hold (bankruptcy stay, cease request, attorney, REO)


@dataclass(frozen=True)
class WorklistCursor:
    """Where a page ends: the last task's sort key (tier, reason priority, due date, id)."""

    tier: int
    priority: int
    due_by: date
    task_id: int

    def __str__(self) -> str:
        return f"{self.tier}.{self.priority}.{self.due_by.isoformat()}.{self.task_id}"

    @classmethod
    def parse(cls, text: str | None) -> "WorklistCursor | None":
        """The cursor in a page link; None (the first page) for anything malformed."""
        try:
            tier, priority, due_by, task_id = (text or "").split(".")
            cursor = cls(int(tier), int(priority), date.fromisoformat(due_by), int(task_id))
        except ValueError:
            return None
        return cursor if cursor.tier in Tier._value2member_map_ else None


@dataclass
class WorklistPage:
    tasks: list[CallTask]  # annotated with `compliance`, `tier` and `summary` (a WorklistLoan)
    total: int  # open tasks on the worklist
    matching: int  # of those, the ones the filters keep
    regulatory_today: int  # Reg X and case-deadline tasks due today
    next_cursor: WorklistCursor | None  # None on the last page


def _window_open_q(now: datetime) -> Q | None:
    """Tasks whose borrower is inside 8:00-21:00 local time at `now`, as a filter on the
    states: the zone is the property's state's, else the mailing state's, else the servicer's
    (borrower_time_zone). None when no zone is open (nobody can be called), an empty Q when
    every zone is."""
    zones = {name for name in STATE_TIME_ZONES.values() if name}
    open_zones = {name for name in zones | {settings.TIME_ZONE} if next_window_opening(now, ZoneInfo(name)) == now}
    known = [state for state, name in STATE_TIME_ZONES.items() if name]
    open_states = [state for state, name in STATE_TIME_ZONES.items() if name in open_zones]
    if open_zones == zones | {settings.TIME_ZONE}:
        return Q()  # every zone is inside its window: no condition to plan or check
    parts = []
    if open_states:
        parts.append(Q(loan__property__state__in=open_states))
        parts.append(~Q(loan__property__state__in=known) & Q(loan__borrower__mailing_state__in=open_states))
    if settings.TIME_ZONE in open_zones:
        parts.append(~Q(loan__property__state__in=known) & ~Q(loan__borrower__mailing_state__in=known))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def _tier_filters(now: datetime) -> dict[Tier, Q | None]:
    """Each tier as a filter mirroring compliance_for, so a page can be read with the index's
    order inside one tier. None: the tier is empty at `now`."""
    today = timezone.localdate(now)
    since = now - max(ATTEMPT_WINDOW, AFTER_CONVERSATION)
    held = Exists(
        Hold.objects.filter(loan_id=OuterRef("loan_id"), kind__in=Hold.NO_CALL_KINDS, start_date__lte=today).exclude(
            end_date__lt=today
        )
    )
    recent = CallAttempt.objects.filter(loan_id=OuterRef("loan_id"), at__gt=since, at__lte=now)
    # A conversation whoever dialled; the count is of the calls we placed.
    spoke = Exists(recent.filter(outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT))
    placed = recent.filter(direction=CallAttempt.Direction.OUTBOUND)
    # The seventh most recent attempt inside the window exists: 7 in 7 reached.
    seven = Exists(placed.order_by("-at")[MAX_ATTEMPTS_IN_WINDOW - 1 : MAX_ATTEMPTS_IN_WINDOW])
    window = _window_open_q(now)
    if window is None:
        return {Tier.CALLABLE: None, Tier.LATER: ~held, Tier.NO_CALLS: held}
    callable_now = window & ~spoke & ~seven
    return {Tier.CALLABLE: ~held & callable_now, Tier.LATER: ~held & ~callable_now, Tier.NO_CALLS: held}


def _after(cursor: WorklistCursor) -> Q:
    """Keyset condition: strictly after the cursor in (priority, due_by, id) order."""
    return (
        Q(priority__gt=cursor.priority)
        | Q(priority=cursor.priority, due_by__gt=cursor.due_by)
        | Q(priority=cursor.priority, due_by=cursor.due_by, pk__gt=cursor.task_id)
    )


def worklist_page(
    *,
    user,
    now: datetime | None = None,
    reason: str = "",
    bucket: str = "",
    after: WorklistCursor | None = None,
    size: int = WORKLIST_PAGE_SIZE,
) -> WorklistPage:
    """One page of the user's worklist: callable now first, then
    callable later, then no-call holds; inside each by reason priority, due date and id. At most
    seven queries however long the list: the counts, up to one read per tier (each walks the
    `calltask_worklist_order` index and stops after a page), the page's loans (with borrower,
    property and status, as values), and for the tasks not callable now their recent attempts
    and holds (one more when filtered).
    Inside the "later" tier the order is by due date, not by when each task opens: ordering
    by the opening would sort every waiting task on each request.

    `reason` and `bucket` filter the tasks (bucket from the scan's status row)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = CallTask.objects.filter(assigned_to=user, status=CallTask.Status.OPEN)
    filters = Q()
    if reason:
        filters &= Q(reason=reason)
    if bucket:
        filters &= Q(loan__delinquency__bucket=bucket)
    # Counting walks the worklist index only; the filtered count joins the status rows.
    counts = mine.aggregate(total=Count("pk"), regulatory_today=Count("pk", filter=Q(priority=0, due_by=today)))
    if filters:
        counts["matching"] = mine.filter(filters).count()
    tasks: list[CallTask] = []
    # Nothing to list: spare building and running the tier reads (their subqueries cost more
    # to compile than to run).
    tiers = _tier_filters(now) if counts.get("matching", counts["total"]) else {}
    for tier in tiers:
        if after is not None and tier < after.tier:
            continue
        if tiers[tier] is None:
            continue
        # Tasks only: joining the loan's four tables here made planning the query (with its
        # three subqueries) cost five times running it. The page's loans come in one read.
        query = mine.filter(filters, tiers[tier]).only(*WORKLIST_COLUMNS)
        if after is not None and tier == after.tier:
            query = query.filter(_after(after))
        found = list(query.order_by("priority", "due_by", "pk")[: size + 1 - len(tasks)])
        for task in found:
            task.tier = tier
        tasks += found
        if len(tasks) > size:
            break
    more = len(tasks) > size
    tasks = tasks[:size]
    if tasks:
        rows = Loan.objects.filter(pk__in={t.loan_id for t in tasks}).values_list(*WORKLIST_LOAN_COLUMNS)
        by_id = {row[0]: WorklistLoan(*row) for row in rows}
        for task in tasks:
            task.summary = by_id[task.loan_id]
    # A task the callable tier's filter let through is callable now by the same rules
    # compliance_for applies (the filter mirrors it); only the others need their attempts
    # and holds read to say why not and until when.
    waiting = []
    for task in tasks:
        if task.tier == Tier.CALLABLE:
            task.compliance = Compliance.open_now(now, task.summary.zone)
        else:
            waiting.append(task)
    annotate_compliance(waiting, now, zone=lambda task: task.summary.zone)
    last = tasks[-1] if more else None
    return WorklistPage(
        tasks=tasks,
        total=counts["total"],
        matching=counts.get("matching", counts["total"]),
        regulatory_today=counts["regulatory_today"],
        next_cursor=WorklistCursor(last.tier, last.priority, last.due_by, last.pk) if last else None,
    )


def next_callable_task(*, user, after_task_id: int, now: datetime | None = None) -> CallTask | None:
    """The most urgent task callable now other than `after_task_id`: where saving a call
    goes next. Two queries at most."""
    now = now or timezone.now()
    callable_now = _tier_filters(now)[Tier.CALLABLE]
    if callable_now is None:
        return None
    return (
        open_tasks_for(user).filter(callable_now).exclude(pk=after_task_id).order_by("priority", "due_by", "pk").first()
    )


def holds_in_force(*, loan_id: int, day: date) -> list[Hold]:
    """The loan's holds in force on `day` (started, not ended), oldest first: what a loan's
    header flags. One query."""
    return list(
        Hold.objects.filter(loan_id=loan_id, start_date__lte=day).exclude(end_date__lt=day).order_by("start_date", "id")
    )


def loan_header_flags(*, user, loan: Loan, today: date) -> dict:
    """What a loan's header shows beside days past due (the loan page, the call page): the last
    scan's risk reasons (`loan.delinquency`, read with the loan by loan_detail), the holds in
    force today, and the open case with its next Regulation X date. Two queries, two more with
    a case (its deadlines read the declared holidays and its latest denial)."""
    from workouts.selectors import deadline_rows, next_deadline, open_case_of

    try:
        status = loan.delinquency
    except LoanDelinquency.DoesNotExist:
        status = None
    case = open_case_of(user=user, loan=loan)
    return {
        "risk_reasons": (status.risk_reasons or []) if status is not None else [],
        "holds": holds_in_force(loan_id=loan.pk, day=today),
        "case": case,
        "next_deadline": next_deadline(deadline_rows(case, today)) if case else None,
    }
