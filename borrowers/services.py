"""Writes to borrower accounts: boarding a loan, posting and returning payments, charges.

Every function here is atomic, locks the loan row it changes (payments on one loan are
serialised), checks the actor's role, writes ledger rows and an audit record.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.policy import Action, check
from accounts.roles import Role, user_has_role
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


def _as_date(value, field: str) -> date | None:
    """None or a plain date; anything else (a string, a datetime) is refused as bad input."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise DomainError("invalid_date", "Enter a date.", status=400, fields={field: ["Enter a date as YYYY-MM-DD."]})


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
    loan = _lock_loan(loan_id)
    check(actor, Action.PAYMENT, loan=loan, doing="post payments")
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
    loan = _lock_loan(target.loan_id)
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
    before = _balances(loan)
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
    loan = _lock_loan(loan_id)
    check(actor, Action.SUPERVISE, loan=loan, doing="assess fees")
    if not loan.is_active:
        # Nothing would ever collect it: a closed loan takes no payments.
        raise DomainError(
            "loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}; it takes no fees."
        )
    before = _balances(loan)
    writer = _LedgerWriter(loan, actor=actor, effective_date=on)
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


# Boarding ------------------------------------------------------------------------------------

MONEY_LIMIT = Decimal("1000000000")  # far above any residential loan; keeps 14-digit columns safe
MAX_TERM_MONTHS = 600  # 50 years: longer than any US residential note (40-year mods are the longest)
MAX_NOTE_RATE = Decimal("100")
LOAN_NUMBER_MAX_LENGTH = Loan._meta.get_field("loan_number").max_length


def _as_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int, float or numeric string; TypeError for anything else.

    A float goes through its shortest repr, so 1264.14 stays 1264.14 (not 1264.1400000000001).
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(type(value).__name__)
    return Decimal(str(value).strip())


class _Board:
    """Collects boarding field errors under their API names (`borrower.last_name`), then raises once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def money(self, name: str, value, *, required: bool = True, allow_zero: bool = True, allow_negative=False):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        try:
            amount = _as_decimal(value)
        except (ArithmeticError, TypeError):
            self.error(name, "Enter an amount such as 1234.56.")
            return None
        if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
            self.error(name, "Enter a finite amount below 1,000,000,000.00.")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(name, "Use at most two decimal places.")
            return None
        if amount < 0 and not allow_negative:
            self.error(name, "Cannot be negative.")
        elif amount == 0 and not allow_zero:
            self.error(name, "Must be greater than zero.")
        return amount.quantize(Decimal("0.01"))

    def rate(self, name: str, value):
        if value is None or value == "":
            self.error(name, "This field is required.")
            return None
        try:
            pct = _as_decimal(value)
        except (ArithmeticError, TypeError):
            self.error(name, "Enter a percent such as 6.500.")
            return None
        if not pct.is_finite() or not (0 <= pct < MAX_NOTE_RATE):
            self.error(name, "Enter a percent from 0.000 to 99.999.")
            return None
        if pct != pct.quantize(Decimal("0.001")):
            self.error(name, "Use at most three decimal places.")
            return None
        return pct.quantize(Decimal("0.001"))

    def integer(self, name: str, value, *, low: int, high: int, required: bool = True):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.error(name, "Enter a whole number.")
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(name, "Enter a whole number.")
            return None
        if not low <= number <= high:
            self.error(name, f"Enter a number from {low} to {high}.")
            return None
        return number

    def day(self, name: str, value, *, required: bool = True):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        if isinstance(value, datetime):
            self.error(name, "Enter a date without a time.")
            return None
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            self.error(name, "Enter a date as YYYY-MM-DD.")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(name, "Enter a date as YYYY-MM-DD.")
            return None

    def choice(self, name: str, value, choices, *, required: bool = True, default=None):
        if value is None or value == "":
            if required and default is None:
                self.error(name, "This field is required.")
            return default
        if not isinstance(value, str) or value not in choices:
            self.error(name, f"'{value}' is not a valid choice.")
            return None
        return value

    def text(self, name: str, value, *, max_length: int, required: bool = False) -> str:
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            self.error(name, "Enter text.")
            return ""
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.error(name, "This field is required.")
        elif len(text) > max_length:
            self.error(name, f"At most {max_length} characters.")
        return text

    def validated(self, name: str, value: str, field) -> str:
        """Run a model field's own validators (email, phone, SSN digits) on a non-blank value."""
        from django.core.exceptions import ValidationError

        if value:
            try:
                field.run_validators(value)
            except ValidationError as exc:
                for message in exc.messages:
                    self.error(name, message)
        return value


