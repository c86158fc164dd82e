"""Booking a workout: a modification changes the loan through its ledger and closes the case."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.policy import Action, check
from audit.services import audit_record
from borrowers import posting
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import LedgerWriter, loan_balances
from delinquency.services import tasks_cancel_for_cured_loan
from lossmit.errors import DomainError
from workouts.domain.amortization import interest_for_period, monthly_payment
from workouts.domain.dates import add_months
from workouts.domain.money import ZERO, to_cents
from workouts.models import TrialPayment, Workout
from workouts.services._common import (
    bump,
    check_version,
    lock_workout,
    not_future,
    require_active_case,
    require_status,
    sync_case_status,
    today,
    workout_snapshot,
)
from workouts.services.trials import judge_trial_payments

MODIFICATION = LedgerTransaction.Kind.MODIFICATION


@dataclass(frozen=True)
class BookedModification:
    """The modification as booked, from the loan's state on the booking date."""

    first_payment_date: date
    installments_capitalized: int
    delinquent_interest: Decimal
    escrow_advances: Decimal
    suspense_applied: Decimal
    capitalized_arrears: Decimal
    capitalized_balance: Decimal
    forbearance: Decimal
    partial_claim: Decimal
    interest_bearing_balance: Decimal
    interest_rate: Decimal
    term_months: int
    monthly_pi: Decimal
    late_charges_waived: Decimal

    def to_json(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
            for k, v in self.__dict__.items()
        }


def modification_terms_at_booking(loan: Loan, terms: dict, first_payment_date: date) -> BookedModification:
    """Recompute the approved modification on today's balances (pure arithmetic on the loan row).

    Capitalised arrears are what domain.md section 4 allows and nothing else: the interest of
    each installment still unpaid before the first modified payment (30/360 on the unchanged
    principal, since unpaid installments reduced nothing) and escrow the servicer advanced (a
    negative escrow balance). Trial payments waiting in suspense pay those arrears first. Late
    charges are never capitalised; Flex Modification waives them on booking. The approved rate,
    term and forbearance stand; the payment is recomputed on the interest-bearing balance.
    With a partial claim (FHA), the claim pays the arrears and the deferment instead.
    """
    due_day = loan.first_payment_date.day
    unpaid = 0
    due = loan.next_due_date
    while due < first_payment_date:
        unpaid += 1
        due = add_months(due, 1, day=due_day)
    delinquent_interest = unpaid * interest_for_period(loan.principal_balance, loan.note_rate)
    escrow_advances = max(ZERO, -loan.escrow_balance)
    gross = delinquent_interest + escrow_advances
    suspense_applied = min(loan.suspense_balance, gross)
    arrears = gross - suspense_applied
    rate = Decimal(str(terms["interest_rate"]))
    term = int(terms["term_months"])
    forbearance = to_cents(Decimal(str(terms.get("forbearance") or "0")))
    partial_claim = to_cents(Decimal(str(terms.get("partial_claim") or "0")))
    if partial_claim > 0:
        capitalized = loan.principal_balance
        forbearance = min(forbearance, capitalized)
        claim = arrears + forbearance
        interest_bearing = capitalized - forbearance
        deferred = ZERO
    else:
        capitalized = loan.principal_balance + arrears
        forbearance = min(forbearance, capitalized)
        claim = ZERO
        interest_bearing = capitalized - forbearance
        deferred = forbearance
    return BookedModification(
        first_payment_date=first_payment_date,
        installments_capitalized=unpaid,
        delinquent_interest=delinquent_interest,
        escrow_advances=escrow_advances,
        suspense_applied=suspense_applied,
        capitalized_arrears=arrears if claim == 0 else ZERO,
        capitalized_balance=capitalized,
        forbearance=deferred if claim == 0 else forbearance,
        partial_claim=claim,
        interest_bearing_balance=interest_bearing,
        interest_rate=rate,
        term_months=term,
        monthly_pi=monthly_payment(interest_bearing, rate, term),
        late_charges_waived=loan.late_charges_outstanding,
    )


