"""Reads of cases and workouts, scoped to the acting user.

Visibility follows the loans (borrowers/selectors.py): every Lossmit role reads every case;
acting is what the services restrict. A signed-in user with no role sees nothing.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts.roles import STAFF_ROLES, user_has_role
from lossmit.errors import NotFound
from rules.selectors import holidays_declared
from workouts.domain import regx
from workouts.models import Appeal, CaseDocument, LossMitCase, TrialPayment, Workout


def _visible_cases(user) -> QuerySet[LossMitCase]:
    if not user_has_role(user, *STAFF_ROLES):
        return LossMitCase.objects.none()
    return LossMitCase.objects.all()


# (field, label, rule, servicer's own deadline?). The servicer's deadlines turn red when late;
# the delinquency milestones and the borrower's appeal window are dates to know, shown muted
# once past.
DEADLINE_LABELS = (
    ("acknowledgment_due", "Acknowledgment letter", "1024.41(b): 5 business days after receipt", True),
    ("evaluation_due", "Evaluation decision", "1024.41(c): 30 days after the application is complete", True),
    ("appeal_decision_due", "Appeal decision", "1024.41(h): 30 days after the appeal", True),
    ("live_contact_due", "Live contact", "1024.39(a): day 36 of delinquency", False),
    ("written_notice_due", "Early-intervention notice", "1024.39(b): day 45 of delinquency", False),
    ("earliest_foreclosure_referral", "Earliest foreclosure referral", "1024.41(f): after day 120", False),
    ("appeal_deadline", "Appeal deadline", "1024.41(h): 14 days after the denial notice", False),
)
SOON_DAYS = 5


def deadline_rows(case: LossMitCase, today: date, declared: frozenset[date] | None = None) -> list[dict]:
    """The case's Regulation X dates as the pages list them: label, rule, date, days left and
    a state (ok, soon, late for the servicer's own deadlines; past for the milestones)."""
    deadlines = case_deadlines(case, declared)
    rows = []
    for key, label, rule, ours in DEADLINE_LABELS:
        when = getattr(deadlines, key)
        if when is None:
            continue
        left = (when - today).days
        done = key == "acknowledgment_due" and case.acknowledgment_sent_on is not None
        if done:
            state = "ok"
        elif left < 0:
            state = "late" if ours else "past"
        else:
            state = "soon" if left <= SOON_DAYS else "ok"
        rows.append(
            {
                "label": label,
                "rule": rule,
                "date": when,
                "days_left": left,
                "abs_left": abs(left),
                "state": state,
                "done": done,
                "ours": ours,
            }
        )
    return rows


def next_deadline(rows: list[dict]) -> dict | None:
    """The one date a loan's header shows for its open case: a servicer's deadline already
    missed first (it needs doing today), else the soonest date still ahead; None when every
    date is behind or done."""
    late = [row for row in rows if row["state"] == "late"]
    if late:
        return min(late, key=lambda row: row["date"])
    ahead = [row for row in rows if row["days_left"] >= 0 and not row["done"]]
    return min(ahead, key=lambda row: row["date"]) if ahead else None


def case_list(*, user, loan_id: int | None = None, active_only: bool = False) -> QuerySet[LossMitCase]:
    cases = _visible_cases(user).select_related("loan", "loan__borrower", "assigned_to")
    if loan_id is not None:
        cases = cases.filter(loan_id=loan_id)
    if active_only:
        cases = cases.exclude(status__in=LossMitCase.FINAL_STATUSES)
    return cases


def open_case_of(*, user, loan) -> LossMitCase | None:
    """The loan's active case for a header: one query, no joins; its `loan` is the one given."""
    case = (
        _visible_cases(user)
        .filter(loan_id=loan.pk)
        .exclude(status__in=LossMitCase.FINAL_STATUSES)
        .order_by("pk")
        .first()
    )
    if case is not None:
        case.loan = loan
    return case


def case_get(*, user, case_id: int) -> LossMitCase:
    """One case with its loan, documents and workouts (trial payments, appeal) in a fixed
    number of queries; NotFound when it does not exist or is not visible."""
    workouts = Workout.objects.select_related("submitted_by", "decided_by").prefetch_related(
        Prefetch("trial_payments", queryset=TrialPayment.objects.order_by("number")),
        Prefetch("appeal", queryset=Appeal.objects.all()),
    )
    try:
        return (
            _visible_cases(user)
            .select_related("loan", "loan__borrower", "loan__property", "assigned_to", "opened_by")
            .prefetch_related(
                Prefetch("documents", queryset=CaseDocument.objects.order_by("id")),
                Prefetch("workouts", queryset=workouts.order_by("submitted_at", "id")),
            )
            .get(pk=case_id)
        )
    except (LossMitCase.DoesNotExist, ValueError, TypeError):
        raise NotFound("case_not_found", "No such case.") from None


def case_missing_documents(case: LossMitCase) -> list[CaseDocument]:
    """What the acknowledgment letter must ask for: required documents not yet received."""
    return [doc for doc in case.documents.all() if doc.required and doc.received_on is None]


def _latest_modification_denial(case: LossMitCase) -> Workout | None:
    denials = [
        w
        for w in case.workouts.all()
        if w.status == Workout.Status.DENIED and w.denial_notice_on is not None and w.appeal_deadline is not None
    ]
    return max(denials, key=lambda w: (w.denial_notice_on, w.pk), default=None)


def case_deadlines(case: LossMitCase, declared: frozenset[date] | None = None) -> regx.CaseDeadlines:
    """Every Reg X date for the case (api-contract.md `deadlines`), from the loan's oldest
    unpaid installment and the case's receipt, completeness, sale, denial and appeal dates.
    `declared`: the admin-added holidays (rules.selectors.holidays_declared), read here when
    not given; callers that show many cases read them once and pass them."""
    if declared is None:
        declared = holidays_declared()
    denial = _latest_modification_denial(case)
    appeal = None
    if denial is not None:
        appeal = getattr(denial, "appeal", None) if _has_appeal(denial) else None
    deadlines = regx.case_deadlines(
        oldest_unpaid_due=case.loan.next_due_date,
        received_on=case.application_received_on,
        complete_on=case.application_complete_on,
        sale_date=case.foreclosure_sale_date,
        denial_notice_on=denial.denial_notice_on if denial else None,
        appeal_received_on=appeal.received_on if appeal else None,
        declared=declared,
    )
    return deadlines


def _has_appeal(workout: Workout) -> bool:
    try:
        workout.appeal  # noqa: B018 - the reverse one-to-one raises when absent
    except Appeal.DoesNotExist:
        return False
    return True


def approval_queue(*, user) -> list[Workout]:
    """Workouts waiting for a decision this user may make (not their own, within their limit),
    ordered by the Reg X evaluation due date, most urgent first."""
    from workouts.services.decisions import approval_limit_for

    if not user_has_role(user, "Manager", "Admin"):
        return []
    waiting = (
        Workout.objects.filter(status=Workout.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .select_related("case", "case__loan", "submitted_by")
    )
    limits: dict[str, Decimal | None] = {}
    mine = []
    for workout in waiting:
        program = workout.case.loan.program
        if program not in limits:
            limits[program] = approval_limit_for(user, program)
        if limits[program] is None or workout.amount <= limits[program]:
            mine.append(workout)

    def due(workout: Workout) -> date:
        return regx.evaluation_due(workout.case.application_complete_on, workout.case.foreclosure_sale_date) or date.max

    return sorted(mine, key=lambda w: (due(w), w.submitted_at))
