"""Reads for the manager's approval queue and review page (issue 5, "Manager").

The queue shows every submitted workout, not only the ones the reader may decide: a manager
needs to see what waits on a senior approver and what he submitted himself, with the reason he
cannot act on it. What he may do is decided by the services (workout_approve / workout_deny);
the flags here only explain it in advance, using the same limit function the service uses.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.roles import Role, user_has_role
from lossmit.errors import NotFound
from workouts.domain import regx
from workouts.models import Workout
from workouts.services.decisions import approval_limit_for

# Decisions due within this many days are flagged "due soon" (a week's margin on the 30-day
# Reg X 1024.41(c)(1) clock leaves time for the notice to go out).
DUE_SOON_DAYS = 5
APPROVER_ROLES = (Role.MANAGER, Role.ADMIN)


@dataclass
class QueueRow:
    workout: Workout
    due: date | None  # Reg X 1024.41(c)(1) decision date; None when the rule does not apply
    days_left: int | None
    age_days: int
    limit: Decimal | None  # the reader's delegated limit for this program (None: no limit)
    own: bool
    above_limit: bool

    @property
    def can_decide(self) -> bool:
        return not self.own and not self.above_limit

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def urgency(self) -> str:
        if self.days_left is None:
            return "none"
        if self.days_left < 0:
            return "overdue"
        if self.days_left <= DUE_SOON_DAYS:
            return "soon"
        return "ok"


def _submitted() -> QuerySet[Workout]:
    return Workout.objects.filter(status=Workout.Status.SUBMITTED).select_related(
        "case", "case__loan", "case__loan__borrower", "submitted_by", "evaluation"
    )


def _row(workout: Workout, *, user, today: date, limits: dict[str, Decimal | None]) -> QueueRow:
    case = workout.case
    program = case.loan.program
    if program not in limits:
        limits[program] = approval_limit_for(user, program)
    limit = limits[program]
    due = regx.evaluation_due(case.application_complete_on, case.foreclosure_sale_date)
    return QueueRow(
        workout=workout,
        due=due,
        days_left=(due - today).days if due else None,
        age_days=(today - timezone.localdate(workout.submitted_at)).days,
        limit=limit,
        own=workout.submitted_by_id == user.pk,
        above_limit=limit is not None and workout.amount > limit,
    )


def approval_queue_rows(*, user, today: date | None = None) -> list[QueueRow]:
    """Every submitted workout, the decision due soonest first (no Reg X date last), then the
    oldest submission. One query for the workouts, one for the reader's profile, and one rule
    lookup per program (at most four), whatever the queue's length."""
    if not user_has_role(user, *APPROVER_ROLES):
        return []
    today = today or timezone.localdate()
    limits: dict[str, Decimal | None] = {}
    rows = [_row(w, user=user, today=today, limits=limits) for w in _submitted()]
    rows.sort(key=lambda r: (r.due or date.max, r.workout.submitted_at, r.workout.pk))
    return rows


def approval_review(*, user, workout_id: int, today: date | None = None) -> QueueRow:
    """One workout for review, with its case, loan, borrower, submitter and evaluation, in any
    status (a decided one shows who decided it). NotFound when unknown or not an approver."""
    if not user_has_role(user, *APPROVER_ROLES):
        raise NotFound("workout_not_found", "No such workout.")
    workout = (
        Workout.objects.select_related(
            "case",
            "case__loan",
            "case__loan__borrower",
            "case__loan__property",
            "submitted_by",
            "decided_by",
            "evaluation",
            "evaluation__created_by",
        )
        .filter(pk=workout_id)
        .first()
    )
    if workout is None:
        raise NotFound("workout_not_found", "No such workout.")
    return _row(workout, user=user, today=today or timezone.localdate(), limits={})


def approval_queue_stream(*, user, chunk_size: int, today: date | None = None) -> tuple[Iterator[QueueRow], int]:
    """The queue for an export: (rows streamed `chunk_size` workouts at a time, their count).

    Same rows and flags as `approval_queue_rows`, read with a cursor instead of a list so the
    export never holds the queue in memory. Ordered in SQL by completion date (the Reg X
    decision date is 30 days after it), then submission; the page puts the rare workout whose
    sale is too close for a Reg X date last, the export keeps it in completion order."""
    if not user_has_role(user, *APPROVER_ROLES):
        return iter(()), 0
    today = today or timezone.localdate()
    workouts = _submitted().order_by(F("case__application_complete_on").asc(nulls_last=True), "submitted_at", "pk")
    limits: dict[str, Decimal | None] = {}
    rows = (_row(w, user=user, today=today, limits=limits) for w in workouts.iterator(chunk_size=chunk_size))
    return rows, workouts.count()
