"""The nightly delinquency scan, set-based: chunks, the chunk transaction and run bookkeeping.

The active loans are split into id ranges ("chunks"). Each chunk is a handful of SQL statements
in one transaction, each touching every loan of the range at once, never a query per loan:

1. promises kept or broken, judged by posted payments;
2. each loan's status (days past due, MBA, OTS, bucket, holds) computed once into a temporary
   table that the next statements read;
3. bucket events for loans whose bucket changed (entered, rolled forward, improved, cured);
4. the status and early-warning flags upserted;
5. open tasks cancelled for loans that cured, closed, went under a hold, or whose case deadline
   no longer needs a call;
6. new call tasks (Reg X live contact and written notice, broken promises, trial payments past
   due, case deadlines, early warning), inserted with ON CONFLICT DO NOTHING behind NOT EXISTS
   guards.

A chunk reads only the loan rows and their own history, so it is idempotent: running it again
for the same business date changes nothing, and a failed chunk can be retried alone.
`scan_finish` then assigns the new tasks (delinquency/scan_assign.py) and records the ScanRun.

The SQL lives in delinquency/scan_status_sql.py (status, events, flags) and
delinquency/scan_task_sql.py (cancellations and task inserts); this module re-exports the
constants other modules read (WATCHLIST_SCORE, convention, ...).
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from borrowers.models import Loan
from delinquency.models import CallTask, LoanDelinquency, ScanRun
from delinquency.scan_assign import tasks_assign
from delinquency.scan_status_sql import (
    PROMISE_GRACE_DAYS,
    RISK_WEIGHTS,
    WATCHLIST_SCORE,
    convention,
    drop_status_table_sql,
    events_sql,
    promises_sql,
    status_table_sql,
    upsert_sql,
)
from delinquency.scan_task_sql import (
    EARLY_WARNING_DUE_BUSINESS_DAYS,
    cancel_sql,
    case_deadline_params,
    tasks_sql,
)
from delinquency.sql import Dialect, current_dialect
from delinquency.status import Bucket
from workouts.domain.dates import add_business_days

__all__ = [
    "CHUNK_SIZE",
    "MAX_CATCH_UP_DAYS",
    "PROMISE_GRACE_DAYS",
    "RISK_WEIGHTS",
    "STALE_RUN",
    "WATCHLIST_SCORE",
    "Chunk",
    "ScanLocked",
    "chunk_statements",
    "chunks_for_active_loans",
    "convention",
    "dates_to_scan",
    "default_business_date",
    "run_scan",
    "scan_chunk",
    "scan_claim",
    "scan_finish",
    "scan_params",
    "scan_record_failure",
    "tasks_assign",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20_000  # loan ids per chunk: a few seconds of SQL, small enough to retry alone
# A scan still "running" after this long is presumed dead; its business date may be rescanned.
STALE_RUN = timedelta(hours=6)
MAX_CATCH_UP_DAYS = 7


class ScanLocked(Exception):
    """Another scan for the same business date is running."""


def default_business_date(now=None) -> date:
    """The business date a scan covers: the last complete day in the servicer's time zone
    (the 01:30 run on Nov 28 ages loans as of the end of Nov 27)."""
    return timezone.localdate(now) - timedelta(days=1)


@dataclass(frozen=True)
class Chunk:
    lo: int
    hi: int  # exclusive


def chunks_for_active_loans(size: int | None = None) -> list[Chunk]:
    """Id ranges covering every active loan (a range may be sparse; that is fine)."""
    size = size or CHUNK_SIZE
    bounds = Loan.objects.filter(status=Loan.Status.ACTIVE).aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    return [Chunk(lo, min(lo + size, bounds["hi"] + 1)) for lo in range(bounds["lo"], bounds["hi"] + 1, size)]


def scan_params(as_of: date, chunk: Chunk) -> dict:
    """Constants of the scan, computed once in Python so the SQL stays arithmetic."""

    def month_facts(day: date, prefix: str) -> dict:
        first_prev = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        return {
            f"{prefix}_y": day.year,
            f"{prefix}_m": day.month,
            f"{prefix}_d": day.day,
            f"{prefix}_dim": calendar.monthrange(day.year, day.month)[1],
            f"{prefix}_first": day.replace(day=1).isoformat(),
            f"{prefix}_prev_first": first_prev.isoformat(),
            f"{prefix}_prev_dim": calendar.monthrange(first_prev.year, first_prev.month)[1],
        }

    return {
        "as_of": as_of.isoformat(),
        "lo": chunk.lo,
        "hi": chunk.hi,
        **month_facts(as_of, "x"),  # OTS counts following due dates up to as_of
        **month_facts(as_of + timedelta(days=1), "x1"),  # MBA up to the day after
        "promise_grace": PROMISE_GRACE_DAYS,
        "ew_due": add_business_days(as_of, EARLY_WARNING_DUE_BUSINESS_DAYS).isoformat(),
        "now": timezone.now().isoformat(),
        **case_deadline_params(as_of),
    }


def chunk_statements(d: Dialect) -> list[tuple[str, str]]:
    """The chunk's statements in order, each with a name for timing and errors."""
    return [
        *(("promises", sql) for sql in promises_sql(d)),
        *(("status_table", sql) for sql in status_table_sql(d)),
        ("bucket_events", events_sql(d)),
        ("status", upsert_sql(d)),
        *(("cancel", sql) for sql in cancel_sql(d)),
        *(("tasks", sql) for sql in tasks_sql(d)),
        ("status_table", drop_status_table_sql()),
    ]


