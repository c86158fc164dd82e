"""Submitting a workout, the manager's decision, the offer and the borrower's answer, appeals."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.policy import Action, check
from accounts.roles import Role, user_has_role
from audit.services import audit_record
from letters.tasks import letter_queue
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused
from workouts.domain import regx
from workouts.domain.dates import add_months
from workouts.models import Appeal, Evaluation, LossMitCase, TrialPayment, Workout
from workouts.services._common import (
    bump,
    check_version,
    lock_case,
    lock_workout,
    not_future,
    require_active_case,
    require_reason,
    require_status,
    sync_case_status,
    today,
    workout_snapshot,
    workout_transition_save,
)
from workouts.services.rulesets import program_rules

# The term that measures a workout against a delegated approval limit, by option.
AMOUNT_KEYS = {
    Workout.Option.MODIFICATION: "capitalized_balance",
    Workout.Option.SHORT_SALE: "deficiency",
    Workout.Option.DEED_IN_LIEU: "deficiency",
    Workout.Option.REPAYMENT_PLAN: "past_due_amount",
    Workout.Option.FORBEARANCE: "amount",
}
# Options that need a complete application: Reg X 1024.41(c)(2)(i) forbids offering these on an
# incomplete one; repayment plans and forbearance may be short-term offers under (c)(2)(ii).
NEEDS_COMPLETE_APPLICATION = (Workout.Option.MODIFICATION, Workout.Option.SHORT_SALE, Workout.Option.DEED_IN_LIEU)
MODIFICATION_TERMS = ("interest_rate", "term_months", "capitalized_balance", "monthly_pi")
# When Reg X sets no acceptance window (complete 37 days or fewer before sale) Lossmit still
# gives the borrower a week to answer.
MIN_ACCEPTANCE_DAYS = 7
TRIAL_PAYMENTS = 3  # Fannie Mae / Freddie Mac Flex Modification trial period plan


def _decimal(value: Any, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise BadInput(
            "invalid_terms", f"{field} must be a number.", fields={f"terms.{field}": ["Enter a number."]}
        ) from None
    if not result.is_finite() or result < 0:
        raise BadInput(
            "invalid_terms", f"{field} must be zero or more.", fields={f"terms.{field}": ["Enter 0 or more."]}
        )
    return result


def _check_modification_terms(terms: dict) -> None:
    missing = [key for key in MODIFICATION_TERMS if terms.get(key) in (None, "")]
    if missing:
        raise BadInput(
            "invalid_terms",
            f"A modification needs its terms: {', '.join(missing)}.",
            fields={f"terms.{key}": ["This field is required."] for key in missing},
        )
    for key in ("interest_rate", "capitalized_balance", "monthly_pi"):
        _decimal(terms[key], key)
    _decimal(terms.get("forbearance") or "0", "forbearance")
    try:
        term = int(terms["term_months"])
    except (TypeError, ValueError):
        term = 0
    if term <= 0 or term > 480:
        raise BadInput("invalid_terms", "term_months must be 1 to 480.", fields={"terms.term_months": ["1 to 480."]})


def _deed_deficiency(evaluation: Evaluation, expected_recovery) -> Decimal:
    """What a deed-in-lieu leaves unpaid: the evaluated debt (principal, capitalisable arrears,
    fees) less the expected recovery, never below zero."""
    loan = evaluation.inputs.get("loan", {})
    debt = sum((Decimal(str(loan.get(key) or "0")) for key in ("principal_balance", "arrears", "fees")), Decimal(0))
    return max(Decimal("0.00"), debt - Decimal(str(expected_recovery))).quantize(Decimal("0.01"))


def _workout_amount(option: str, terms: dict, amount: Decimal | None) -> Decimal:
    if amount is not None:
        return _decimal(amount, "amount").quantize(Decimal("0.01"))
    key = AMOUNT_KEYS[option]
    if terms.get(key) in (None, ""):
        raise BadInput(
            "amount_required",
            f"Give the amount the approval limit is measured on ({key}).",
            fields={"amount": ["This field is required."]},
        )
    return _decimal(terms[key], key).quantize(Decimal("0.01"))


def _auto_approval(option: str, terms: dict, rules) -> str | None:
    """The reason a workout approves itself under the program's rules, or None."""
    max_months = rules.parameters.auto_approve_repayment_max_months
    if option != Workout.Option.REPAYMENT_PLAN or max_months <= 0:
        return None
    try:
        months = int(terms.get("months"))
    except (TypeError, ValueError):
        return None
    if 0 < months <= max_months:
        version = f"version {rules.version}" if rules.version is not None else "default rules"
        return (
            f"Auto-approved: a {months}-month repayment plan is within the {rules.program} program's "
            f"auto-approval limit of {max_months} months ({version})."
        )
    return None


