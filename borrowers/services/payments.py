"""Payments on a loan: posting (with the row lock that serialises payments on one loan),
returning one as NSF (reversing it and reapplying the later ones), and fees."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.policy import Action, check
from audit.services import audit_record
from borrowers import posting
from borrowers.models import LedgerTransaction
from borrowers.services.ledger import (
    PAYMENT_DERIVED_KINDS,
    LedgerWriter,
    assess_late_charges,
    loan_balances,
    lock_loan,
    movement_from_row,
)
from lossmit.errors import DomainError, NotFound
from workouts.domain.money import ZERO


def _as_date(value, field: str) -> date | None:
    """None or a plain date; anything else (a string, a datetime) is refused as bad input."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise DomainError("invalid_date", "Enter a date.", status=400, fields={field: ["Enter a date as YYYY-MM-DD."]})


def _post(
    writer: LedgerWriter,
    amount: Decimal,
    on: date,
    reference: str,
    original_payment_id: int | None = None,
    *,
    late_charges_payable: Decimal | None = None,
    fees_payable: Decimal | None = None,
) -> LedgerTransaction:
    result = posting.post_payment(
        writer.state, amount, on, late_charges_payable=late_charges_payable, fees_payable=fees_payable
    )
    payment_row = writer.write(result.movements[0], reference=reference, original_payment_id=original_payment_id)
    for move in result.movements[1:]:
        writer.write(move, payment=payment_row)
    return payment_row


@transaction.atomic
def payment_post(
    *, actor, loan_id: int, amount: Decimal, received_on: date | None = None, reference: str = ""
) -> LedgerTransaction:
    """Post a borrower payment received `received_on` (default today).

    Preconditions: the actor is a specialist or manager, on any loan (whoever takes the
    borrower's call takes the payment: accounts/policy.py); the loan is active; the amount is a
    positive number of cents no larger than the payoff. Side effects: late charges due by the
    payment date are assessed first, then the payment's ledger rows are written, the loan's
    balances and next due date move, and one audit record describes the change; if the loan is
    no longer past due, its open delinquency call tasks are cancelled in the same transaction.
    Returns the payment's ledger row (its applications hang off it as `applications`).
    """
    check(actor, Action.PAYMENT, doing="post payments")
    posting.validate_amount(amount)
    received_on = _as_date(received_on, "received_on") or timezone.localdate()
    if received_on > timezone.localdate():
        raise DomainError(
            "future_date",
            "A payment cannot be received in the future.",
            status=400,
            fields={"received_on": ["Enter today or an earlier date."]},
        )
    loan = lock_loan(loan_id)
    check(actor, Action.PAYMENT, loan=loan, doing="post payments")
    if not loan.is_active:
        raise DomainError(
            "loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}; it takes no payments."
        )
    before = loan_balances(loan)
    writer = LedgerWriter(loan, actor=actor, effective_date=received_on)
    assess_late_charges(writer, received_on)
    payment_row = _post(writer, amount, received_on, reference)
    writer.save_loan()
    audit_record(
        actor=actor,
        action="payment.post",
        obj=payment_row,
        loan_id=loan.pk,
        before=before,
        after=loan_balances(loan),
        note=f"Payment {amount} received {received_on.isoformat()}",
    )
    # A payment that brings the loan current stops the calls the same day, not after the next
    # night's scan (users.md: Maria never calls someone who just paid).
    from delinquency.services import tasks_cancel_for_cured_loan

    tasks_cancel_for_cured_loan(loan_id=loan.pk, on=timezone.localdate(), actor=actor)
    return payment_row


def live_payment_row(payment_id: int, loan_id: int | None = None) -> LedgerTransaction:
    """The ledger row that currently carries payment `payment_id`: the row itself, or the
    latest reapplication of it after an earlier returned payment was unwound.

    Any row of the chain identifies the payment: the first posting or any reposting of it (a
    page may still show an older reposting's id).
    """
    payments = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYMENT)
    if loan_id is not None:
        payments = payments.filter(loan_id=loan_id)
    given = payments.filter(pk=payment_id).values_list("pk", "original_payment_id").first()
    if given is None:
        raise NotFound("payment_not_found", "No such payment.")
    root = given[1] or given[0]
    row = payments.filter(Q(pk=root) | Q(original_payment_id=root), reversed_by__isnull=True).order_by("-seq").first()
    if row is None:
        raise DomainError("already_reversed", "This payment has already been returned.")
    return row


