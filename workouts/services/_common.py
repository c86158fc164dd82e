"""Helpers every workout service shares: locking, version checks, role checks, snapshots."""

from datetime import date
from typing import Any

from django.utils import timezone

from accounts.roles import Role, user_has_role
from audit.services import audit_record
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused
from workouts.models import LossMitCase, Workout

# Who works cases: the people who talk to borrowers, and their managers.
CASE_ROLES = (Role.SPECIALIST, Role.MANAGER)
# Who decides: managers (within their delegated limit) and admins as senior approvers.
APPROVER_ROLES = (Role.MANAGER, Role.ADMIN)


def today() -> date:
    return timezone.localdate()


def require_role(actor, roles: tuple[str, ...], message: str) -> None:
    if not user_has_role(actor, *roles):
        raise PermissionRefused("forbidden", message)


def require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("reason_required", "Give a reason.", fields={field: ["This field is required."]})
    return reason


def not_future(value: date | None, field: str) -> None:
    if value is not None and value > today():
        raise BadInput(
            "future_date",
            f"{field.replace('_', ' ').capitalize()} cannot be in the future.",
            fields={field: ["Enter today or an earlier date."]},
        )


def check_version(obj, version: int | None) -> None:
    """Optimistic concurrency: the caller passes the version it read; a stale one is refused."""
    if version is not None and int(version) != obj.version:
        label = obj._meta.verbose_name
        raise DomainError(
            "stale_version",
            f"This {label} was changed by someone else (version {obj.version}, you had {version}). "
            "Reload and try again.",
        )


def lock_case(case_id: int) -> LossMitCase:
    try:
        return LossMitCase.objects.select_for_update().select_related("loan").get(pk=case_id)
    except (LossMitCase.DoesNotExist, ValueError, TypeError):
        raise NotFound("case_not_found", "No such case.") from None


def lock_workout(workout_id: int) -> tuple[Workout, LossMitCase]:
    """Lock the workout's case first, then the workout: every service locks in that order."""
    try:
        case_id = Workout.objects.values_list("case_id", flat=True).get(pk=workout_id)
    except (Workout.DoesNotExist, ValueError, TypeError):
        raise NotFound("workout_not_found", "No such workout.") from None
    case = lock_case(case_id)
    workout = Workout.objects.select_for_update().get(pk=workout_id)
    return workout, case


def require_active_case(case: LossMitCase) -> None:
    if not case.is_active:
        raise DomainError("case_not_active", f"This case is {case.get_status_display().lower()}; it takes no changes.")


def require_status(workout: Workout, *statuses: str, action: str) -> None:
    if workout.status not in statuses:
        allowed = ", ".join(statuses)
        raise DomainError(
            "invalid_state",
            f"Cannot {action} a workout that is {workout.get_status_display().lower()} (needs: {allowed}).",
        )


def bump(obj) -> None:
    obj.version += 1


def case_snapshot(case: LossMitCase) -> dict[str, Any]:
    return {
        "status": case.status,
        "application_received_on": _iso(case.application_received_on),
        "application_complete_on": _iso(case.application_complete_on),
        "facially_complete_on": _iso(case.facially_complete_on),
        "foreclosure_sale_date": _iso(case.foreclosure_sale_date),
        "version": case.version,
    }


def workout_snapshot(workout: Workout) -> dict[str, Any]:
    return {
        "status": workout.status,
        "option": workout.option,
        "amount": str(workout.amount),
        "decided_by": workout.decided_by_id,
        "offer_expires_on": _iso(workout.offer_expires_on),
        "appeal_deadline": _iso(workout.appeal_deadline),
        "version": workout.version,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# The case follows its latest workout: what the borrower is waiting for.
CASE_STATUS_FOR_WORKOUT = {
    Workout.Status.SUBMITTED: LossMitCase.Status.DECISION,
    Workout.Status.APPROVED: LossMitCase.Status.DECISION,
    Workout.Status.DENIED: LossMitCase.Status.DECISION,
    Workout.Status.OFFERED: LossMitCase.Status.OFFER,
    Workout.Status.ACCEPTED: LossMitCase.Status.OFFER,
    Workout.Status.TRIAL: LossMitCase.Status.TRIAL,
    Workout.Status.BOOKED: LossMitCase.Status.BOOKED,
}


def sync_case_status(case: LossMitCase, workout: Workout) -> None:
    """Move the case with a workout's transition and bump its version (caller saves)."""
    status = CASE_STATUS_FOR_WORKOUT.get(workout.status)
    if status is None:  # rejected, failed, withdrawn: back to choosing among the other options
        live = case.workouts.exclude(pk=workout.pk).filter(status__in=Workout.LIVE_STATUSES).exists()
        status = LossMitCase.Status.DECISION if live else LossMitCase.Status.EVALUATING
    case.status = status
    bump(case)


def workout_transition_save(
    *, actor, workout: Workout, case: LossMitCase, action: str, before: dict, note: str = ""
) -> None:
    """Persist a workout's new state: bump its version (optimistic concurrency), bring the
    case's status along, and audit the change with the state before and after."""
    bump(workout)
    workout.save()
    sync_case_status(case, workout)
    case.save()
    audit_record(
        actor=actor,
        action=action,
        obj=workout,
        loan_id=case.loan_id,
        before=before,
        after=workout_snapshot(workout),
        note=note,
    )
