"""Celery tasks of the nightly scan. They only carry dates and id ranges and call scan.py.

nightly -> scan_business_date(date) -> chord(group(scan_chunk_task x N), scan_finish_task)
scan_finish_task then starts the next missed business date, if the night is catching up.
"""

import logging
from datetime import date

from celery import Task, chord, shared_task
from django.db import InterfaceError, OperationalError

from delinquency import scan
from delinquency.models import ScanRun

logger = logging.getLogger(__name__)

# Errors worth retrying: the database went away or said "try again". Serialization failures and
# deadlocks are OperationalError too (psycopg's TransactionRollbackError, wrapped by Django).
# Not DatabaseError as a whole: a ProgrammingError, IntegrityError or DataError fails the same
# way every time, so it is recorded at once instead of being retried for minutes.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT_DB_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="delinquency.scan_nightly", **RETRY)
def scan_nightly() -> list[str]:
    """Beat entry: scan every business date since the last completed scan (a missed night is
    caught up), oldest first, one date after the other. Retried on a transient database error
    (it only reads), so a restart of the database at 01:30 does not skip the night."""
    dates = scan.dates_to_scan(scan.default_business_date())
    if dates:
        scan_business_date.delay(dates[0].isoformat(), [d.isoformat() for d in dates[1:]])
    return [d.isoformat() for d in dates]


@shared_task(name="delinquency.scan_business_date")
def scan_business_date(as_of: str, then: list[str] | None = None) -> str:
    """Claim the date's lock and fan the chunks out as a chord."""
    day = date.fromisoformat(as_of)
    chunks = scan.chunks_for_active_loans()
    try:
        scan.scan_claim(as_of=day, chunks_total=len(chunks))
    except scan.ScanLocked as exc:
        logger.warning("%s", exc)
        return "locked"
    header = [scan_chunk_task.s(as_of, c.lo, c.hi) for c in chunks]
    finish = scan_finish_task.s(as_of, then or [])
    try:
        if header:
            chord(header)(finish)
        else:
            finish.delay([])
    except Exception as exc:
        # Broker or result store down: nothing was fanned out. Record it so the run reads failed
        # (not 'running', locking the date for STALE_RUN) and the next night rescans the date.
        # Run eagerly, a chunk's own failure also surfaces here, already recorded by the chunk.
        run = ScanRun.objects.filter(business_date=day).first()
        if run is not None and not run.failures:
            scan.scan_record_failure(as_of=day, where="dispatch", error=repr(exc))
        raise
    return "dispatched"


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted: record it; the run ends failed and the next night rescans the date.
        scan.scan_record_failure(as_of=date.fromisoformat(args[0]), where=f"chunk {args[1]}-{args[2]}", error=repr(exc))


@shared_task(
    name="delinquency.scan_chunk",
    base=ChunkTask,
    **RETRY,
    acks_late=True,
)
def scan_chunk_task(as_of: str, lo: int, hi: int) -> int:
    """One chunk: a few set-based statements in one transaction. Idempotent, retried alone."""
    return scan.scan_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi)


@shared_task(
    name="delinquency.scan_finish",
    # A dropped connection while assigning tasks or recording the run: retry, as the chunks do
    # (scan_finish is safe to repeat); without it the run would stay 'running' until STALE_RUN.
    **RETRY,
    acks_late=True,
)
def scan_finish_task(counts: list[int], as_of: str, then: list[str]) -> dict:
    run = scan.scan_finish(as_of=date.fromisoformat(as_of), loans_scanned=sum(counts), chunks_done=len(counts))
    if then:
        scan_business_date.delay(then[0], then[1:])
    return {"business_date": as_of, "status": run.status, "loans": run.loans_scanned, "tasks": run.task_counts}


@shared_task(name="delinquency.scan_tick")
def scan_tick() -> list[str]:
    """Beat entry, every few minutes: start the day's scan once the admins' scheduled time
    (ScanSchedule, changeable at runtime) has passed and no run exists yet for its business
    date; a missed night is caught up. Later ticks find the run's row and do nothing."""
    from delinquency.selectors_schedule import scan_dates_due_to_start

    dates = scan_dates_due_to_start()
    if dates:
        scan_business_date.delay(dates[0].isoformat(), [d.isoformat() for d in dates[1:]])
    scan_followups_start()
    return [d.isoformat() for d in dates]


def scan_followups_start() -> date | None:
    """Once the latest business date's run has finished (done, or failed with part of the tasks
    queued), start the jobs that read what it queued: the early-intervention notices for its
    written-notice tasks (1024.39(b)) and the workouts' nightly pass. They follow the scan
    whatever time admins schedule it, once per run (the row is claimed by a conditional
    UPDATE, so two ticks cannot both start them). Returns the business date followed up."""
    from django.utils import timezone

    from letters.tasks import letters_early_intervention_task
    from workouts.tasks import workouts_nightly_task

    run = (
        ScanRun.objects.filter(finished_at__isnull=False, followups_started_at__isnull=True)
        .order_by("-business_date")
        .first()
    )
    if run is None or run.business_date != scan.default_business_date():
        return None
    claimed = ScanRun.objects.filter(pk=run.pk, followups_started_at__isnull=True).update(
        followups_started_at=timezone.now()
    )
    if not claimed:
        return None
    letters_early_intervention_task.delay()
    workouts_nightly_task.delay()
    return run.business_date
