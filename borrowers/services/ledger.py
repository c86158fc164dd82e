"""The ledger every borrower-account write goes through: the loan's state for posting, the
writer that appends ledger rows and keeps the loan's balances equal to their sum, the
opening row, late charges, and the check that balances still equal the ledger."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from audit.services import audit_record
from borrowers import posting
from borrowers.models import LedgerTransaction, Loan
from lossmit.errors import DomainError, NotFound
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


def loan_balances(loan: Loan) -> dict[str, str]:
    return {
        "principal_balance": str(loan.principal_balance),
        "escrow_balance": str(loan.escrow_balance),
        "suspense_balance": str(loan.suspense_balance),
        "late_charges_outstanding": str(loan.late_charges_outstanding),
        "fees_outstanding": str(loan.fees_outstanding),
        "next_due_date": loan.next_due_date.isoformat(),
        "status": loan.status,
    }


class LedgerWriter:
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


def lock_loan(loan_id: int) -> Loan:
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


def assess_late_charges(writer: LedgerWriter, as_of: date) -> list[LedgerTransaction]:
    assessed = set(
        writer.loan.ledger.filter(kind=LedgerTransaction.Kind.LATE_CHARGE).values_list(
            "installment_due_date", flat=True
        )
    )
    return [writer.write(move) for move in posting.late_charges_due(writer.state, as_of, assessed)]


@transaction.atomic
def late_charges_assess(*, loan_id: int, as_of: date, actor=None) -> list[LedgerTransaction]:
    """Assess any late charges due by `as_of`, once per installment. Idempotent."""
    loan = lock_loan(loan_id)
    if not loan.is_active:
        return []
    writer = LedgerWriter(loan, actor=actor, effective_date=as_of)
    before = loan_balances(loan)
    rows = assess_late_charges(writer, as_of)
    if rows:
        writer.save_loan()
        audit_record(
            actor=actor,
            action="late_charge.assess",
            obj=loan,
            loan_id=loan.pk,
            before=before,
            after=loan_balances(loan),
            note=f"{len(rows)} late charge(s) as of {as_of.isoformat()}",
        )
    return rows


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
    from django.db.models import DecimalField, F, Sum, Value
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
