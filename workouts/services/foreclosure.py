"""The dual-tracking guard: foreclosure steps the regulation forbids are refused, with the reason.

12 CFR 1024.41(f)(1): no first notice or filing until the loan is more than 120 days
delinquent. 1024.41(f)(2), (g): once a complete (or facially complete) application is in, no
referral, motion or sale until the borrower was denied and the appeal is exhausted or not
taken, rejected every offer, or failed an agreed plan. Lossmit keeps the protection while any
workout on the case is still moving, an appeal window is open or an appeal pending, a trial or
accepted plan is being kept, or the application awaits its decision.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F

from accounts.policy import Action, check
from audit.services import audit_record
from borrowers.models import LedgerTransaction, Loan
from lossmit.errors import DomainError, NotFound
from workouts.domain import regx
from workouts.models import Appeal, LossMitCase, Workout


@dataclass(frozen=True)
class Block:
    code: str
    message: str


def _case_protection(case: LossMitCase, on: date) -> str | None:
    workouts = list(case.workouts.all())
    for workout in workouts:
        if workout.status == Workout.Status.TRIAL:
            return f"the borrower is keeping a trial plan (case {case.pk})"
    for workout in workouts:
        if workout.status == Workout.Status.ACCEPTED:
            return f"the borrower is keeping an accepted {workout.get_option_display().lower()} (case {case.pk})"
        if workout.status in (Workout.Status.SUBMITTED, Workout.Status.APPROVED, Workout.Status.OFFERED):
            return (
                f"a {workout.get_option_display().lower()} is {workout.get_status_display().lower()} (case {case.pk})"
            )
    for workout in workouts:
        if workout.status != Workout.Status.DENIED:
            continue
        appeal = Appeal.objects.filter(workout=workout).first()
        if appeal is not None and appeal.status == Appeal.Status.PENDING:
            return f"an appeal is pending, decision due {appeal.decision_due.isoformat()} (case {case.pk})"
        if appeal is None and workout.appeal_deadline is not None and on <= workout.appeal_deadline:
            return f"the appeal window is open until {workout.appeal_deadline.isoformat()} (case {case.pk})"
    if not workouts:
        return (
            f"a complete application received {case.protected_from.isoformat()} is pending a decision (case {case.pk})"
        )
    return None


def _protecting_cases(loan: Loan, on: date, sale_date: date | None = None):
    cases = loan.lossmit_cases.exclude(status__in=LossMitCase.FINAL_STATUSES)
    for case in cases:
        start = case.protected_from
        if start is None or start > on:
            continue
        sale = sale_date or case.foreclosure_sale_date
        # For the sale, only an application complete more than 37 days before it protects (1024.41(g)).
        if sale_date is not None and not regx.evaluation_required(start, sale):
            continue
        if _duplicative(loan, case):
            continue
        yield case


def _duplicative(loan: Loan, case: LossMitCase) -> bool:
    """1024.41(i): the protections are owed once. A later complete application does not get
    them again when an earlier complete application on the loan was decided (some workout on it
    was approved, denied or ended) and the borrower has been delinquent at all times since."""
    earlier = [
        c
        for c in loan.lossmit_cases.filter(status__in=LossMitCase.FINAL_STATUSES, pk__lt=case.pk)
        if c.protected_from is not None and c.workouts.filter(decided_at__isnull=False).exists()
    ]
    if not earlier:
        return False
    since = min(c.protected_from for c in earlier)
    # The loan was current at some point if a ledger row left the oldest unpaid installment
    # in the future (a reinstatement or a booked modification), or it is current now.
    was_current = LedgerTransaction.objects.filter(
        loan=loan, effective_date__gte=since, next_due_date_after__gt=F("effective_date")
    ).exists()
    return not was_current and loan.next_due_date <= case.protected_from


def foreclosure_referral_blocks(*, loan: Loan, on: date) -> list[Block]:
    """Every reason a first foreclosure notice or filing may not be made on `on` (empty: allowed)."""
    blocks = []
    if regx.too_early_for_referral(loan.next_due_date, on):
        earliest = regx.earliest_foreclosure_referral(loan.next_due_date)
        days = max((on - loan.next_due_date).days, 0)
        blocks.append(
            Block(
                "too_early_120_day",
                f"The loan is {days} days delinquent on {on.isoformat()}; no foreclosure referral before "
                f"{earliest.isoformat()}, when it is more than 120 days delinquent (12 CFR 1024.41(f)(1)).",
            )
        )
    for case in _protecting_cases(loan, on):
        reason = _case_protection(case, on)
        if reason:
            blocks.append(Block("dual_tracking", f"No foreclosure referral while {reason} (12 CFR 1024.41(f)(2))."))
    return blocks


def foreclosure_referral_check(*, loan: Loan, on: date) -> None:
    """Raise DomainError (too_early_120_day or dual_tracking) if a referral on `on` is forbidden."""
    blocks = foreclosure_referral_blocks(loan=loan, on=on)
    if blocks:
        raise DomainError(blocks[0].code, " ".join(b.message for b in blocks))


def foreclosure_sale_check(*, loan: Loan, on: date, sale_date: date | None = None) -> None:
    """Raise DomainError(dual_tracking) if a foreclosure sale (or motion for judgment) on `on`
    is forbidden by a complete application received more than 37 days before the sale."""
    sale_date = sale_date or on
    for case in _protecting_cases(loan, on, sale_date=sale_date):
        reason = _case_protection(case, on)
        if reason:
            raise DomainError("dual_tracking", f"No foreclosure sale while {reason} (12 CFR 1024.41(g)).")


@transaction.atomic
def foreclosure_refer(*, actor, loan_id: int, on: date, note: str = "") -> Loan:
    """Record the decision to refer a loan to foreclosure, after the Reg X checks pass.

    Managers, on their team's loans. Refused with too_early_120_day or dual_tracking; nothing is recorded then.
    """
    check(actor, Action.SUPERVISE, doing="refer a loan to foreclosure")
    try:
        loan = Loan.objects.select_for_update().get(pk=loan_id)
    except (Loan.DoesNotExist, ValueError, TypeError):
        raise NotFound("loan_not_found", "No such loan.") from None
    check(actor, Action.SUPERVISE, loan=loan, doing="refer a loan to foreclosure")
    # Cases are read after the loan lock: case_open locks the loan too, so none slips in between.
    foreclosure_referral_check(loan=loan, on=on)
    audit_record(
        actor=actor,
        action="foreclosure.refer",
        obj=loan,
        loan_id=loan.pk,
        note=note or f"Referred to foreclosure on {on.isoformat()}",
    )
    return loan
