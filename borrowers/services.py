"""Writes to borrower accounts: boarding a loan, posting and returning payments, charges.

Every function here is atomic, locks the loan row it changes (payments on one loan are
serialised), checks the actor's role, writes ledger rows and an audit record.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.roles import PAYMENT_ROLES, user_has_role
from audit.services import audit_record
from borrowers import posting
from borrowers.models import LedgerTransaction, Loan
from lossmit.errors import DomainError, NotFound, PermissionRefused
from workouts.domain.money import ZERO

# Kinds a returned payment unwinds when it is reversed and the later payments reapplied.
PAYMENT_DERIVED_KINDS = (
    LedgerTransaction.Kind.PAYMENT,
    LedgerTransaction.Kind.INSTALLMENT,
    LedgerTransaction.Kind.CHARGES_PAID,
    LedgerTransaction.Kind.CURTAILMENT,
)


def loan_state(loan: Loan) -> posting.LoanState:
    return posting.LoanState(
        principal=loan.principal_balance,
        escrow=loan.escrow_balance,
        suspense=loan.suspense_balance,
        late_charges=loan.late_charges_outstanding,
        fees=loan.fees_outstanding,
        next_due_date=loan.next_due_date,
        remaining_term_months=loan.remaining_term_months,
        note_rate=loan.note_rate,
        monthly_pi=loan.monthly_pi,
        monthly_escrow=loan.monthly_escrow,
        due_day=loan.first_payment_date.day,
        grace_days=loan.grace_days,
        late_charge_pct=loan.late_charge_pct,
        deferred=loan.deferred_principal,
    )


def _balances(loan: Loan) -> dict[str, str]:
    return {
        "principal_balance": str(loan.principal_balance),
        "escrow_balance": str(loan.escrow_balance),
        "suspense_balance": str(loan.suspense_balance),
        "late_charges_outstanding": str(loan.late_charges_outstanding),
        "fees_outstanding": str(loan.fees_outstanding),
        "next_due_date": loan.next_due_date.isoformat(),
        "status": loan.status,
    }


class _LedgerWriter:
    """Appends rows to one locked loan's ledger, keeping the loan's balances in step."""

    def __init__(self, loan: Loan, *, actor, effective_date: date):
        self.loan = loan
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.effective_date = effective_date
        self.state = loan_state(loan)
        self.seq = loan.ledger.aggregate(m=Max("seq"))["m"] or 0
        self.rows: list[LedgerTransaction] = []

    def write(
        self,
        move: posting.Movement,
        *,
        reverse_of: LedgerTransaction | None = None,
        kind: str | None = None,
        payment: LedgerTransaction | None = None,
        reference: str = "",
        original_payment_id: int | None = None,
    ) -> LedgerTransaction:
        reverse = reverse_of is not None
        self.state = posting.apply_movement(self.state, move, reverse=reverse)
        sign = -1 if reverse else 1
        self.seq += 1
        row = LedgerTransaction.objects.create(
            loan=self.loan,
            seq=self.seq,
            kind=kind or move.kind,
            effective_date=self.effective_date,
            amount=move.amount,
            principal=sign * move.principal,
            interest=sign * move.interest,
            escrow=sign * move.escrow,
            suspense=sign * move.suspense,
            late_charges=sign * move.late_charges,
            fees=sign * move.fees,
            deferred=sign * move.deferred,
            principal_after=self.state.principal,
            escrow_after=self.state.escrow,
            suspense_after=self.state.suspense,
            late_charges_after=self.state.late_charges,
            fees_after=self.state.fees,
            deferred_after=self.state.deferred,
            next_due_date_after=self.state.next_due_date,
            installment_due_date=move.installment_due_date,
            payment=payment,
            reversal_of=reverse_of,
            original_payment_id=original_payment_id,
            reference=reference[:64],
            created_by=self.actor,
        )
        self.rows.append(row)
        return row

    def save_loan(self) -> None:
        loan, state = self.loan, self.state
        loan.principal_balance = state.principal
        loan.escrow_balance = state.escrow
        loan.suspense_balance = state.suspense
        loan.late_charges_outstanding = state.late_charges
        loan.fees_outstanding = state.fees
        loan.deferred_principal = state.deferred
        loan.next_due_date = state.next_due_date
        loan.remaining_term_months = state.remaining_term_months
        if loan.status == Loan.Status.PAID_OFF and state.principal > 0:
            loan.status = Loan.Status.ACTIVE  # a returned payoff reopens the loan
        elif state.principal == 0:
            loan.status = Loan.Status.PAID_OFF
        loan.save()


def movement_from_row(row: LedgerTransaction) -> posting.Movement:
    return posting.Movement(
        kind=row.kind,
        amount=row.amount,
        principal=row.principal,
        interest=row.interest,
        escrow=row.escrow,
        suspense=row.suspense,
        late_charges=row.late_charges,
        fees=row.fees,
        installment_due_date=row.installment_due_date,
        advances_due_date=row.kind == LedgerTransaction.Kind.INSTALLMENT,
    )


def _lock_loan(loan_id: int) -> Loan:
    try:
        return Loan.objects.select_for_update().get(pk=loan_id)
    except Loan.DoesNotExist:
        raise NotFound("loan_not_found", "No such loan.") from None


def _require_payment_role(actor) -> None:
    if not user_has_role(actor, *PAYMENT_ROLES):
        raise PermissionRefused("forbidden", "Only specialists and managers may post or return payments.")


def ledger_open(*, loan: Loan, actor=None, effective_date: date | None = None) -> LedgerTransaction:
    """Write the boarding row that makes the ledger sum to the loan's opening balances.

    Call once, right after the loan row is created, inside the boarding transaction.
    """
    if loan.ledger.exists():
        raise DomainError("already_open", "This loan's ledger is already open.")
    return LedgerTransaction.objects.create(
        loan=loan,
        seq=1,
        kind=LedgerTransaction.Kind.OPENING,
        effective_date=effective_date or timezone.localdate(),
        amount=loan.principal_balance,
        principal=loan.principal_balance,
        escrow=loan.escrow_balance,
        suspense=loan.suspense_balance,
        late_charges=loan.late_charges_outstanding,
        fees=loan.fees_outstanding,
        principal_after=loan.principal_balance,
        escrow_after=loan.escrow_balance,
        suspense_after=loan.suspense_balance,
        late_charges_after=loan.late_charges_outstanding,
        fees_after=loan.fees_outstanding,
        deferred=loan.deferred_principal,
        deferred_after=loan.deferred_principal,
        next_due_date_after=loan.next_due_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        reference="boarding",
    )


def _assess_late_charges(writer: _LedgerWriter, as_of: date) -> list[LedgerTransaction]:
    assessed = set(
        writer.loan.ledger.filter(kind=LedgerTransaction.Kind.LATE_CHARGE).values_list(
            "installment_due_date", flat=True
        )
    )
    return [writer.write(move) for move in posting.late_charges_due(writer.state, as_of, assessed)]


@transaction.atomic
def late_charges_assess(*, loan_id: int, as_of: date, actor=None) -> list[LedgerTransaction]:
    """Assess any late charges due by `as_of`, once per installment. Idempotent."""
    loan = _lock_loan(loan_id)
    if not loan.is_active:
        return []
    writer = _LedgerWriter(loan, actor=actor, effective_date=as_of)
    before = _balances(loan)
    rows = _assess_late_charges(writer, as_of)
    if rows:
        writer.save_loan()
        audit_record(
            actor=actor,
            action="late_charge.assess",
            obj=loan,
            loan_id=loan.pk,
            before=before,
            after=_balances(loan),
            note=f"{len(rows)} late charge(s) as of {as_of.isoformat()}",
        )
    return rows


def _post(
    writer: _LedgerWriter,
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

    Preconditions: the actor is a specialist or manager; the loan is active; the amount is a
    positive number of cents no larger than the payoff. Side effects: late charges due by the
    payment date are assessed first, then the payment's ledger rows are written, the loan's
    balances and next due date move, and one audit record describes the change.
    Returns the payment's ledger row (its applications hang off it as `applications`).
    """
    _require_payment_role(actor)
    posting.validate_amount(amount)
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise DomainError(
            "future_date",
            "A payment cannot be received in the future.",
            status=400,
            fields={"received_on": ["Enter today or an earlier date."]},
        )
    loan = _lock_loan(loan_id)
    if not loan.is_active:
        raise DomainError(
            "loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}; it takes no payments."
        )
    before = _balances(loan)
    writer = _LedgerWriter(loan, actor=actor, effective_date=received_on)
    _assess_late_charges(writer, received_on)
    payment_row = _post(writer, amount, received_on, reference)
    writer.save_loan()
    audit_record(
        actor=actor,
        action="payment.post",
        obj=payment_row,
        loan_id=loan.pk,
        before=before,
        after=_balances(loan),
        note=f"Payment {amount} received {received_on.isoformat()}",
    )
    return payment_row


