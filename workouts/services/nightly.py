"""The nightly pass over workouts: offers nobody answered, and trial plans' payments."""

from datetime import date

from workouts.models import Workout
from workouts.services.decisions import offers_expire
from workouts.services.trials import trial_payments_review


def workouts_nightly(*, as_of: date) -> dict[str, list[int]]:
    """Reject offers whose acceptance deadline passed before `as_of` (1024.41(e): no answer is a
    rejection) and judge every trial plan's payments as of `as_of` (a missed month fails it).

    Each workout is its own transaction, so one failure does not hold the others back, and the
    pass is idempotent: running it twice for one date changes nothing the second time.
    """
    expired = offers_expire(as_of=as_of)
    failed = []
    for workout_id in Workout.objects.filter(status=Workout.Status.TRIAL).values_list("pk", flat=True):
        if trial_payments_review(workout_id=workout_id, as_of=as_of).status == Workout.Status.TRIAL_FAILED:
            failed.append(workout_id)
    return {"offers_expired": expired, "trials_failed": failed}
