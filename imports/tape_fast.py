# ruff: noqa: S608 - SQL here is built from model meta and fixed staging names; values are bound.
"""The servicing tape on PostgreSQL: vectorised checking, COPY into a staging table, set-based upsert.

The per-row path (imports/tape.py `parse_row` then imports/upsert.py) types every value of
every row in Python and boards loans through Python tuples; a million-row tape took 15
minutes. Here, with the same rules and the same messages:

1. Check, a chunk of rows at a time, column by column: each column's distinct values are
   checked once (dates, codes, terms repeat across a tape); money and loan numbers with one
   regex over the whole joined column (per value only when that fails); lengths, blanks and
   emails only where a chunk's column needs it. The screen is deliberately strict: a row it
   doubts is re-checked by `parse_row` itself, so every error has exactly the per-row path's
   line, column and message, and a row the screen passes is one `parse_row` accepts.
2. Clean rows are normalised (codes upper-cased, US dates to ISO, blanks to their defaults,
   the derived maturity date, P&I and foreclosure type) and spooled as CSV to a temporary file.
3. Only a clean file is applied: COPY into a temporary table, then one CREATE TABLE AS joins
   it to the loans it names and builds the staging table: each row's action (new, updated,
   unchanged: IS DISTINCT FROM on every owned column) and, for a new loan, the ids it boards
   with. Then a few set-based statements write: inserts for new loans, UPDATEs only where a
   value differs, and ADJUSTMENT ledger rows for changed balances exactly as imports/upsert.py
   writes them. A repeat load of the same file writes nothing.
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.db.models import Model

from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from borrowers.states import STATE_CODES, foreclosure_type_for_state
from imports.tape import (
    _EMAIL_SAFE,
    _INT,
    _LOAN_NUMBER,
    _MONEY,
    _PHONE,
    _RATE,
    _ZIP,
    COLUMN_NAMES,
    INVESTORS,
    LANGUAGES,
    MAX_TERM_MONTHS,
    OCCUPANCY,
    PROGRAMS,
    REQUIRED,
    VALUATION_SOURCE,
    RowError,
    TapeCheck,
    _Bad,
    _date,
    check_header,
    parse_row,
)
from imports.upsert import BORROWER_FIELDS, LOAN_FIELDS, NEW, PROPERTY_FIELDS, UNCHANGED, UPDATED, LoanInput
from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months, months_between

CHECK_CHUNK = 20_000
_BAD = object()

# Staging columns: the tape's, then what the loader derives.
STAGE_COLUMNS = (*COLUMN_NAMES, "maturity_date", "foreclosure_type")
# Model field <- staging column.
LOAN_SOURCE = {name: name for name in LOAN_FIELDS}
BORROWER_SOURCE = {
    "first_name": "borrower_first_name",
    "last_name": "borrower_last_name",
    "email": "borrower_email",
    "preferred_language": "borrower_language",
    "mailing_address1": "mailing_address1",
    "mailing_city": "mailing_city",
    "mailing_state": "mailing_state",
    "mailing_zip": "mailing_zip",
}
PROPERTY_SOURCE = {
    "address1": "property_address1",
    "city": "property_city",
    "state": "property_state",
    "zip_code": "property_zip",
    "occupancy": "occupancy",
}
assert tuple(BORROWER_SOURCE) == BORROWER_FIELDS
assert tuple(PROPERTY_SOURCE) == PROPERTY_FIELDS


@dataclass
class FastCheck(TapeCheck):
    """The check's outcome, plus the spooled clean rows (a CSV file of STAGE_COLUMNS)."""

    spool: object = None
    spooled: int = 0
    extra: list = field(default_factory=list)


# --------------------------------------------------------------------------- checking


def _by_value(column: list[str], parse: Callable[[str], object], *, blank=None) -> list:
    """Parse each distinct value once; `_BAD` where it fails. Blank values give `blank`."""
    cache: dict[str, object] = {"": blank}
    for value in set(column):
        if value in cache:
            continue
        try:
            cache[value] = parse(value)
        except _Bad:
            cache[value] = _BAD
    return list(map(cache.__getitem__, column))