@transaction.atomic
def workout_submit(
    *,
    actor,
    case_id: int,
    option: str,
    terms: dict | None = None,
    amount: Decimal | None = None,
    evaluation_id: int | None = None,
    version: int | None = None,
) -> Workout:
    """A specialist submits one option with its terms for a manager's decision.

    Preconditions: specialist or manager; the case is active; modifications, short sales and
    deeds-in-lieu need a complete application; one live workout per option; when an evaluation
    is named, it belongs to the case and found the option eligible, and its terms are the
    defaults. Side effects: the workout (approved at once, and saying so, when the program's
    auto-approval limits cover it), the case moves to decision, one audit record.
    """
    check(actor, Action.WORK, doing="submit workouts")
    if option not in Workout.Option.values:
        raise BadInput(
            "invalid", "Unknown option.", fields={"option": [f"Choose one of: {', '.join(Workout.Option.values)}."]}
        )
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="submit workouts")
    check_version(case, version)
    require_active_case(case)
    if option in NEEDS_COMPLETE_APPLICATION and case.application_complete_on is None:
        raise DomainError("application_incomplete", f"A {option.replace('_', ' ')} needs a complete application first.")
    if case.workouts.filter(option=option, status__in=Workout.LIVE_STATUSES).exists():
        raise DomainError("workout_pending", f"This case already has a {option.replace('_', ' ')} in progress.")
    merged: dict[str, Any] = {}
    evaluation = None
    if evaluation_id is not None:
        evaluation = Evaluation.objects.filter(pk=evaluation_id, case=case).first()
        if evaluation is None:
            raise NotFound("evaluation_not_found", "No such evaluation on this case.")
        result = evaluation.option_result(option)
        if result is not None:
            if not result.get("eligible"):
                reasons = "; ".join(r.get("message", r.get("code", "")) for r in result.get("reasons", []))
                raise DomainError("option_not_eligible", f"The evaluation found this option not eligible: {reasons}")
            merged.update({k: v for k, v in result.items() if k not in ("eligible", "reasons")})
            if option == Workout.Option.DEED_IN_LIEU and merged.get("expected_recovery") not in (None, ""):
                merged.setdefault("deficiency", str(_deed_deficiency(evaluation, merged["expected_recovery"])))
    merged.update(terms or {})
    if option == Workout.Option.MODIFICATION:
        _check_modification_terms(merged)
    value = _workout_amount(option, merged, amount)
    rules = program_rules(program=case.loan.program, as_of=today(), investor=case.loan.investor)
    auto_reason = _auto_approval(option, merged, rules)
    workout = Workout.objects.create(
        case=case,
        evaluation=evaluation,
        option=option,
        terms=merged,
        amount=value,
        status=Workout.Status.APPROVED if auto_reason else Workout.Status.SUBMITTED,
        submitted_by=actor,
        auto_approved=bool(auto_reason),
        decided_at=timezone.now() if auto_reason else None,
        decision_reason=auto_reason or "",
    )
    sync_case_status(case, workout)
    case.save()
    audit_record(
        actor=actor,
        action="workout.submit",
        obj=workout,
        loan_id=case.loan_id,
        after=workout_snapshot(workout),
        note=auto_reason or f"{workout.get_option_display()} submitted for approval",
    )
    return workout


def approval_limit_for(user, program: str) -> Decimal | None:
    """The largest amount `user` may approve (None: no limit).

    The profile's delegated limit when set; otherwise a manager has the program's
    `manager_approval_limit` and an admin, the senior approver, has no limit.
    """
    profile = getattr(user, "profile", None)
    if profile is not None and profile.approval_limit is not None:
        return profile.approval_limit
    if user_has_role(user, Role.ADMIN):
        return None
    return program_rules(program=program, as_of=today()).parameters.manager_approval_limit