def scan_chunk(*, as_of: date, lo: int, hi: int) -> int:
    """Scan loans with ids in [lo, hi) as of `as_of`, in one transaction. Idempotent.

    Returns the number of active loans scanned.
    """
    d = current_dialect()
    params = scan_params(as_of, Chunk(lo, hi))
    with transaction.atomic(), connection.cursor() as cursor:
        if d.pg:
            # The statements are cheap per row but their cost estimates are large; compiling them
            # with JIT took longer than running them (3.8 s of 4.3 s per 10k loans, measured).
            cursor.execute("SET LOCAL jit = off")
            # Every statement joins sets of a few thousand rows: hash joins are right, and a
            # nested loop picked on a stale row estimate (the task table growing through the
            # night, the chunk's fresh temporary table) is quadratic.
            cursor.execute("SET LOCAL enable_nestloop = off")
        for _name, sql in chunk_statements(d):
            cursor.execute(sql, params)
        return Loan.objects.filter(id__gte=lo, id__lt=hi, status=Loan.Status.ACTIVE).count()


def scan_claim(*, as_of: date, chunks_total: int = 0, now=None) -> ScanRun:
    """Take the business date's lock: its ScanRun row, set running. Raise ScanLocked if another
    scan of that date is running (and not stale)."""
    now = now or timezone.now()
    with transaction.atomic():
        run, created = ScanRun.objects.select_for_update().get_or_create(
            business_date=as_of, defaults={"started_at": now, "status": ScanRun.Status.RUNNING}
        )
        if not created and run.status == ScanRun.Status.RUNNING and now - run.started_at < STALE_RUN:
            raise ScanLocked(f"A scan for {as_of.isoformat()} has been running since {run.started_at:%H:%M}.")
        run.status = ScanRun.Status.RUNNING
        run.started_at = now
        run.finished_at = None
        run.chunks_total = chunks_total
        run.chunks_done = 0
        run.loans_scanned = 0
        run.failures = []
        run.save()
    return run


def scan_record_failure(*, as_of: date, where: str, error: str) -> None:
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().filter(business_date=as_of).first()
        if run is None:
            return
        run.failures = [*run.failures, {"where": where, "error": error[:500]}]
        run.status = ScanRun.Status.FAILED
        run.finished_at = timezone.now()
        run.save(update_fields=["failures", "status", "finished_at"])


def scan_finish(*, as_of: date, loans_scanned: int, chunks_done: int) -> ScanRun:
    """Assign tasks and record the run's counts. Safe to repeat."""
    assigned = tasks_assign()
    buckets = dict(
        LoanDelinquency.objects.filter(business_date=as_of, loan__status=Loan.Status.ACTIVE)
        .values_list("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reasons = dict(
        CallTask.objects.filter(business_date=as_of).values_list("reason").annotate(n=Count("pk")).order_by()
    )
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(business_date=as_of)
        run.bucket_counts = {name: buckets.get(name, 0) for name in Bucket.ALL if buckets.get(name)}
        run.task_counts = {name: reasons[name] for name in CallTask.Reason.values if name in reasons}
        run.loans_scanned = loans_scanned
        run.chunks_done = chunks_done
        run.tasks_assigned = assigned
        run.status = ScanRun.Status.FAILED if run.failures else ScanRun.Status.DONE
        run.finished_at = timezone.now()
        run.save()
    logger.info("Delinquency scan %s: %s loans, tasks %s", as_of, loans_scanned, run.task_counts)
    return run


def run_scan(*, as_of: date, progress=None, chunk_size: int | None = None) -> ScanRun:
    """The whole scan in this process (the management command and tests): claim, chunks, finish."""
    chunks = chunks_for_active_loans(chunk_size)
    scan_claim(as_of=as_of, chunks_total=len(chunks))
    total = 0
    try:
        for chunk in chunks:
            total += scan_chunk(as_of=as_of, lo=chunk.lo, hi=chunk.hi)
            if progress is not None:
                progress(chunk)
    except Exception as exc:
        scan_record_failure(as_of=as_of, where="chunk", error=repr(exc))
        raise
    return scan_finish(as_of=as_of, loans_scanned=total, chunks_done=len(chunks))


def dates_to_scan(target: date) -> list[date]:
    """Business dates the nightly run covers: every date since the last completed scan through
    `target` (a missed night is caught up), at most MAX_CATCH_UP_DAYS of them."""
    last = ScanRun.objects.filter(status=ScanRun.Status.DONE, business_date__lte=target).aggregate(
        m=Max("business_date")
    )["m"]
    if last is None or last >= target:
        return [] if last == target else [target]
    start = max(last + timedelta(days=1), target - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [start + timedelta(days=i) for i in range((target - start).days + 1)]