def live_payment_row(payment_id: int, loan_id: int | None = None) -> LedgerTransaction:
    """The ledger row that currently carries payment `payment_id`: the row itself, or the
    latest reapplication of it after an earlier returned payment was unwound."""
    rows = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYMENT, reversed_by__isnull=True)
    if loan_id is not None:
        rows = rows.filter(loan_id=loan_id)
    row = rows.filter(pk=payment_id).first() or rows.filter(original_payment_id=payment_id).order_by("-seq").first()
    if row is None:
        if LedgerTransaction.objects.filter(pk=payment_id, kind=LedgerTransaction.Kind.PAYMENT).exists():
            raise DomainError("already_reversed", "This payment has already been returned.")
        raise NotFound("payment_not_found", "No such payment.")
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
    _require_payment_role(actor)
    today = timezone.localdate()
    returned_on = returned_on or today
    if returned_on > today:
        raise DomainError(
            "future_date",
            "A payment cannot be returned in the future.",
            status=400,
            fields={"returned_on": ["Enter today or an earlier date."]},
        )
    target = live_payment_row(payment_id)
    loan = _lock_loan(target.loan_id)
    target = live_payment_row(payment_id, loan.pk)  # re-read under the lock
    if returned_on < target.effective_date:
        raise DomainError(
            "returned_before_received",
            f"The payment was received {target.effective_date.isoformat()}; it cannot be returned before that.",
            status=400,
            fields={"returned_on": [f"Enter {target.effective_date.isoformat()} or later."]},
        )
    before = _balances(loan)
    later = list(
        loan.ledger.filter(
            seq__gte=target.seq, kind__in=PAYMENT_DERIVED_KINDS, reversed_by__isnull=True, reversal_of__isnull=True
        ).order_by("-seq")
    )
    # Charges assessed after the returned payment, as they stand before the unwinding: a good
    # payment reposted below may pay only those that existed when it was first received.
    later_charges = list(
        loan.ledger.filter(
            seq__gt=target.seq, kind__in=(LedgerTransaction.Kind.LATE_CHARGE, LedgerTransaction.Kind.FEE)
        ).values_list("seq", "effective_date", "late_charges", "fees")
    )
    writer = _LedgerWriter(loan, actor=actor, effective_date=returned_on)
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
        _assess_late_charges(writer, row.effective_date)
        not_yet = [
            (late, fees)
            for seq, on, late, fees in later_charges
            if on > row.effective_date or (on == row.effective_date and seq > row.seq)
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
    _assess_late_charges(writer, returned_on)
    writer.save_loan()
    audit_record(
        actor=actor,
        action="payment.reverse_nsf",
        obj=target,
        loan_id=loan.pk,
        before=before,
        after=_balances(loan),
        note=f"Payment of {target.amount} returned: {reason}",
    )
    return nsf_row


@transaction.atomic
def fee_assess(*, actor, loan_id: int, amount: Decimal, reason: str, on: date | None = None) -> LedgerTransaction:
    """Assess a servicing fee (inspection, returned-payment fee). Managers only."""
    from accounts.roles import Role

    if not user_has_role(actor, Role.MANAGER):
        raise PermissionRefused("forbidden", "Only managers may assess fees.")
    posting.validate_amount(amount)
    if not reason.strip():
        raise DomainError("reason_required", "Say what the fee is for.", status=400, fields={"reason": ["Required."]})
    loan = _lock_loan(loan_id)
    if not loan.is_active:
        # Nothing would ever collect it: a closed loan takes no payments.
        raise DomainError(
            "loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}; it takes no fees."
        )
    before = _balances(loan)
    writer = _LedgerWriter(loan, actor=actor, effective_date=on or timezone.localdate())
    row = writer.write(posting.Movement(kind=posting.FEE, amount=amount, fees=amount), reference=reason)
    writer.save_loan()
    audit_record(
        actor=actor, action="fee.assess", obj=row, loan_id=loan.pk, before=before, after=_balances(loan), note=reason
    )
    return row


# Balance column on the loan -> its signed-change column in the ledger.
LEDGER_COLUMNS = {
    "principal_balance": "principal",
    "escrow_balance": "escrow",
    "suspense_balance": "suspense",
    "late_charges_outstanding": "late_charges",
    "fees_outstanding": "fees",
    "deferred_principal": "deferred",
}


def ledger_mismatches(loan_ids=None):
    """Loans whose stored balances differ from what their ledger sums to (should be none).

    Compared in whole cents: SQLite keeps decimals as floating point and SUM()s them inexactly
    (188,000.00 - 245.81 - 187,754.19 sums to -2.9e-11 there), so each amount is rounded to
    integer cents before summing. PostgreSQL's numeric is exact either way. The `sum_*`
    annotations (dollars, for display) are kept for callers.
    """
    from django.db.models import DecimalField, F, Q, Sum, Value
    from django.db.models.functions import Coalesce, Round

    loans = Loan.objects.all() if loan_ids is None else Loan.objects.filter(pk__in=loan_ids)
    hundred = Value(Decimal("100"), output_field=DecimalField(max_digits=4, decimal_places=0))

    def cents(expression):
        return Round(expression * hundred)

    short_names = {"principal": "principal", "escrow": "escrow", "suspense": "suspense"}
    short_names |= {"late_charges": "late", "fees": "fees", "deferred": "deferred"}
    annotations = {}
    mismatch = Q()
    for balance, column in LEDGER_COLUMNS.items():
        name = short_names[column]
        annotations[f"sum_{name}"] = Coalesce(Sum(f"ledger__{column}"), Value(ZERO))
        annotations[f"cents_{name}"] = Coalesce(Sum(cents(F(f"ledger__{column}"))), Value(ZERO))
        mismatch |= ~Q(**{f"cents_{name}": cents(F(balance))})
    return loans.annotate(**annotations).filter(mismatch)