def _denial_notice(workout: Workout, reason: str) -> dict:
    """What the denial letter states (1024.41(d)): the reason, the appeal right and deadline,
    and, for a modification evaluated by the engine, the NPV inputs and result it rests on."""
    notice: dict = {
        "reason": reason,
        "notice_on": workout.denial_notice_on.isoformat(),
        "appeal_deadline": workout.appeal_deadline.isoformat() if workout.appeal_deadline else None,
    }
    if workout.option == Workout.Option.MODIFICATION and workout.evaluation_id:
        evaluation = workout.evaluation
        notice["npv_inputs"] = evaluation.inputs
        notice["npv"] = (evaluation.option_result(workout.option) or {}).get("npv")
        notice["program"] = evaluation.program
        notice["rule_version"] = evaluation.rule_version
    return notice


def _senior_approver_name(user) -> str:
    profile = getattr(user, "profile", None)
    senior = profile.manager if profile is not None else None
    return (senior.get_full_name() or senior.username) if senior else "an admin"


def _check_decider(actor, workout: Workout) -> None:
    # Four eyes: whoever submitted a workout never decides it.
    if workout.submitted_by_id == actor.pk:
        raise PermissionRefused("four_eyes", "You submitted this workout; another approver must decide it.")


@transaction.atomic
def workout_approve(*, actor, workout_id: int, version: int | None = None, reason: str = "") -> Workout:
    """A manager approves a submitted workout within their delegated limit.

    Refused: not a manager or admin (forbidden); the submitter (four_eyes); amount above the
    approver's limit (above_delegated_limit, naming the senior approver it goes to); not
    submitted (invalid_state); stale version.
    """
    check(actor, Action.DECIDE, doing="approve workouts")
    workout, case = lock_workout(workout_id)
    check(actor, Action.DECIDE, loan=case.loan, doing="approve workouts")
    check_version(workout, version)
    require_status(workout, Workout.Status.SUBMITTED, action="approve")
    _check_decider(actor, workout)
    limit = approval_limit_for(actor, case.loan.program)
    if limit is not None and workout.amount > limit:
        raise PermissionRefused(
            "above_delegated_limit",
            f"{workout.amount} is above your delegated approval limit of {limit}; "
            f"it goes to {_senior_approver_name(actor)} for approval.",
        )
    before = workout_snapshot(workout)
    workout.status = Workout.Status.APPROVED
    workout.decided_by = actor
    workout.decided_at = timezone.now()
    workout.decision_reason = reason.strip()
    workout_transition_save(
        actor=actor, workout=workout, case=case, action="workout.approve", before=before, note=reason
    )
    return workout


@transaction.atomic
def workout_deny(
    *, actor, workout_id: int, reason: str, version: int | None = None, notice_on: date | None = None
) -> Workout:
    """A manager denies a submitted workout, with the reason the denial notice states.

    A modification denial on an application complete 90+ days before sale (or with no sale)
    gets an appeal deadline 14 days after the notice (1024.41(d), (h)).
    """
    check(actor, Action.DECIDE, doing="deny workouts")
    reason = require_reason(reason)
    not_future(notice_on, "notice_on")
    workout, case = lock_workout(workout_id)
    check(actor, Action.DECIDE, loan=case.loan, doing="deny workouts")
    check_version(workout, version)
    require_status(workout, Workout.Status.SUBMITTED, action="deny")
    _check_decider(actor, workout)
    before = workout_snapshot(workout)
    notice_on = notice_on or today()
    workout.status = Workout.Status.DENIED
    workout.decided_by = actor
    workout.decided_at = timezone.now()
    workout.decision_reason = reason
    workout.denial_notice_on = notice_on
    if workout.option == Workout.Option.MODIFICATION:
        workout.appeal_deadline = regx.appeal_deadline(
            notice_on, case.application_complete_on, case.foreclosure_sale_date
        )
    workout.terms = {**workout.terms, "denial_notice": _denial_notice(workout, reason)}
    workout_transition_save(actor=actor, workout=workout, case=case, action="workout.deny", before=before, note=reason)
    letter_queue("decision", object_id=workout.pk, actor=actor)
    return workout