def _upper_in(choices: frozenset[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        code = value.upper()
        if code not in choices:
            raise _Bad(value)
        return code

    return parse


def _lower_in(choices) -> Callable[[str], str]:
    def parse(value: str) -> str:
        code = value.lower()
        if code not in choices:
            raise _Bad(value)
        return code

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not _INT.match(value) or not low <= int(value) <= high:
            raise _Bad(value)
        return int(value)

    return parse


def _matches(regex) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not regex.match(value):
            raise _Bad(value)
        return value

    return parse


def _flag(suspect: set[int], values: list) -> None:
    if _BAD in values:  # a C-level scan; most columns of most chunks have no bad value
        suspect.update(i for i, v in enumerate(values) if v is _BAD)


# Whole-column forms of the money rule (blanks allowed): one regex pass over a chunk's column
# joined by newlines. A value that itself holds a newline shows up in the count and sends the
# column to the per-value test, so a pass here means every value passes `_MONEY` on its own.
_MONEY_COLUMN = re.compile(r"(?:(?:\d{1,12}(?:\.\d{1,2})?)?\n)*")
_SIGNED_MONEY_COLUMN = re.compile(r"(?:(?:-?\d{1,12}(?:\.\d{1,2})?)?\n)*")
_LOAN_NUMBER_COLUMN = re.compile(r"(?:[A-Za-z0-9-]{1,20}\n)*")


def _column_matches(pattern: re.Pattern, values: list[str]) -> bool:
    text = "\n".join(values) + "\n" if values else ""
    return text.count("\n") == len(values) and pattern.fullmatch(text) is not None


def _where(suspect: set[int], values: list, bad: set) -> None:
    """Flag the rows holding one of the `bad` values."""
    if bad:
        suspect.update(i for i, v in enumerate(values) if v in bad)


# Whitespace at either end of a value in a column joined by NULs (regex \s is str.isspace, what
# str.strip removes; NUL is not whitespace).
_EDGE_SPACE = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")


def _stripped(column: tuple[str, ...]) -> list[str]:
    """The column's values stripped, skipping the per-value work when no value needs it."""
    text = "\0".join(column)
    if text.count("\0") == len(column) - 1 and not _EDGE_SPACE.search(text):
        return list(column)
    return list(map(str.strip, column))


def _screen(names: list[str], rows: list[list[str]]) -> tuple[set[int], list[list[str]]]:
    """Rows (by index) that may be bad, and the normalised STAGE_COLUMNS values of every row
    (meaningful only for rows not in the suspect set)."""
    n = len(rows)
    by_name = dict(zip(names, map(_stripped, zip(*rows, strict=True)), strict=True))
    blank = [""] * n

    def col(name: str) -> list[str]:
        return by_name.get(name, blank)

    suspect: set[int] = set()
    for name in REQUIRED:
        values = col(name)
        if "" in values:
            suspect.update(i for i, v in enumerate(values) if not v)

    loan_number = col("loan_number")
    if not _column_matches(_LOAN_NUMBER_COLUMN, loan_number):
        match = _LOAN_NUMBER.match
        suspect.update(i for i, v in enumerate(loan_number) if not match(v))

    investor = _by_value(col("investor"), _upper_in(INVESTORS))
    program = _by_value(col("program"), _upper_in(PROGRAMS), blank="")
    lien = _by_value(col("lien_position"), _int_between(1, 9), blank=1)
    terms = [
        _by_value(col(c), _int_between(1, MAX_TERM_MONTHS)) for c in ("original_term_months", "remaining_term_months")
    ]
    dates = {
        c: _by_value(col(c), _date)
        for c in ("origination_date", "first_payment_date", "next_due_date", "valuation_date")
    }
    rate = _by_value(col("note_rate"), _matches(_RATE))
    language = _by_value(col("borrower_language"), _lower_in(LANGUAGES), blank="en")
    states = {c: _by_value(col(c), _upper_in(STATE_CODES), blank="") for c in ("mailing_state", "property_state")}
    zips = [_by_value(col(c), _matches(_ZIP), blank="") for c in ("mailing_zip", "property_zip")]
    occupancy = _by_value(col("occupancy"), lambda v: OCCUPANCY.get(v.lower()) or _raise_bad(v))
    phone = _by_value(col("borrower_phone"), _matches(_PHONE), blank="")
    for values in (investor, program, lien, *terms, *dates.values(), rate, language, *states.values(), *zips):
        _flag(suspect, values)
    _flag(suspect, occupancy)
    _flag(suspect, phone)

    money = _MONEY.match
    for name, negative in (
        ("original_balance", False),
        ("principal_balance", False),
        ("monthly_pi", False),
        ("monthly_escrow", False),
        ("market_value", False),
        ("escrow_balance", True),
    ):
        values = col(name)
        if _column_matches(_SIGNED_MONEY_COLUMN if negative else _MONEY_COLUMN, values):
            continue
        if negative:
            suspect.update(i for i, v in enumerate(values) if v and not money(v))
        else:
            suspect.update(i for i, v in enumerate(values) if v and (not money(v) or v[0] == "-"))
    market = col("market_value")
    valued = col("valuation_date")
    # market_value must be more than 0.00 (a regex-valid amount: float is exact enough to tell 0).
    _where(suspect, market, {v for v in set(market) if v and money(v) and float(v) <= 0})
    if "" in valued:
        suspect.update(i for i, v in enumerate(market) if v and not valued[i])

    for name, limit in (
        ("borrower_first_name", 100),
        ("borrower_last_name", 100),
        ("mailing_address1", 200),
        ("mailing_city", 100),
        ("property_address1", 200),
        ("property_city", 100),
    ):
        values = col(name)
        if values and max(map(len, values)) > limit:
            suspect.update(i for i, v in enumerate(values) if len(v) > limit)
    email_ok = _EMAIL_SAFE.match
    emails = col("borrower_email")
    _where(suspect, emails, {v for v in set(emails) if v and not (len(v) <= 60 and email_ok(v))})

    # Cross-column date rules, once per distinct triple.
    origination, first, next_due = dates["origination_date"], dates["first_payment_date"], dates["next_due_date"]
    triples = list(zip(origination, first, next_due, strict=True))
    _where(suspect, triples, {key for key in set(triples) if not _dates_ok(*key)})

    # Normalised values, in STAGE_COLUMNS order.
    remaining = terms[1]
    maturity: dict[tuple, str] = {}
    closure = {s: foreclosure_type_for_state(s) for s in set(states["property_state"]) if s is not _BAD}
    pi_given = col("monthly_pi")
    pi = list(pi_given)
    balances, payments = col("original_balance"), {}
    if "" in pi_given:
        for i, value in enumerate(pi_given):
            if not value and i not in suspect:
                key = (balances[i], rate[i], terms[0][i])
                if key not in payments:
                    payments[key] = str(monthly_payment(Decimal(key[0]), Decimal(key[1]), key[2]))
                pi[i] = payments[key]
    # The maturity date once per distinct (next due, remaining term, first payment). A key of a
    # suspect row may not be computable; a clean row's always is (else this raises, as before).
    mat_keys = list(zip(next_due, remaining, first, strict=True))
    for key in set(mat_keys):
        try:
            maturity[key] = add_months(key[0], key[1] - 1, day=key[2].day).isoformat()
        except (TypeError, AttributeError, ValueError, OverflowError):
            maturity[key] = None
    mat = [maturity[key] for key in mat_keys]
    for i in suspect:
        mat[i] = ""
    for i, text in enumerate(mat):
        if text is None:
            key = mat_keys[i]
            add_months(key[0], key[1] - 1, day=key[2].day)  # pragma: no cover - raises, as it always did
    out = {
        "loan_number": loan_number,
        "investor": investor,
        "program": [
            p or (DEFAULT_PROGRAM_BY_INVESTOR.get(inv, "") if inv is not _BAD else "")
            for p, inv in zip(program, investor, strict=True)
        ],
        "lien_position": lien,
        "origination_date": _iso(origination),
        "original_balance": col("original_balance"),
        "note_rate": rate,
        "original_term_months": terms[0],
        "remaining_term_months": remaining,
        "first_payment_date": _iso(first),
        "next_due_date": _iso(next_due),
        "principal_balance": col("principal_balance"),
        "escrow_balance": [v or "0.00" for v in col("escrow_balance")],
        "monthly_pi": pi,
        "monthly_escrow": [v or "0.00" for v in col("monthly_escrow")],
        "borrower_first_name": col("borrower_first_name"),
        "borrower_last_name": col("borrower_last_name"),
        "borrower_phone": phone,
        "borrower_email": col("borrower_email"),
        "borrower_language": language,
        "mailing_address1": col("mailing_address1"),
        "mailing_city": col("mailing_city"),
        "mailing_state": states["mailing_state"],
        "mailing_zip": zips[0],
        "property_address1": col("property_address1"),
        "property_city": col("property_city"),
        "property_state": states["property_state"],
        "property_zip": zips[1],
        "occupancy": _each(occupancy, lambda o: getattr(o, "value", o)),
        "market_value": market,
        "valuation_date": _iso(dates["valuation_date"]),
        "maturity_date": mat,
        "foreclosure_type": [closure.get(s, "") for s in states["property_state"]],
    }
    staged = list(zip(*(out[name] for name in STAGE_COLUMNS), strict=True))
    return suspect, staged


def _staged_from_record(r: LoanInput) -> tuple:
    """STAGE_COLUMNS values of a record the per-row check typed."""
    loan, borrower, prop = r.loan, r.borrower, r.property
    value, valued_on = (r.valuation[0], r.valuation[1]) if r.valuation else ("", "")
    return (
        r.loan_number, loan["investor"], str(loan["program"]), loan["lien_position"],
        loan["origination_date"].isoformat(), loan["original_balance"], loan["note_rate"],
        loan["original_term_months"], loan["remaining_term_months"], loan["first_payment_date"].isoformat(),
        loan["next_due_date"].isoformat(), r.principal_balance, r.escrow_balance, loan["monthly_pi"],
        loan["monthly_escrow"], borrower["first_name"], borrower["last_name"], r.phone, borrower["email"],
        borrower["preferred_language"], borrower["mailing_address1"], borrower["mailing_city"],
        borrower["mailing_state"], borrower["mailing_zip"], prop["address1"], prop["city"], prop["state"],
        prop["zip_code"], str(prop["occupancy"]), value, valued_on.isoformat() if valued_on else "",
        loan["maturity_date"].isoformat(), loan["foreclosure_type"],
    )  # fmt: skip


def _raise_bad(value: str):
    raise _Bad(value)


def _iso(values: list) -> list[str]:
    return _each(values, lambda v: v.isoformat() if isinstance(v, date) else "")


def _each(values: list, convert: Callable[[object], object]) -> list:
    """`convert` applied to every value, computed once per distinct value."""
    done = {v: convert(v) for v in set(values)}
    return list(map(done.__getitem__, values))


def _dates_ok(origination, first, next_due) -> bool:
    if not all(isinstance(d, date) for d in (origination, first, next_due)):
        return True  # a bad or missing date is flagged on its own column
    if first <= origination or next_due < first:
        return False
    return add_months(first, months_between(first, next_due), day=first.day) == next_due


def _rows(path: Path, check: FastCheck) -> Iterator[tuple[list[str], list[int], list[list[str]]]]:
    """Yield (names, line numbers, fields) chunk by chunk; header and width problems go to
    `check.errors` as the per-row reader reports them."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            check.errors.append(RowError(1, "", "the file is empty; it needs a header line"))
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            check.errors.append(RowError(1, "", f"unreadable header: {exc}"))
            return
        names = [name.strip().lower() for name in header]
        problems = check_header(names)
        if problems:
            check.errors.extend(problems)
            return
        width = len(names)
        line = reader.line_num
        lines: list[int] = []
        rows: list[list[str]] = []
        try:
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) != width:
                    check.rows += 1
                    check.errors.append(RowError(start, "", f"has {len(fields)} fields; the header has {width}"))
                    continue
                lines.append(start)
                rows.append(fields)
                if len(rows) >= CHECK_CHUNK:
                    yield names, lines, rows
                    lines, rows = [], []
        except (csv.Error, UnicodeDecodeError) as exc:
            if rows:
                yield names, lines, rows
                lines, rows = [], []
            check.rows += 1
            check.errors.append(RowError(line + 1, "", f"unreadable: {exc}"))
        if rows:
            yield names, lines, rows


def check_tape_fast(path: Path, *, on_row: Callable[[int], None] | None = None) -> FastCheck:
    """Check the whole file as `imports.tape.check_tape` does (same errors, same order) and,
    while it is clean, spool its normalised rows for `apply_tape`."""
    check = FastCheck()
    spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 - closed by apply
    writer = csv.writer(spool)
    check.spool = spool
    seen: dict[str, int] = {}
    for names, lines, rows in _rows(Path(path), check):
        check.rows += len(rows)
        suspect, staged = _screen(names, rows)
        errors: list[tuple[int, int, RowError]] = []
        for i in sorted(suspect):
            record, row_errors = parse_row(lines[i], dict(zip(names, (v.strip() for v in rows[i]), strict=True)))
            errors.extend((lines[i], 0, e) for e in row_errors)
            if record is not None:  # the screen doubted it, the full check passed it
                staged[i] = _staged_from_record(record)
        try:
            number_at = names.index("loan_number")
        except ValueError:  # pragma: no cover - a required column; the header check refuses it
            number_at = None
        if number_at is not None:
            for i, fields in enumerate(rows):
                number = fields[number_at].strip()
                if number:
                    first = seen.setdefault(number, lines[i])
                    if first != lines[i]:
                        errors.append(
                            (lines[i], 1, RowError(lines[i], "loan_number", f"{number} is also on line {first}"))
                        )
        errors.sort(key=lambda e: (e[0], e[1]))
        check.errors.extend(e for _line, _order, e in errors)
        if not check.errors:
            writer.writerows((line, *values) for line, values in zip(lines, staged, strict=True))
            check.spooled += len(rows)
        if on_row is not None:
            on_row(len(rows))
    check.errors.sort(key=lambda e: e.line)  # stable: a line's own errors keep their order
    spool.flush()
    spool.seek(0)
    return check


# --------------------------------------------------------------------------- applying


def _cast(model: type[Model], name: str, source: str) -> str:
    """The staging column as the model field's type ('' is NULL for non-text fields)."""
    f = model._meta.get_field(name)
    kind = f.cast_db_type(connection)
    if f.get_internal_type() in ("CharField", "TextField", "EmailField"):
        return f"s.{source}"
    return f"NULLIF(s.{source}, '')::{kind}"


def _sequence(cursor, table: str) -> str:
    """The name of the sequence behind `table`'s id (looked up once, not per row)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]


def _insert_select(cursor, model: type[Model], values: dict[str, str], tail: str, params: dict) -> int:
    """INSERT INTO model (every column) SELECT the given expressions, the field's default for
    the rest (as the ORM would fill them), FROM/WHERE `tail`. Returns the row count."""
    columns, expressions = [], []
    for f in model._meta.concrete_fields:
        if f.attname in values:
            expressions.append(values[f.attname])
        elif f.primary_key:
            continue
        else:
            key = f"default_{model._meta.model_name}_{f.attname}"
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                expressions.append("%(now)s")
            else:
                params[key] = f.get_db_prep_save(f.get_default(), connection)
                expressions.append(f"%({key})s")
        columns.append(connection.ops.quote_name(f.column))
    table = connection.ops.quote_name(model._meta.db_table)
    # Table and column names come from model meta; values are bound parameters.
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} {tail}", params)
    return cursor.rowcount


def _distinct(model: type[Model], alias: str, source: dict[str, str]) -> str:
    """`(alias.col, ...) IS DISTINCT FROM (typed staging values)` over `source`'s fields."""
    left = ", ".join(f"{alias}.{model._meta.get_field(name).column}" for name in source)
    right = ", ".join(_cast(model, name, column) for name, column in source.items())
    return f"ROW({left}) IS DISTINCT FROM ROW({right})"


def _set(model: type[Model], source: dict[str, str]) -> str:
    return ", ".join(
        f"{model._meta.get_field(name).column} = {_cast(model, name, column)}" for name, column in source.items()
    )


STAGE_WORK_MEM = "256MB"
UPDATE_STEPS, BOARD_STEPS = 3, 4  # progress steps in _update_existing and _board_new
BALANCE_SOURCE = {"principal_balance": "principal_balance", "escrow_balance": "escrow_balance"}


@dataclass
class Applied:
    counts: dict[str, int]
    ledger_rows: int
    preview: list[dict]


def apply_tape(check: FastCheck, *, write: bool, actor_id: int | None, effective_date: date, reference: str,
               now: datetime, preview_rows: int, progress: Callable[[int], None]) -> Applied:  # fmt: skip
    """Stage the spooled rows and classify them; with `write`, upsert them. Runs in the
    caller's transaction (the staging tables are dropped at its end)."""
    loan_t, borrower_t, property_t = Loan._meta.db_table, Borrower._meta.db_table, Property._meta.db_table
    phone_t, valuation_t = Phone._meta.db_table, Valuation._meta.db_table
    params = {"now": now, "actor": actor_id, "effective": effective_date, "reference": reference}
    steps = 3 + UPDATE_STEPS + BOARD_STEPS if write else 3
    per_step, left = divmod(check.spooled, steps)

    def step():
        progress(per_step)

    with connection.cursor() as cursor:
        # For this transaction only: hash joins over the whole tape get room, and no JIT. The
        # tables a load has just grown look small to the planner until autovacuum analyses them,
        # so its cost estimates swing wildly; JIT-compiling these one-off statements cost more
        # than running them (seconds per statement at 100,000 rows).
        cursor.execute(f"SET LOCAL work_mem = '{STAGE_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS tape_stage, tape_raw")
        columns = ", ".join(f"{name} text" for name in STAGE_COLUMNS)
        cursor.execute(f"CREATE TEMP TABLE tape_raw (line integer, {columns}) ON COMMIT DROP")
        names = ", ".join(STAGE_COLUMNS)
        with check.spool as spool:
            cursor.cursor.copy_expert(
                f"COPY tape_raw (line, {names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({names}))", spool
            )
        step()
        # One pass builds the staging table: each row's existing loan (if any), its action, and
        # for a new loan (when writing) the ids it will be boarded with. Updating the wide staging
        # rows in place instead rewrote the whole table once per step.
        loan_source = {**LOAN_SOURCE, **BALANCE_SOURCE}
        phone_first = (
            f"(SELECT ph.number FROM {phone_t} ph WHERE ph.borrower_id = l.borrower_id "
            "ORDER BY ph.is_primary DESC, ph.id LIMIT 1)"
        )
        changed = " OR ".join(
            [
                _distinct(Loan, "l", loan_source),
                _distinct(Borrower, "b", BORROWER_SOURCE),
                _distinct(Property, "p", PROPERTY_SOURCE),
                f"(s.borrower_phone <> '' AND {phone_first} IS DISTINCT FROM s.borrower_phone)",
                f"(s.market_value <> '' AND NOT EXISTS (SELECT 1 FROM {valuation_t} v WHERE v.property_id = "
                "l.property_id AND v.valued_on = s.valuation_date::date AND v.value = s.market_value::numeric))",
            ]
        )

        def new_id(column: str, table: str) -> str:
            if not write:
                return f"l.{column}"
            return f"COALESCE(l.{column}, nextval('{_sequence(cursor, table)}'::regclass))"

        # Volatile nextval() is evaluated after the sort, so new ids follow the file's order.
        cursor.execute(
            f"CREATE TEMP TABLE tape_stage ON COMMIT DROP AS SELECT s.*, "
            f"{new_id('borrower_id', borrower_t)} AS borrower_id, {new_id('property_id', property_t)} AS property_id, "
            f"{new_id('id', loan_t)} AS loan_id, "
            f"CASE WHEN l.id IS NULL THEN %(new)s WHEN {changed} THEN %(updated)s ELSE %(unchanged)s END AS action "
            f"FROM tape_raw s LEFT JOIN {loan_t} l ON l.loan_number = s.loan_number "
            f"LEFT JOIN {borrower_t} b ON b.id = l.borrower_id LEFT JOIN {property_t} p ON p.id = l.property_id "
            "ORDER BY s.line",
            {"new": NEW, "updated": UPDATED, "unchanged": UNCHANGED},
        )
        cursor.execute("DROP TABLE tape_raw")
        # Statistics only for what later statements join and filter on (not the 33 text columns).
        cursor.execute("ANALYZE tape_stage (action, loan_id, borrower_id, property_id)")
        step()
        cursor.execute("SELECT action, count(*) FROM tape_stage GROUP BY action")
        counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0, **dict(cursor.fetchall())}
        cursor.execute(
            "SELECT line, loan_number, action, borrower_first_name || ' ' || borrower_last_name, investor, "
            "principal_balance::numeric(14, 2)::text, next_due_date, property_state FROM tape_stage "
            "ORDER BY line LIMIT %s",
            [preview_rows],
        )
        preview = [
            {"line": r[0], "loan_number": r[1], "action": r[2], "borrower": r[3], "investor": r[4],
             "principal_balance": r[5], "next_due_date": r[6], "property_state": r[7]}
            for r in cursor.fetchall()
        ]  # fmt: skip
        step()
        ledger_rows = 0
        if write:
            # Each statement below scans the whole staging table: skip a group with nothing to do
            # (a repeat load has neither new nor changed loans; a first load has no changed ones).
            if counts[UPDATED]:
                ledger_rows += _update_existing(cursor, params, step)
            else:
                progress(per_step * UPDATE_STEPS)
            if counts[NEW]:
                ledger_rows += _board_new(cursor, params, step)
            else:
                progress(per_step * BOARD_STEPS)
        # Inside an enclosing transaction (tests, a caller's atomic) ON COMMIT comes later.
        cursor.execute("DROP TABLE IF EXISTS tape_stage, tape_adjust")
        progress(left)
    return Applied(counts=counts, ledger_rows=ledger_rows, preview=preview)


def _update_existing(cursor, params: dict, step) -> int:
    """Changed loans: lock, adjust balances through the ledger, update what differs."""
    loan_t, ledger_t = Loan._meta.db_table, LedgerTransaction._meta.db_table
    borrower_t, property_t = Borrower._meta.db_table, Property._meta.db_table
    phone_t, valuation_t = Phone._meta.db_table, Valuation._meta.db_table
    # Payments post under a lock on the loan row: take it before reading the balances to adjust.
    cursor.execute(
        f"SELECT l.id FROM {loan_t} l JOIN tape_stage s ON s.loan_id = l.id "
        "WHERE s.action = 'updated' ORDER BY l.id FOR UPDATE OF l"
    )
    cursor.execute("DROP TABLE IF EXISTS tape_adjust")
    cursor.execute(
        "CREATE TEMP TABLE tape_adjust ON COMMIT DROP AS "
        "SELECT l.id AS loan_id, s.principal_balance::numeric(14, 2) - l.principal_balance AS dp, "
        "s.escrow_balance::numeric(14, 2) - l.escrow_balance AS de, "
        "s.principal_balance::numeric(14, 2) AS new_p, s.escrow_balance::numeric(14, 2) AS new_e, "
        "l.escrow_balance AS old_e, l.suspense_balance, l.late_charges_outstanding, l.fees_outstanding, "
        "l.deferred_principal, s.next_due_date::date AS next_due, "
        f"COALESCE((SELECT max(t.seq) FROM {ledger_t} t WHERE t.loan_id = l.id), 0) AS last_seq "
        f"FROM tape_stage s JOIN {loan_t} l ON l.id = s.loan_id WHERE s.action = 'updated' "
        "AND (s.principal_balance::numeric(14, 2) <> l.principal_balance "
        "OR s.escrow_balance::numeric(14, 2) <> l.escrow_balance)"
    )
    common = {
        "loan_id": "a.loan_id",
        "kind": f"'{LedgerTransaction.Kind.ADJUSTMENT.value}'",
        "effective_date": "%(effective)s",
        "suspense_after": "a.suspense_balance",
        "late_charges_after": "a.late_charges_outstanding",
        "fees_after": "a.fees_outstanding",
        "deferred_after": "a.deferred_principal",
        "next_due_date_after": "a.next_due",
        "created_by_id": "%(actor)s",
    }
    rows = _insert_select(
        cursor,
        LedgerTransaction,
        {**common, "seq": "a.last_seq + 1", "amount": "a.dp", "principal": "a.dp", "principal_after": "a.new_p",
         "escrow_after": "a.old_e", "reference": "left(%(reference)s || ' principal', 64)"},
        "FROM tape_adjust a WHERE a.dp <> 0",
        params,
    )  # fmt: skip
    rows += _insert_select(
        cursor,
        LedgerTransaction,
        {**common, "seq": "a.last_seq + CASE WHEN a.dp <> 0 THEN 2 ELSE 1 END", "amount": "a.de", "escrow": "a.de",
         "principal_after": "a.new_p", "escrow_after": "a.new_e", "reference": "left(%(reference)s || ' escrow', 64)"},
        "FROM tape_adjust a WHERE a.de <> 0",
        params,
    )  # fmt: skip
    step()
    loan_source = {**LOAN_SOURCE, **BALANCE_SOURCE}
    cursor.execute(
        f"UPDATE {loan_t} l SET {_set(Loan, loan_source)}, updated_at = %(now)s FROM tape_stage s "
        f"WHERE s.loan_id = l.id AND s.action = 'updated' AND {_distinct(Loan, 'l', loan_source)}",
        params,
    )
    cursor.execute(
        f"UPDATE {borrower_t} b SET {_set(Borrower, BORROWER_SOURCE)} FROM tape_stage s "
        f"WHERE s.borrower_id = b.id AND s.action = 'updated' AND {_distinct(Borrower, 'b', BORROWER_SOURCE)}"
    )
    cursor.execute(
        f"UPDATE {property_t} p SET {_set(Property, PROPERTY_SOURCE)} FROM tape_stage s "
        f"WHERE s.property_id = p.id AND s.action = 'updated' AND {_distinct(Property, 'p', PROPERTY_SOURCE)}"
    )
    step()
    # The primary phone (the first by is_primary, then id, as the per-row path picks it).
    cursor.execute(
        f"UPDATE {phone_t} ph SET number = s.borrower_phone FROM tape_stage s, "
        f"(SELECT DISTINCT ON (x.borrower_id) x.id, x.borrower_id FROM {phone_t} x "
        "JOIN tape_stage t ON t.borrower_id = x.borrower_id AND t.action = 'updated' AND t.borrower_phone <> '' "
        "ORDER BY x.borrower_id, x.is_primary DESC, x.id) fp "
        "WHERE ph.id = fp.id AND s.borrower_id = fp.borrower_id AND ph.number <> s.borrower_phone"
    )
    _insert_select(
        cursor,
        Phone,
        {"borrower_id": "s.borrower_id", "number": "s.borrower_phone", "is_primary": "true"},
        "FROM tape_stage s WHERE s.action = 'updated' AND s.borrower_phone <> '' "
        f"AND NOT EXISTS (SELECT 1 FROM {phone_t} x WHERE x.borrower_id = s.borrower_id)",
        params,
    )
    _insert_select(
        cursor,
        Valuation,
        {"property_id": "s.property_id", "kind": f"'{Valuation.Kind.AVM.value}'", "value": "s.market_value::numeric",
         "valued_on": "s.valuation_date::date", "source": "%(source)s"},
        "FROM tape_stage s WHERE s.action = 'updated' AND s.market_value <> '' AND NOT EXISTS (SELECT 1 FROM "
        f"{valuation_t} v WHERE v.property_id = s.property_id AND v.valued_on = s.valuation_date::date "
        "AND v.value = s.market_value::numeric)",
        {**params, "source": VALUATION_SOURCE},
    )  # fmt: skip
    step()
    return rows


def _board_new(cursor, params: dict, step) -> int:
    """New loans (their ids drawn from the sequences when staged): one INSERT ... SELECT per table."""
    new = "FROM tape_stage s WHERE s.action = 'new'"
    _insert_select(
        cursor,
        Borrower,
        {"id": "s.borrower_id", **{n: _cast(Borrower, n, c) for n, c in BORROWER_SOURCE.items()}},
        new,
        params,
    )
    _insert_select(
        cursor,
        Property,
        {"id": "s.property_id", **{n: _cast(Property, n, c) for n, c in PROPERTY_SOURCE.items()}},
        new,
        params,
    )
    step()
    _insert_select(
        cursor,
        Loan,
        {"id": "s.loan_id", "loan_number": "s.loan_number", "borrower_id": "s.borrower_id",
         "property_id": "s.property_id",
         **{n: _cast(Loan, n, c) for n, c in {**LOAN_SOURCE, **BALANCE_SOURCE}.items()},
         "deferred_principal": "0"},
        new,
        params,
    )  # fmt: skip
    step()
    _insert_select(
        cursor,
        Phone,
        {"borrower_id": "s.borrower_id", "number": "s.borrower_phone", "is_primary": "true"},
        new + " AND s.borrower_phone <> ''",
        params,
    )
    _insert_select(
        cursor,
        Valuation,
        {"property_id": "s.property_id", "kind": f"'{Valuation.Kind.AVM.value}'", "value": "s.market_value::numeric",
         "valued_on": "s.valuation_date::date", "source": "%(source)s"},
        new + " AND s.market_value <> ''",
        {**params, "source": VALUATION_SOURCE},
    )  # fmt: skip
    step()
    # The opening row, exactly as borrowers.services.ledger_open writes it.
    rows = _insert_select(
        cursor,
        LedgerTransaction,
        {"loan_id": "s.loan_id", "seq": "1", "kind": f"'{LedgerTransaction.Kind.OPENING.value}'",
         "effective_date": "%(effective)s", "amount": "s.principal_balance::numeric",
         "principal": "s.principal_balance::numeric", "escrow": "s.escrow_balance::numeric", "deferred": "0",
         "principal_after": "s.principal_balance::numeric", "escrow_after": "s.escrow_balance::numeric",
         "deferred_after": "0", "next_due_date_after": "s.next_due_date::date",
         "created_by_id": "%(actor)s", "reference": "'boarding'"},
        new,
        params,
    )  # fmt: skip
    step()
    return rows
