"""The worklist's order stated plainly, over the whole list in Python: the reference the
tests hold delinquency.selectors.worklist_page (which reads one page at a time in SQL) to."""

from datetime import datetime, timedelta

from django.utils import timezone

from delinquency.models import CallTask
from delinquency.selectors import annotate_compliance, open_tasks_for

# Worklist order (users.md, Maria's morning): Reg X deadlines and case deadlines first by date,
# then broken promises, missed trial payments, early-warning outreach.
REASON_PRIORITY = {
    CallTask.Reason.REGX_LIVE_CONTACT: 0,
    CallTask.Reason.REGX_WRITTEN_NOTICE: 0,
    **dict.fromkeys(CallTask.CASE_REASONS, 0),
    CallTask.Reason.BROKEN_PROMISE: 1,
    CallTask.Reason.MISSED_TRIAL_PAYMENT: 2,
    CallTask.Reason.EARLY_WARNING: 3,
}


def worklist_for(*, user, now: datetime | None = None) -> list[CallTask]:
    """The user's open call tasks, most urgent first, each annotated with `compliance`
    (callable_now, next_callable_at, blocked_reason). Three queries whatever the list's length.

    Order: callable now before not yet callable (a California borrower at 8:30 Eastern moves
    down until 11:00 Eastern), then Reg X and case deadlines by due date, broken promises,
    missed trial payments, early warning; then by due date and when the task becomes callable.
    Reads the whole list in Python, the plain statement of the order that the tests hold
    worklist_page (one page at a time, in SQL) to.
    """
    now = now or timezone.now()
    tasks = list(open_tasks_for(user))
    annotate_compliance(tasks, now)
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