@transaction.atomic
def workout_offer(*, actor, workout_id: int, version: int | None = None, offered_on: date | None = None) -> Workout:
    """Send the approved workout to the borrower with an acceptance deadline (1024.41(e)):
    14 days when complete 90+ days before sale or none, 7 days when 38-89, else Lossmit's 7."""
    check(actor, Action.WORK, doing="send offers")
    not_future(offered_on, "offered_on")
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="send offers")
    check_version(workout, version)
    require_active_case(case)
    require_status(workout, Workout.Status.APPROVED, action="offer")
    before = workout_snapshot(workout)
    offered_on = offered_on or today()
    days = case.acceptance_window_days or MIN_ACCEPTANCE_DAYS
    workout.status = Workout.Status.OFFERED
    workout.offered_on = offered_on
    workout.offer_expires_on = offered_on + timedelta(days=days)
    workout_transition_save(
        actor=actor,
        workout=workout,
        case=case,
        action="workout.offer",
        before=before,
        note=f"Accept by {workout.offer_expires_on.isoformat()} ({days} days)",
    )
    letter_queue("decision", object_id=workout.pk, actor=actor)
    return workout


def _trial_schedule(
    workout: Workout, case: LossMitCase, accepted_on: date, first_due: date | None
) -> list[TrialPayment]:
    loan = case.loan
    due_day = loan.first_payment_date.day
    if first_due is None:
        first_due = add_months(accepted_on.replace(day=1), 0, day=due_day)
        if first_due <= accepted_on:
            first_due = add_months(first_due, 1, day=due_day)
    amount = workout.terms.get("trial_payment") or workout.terms.get("monthly_payment")
    if amount in (None, ""):
        amount = _decimal(workout.terms["monthly_pi"], "monthly_pi") + loan.monthly_escrow
    amount = _decimal(amount, "trial_payment").quantize(Decimal("0.01"))
    return [
        TrialPayment(workout=workout, number=n + 1, due_date=add_months(first_due, n, day=due_day), amount=amount)
        for n in range(TRIAL_PAYMENTS)
    ]


@transaction.atomic
def workout_accept(
    *,
    actor,
    workout_id: int,
    version: int | None = None,
    accepted_on: date | None = None,
    first_trial_due: date | None = None,
) -> Workout:
    """Record the borrower's acceptance by the deadline. A modification starts its trial plan:
    three payments of the modified payment (P&I + escrow) on the loan's due day, the first due
    after acceptance. Other options become accepted. After the deadline: offer_expired."""
    check(actor, Action.WORK, doing="record an acceptance")
    not_future(accepted_on, "accepted_on")
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="record an acceptance")
    check_version(workout, version)
    require_active_case(case)
    require_status(workout, Workout.Status.OFFERED, action="accept")
    accepted_on = accepted_on or today()
    if accepted_on > workout.offer_expires_on:
        raise DomainError(
            "offer_expired",
            f"The offer expired on {workout.offer_expires_on.isoformat()}; no answer by then counts as a rejection.",
        )
    if accepted_on < workout.offered_on:
        raise BadInput("before_offer", "Acceptance cannot precede the offer.", fields={"accepted_on": ["Too early."]})
    before = workout_snapshot(workout)
    workout.responded_on = accepted_on
    if workout.option == Workout.Option.MODIFICATION:
        workout.status = Workout.Status.TRIAL
        TrialPayment.objects.bulk_create(_trial_schedule(workout, case, accepted_on, first_trial_due))
    else:
        workout.status = Workout.Status.ACCEPTED
    workout_transition_save(
        actor=actor,
        workout=workout,
        case=case,
        action="workout.accept",
        before=before,
        note=f"Accepted {accepted_on.isoformat()}",
    )
    letter_queue("trial", object_id=workout.pk, actor=actor)
    return workout


@transaction.atomic
def workout_reject(
    *,
    actor,
    workout_id: int,
    reason: str = "Borrower declined the offer.",
    version: int | None = None,
    on: date | None = None,
) -> Workout:
    """Record that the borrower turned the offer down (1024.41(e)(2): a rejection)."""
    check(actor, Action.WORK, doing="record a rejection")
    reason = require_reason(reason)
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="record a rejection")
    check_version(workout, version)
    require_status(workout, Workout.Status.OFFERED, action="reject")
    before = workout_snapshot(workout)
    workout.status = Workout.Status.REJECTED
    workout.responded_on = on or today()
    workout.outcome_reason = reason
    workout_transition_save(
        actor=actor, workout=workout, case=case, action="workout.reject", before=before, note=reason
    )
    return workout


