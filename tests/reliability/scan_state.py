"""What "the same state as a clean scan" means: every row the scan writes or changes, without
database ids and timestamps (tasks are keyed by loan, reason and due date; a rerun's rows get
new ids and times by design)."""

from django.db.models import Count

from borrowers.models import Loan
from delinquency.models import BucketEvent, CallTask, LoanDelinquency, Promise, ScanRun


def scan_state() -> dict[str, list[tuple]]:
    return {
        "delinquency": list(
            LoanDelinquency.objects.order_by("loan_id").values_list(
                "loan_id", "business_date", "next_due_date", "days_past_due", "mba_status", "ots_status", "bucket",
                "risk_score", "risk_reasons",
            )
        ),
        "bucket_events": list(
            BucketEvent.objects.order_by("loan_id", "date").values_list(
                "loan_id", "date", "from_bucket", "to_bucket", "kind"
            )
        ),
        "tasks": sorted(
            CallTask.objects.values_list(
                "loan_id", "reason", "due_by", "business_date", "promise_id", "assigned_to_id", "status",
                "cancel_reason", "note",
            ),
            key=repr,
        ),
        "promises": list(Promise.objects.order_by("id").values_list("id", "status", "resolved_on")),
        "assignments": list(Loan.objects.order_by("id").values_list("id", "assigned_to_id")),
        "runs": list(
            ScanRun.objects.order_by("business_date").values_list(
                "business_date", "status", "loans_scanned", "chunks_total", "chunks_done", "bucket_counts",
                "task_counts", "tasks_assigned", "failures",
            )
        ),
    }  # fmt: skip


def open_task_duplicates() -> list[dict]:
    """Open tasks for the same loan, reason and due date (the scan must never queue one twice)."""
    return list(
        CallTask.objects.filter(status=CallTask.Status.OPEN)
        .values("loan_id", "reason", "due_by")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
