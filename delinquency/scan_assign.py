# ruff: noqa: S608 -- the SQL here is built from table names; values travel as parameters.
"""Assigning the scan's open tasks to specialists (the scan's finish step).

Continuity (Reg X 1024.40): the specialist assigned to the loan keeps its tasks; loans with no
active assignee go to the specialist with the most spare capacity, by language when needed.
"""

from django.db import connection
from django.db.models import Count, Q

from accounts.models import Profile
from accounts.roles import Role
from borrowers.models import Loan
from delinquency.models import CallTask

T_LOAN = Loan._meta.db_table
T_TASK = CallTask._meta.db_table


def _specialists() -> list[dict]:
    rows = (
        Profile.objects.filter(user__is_active=True, is_active_for_assignment=True, user__groups__name=Role.SPECIALIST)
        .annotate(open_loans=Count("user__loans", filter=Q(user__loans__status=Loan.Status.ACTIVE), distinct=True))
        .values("user_id", "capacity", "languages", "open_loans")
        .order_by("user_id")
    )
    return [
        {
            "user_id": r["user_id"],
            "spare": r["capacity"] - r["open_loans"],
            "languages": {c.strip() for c in r["languages"].split(",") if c.strip()},
        }
        for r in rows
    ]


def tasks_assign() -> int:
    """Give every open task an owner. Continuity (Reg X 1024.40): the specialist assigned to
    the loan keeps it. A loan with no (active) assignee goes to the active specialist with the
    most spare capacity (capacity - active loans), speaking the borrower's language when it is
    not English and someone does; the loan is assigned to them too, so later tasks follow.
    Returns the number of tasks whose owner changed.
    """
    orphan_loans = list(
        Loan.objects.filter(call_tasks__status=CallTask.Status.OPEN)
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to__is_active=False))
        .values_list("id", "borrower__preferred_language")
        .distinct()
        .order_by("id")
    )
    if orphan_loans:
        people = _specialists()
        picks: dict[int, list[int]] = {}
        for loan_id, language in orphan_loans:
            pool = people
            if language and language != "en":
                pool = [p for p in people if language in p["languages"]] or people
            if not pool:
                break
            best = max(pool, key=lambda p: (p["spare"], -p["user_id"]))
            best["spare"] -= 1
            picks.setdefault(best["user_id"], []).append(loan_id)
        for user_id, loan_ids in picks.items():
            for start in range(0, len(loan_ids), 5000):
                Loan.objects.filter(id__in=loan_ids[start : start + 5000]).update(assigned_to_id=user_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {T_TASK}
                SET assigned_to_id = (SELECT l.assigned_to_id FROM {T_LOAN} l WHERE l.id = {T_TASK}.loan_id)
                WHERE status = 'open' AND EXISTS (
                    SELECT 1 FROM {T_LOAN} l WHERE l.id = {T_TASK}.loan_id AND l.assigned_to_id IS NOT NULL
                    AND ({T_TASK}.assigned_to_id IS NULL OR {T_TASK}.assigned_to_id <> l.assigned_to_id))"""
        )
        changed = max(cursor.rowcount, 0)
    return changed