@transaction.atomic
def payment_reverse_nsf(
    *, actor, payment_id: int, returned_on: date | None = None, reason: str = "NSF"
) -> LedgerTransaction:
    """Reverse a returned (NSF) payment exactly.

    Servicers "reverse and reapply": every payment-derived row from the returned payment on is
    reversed, newest first, and the later good payments are posted again in their original
    order on their original dates, so the loan ends exactly as if the returned payment had
    never arrived. Late charges that fall due because of the return are then assessed.
    Returns the NSF reversal row of the returned payment.
    """
    check(actor, Action.WORK, doing="return payments")
    today = timezone.localdate()
    returned_on = _as_date(returned_on, "returned_on") or today
    if returned_on > today:
        raise DomainError(
            "future_date",
            "A payment cannot be returned in the future.",
            status=400,
            fields={"returned_on": ["Enter today or an earlier date."]},
        )
    target = live_payment_row(payment_id)
    loan = lock_loan(target.loan_id)
    # A return is account work for the loan's owner or their manager, not an inbound-call task.
    check(actor, Action.WORK, loan=loan, doing="return payments")
    target = live_payment_row(payment_id, loan.pk)  # re-read under the lock
    if returned_on < target.effective_date:
        raise DomainError(
            "returned_before_received",
            f"The payment was received {target.effective_date.isoformat()}; it cannot be returned before that.",
            status=400,
            fields={"returned_on": [f"Enter {target.effective_date.isoformat()} or later."]},
        )
    if loan.ledger.filter(seq__gt=target.seq, kind=LedgerTransaction.Kind.MODIFICATION).exists():
        # A modification re-aged the loan and changed its terms after this payment: unwinding
        # installments across it would restore pre-modification due dates under the new terms.
        raise DomainError(
            "modified_since",
            "The loan was modified after this payment; a return from before a modification needs a manual adjustment.",
        )
    before = loan_balances(loan)
    later = list(
        loan.ledger.filter(
            seq__gte=target.seq, kind__in=PAYMENT_DERIVED_KINDS, reversed_by__isnull=True, reversal_of__isnull=True
        ).order_by("-seq")
    )
    # Charges dated on or after the returned payment, as they stand before the unwinding: a good
    # payment reposted below may pay only those that existed when it was first received. A
    # payment reposted by an earlier return has a new seq; where it stands in the loan's history
    # is its first posting's seq, so a fee assessed after that posting stays unpayable by it.
    later_charges = list(
        loan.ledger.filter(
            effective_date__gte=target.effective_date,
            kind__in=(LedgerTransaction.Kind.LATE_CHARGE, LedgerTransaction.Kind.FEE),
        ).values_list("seq", "effective_date", "kind", "late_charges", "fees")
    )
    first_posted = dict(
        loan.ledger.filter(pk__in={r.original_payment_id for r in later if r.original_payment_id}).values_list(
            "pk", "seq"
        )
    )
    writer = LedgerWriter(loan, actor=actor, effective_date=returned_on)
    nsf_row = None
    for row in later:
        returned = row.pk == target.pk or row.payment_id == target.pk
        reversal = writer.write(
            movement_from_row(row),
            reverse_of=row,
            kind=LedgerTransaction.Kind.NSF_REVERSAL if returned else LedgerTransaction.Kind.REVERSAL,
            reference=(reason if returned else f"reapply after return of #{target.seq}"),
        )
        if row.pk == target.pk:
            nsf_row = reversal
    for row in sorted(
        (r for r in later if r.kind == LedgerTransaction.Kind.PAYMENT and r.pk != target.pk), key=lambda r: r.seq
    ):
        # Replay the payment as payment_post did: charges due by its date first, then the money.
        writer.effective_date = row.effective_date
        assess_late_charges(writer, row.effective_date)
        # Late charges dated by the payment's date were assessed before it (payment_post assesses
        # them first); a fee the same day counts only if assessed before the payment was.
        position = first_posted.get(row.original_payment_id, row.seq)
        not_yet = [
            (late, fees)
            for seq, on, kind, late, fees in later_charges
            if on > row.effective_date
            or (on == row.effective_date and kind == LedgerTransaction.Kind.FEE and seq > position)
        ]
        _post(
            writer,
            row.amount,
            row.effective_date,
            row.reference,
            original_payment_id=row.original_payment_id or row.pk,
            late_charges_payable=writer.state.late_charges - sum((late for late, _ in not_yet), ZERO),
            fees_payable=writer.state.fees - sum((fees for _, fees in not_yet), ZERO),
        )
    writer.effective_date = returned_on
    assess_late_charges(writer, returned_on)
    writer.save_loan()
    audit_record(
        actor=actor,
        action="payment.reverse_nsf",
        obj=target,
        loan_id=loan.pk,
        before=before,
        after=loan_balances(loan),
        note=f"Payment of {target.amount} returned: {reason}",
    )
    return nsf_row


@transaction.atomic
def fee_assess(*, actor, loan_id: int, amount: Decimal, reason: str, on: date | None = None) -> LedgerTransaction:
    """Assess a servicing fee (inspection, returned-payment fee) dated `on` (default today).

    Preconditions: the actor is a manager; the amount is a positive number of cents; a reason is
    given; `on` is not in the future; the loan is active. Side effects: one fee ledger row, the
    loan's fees outstanding, one audit record.
    """
    check(actor, Action.SUPERVISE, doing="assess fees")
    posting.validate_amount(amount)
    if not reason.strip():
        raise DomainError("reason_required", "Say what the fee is for.", status=400, fields={"reason": ["Required."]})
    on = _as_date(on, "on") or timezone.localdate()
    if on > timezone.localdate():
        # Returned-payment replays order charges by date; a future-dated fee would sit wrongly.
        raise DomainError(
            "future_date",
            "A fee cannot be assessed in the future.",
            status=400,
            fields={"on": ["Enter today or earlier."]},
        )
    loan = lock_loan(loan_id)
    check(actor, Action.SUPERVISE, loan=loan, doing="assess fees")
    if not loan.is_active:
        # Nothing would ever collect it: a closed loan takes no payments.
        raise DomainError(
            "loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}; it takes no fees."
        )
    before = loan_balances(loan)
    writer = LedgerWriter(loan, actor=actor, effective_date=on)
    row = writer.write(posting.Movement(kind=posting.FEE, amount=amount, fees=amount), reference=reason)
    writer.save_loan()
    audit_record(
        actor=actor,
        action="fee.assess",
        obj=row,
        loan_id=loan.pk,
        before=before,
        after=loan_balances(loan),
        note=reason,
    )
    return row
