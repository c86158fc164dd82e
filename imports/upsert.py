"""Set-based boarding and update of loans from a file, shared by the tape and Freddie imports.

A source parses its file into `LoanInput` records; `upsert_chunk` takes a chunk of them and,
with a handful of queries per chunk (never a query per loan):
- boards loans it has not seen (borrower, primary phone, property, valuation, loan, and the
  opening ledger row that makes the ledger sum to the opening balances, as `ledger_open` does);
- updates loans it has, field by field, only where a value differs; a changed balance is never
  overwritten silently but written as an ADJUSTMENT ledger row carrying the difference, so
  `borrowers.services.ledger_mismatches()` stays empty;
- leaves identical loans alone, so loading the same file twice changes nothing.

It returns the action taken for each record ("new", "updated", "unchanged"); with `write=False`
it only classifies (the preview and --dry-run).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from workouts.domain.money import ZERO

NEW = "new"
UPDATED = "updated"
UNCHANGED = "unchanged"

# Loan columns an import owns. Balances are handled apart (through the ledger); suspense, late
# charges, fees, assignment and grace terms belong to Lossmit's own servicing and are left alone.
LOAN_FIELDS = (
    "investor",
    "program",
    "lien_position",
    "origination_date",
    "original_balance",
    "note_rate",
    "original_term_months",
    "remaining_term_months",
    "first_payment_date",
    "maturity_date",
    "next_due_date",
    "monthly_pi",
    "monthly_escrow",
    "foreclosure_type",
)
BORROWER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "preferred_language",
    "mailing_address1",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
)
PROPERTY_FIELDS = ("address1", "city", "state", "zip_code", "occupancy")
# (LoanInput attribute, Loan balance field, ledger delta column, ledger *_after column)
BALANCES = (
    ("principal_balance", "principal_balance", "principal", "principal_after"),
    ("escrow_balance", "escrow_balance", "escrow", "escrow_after"),
    ("deferred_principal", "deferred_principal", "deferred", "deferred_after"),
)
BATCH_SIZE = 1000


@dataclass(slots=True)
class LoanInput:
    """One loan as a source file describes it, already validated and typed."""

    line: int
    loan_number: str
    loan: dict  # LOAN_FIELDS, plus "status" when the source carries it
    principal_balance: Decimal
    escrow_balance: Decimal
    borrower: dict  # BORROWER_FIELDS the source carries
    property: dict  # PROPERTY_FIELDS
    phone: str = ""
    # None: the source does not carry deferred principal, so an update leaves it alone.
    deferred_principal: Decimal | None = None
    valuation: tuple[Decimal, date, str, str] | None = None  # value, valued_on, kind, source


@dataclass
class ChunkContext:
    """What the writes of one run share: who, on which date, with what ledger reference."""

    actor: object = None
    effective_date: date = field(default_factory=timezone.localdate)
    reference: str = "import"
    ledger_rows: int = 0

    @property
    def actor_or_none(self):
        return self.actor if getattr(self.actor, "is_authenticated", False) else None


def _differs(obj, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def upsert_chunk(records: Sequence[LoanInput], *, ctx: ChunkContext, write: bool) -> list[str]:
    """Board or update one chunk of records (loan numbers unique within the chunk)."""
    loans = Loan.objects.filter(loan_number__in=[r.loan_number for r in records]).select_related("borrower", "property")
    existing = {loan.loan_number: loan for loan in loans}
    old = [(r, existing[r.loan_number]) for r in records if r.loan_number in existing]
    phones: dict[int, Phone] = {}
    valuations: set[tuple[int, date, Decimal]] = set()
    if old:
        for phone in Phone.objects.filter(borrower_id__in=[loan.borrower_id for _, loan in old]).order_by(
            "-is_primary", "id"
        ):
            phones.setdefault(phone.borrower_id, phone)
        valuations = set(
            Valuation.objects.filter(property_id__in=[loan.property_id for _, loan in old]).values_list(
                "property_id", "valued_on", "value"
            )
        )

    actions: dict[str, str] = {}
    new_records = [r for r in records if r.loan_number not in existing]
    for r in new_records:
        actions[r.loan_number] = NEW

    loan_updates: list[Loan] = []
    loan_update_fields: set[str] = set()
    borrower_updates: list[Borrower] = []
    borrower_update_fields: set[str] = set()
    property_updates: list[Property] = []
    property_update_fields: set[str] = set()
    phone_updates: list[Phone] = []
    phone_creates: list[Phone] = []
    valuation_creates: list[Valuation] = []
    targets: dict[int, LoanInput] = {}  # loans to update, by id: the record they move to

    for r, loan in old:
        changed = False
        loan_fields = _differs(loan, r.loan)
        deltas = {}
        for attr, balance_field, _col, _after in BALANCES:
            value = getattr(r, attr)
            if value is not None and value != getattr(loan, balance_field):
                deltas[balance_field] = value - getattr(loan, balance_field)
        if loan_fields or deltas:
            changed = True
            for name in loan_fields:
                setattr(loan, name, r.loan[name])
            loan_update_fields.update(loan_fields)
            loan_update_fields.update(deltas)
            loan_updates.append(loan)
            targets[loan.pk] = r
        borrower_fields = _differs(loan.borrower, r.borrower)
        if borrower_fields:
            changed = True
            for name in borrower_fields:
                setattr(loan.borrower, name, r.borrower[name])
            borrower_updates.append(loan.borrower)
            borrower_update_fields.update(borrower_fields)
        property_fields = _differs(loan.property, r.property)
        if property_fields:
            changed = True
            for name in property_fields:
                setattr(loan.property, name, r.property[name])
            property_updates.append(loan.property)
            property_update_fields.update(property_fields)
        if r.phone:
            phone = phones.get(loan.borrower_id)
            if phone is None:
                changed = True
                phone_creates.append(Phone(borrower_id=loan.borrower_id, number=r.phone, is_primary=True))
            elif phone.number != r.phone:
                changed = True
                phone.number = r.phone
                phone_updates.append(phone)
        if r.valuation is not None:
            value, valued_on, kind, source = r.valuation
            if (loan.property_id, valued_on, value) not in valuations:
                changed = True
                valuation_creates.append(
                    Valuation(property_id=loan.property_id, kind=kind, value=value, valued_on=valued_on, source=source)
                )
        actions[r.loan_number] = UPDATED if changed else UNCHANGED

    if write:
        _board(new_records, ctx)
        if loan_updates:
            now = timezone.now()
            for loan in loan_updates:
                loan.updated_at = now
            _adjust(_locked_deltas(loan_updates, targets), ctx)
            # Every balance column the import owns is written: the values were re-read under the lock.
            owned = {balance_field for _attr, balance_field, _column, _after in BALANCES}
            Loan.objects.bulk_update(
                loan_updates, sorted(loan_update_fields | owned | {"updated_at"}), batch_size=BATCH_SIZE
            )
        if borrower_updates:
            Borrower.objects.bulk_update(borrower_updates, sorted(borrower_update_fields), batch_size=BATCH_SIZE)
        if property_updates:
            Property.objects.bulk_update(property_updates, sorted(property_update_fields), batch_size=BATCH_SIZE)
        if phone_updates:
            Phone.objects.bulk_update(phone_updates, ["number"], batch_size=BATCH_SIZE)
        Phone.objects.bulk_create(phone_creates, batch_size=BATCH_SIZE)
        Valuation.objects.bulk_create(valuation_creates, batch_size=BATCH_SIZE)
    return [actions[r.loan_number] for r in records]


class _Table:
    """Plain multi-row INSERTs for one model, bypassing per-object ORM work.

    A million-row tape spends most of its time in bulk_create's per-field compilation; the
    values here are already typed and validated, so rows go to the driver as tuples:
    psycopg2's execute_values on PostgreSQL, plain multi-row VALUES on SQLite. Columns the
    caller does not give take the model field's default (or "now" for auto timestamps), as
    the ORM would.
    """

    def __init__(self, model, now):
        self.model = model
        concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
        adapted_now = connection.ops.adapt_datetimefield_value(now)
        self.attnames = [f.attname for f in concrete]
        self.columns = [f.column for f in concrete]
        self.defaults = {
            f.attname: adapted_now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else
            f.get_default()
            for f in concrete
        }  # fmt: skip

    def row(self, values: dict) -> tuple:
        defaults = self.defaults
        return tuple(_plain(values[name]) if name in values else defaults[name] for name in self.attnames)

    def insert(self, rows: list[tuple], *, returning: bool = False) -> list[int]:
        """Insert rows; with `returning`, their new ids in row order (as bulk_create assumes)."""
        if not rows:
            return []
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        table = quote(self.model._meta.db_table)
        suffix = " RETURNING id" if returning else ""
        ids: list[int] = []
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the driver's own cursor
            if connection.vendor == "postgresql":
                return self._copy(cursor, rows, returning=returning)
            per_statement = max(1, connection.features.max_query_params // len(self.columns))
            one = "(" + ", ".join("?" * len(self.columns)) + ")"
            for start in range(0, len(rows), per_statement):
                batch = rows[start : start + per_statement]
                cursor.execute(
                    # Table and column names come from model meta, quoted; values are bound.
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}{suffix}",  # noqa: S608
                    [value for row in batch for value in row],
                )
                if returning:
                    ids.extend(r[0] for r in cursor.fetchall())
        return ids

    def _copy(self, cursor, rows: list[tuple], *, returning: bool) -> list[int]:
        """PostgreSQL COPY, the fastest way in; ids, when wanted, are drawn from the table's
        sequence first so the rows can carry them."""
        quote = connection.ops.quote_name
        table = self.model._meta.db_table
        columns = self.columns
        ids: list[int] = []
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns = ["id", *columns]
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        buffer = io.StringIO()
        buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        buffer.seek(0)
        names = ", ".join(quote(c) for c in columns)
        cursor.copy_expert(f"COPY {quote(table)} ({names}) FROM STDIN", buffer)
        return ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, date):  # dates and aware datetimes
        return value.isoformat()
    return str(value)


def _plain(value):
    # Drivers bind plain str, not the TextChoices members the sources use.
    return value.value if isinstance(value, Enum) else value


def _board(records: Sequence[LoanInput], ctx: ChunkContext) -> None:
    """Create borrowers, properties, loans, phones, valuations and opening ledger rows."""
    if not records:
        return
    now = timezone.now()
    borrower_table = _Table(Borrower, now)
    borrower_ids = borrower_table.insert([borrower_table.row(r.borrower) for r in records], returning=True)
    property_table = _Table(Property, now)
    property_ids = property_table.insert([property_table.row(r.property) for r in records], returning=True)
    loan_table = _Table(Loan, now)
    loan_rows = []
    for r, borrower_id, property_id in zip(records, borrower_ids, property_ids, strict=True):
        values = dict(r.loan)
        values.update(
            loan_number=r.loan_number,
            borrower_id=borrower_id,
            property_id=property_id,
            principal_balance=r.principal_balance,
            escrow_balance=r.escrow_balance,
            deferred_principal=r.deferred_principal or ZERO,
        )
        loan_rows.append(loan_table.row(values))
    loan_ids = loan_table.insert(loan_rows, returning=True)
    phone_table = _Table(Phone, now)
    phone_table.insert(
        [
            phone_table.row({"borrower_id": borrower_id, "number": r.phone, "is_primary": True})
            for r, borrower_id in zip(records, borrower_ids, strict=True)
            if r.phone
        ]
    )
    valuation_table = _Table(Valuation, now)
    valuation_table.insert(
        [
            valuation_table.row(
                {"property_id": property_id, "value": r.valuation[0], "valued_on": r.valuation[1],
                 "kind": r.valuation[2], "source": r.valuation[3]}
            )
            for r, property_id in zip(records, property_ids, strict=True)
            if r.valuation is not None
        ]
    )  # fmt: skip
    # The opening row, exactly as borrowers.services.ledger_open writes it.
    actor_id = ctx.actor_or_none.pk if ctx.actor_or_none else None
    ledger_table = _Table(LedgerTransaction, now)
    openings = []
    for r, loan_id in zip(records, loan_ids, strict=True):
        deferred = r.deferred_principal or ZERO
        openings.append(
            ledger_table.row(
                {
                    "loan_id": loan_id,
                    "seq": 1,
                    "kind": LedgerTransaction.Kind.OPENING.value,
                    "effective_date": ctx.effective_date,
                    "amount": r.principal_balance,
                    "principal": r.principal_balance,
                    "escrow": r.escrow_balance,
                    "deferred": deferred,
                    "principal_after": r.principal_balance,
                    "escrow_after": r.escrow_balance,
                    "deferred_after": deferred,
                    "next_due_date_after": r.loan["next_due_date"],
                    "created_by_id": actor_id,
                    "reference": "boarding",
                }
            )
        )
    ledger_table.insert(openings)
    ctx.ledger_rows += len(openings)


BALANCE_COLUMNS = (
    "principal_balance",
    "escrow_balance",
    "suspense_balance",
    "late_charges_outstanding",
    "fees_outstanding",
    "deferred_principal",
)


def _locked_deltas(loans: list[Loan], targets: dict[int, LoanInput]) -> list[tuple[Loan, dict[str, Decimal]]]:
    """Lock the loans about to change and take their balances as they are now.

    Payments post under a lock on the loan row. Only loans that change are locked (locking a
    million unchanged rows on a reload would write a lock to each); their balances are re-read
    under the lock, so each adjustment is the difference from the balance it really replaces.
    """
    current = {
        row["pk"]: row
        for row in Loan.objects.select_for_update()
        .filter(pk__in=[loan.pk for loan in loans])
        .values("pk", *BALANCE_COLUMNS)
    }
    adjustments = []
    for loan in loans:
        for name in BALANCE_COLUMNS:
            setattr(loan, name, current[loan.pk][name])
        record = targets[loan.pk]
        deltas = {}
        for attr, balance_field, _column, _after in BALANCES:
            value = getattr(record, attr)
            if value is not None and value != getattr(loan, balance_field):
                deltas[balance_field] = value - getattr(loan, balance_field)
        if deltas:
            adjustments.append((loan, deltas))
    return adjustments


def _adjust(adjustments: list[tuple[Loan, dict[str, Decimal]]], ctx: ChunkContext) -> None:
    """One ADJUSTMENT row per changed balance, appended after each loan's last ledger row.

    The loan objects still hold their old balances here; this moves them to the new ones.
    """
    if not adjustments:
        return
    last_seq = dict(
        LedgerTransaction.objects.filter(loan_id__in=[loan.pk for loan, _ in adjustments])
        .values("loan_id")
        .annotate(m=Max("seq"))
        .values_list("loan_id", "m")
    )
    actor = ctx.actor_or_none
    rows = []
    for loan, deltas in adjustments:
        seq = last_seq.get(loan.pk, 0)
        for _attr, balance_field, column, _after in BALANCES:
            delta = deltas.get(balance_field)
            if delta is None:
                continue
            setattr(loan, balance_field, getattr(loan, balance_field) + delta)
            seq += 1
            rows.append(
                LedgerTransaction(
                    loan=loan,
                    seq=seq,
                    kind=LedgerTransaction.Kind.ADJUSTMENT,
                    effective_date=ctx.effective_date,
                    amount=delta,
                    principal_after=loan.principal_balance,
                    escrow_after=loan.escrow_balance,
                    suspense_after=loan.suspense_balance,
                    late_charges_after=loan.late_charges_outstanding,
                    fees_after=loan.fees_outstanding,
                    deferred_after=loan.deferred_principal,
                    next_due_date_after=loan.next_due_date,
                    created_by=actor,
                    reference=f"{ctx.reference} {column}"[:64],
                    **{column: delta},
                )
            )
    LedgerTransaction.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    ctx.ledger_rows += len(rows)