def _board_person(check: _Board, prefix: str, data) -> dict | None:
    from borrowers.models import Borrower, Language, Phone
    from borrowers.states import STATE_CODES

    if not isinstance(data, dict):
        check.error(prefix, "Send an object with the person's fields.")
        return None
    field = Borrower._meta.get_field
    person = {
        "first_name": check.text(f"{prefix}.first_name", data.get("first_name"), max_length=100, required=True),
        "last_name": check.text(f"{prefix}.last_name", data.get("last_name"), max_length=100, required=True),
        "email": check.validated(
            f"{prefix}.email", check.text(f"{prefix}.email", data.get("email"), max_length=254), field("email")
        ),
        "ssn_last4": check.validated(
            f"{prefix}.ssn_last4",
            check.text(f"{prefix}.ssn_last4", data.get("ssn_last4"), max_length=4),
            field("ssn_last4"),
        ),
        "preferred_language": check.choice(
            f"{prefix}.preferred_language",
            data.get("preferred_language"),
            Language.values,
            default=Language.ENGLISH,
        ),
        "mailing_state": check.choice(
            f"{prefix}.mailing_state", data.get("mailing_state"), STATE_CODES, required=False, default=""
        )
        or "",
    }
    for key, length in (("mailing_address1", 200), ("mailing_address2", 200), ("mailing_city", 100)):
        person[key] = check.text(f"{prefix}.{key}", data.get(key), max_length=length)
    person["mailing_zip"] = check.text(f"{prefix}.mailing_zip", data.get("mailing_zip"), max_length=10)

    phones = []
    raw_phones = data.get("phones") or []
    if not isinstance(raw_phones, list | tuple):
        check.error(f"{prefix}.phones", "Send a list of phones.")
        raw_phones = []
    raw_phones = list(raw_phones)
    if data.get("phone"):
        raw_phones.insert(0, {"number": data["phone"]})
    for index, raw in enumerate(raw_phones):
        name = f"{prefix}.phones[{index}]" if not (index == 0 and data.get("phone")) else f"{prefix}.phone"
        if isinstance(raw, str):
            raw = {"number": raw}
        if not isinstance(raw, dict):
            check.error(name, "Send a phone number or an object with `number`.")
            continue
        number = check.text(name, raw.get("number"), max_length=20, required=True)
        check.validated(name, number, Phone._meta.get_field("number"))
        phones.append(
            {
                "number": number,
                "kind": check.choice(f"{name}.kind", raw.get("kind"), Phone.Kind.values, default=Phone.Kind.MOBILE),
                # TCPA consent is never assumed: only an explicit true counts.
                "consent_to_call": raw.get("consent_to_call") is True,
                "is_primary": not phones,
            }
        )
    person["phones"] = phones
    return person


def _board_property(check: _Board, data, *, default_valued_on: date) -> dict | None:
    from borrowers.models import Property, Valuation
    from borrowers.states import STATE_CODES

    if not isinstance(data, dict):
        check.error("property", "Send an object with the property's fields.")
        return None
    prop = {
        "state": check.choice("property.state", data.get("state"), STATE_CODES),
        "occupancy": check.choice(
            "property.occupancy", data.get("occupancy"), Property.Occupancy.values, default=Property.Occupancy.OWNER
        ),
    }
    for key, length in (("address1", 200), ("address2", 200), ("city", 100), ("zip_code", 10)):
        prop[key] = check.text(f"property.{key}", data.get(key), max_length=length)
    value = check.money("property.market_value", data.get("market_value"), required=False, allow_zero=False)
    valuation = None
    if value is not None:
        valuation = {
            "value": value,
            "valued_on": check.day("property.valued_on", data.get("valued_on"), required=False) or default_valued_on,
            "kind": check.choice(
                "property.valuation_kind", data.get("valuation_kind"), Valuation.Kind.values, default=Valuation.Kind.BPO
            ),
            "source": check.text("property.valuation_source", data.get("valuation_source"), max_length=100),
        }
    prop["valuation"] = valuation
    return prop