def _write_modification(loan: Loan, booked: BookedModification, *, actor, on: date) -> list[LedgerTransaction]:
    writer = LedgerWriter(loan, actor=actor, effective_date=on)
    # The modification re-ages the loan: it is current, with the new payment first due on
    # first_payment_date, and the new term runs from there.
    writer.state = replace(
        writer.state,
        next_due_date=booked.first_payment_date,
        remaining_term_months=booked.term_months,
        note_rate=booked.interest_rate,
        monthly_pi=booked.monthly_pi,
    )
    paid_arrears = booked.delinquent_interest + booked.escrow_advances
    if booked.partial_claim > 0:
        writer.write(
            posting.Movement(
                kind=MODIFICATION,
                amount=booked.partial_claim + booked.suspense_applied,
                principal=-booked.forbearance,
                interest=booked.delinquent_interest,
                escrow=booked.escrow_advances,
                suspense=-booked.suspense_applied,
            ),
            reference="partial claim: arrears and deferment",
        )
    else:
        writer.write(
            posting.Movement(
                kind=MODIFICATION,
                amount=paid_arrears,
                principal=booked.capitalized_arrears,
                interest=booked.delinquent_interest,
                escrow=booked.escrow_advances,
                suspense=-booked.suspense_applied,
            ),
            reference=f"capitalise arrears ({booked.installments_capitalized} installments)",
        )
        if booked.forbearance > 0:
            writer.write(
                posting.Movement(
                    kind=MODIFICATION,
                    amount=booked.forbearance,
                    principal=-booked.forbearance,
                    deferred=booked.forbearance,
                ),
                reference="forbear principal (non-interest-bearing)",
            )
    if booked.late_charges_waived > 0:
        writer.write(
            posting.Movement(
                kind=MODIFICATION, amount=booked.late_charges_waived, late_charges=-booked.late_charges_waived
            ),
            reference="waive late charges",
        )
    writer.save_loan()
    loan.note_rate = booked.interest_rate
    loan.monthly_pi = booked.monthly_pi
    loan.maturity_date = add_months(booked.first_payment_date, booked.term_months - 1, day=loan.first_payment_date.day)
    loan.save(update_fields=["note_rate", "monthly_pi", "maturity_date", "updated_at"])
    return writer.rows


def _first_modified_payment(workout: Workout, loan: Loan) -> date:
    if workout.terms.get("first_payment_date"):
        return date.fromisoformat(workout.terms["first_payment_date"])
    last_trial = workout.trial_payments.order_by("-number").first()
    after = last_trial.due_date if last_trial else loan.next_due_date
    return add_months(after, 1, day=loan.first_payment_date.day)


@transaction.atomic
def workout_book(*, actor, workout_id: int, version: int | None = None, on: date | None = None) -> Workout:
    """Book an accepted workout and close the case.

    A modification books only after every trial payment was made on time (judged from the
    ledger on the booking date); its ledger rows (kind modification) capitalise the arrears,
    move the forbearance from principal to deferred principal and waive late charges, and the
    loan takes the new rate, term, payment and first due date. Other options are marked booked
    (their money moves happen outside the loan's servicing ledger).
    Refused: trial_incomplete, invalid_state, stale_version; nothing changes.
    """
    check(actor, Action.WORK, doing="book workouts")
    not_future(on, "on")
    on = on or today()
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="book workouts")
    check_version(workout, version)
    require_active_case(case)
    before = workout_snapshot(workout)
    loan_before = None
    if workout.option == Workout.Option.MODIFICATION:
        require_status(workout, Workout.Status.TRIAL, action="book")
        outstanding = [
            f"#{trial.number} due {trial.due_date.isoformat()} ({status})"
            for trial, status, _ in judge_trial_payments(workout, on)
            if status != TrialPayment.Status.PAID
        ]
        if outstanding:
            raise DomainError(
                "trial_incomplete",
                "Every trial payment must be made on time before booking: " + ", ".join(outstanding) + ".",
            )
        for trial, status, paid_on in judge_trial_payments(workout, on):
            trial.status, trial.paid_on = status, paid_on
            trial.save(update_fields=["status", "paid_on"])
        loan = Loan.objects.select_for_update().get(pk=case.loan_id)
        if not loan.is_active:
            raise DomainError("loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}.")
        loan_before = loan_balances(loan)
        booked = modification_terms_at_booking(loan, workout.terms, _first_modified_payment(workout, loan))
        _write_modification(loan, booked, actor=actor, on=on)
        workout.terms = {**workout.terms, "booked": booked.to_json()}
        # The modification brought the loan current: its collection calls stop now.
        tasks_cancel_for_cured_loan(loan_id=loan.pk, on=on, actor=actor)
    else:
        require_status(workout, Workout.Status.ACCEPTED, action="book")
    workout.status = Workout.Status.BOOKED
    workout.booked_on = on
    bump(workout)
    workout.save()
    sync_case_status(case, workout)
    case.closed_on = on
    case.close_reason = f"{workout.get_option_display()} booked"
    case.save()
    # Other workouts still open on the case end with it.
    case.workouts.exclude(pk=workout.pk).filter(status__in=Workout.LIVE_STATUSES).update(
        status=Workout.Status.WITHDRAWN, outcome_reason=f"Case closed: {case.close_reason}."
    )
    audit_record(
        actor=actor,
        action="workout.book",
        obj=workout,
        loan_id=case.loan_id,
        before={"workout": before, "loan": loan_before},
        after={
            "workout": workout_snapshot(workout),
            "loan": loan_balances(Loan.objects.get(pk=case.loan_id)) if loan_before else None,
        },
        note=case.close_reason,
    )
    return workout