@transaction.atomic
def offers_expire(*, as_of: date) -> list[int]:
    """Offers with no answer by their deadline are rejected (1024.41(e)(1)). Idempotent;
    run by the nightly job with the business date."""
    expired = []
    for workout_id in Workout.objects.filter(status=Workout.Status.OFFERED, offer_expires_on__lt=as_of).values_list(
        "pk", flat=True
    ):
        workout, case = lock_workout(workout_id)
        if workout.status != Workout.Status.OFFERED or workout.offer_expires_on >= as_of:
            continue
        before = workout_snapshot(workout)
        workout.status = Workout.Status.REJECTED
        workout.outcome_reason = f"No answer by {workout.offer_expires_on.isoformat()}: treated as rejected."
        bump(workout)
        workout.save()
        sync_case_status(case, workout)
        case.save()
        audit_record(
            actor=None,
            action="workout.offer_expire",
            obj=workout,
            loan_id=case.loan_id,
            before=before,
            after=workout_snapshot(workout),
            note=workout.outcome_reason,
        )
        expired.append(workout.pk)
    return expired


@transaction.atomic
def workout_withdraw(*, actor, workout_id: int, reason: str, version: int | None = None) -> Workout:
    """Withdraw a workout still in progress (the borrower or the servicer stops it), with the reason."""
    check(actor, Action.WORK, doing="withdraw workouts")
    reason = require_reason(reason)
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="withdraw workouts")
    check_version(workout, version)
    require_status(workout, *Workout.LIVE_STATUSES, action="withdraw")
    before = workout_snapshot(workout)
    workout.status = Workout.Status.WITHDRAWN
    workout.outcome_reason = reason
    workout_transition_save(
        actor=actor, workout=workout, case=case, action="workout.withdraw", before=before, note=reason
    )
    return workout


@transaction.atomic
def appeal_file(*, actor, workout_id: int, received_on: date | None = None, reason: str = "") -> Appeal:
    """Record the borrower's appeal of a modification denial, received by the appeal deadline.
    It must be decided within 30 days (1024.41(h)(4))."""
    check(actor, Action.WORK, doing="record an appeal")
    not_future(received_on, "received_on")
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="record an appeal")
    require_status(workout, Workout.Status.DENIED, action="appeal")
    received_on = received_on or today()
    if workout.appeal_deadline is None:
        raise DomainError("no_appeal_right", "This denial carries no appeal right.")
    if hasattr(workout, "appeal"):
        raise DomainError("already_appealed", "This denial has already been appealed.")
    if received_on > workout.appeal_deadline:
        raise DomainError("appeal_too_late", f"The appeal deadline was {workout.appeal_deadline.isoformat()}.")
    appeal = Appeal.objects.create(
        workout=workout,
        received_on=received_on,
        decision_due=regx.appeal_decision_due(received_on),
        filed_by=actor,
        reason=reason,
    )
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="appeal.file",
        obj=appeal,
        loan_id=case.loan_id,
        note=f"Appeal received {received_on.isoformat()}, decision due {appeal.decision_due.isoformat()}",
    )
    return appeal


@transaction.atomic
def appeal_decide(*, actor, workout_id: int, overturn: bool, reason: str, on: date | None = None) -> Appeal:
    """Decide an appeal. 1024.41(h)(2): not by whoever decided the denial (nor its submitter).
    Overturned: the workout is approved by the appeal decider, ready to offer."""
    check(actor, Action.DECIDE, doing="decide appeals")
    reason = require_reason(reason)
    workout, case = lock_workout(workout_id)
    check(actor, Action.DECIDE, loan=case.loan, doing="decide appeals")
    appeal = Appeal.objects.select_for_update().filter(workout=workout).first()
    if appeal is None or appeal.status != Appeal.Status.PENDING:
        raise DomainError("no_pending_appeal", "This workout has no appeal waiting for a decision.")
    if actor.pk in (workout.decided_by_id, workout.submitted_by_id):
        raise PermissionRefused("four_eyes", "Someone other than the first decider must decide the appeal.")
    before = workout_snapshot(workout)
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decided_by = actor
    appeal.decided_on = on or today()
    appeal.reason = reason
    appeal.save()
    if overturn:
        workout.status = Workout.Status.APPROVED
        workout.decided_by = actor
        workout.decided_at = timezone.now()
        workout.decision_reason = f"Approved on appeal: {reason}"
        bump(workout)
        workout.save()
        sync_case_status(case, workout)
    else:
        bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="appeal.decide",
        obj=appeal,
        loan_id=case.loan_id,
        before=before,
        after=workout_snapshot(workout),
        note=f"{appeal.get_status_display()}: {reason}",
    )
    return appeal
