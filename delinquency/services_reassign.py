"""Bulk reassignment of loans between specialists (issue 5, "Reassign"; users.md: Dev moves
forty loans from a specialist on leave to two others in one action).

The unit is the loan: its open call tasks and its active loss mitigation case move with it.
Reg X 1024.40 continuity wants one named contact per borrower, so a task never moves without
its loan (the scan's assignment follows the loan for the same reason).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.policy import Action, check, reports_to
from accounts.roles import Role
from audit.services import audit_record
from borrowers.models import Loan
from delinquency.models import CallTask
from lossmit.errors import BadInput, DomainError, PermissionRefused
from workouts.models import LossMitCase

# One action moves at most this many loans: a whole caseload, with room to spare.
MAX_LOANS_PER_ACTION = 2000


def _targets(to_user_ids: list[int]) -> list:
    ids = list(dict.fromkeys(int(i) for i in to_user_ids))  # keep the order given, drop repeats
    if not ids:
        raise BadInput("targets_required", "Choose who gets the loans.", fields={"to_users": ["Choose at least one."]})
    people = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=ids, is_active=True, groups__name=Role.SPECIALIST)
        .select_related("profile")
    }
    missing = [i for i in ids if i not in people]
    if missing:
        raise BadInput(
            "invalid_target",
            "Loans can only go to active specialists.",
            fields={"to_users": ["Choose active specialists only."]},
        )
    return [people[i] for i in ids]


@transaction.atomic
def loans_reassign(*, actor, loan_ids: list[int], to_user_ids: list[int], from_user_id: int | None = None) -> dict:
    """Move `loan_ids` to the specialists `to_user_ids`, split evenly in turn (loan order by
    loan number: the first to the first person, the second to the second, ...).

    Preconditions: the actor is a Manager; every loan is on their team's caseload and every
    target reports to them (accounts/policy.py); at least one loan and at most MAX_LOANS_PER_ACTION;
    targets are active specialists; with `from_user_id`, every loan is still assigned to that
    person (someone else may have moved it since the page was read: refused, stale_assignment),
    and the source is not a target.
    Side effects: each loan's assignee, its open call tasks' owner and its active case's
    assignee change; one audit row per loan with before and after. Returns
    {user_id: [loan ids]} of what moved where. A refusal changes nothing.
    """
    check(actor, Action.SUPERVISE, doing="reassign loans")
    ids = sorted({int(i) for i in loan_ids})
    if not ids:
        raise BadInput("loans_required", "Select the loans to move.", fields={"loans": ["Select at least one loan."]})
    if len(ids) > MAX_LOANS_PER_ACTION:
        raise BadInput(
            "too_many", f"Move at most {MAX_LOANS_PER_ACTION} loans at once.", fields={"loans": ["Too many."]}
        )
    targets = _targets(to_user_ids)
    # Within the team: a manager hands loans only to people who report to them (accounts/policy.py).
    outside = [t for t in targets if t.pk != actor.pk and not reports_to(t.pk, actor.pk)]
    if outside:
        names = ", ".join(t.get_full_name() or t.get_username() for t in outside)
        raise PermissionRefused(
            "not_your_team", f"Not on your team: {names}. Reassign only to people who report to you."
        )
    if from_user_id is not None and any(t.pk == int(from_user_id) for t in targets):
        raise BadInput(
            "same_person", "The loans already belong to that specialist.", fields={"to_users": ["Choose others."]}
        )
    loans = list(Loan.objects.select_for_update().filter(pk__in=ids).order_by("loan_number", "id"))
    if len(loans) != len(ids):
        raise DomainError("loan_not_found", "Some of the selected loans no longer exist. Reload and try again.")
    # One check per current owner, not per loan: a whole caseload moves in one action.
    for loan in {loan.assigned_to_id: loan for loan in loans}.values():
        check(actor, Action.SUPERVISE, loan=loan, doing="reassign it")
    if from_user_id is not None:
        moved = [loan.loan_number for loan in loans if loan.assigned_to_id != int(from_user_id)]
        if moved:
            raise DomainError(
                "stale_assignment",
                f"{len(moved)} of the selected loans are no longer assigned to that specialist "
                f"({', '.join(moved[:5])}{'…' if len(moved) > 5 else ''}). Reload and try again.",
            )
    plan: dict[int, list[int]] = {t.pk: [] for t in targets}
    for index, loan in enumerate(loans):
        plan[targets[index % len(targets)].pk].append(loan.pk)
    tasks = list(
        CallTask.objects.select_for_update()
        .filter(loan_id__in=ids, status=CallTask.Status.OPEN)
        .values_list("pk", "loan_id")
    )
    cases = list(
        LossMitCase.objects.select_for_update()
        .filter(loan_id__in=ids)
        .exclude(status__in=LossMitCase.FINAL_STATUSES)
        .values_list("pk", "loan_id")
    )
    tasks_by_loan: dict[int, list[int]] = {}
    for task_id, loan_id in tasks:
        tasks_by_loan.setdefault(loan_id, []).append(task_id)
    cases_by_loan: dict[int, list[int]] = {}
    for case_id, loan_id in cases:
        cases_by_loan.setdefault(loan_id, []).append(case_id)
    now = timezone.now()
    for user_id, moving in plan.items():
        if not moving:
            continue
        Loan.objects.filter(pk__in=moving).update(assigned_to_id=user_id, updated_at=now)
        CallTask.objects.filter(loan_id__in=moving, status=CallTask.Status.OPEN).update(assigned_to_id=user_id)
        LossMitCase.objects.filter(pk__in=[c for loan in moving for c in cases_by_loan.get(loan, [])]).update(
            assigned_to_id=user_id
        )
    owner_of = {loan_id: user_id for user_id, moving in plan.items() for loan_id in moving}
    for loan in loans:
        audit_record(
            actor=actor,
            action="loan.reassign",
            obj=loan,
            loan_id=loan.pk,
            before={"assigned_to": loan.assigned_to_id},
            after={
                "assigned_to": owner_of[loan.pk],
                "call_tasks": tasks_by_loan.get(loan.pk, []),
                "cases": cases_by_loan.get(loan.pk, []),
            },
            note=f"Reassigned with {len(tasks_by_loan.get(loan.pk, []))} open task(s) in a bulk move of {len(loans)}",
        )
    return {user_id: moving for user_id, moving in plan.items() if moving}
