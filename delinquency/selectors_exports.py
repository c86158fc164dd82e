"""Reads for the manager's worklist export (issue 8, "Export").

A manager sees every specialist's worklist: the team's open call tasks, or one specialist's,
filtered by reason and bucket as the worklist page filters them. The bucket is the one the page
shows: the loan's scanned status, or, before its first scan, the bucket of its days past due
(borrowers.selectors.BUCKETS), computed in SQL so the count and the filter need no Python pass.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import islice

from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.utils import timezone

from borrowers.selectors import BUCKETS, days_past_due
from delinquency.models import CallTask
from delinquency.selectors import annotate_compliance


def _bucket_expression(today: date) -> Case:
    whens = [When(loan__delinquency__isnull=False, then=F("loan__delinquency__bucket"))]
    # dpd >= floor  <=>  next_due_date <= today - floor
    whens += [
        When(loan__next_due_date__lte=today - timedelta(days=floor), then=Value(label))
        for floor, label in BUCKETS
        if floor > 0
    ]
    return Case(*whens, default=Value(BUCKETS[-1][1]), output_field=CharField())


def team_open_tasks(
    *, today: date, specialist_id: int | None = None, reason: str = "", bucket: str = ""
) -> QuerySet[CallTask]:
    """Open call tasks (one specialist's, or everyone's), annotated with `shown_bucket`, ordered
    by specialist, due date and task. The caller checks the role."""
    tasks = (
        CallTask.objects.filter(status=CallTask.Status.OPEN, assigned_to__isnull=False)
        .select_related("loan", "loan__borrower", "loan__property", "loan__delinquency", "assigned_to")
        .annotate(shown_bucket=_bucket_expression(today))
        .order_by("assigned_to__username", "due_by", "pk")
    )
    if specialist_id is not None:
        tasks = tasks.filter(assigned_to_id=specialist_id)
    if reason:
        tasks = tasks.filter(reason=reason)
    if bucket:
        tasks = tasks.filter(shown_bucket=bucket)
    return tasks


def with_compliance(tasks: QuerySet[CallTask], *, now: datetime, chunk_size: int) -> Iterator[CallTask]:
    """Stream the tasks chunk by chunk, each annotated with `compliance` (call window, 7-in-7,
    holds) and `dpd`, as the worklist computes them: three queries per chunk, whatever its size."""
    local_today = timezone.localdate(now)
    rows = tasks.iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        annotate_compliance(chunk, now)
        for task in chunk:
            task.dpd = days_past_due(task.loan.next_due_date, local_today)
            yield task