def _duplicate(number: str) -> DomainError:
    return DomainError(
        "duplicate_loan_number",
        f"Loan number {number} is already boarded.",
        fields={"loan_number": ["A loan with this number already exists."]},
    )


def _require_board_role(actor) -> None:
    if not user_has_role(actor, Role.ADMIN, Role.MANAGER):
        raise PermissionRefused("forbidden", "Only managers and admins may board loans.")


@transaction.atomic
def loan_board(
    *,
    actor,
    loan_number: str,
    borrower: dict,
    property: dict,  # the API's field name; shadows the builtin inside this function only
    investor: str,
    original_balance: Decimal,
    note_rate: Decimal,
    original_term_months: int,
    first_payment_date: date,
    next_due_date: date,
    monthly_escrow: Decimal = ZERO,
    principal_balance: Decimal | None = None,
    program: str | None = None,
    monthly_pi: Decimal | None = None,
    remaining_term_months: int | None = None,
    co_borrower: dict | None = None,
    origination_date: date | None = None,
    lien_position: int = 1,
    escrow_balance: Decimal = ZERO,
    grace_days: int | None = None,
    late_charge_pct: Decimal | None = None,
    assigned_to=None,
    boarded_on: date | None = None,
) -> Loan:
    """Board a loan: create the borrower (and co-borrower, phones), property (and valuation),
    the loan with its computed terms, its opening ledger row and an audit record.

    Preconditions: the actor is a manager or admin (PermissionRefused otherwise); the loan number
    is new (DomainError `duplicate_loan_number`, 409); every field is well formed (BadInput
    `invalid` with `fields` keyed as the API names them, e.g. `property.state`). Plain values
    are accepted (strings for amounts and ISO dates) so importers and the API share this path.
    Computed when absent: `monthly_pi` (level payment on the original balance, rate and term:
    the note's contractual P&I), `maturity_date` (first payment + term - 1 months),
    `remaining_term_months` (installments from next due through maturity), `program` (by
    investor), `origination_date` (a month before the first payment), `foreclosure_type` (by
    property state). The market value, when given, becomes a valuation as of
    `property.valued_on` (default: the boarding date).
    Side effects: rows in Borrower, Phone, Property, Valuation, Loan, LedgerTransaction (opening)
    and one AuditEvent, all in one transaction.
    """
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError

    from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Borrower, Investor, Phone, Program, Valuation
    from borrowers.models import Property as PropertyModel
    from borrowers.states import foreclosure_type_for_state
    from lossmit.errors import BadInput
    from workouts.domain.amortization import monthly_payment
    from workouts.domain.dates import add_months, months_between

    _require_board_role(actor)
    boarded_on = boarded_on or timezone.localdate()
    check = _Board()
    if assigned_to is not None and not isinstance(assigned_to, get_user_model()):
        check.error("assigned_to", "Assign the loan to a user.")
        assigned_to = None

    number = check.text("loan_number", loan_number, max_length=LOAN_NUMBER_MAX_LENGTH, required=True)
    investor = check.choice("investor", investor, Investor.values)
    program = check.choice("program", program, Program.values, required=False)
    if program is None and investor is not None and "program" not in check.errors:
        program = DEFAULT_PROGRAM_BY_INVESTOR[Investor(investor)]
    person = _board_person(check, "borrower", borrower)
    co_person = _board_person(check, "co_borrower", co_borrower) if co_borrower else None
    prop = _board_property(check, property, default_valued_on=boarded_on)

    original = check.money("original_balance", original_balance, allow_zero=False)
    principal = check.money(
        "principal_balance", original if principal_balance is None else principal_balance, allow_zero=False
    )
    rate_pct = check.rate("note_rate", note_rate)
    term = check.integer("original_term_months", original_term_months, low=1, high=MAX_TERM_MONTHS)
    remaining = check.integer(
        "remaining_term_months", remaining_term_months, low=0, high=MAX_TERM_MONTHS, required=False
    )
    escrow = check.money("monthly_escrow", monthly_escrow)
    pi = check.money("monthly_pi", monthly_pi, required=False)
    escrow_opening = check.money("escrow_balance", escrow_balance, allow_negative=True)  # negative = advanced
    lien = check.integer("lien_position", lien_position, low=1, high=9)
    grace = check.integer("grace_days", grace_days, low=0, high=60, required=False)
    late_pct = None
    if late_charge_pct is not None:
        late_pct = check.rate("late_charge_pct", late_charge_pct)
        if late_pct is not None and late_pct > 10:
            check.error("late_charge_pct", "A late charge above 10% of P&I is not a note term we accept.")

    first_due = check.day("first_payment_date", first_payment_date)
    next_due = check.day("next_due_date", next_due_date)
    originated = check.day("origination_date", origination_date, required=False)
    maturity = None
    if first_due is not None:
        originated = originated or add_months(first_due, -1)
        if originated > first_due:
            check.error("origination_date", "The loan cannot originate after its first payment is due.")
        if term is not None:
            maturity = add_months(first_due, term - 1)
    if first_due is not None and next_due is not None:
        # Installments fall on the note's due day; the posting rules step from next_due by it.
        months = months_between(first_due, next_due)
        if next_due < first_due:
            check.error("next_due_date", "The next due date cannot be before the first payment date.")
        elif next_due != add_months(first_due, months, day=first_due.day):
            check.error("next_due_date", f"Installments fall due on day {first_due.day} of the month.")
        elif maturity is not None and next_due > maturity:
            check.error("next_due_date", f"The next due date is after maturity ({maturity.isoformat()}).")
        elif remaining is None and maturity is not None:
            remaining = months_between(next_due, maturity) + 1
    if pi is None and original is not None and rate_pct is not None and term is not None:
        pi = monthly_payment(original, rate_pct, term)
    if pi is not None and pi == 0 and principal:
        check.error("monthly_pi", "A loan with a balance needs a monthly P&I.")
    if check.errors:  # shape first, then the state conflict
        first = next(iter(check.errors))
        raise BadInput("invalid", f"The loan cannot be boarded: {first}: {check.errors[first][0]}", fields=check.errors)
    if Loan.objects.filter(loan_number=number).exists():
        raise _duplicate(number)

    def make_person(data: dict) -> Borrower:
        phones = data.pop("phones")
        made = Borrower.objects.create(**data)
        Phone.objects.bulk_create([Phone(borrower=made, **phone) for phone in phones])
        return made

    main = make_person(person)
    co = make_person(co_person) if co_person else None
    valuation = prop.pop("valuation")
    home = PropertyModel.objects.create(**prop)
    if valuation:
        Valuation.objects.create(property=home, **valuation)
    extra = {}
    if grace is not None:
        extra["grace_days"] = grace
    if late_pct is not None:
        extra["late_charge_pct"] = late_pct
    try:
        with transaction.atomic():  # a savepoint: a racing duplicate must not poison the caller's transaction
            loan = Loan.objects.create(
                loan_number=number,
                borrower=main,
                co_borrower=co,
                property=home,
                investor=investor,
                program=program,
                lien_position=lien,
                origination_date=originated,
                original_balance=original,
                note_rate=rate_pct,
                original_term_months=term,
                remaining_term_months=remaining,
                first_payment_date=first_due,
                maturity_date=maturity,
                monthly_pi=pi,
                monthly_escrow=escrow,
                principal_balance=principal,
                escrow_balance=escrow_opening,
                next_due_date=next_due,
                foreclosure_type=foreclosure_type_for_state(home.state),
                assigned_to=assigned_to,
                **extra,
            )
    except IntegrityError:  # boarded by someone else since the check above
        raise _duplicate(number) from None
    ledger_open(loan=loan, actor=actor, effective_date=boarded_on)
    audit_record(
        actor=actor,
        action="loan.board",
        obj=loan,
        loan_id=loan.pk,
        before=None,
        after={
            **_balances(loan),
            "loan_number": loan.loan_number,
            "investor": loan.investor,
            "program": loan.program,
            "monthly_pi": str(loan.monthly_pi),
            "monthly_escrow": str(loan.monthly_escrow),
            "note_rate": str(loan.note_rate),
            "remaining_term_months": loan.remaining_term_months,
            "maturity_date": loan.maturity_date.isoformat(),
        },
        note=f"Boarded {loan.loan_number}",
    )
    return loan
