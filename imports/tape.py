"""Servicing tape: the CSV a servicing core exports, one row per loan.

The first line is a header naming the columns (any order; names are case-insensitive). Files
are UTF-8 (an Excel byte-order mark is fine). Dates are YYYY-MM-DD (MM/DD/YYYY also accepted);
money is dollars and cents without thousands separators (200000.00); rates are annual percent
with up to three decimals (6.500). Line numbers in error reports are the file's own line
numbers, the header being line 1.

Columns (* = required):
- loan_number*: the servicer's loan number (letters, digits, dashes; up to 20). The upsert key.
- investor*: FNMA, FHLMC, FHA, VA or PORTFOLIO.
- program: GSE_FLEX, FHA_HAMP, HAMP_31 or PORTFOLIO; blank means the investor's default.
- lien_position: 1 (first lien) or more; blank means 1.
- origination_date*: the note date.
- original_balance*: the note amount.
- note_rate*: the current note rate.
- original_term_months*: the note's term in months.
- remaining_term_months*: installments left, counting the next one due.
- first_payment_date*: the first installment's due date; its day is the note's due day.
- next_due_date*: the due date of the oldest unpaid installment (must fall on the due day).
- principal_balance*: unpaid principal.
- escrow_balance: escrow account balance (negative for an escrow advance); blank means 0.00.
- monthly_pi: contractual principal and interest; blank means computed from the original
  balance, rate and term.
- monthly_escrow: the escrow part of the installment; blank means 0.00.
- borrower_first_name*, borrower_last_name*: the primary borrower.
- borrower_phone: primary phone (loaded without call consent: the tape does not carry TCPA
  consent, which is recorded in Lossmit).
- borrower_email.
- borrower_language: en, es, zh, vi, ko or tl; blank means en.
- mailing_address1, mailing_city, mailing_state, mailing_zip: the borrower's mailing address.
- property_address1*, property_city*, property_state*, property_zip*: the collateral.
- occupancy*: owner, second_home or investment (P, S, I also accepted).
- market_value: the latest property value; loaded as an AVM valuation.
- valuation_date: the date of market_value (required with it).

Loading is all or nothing: the whole file is checked first and every bad row is reported with
its line number and reason; only a clean file is applied, in one transaction, as an upsert by
loan number (see imports/upsert.py).
"""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Investor, Language, Program, Property, Valuation
from borrowers.states import STATE_CODES, foreclosure_type_for_state
from imports.upsert import LoanInput
from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months, months_between


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str


COLUMNS = (
    Column("loan_number", True, "Servicer loan number (letters, digits, dashes; up to 20). The upsert key."),
    Column("investor", True, "FNMA, FHLMC, FHA, VA or PORTFOLIO."),
    Column("program", False, "GSE_FLEX, FHA_HAMP, HAMP_31 or PORTFOLIO; blank: the investor's default."),
    Column("lien_position", False, "1 for a first lien; blank: 1."),
    Column("origination_date", True, "Note date, YYYY-MM-DD."),
    Column("original_balance", True, "Note amount, e.g. 200000.00."),
    Column("note_rate", True, "Current note rate, annual percent, e.g. 6.500."),
    Column("original_term_months", True, "Note term in months."),
    Column("remaining_term_months", True, "Installments left, counting the next one due."),
    Column("first_payment_date", True, "First installment's due date; its day is the due day."),
    Column("next_due_date", True, "Due date of the oldest unpaid installment."),
    Column("principal_balance", True, "Unpaid principal."),
    Column("escrow_balance", False, "Escrow balance (negative for an advance); blank: 0.00."),
    Column("monthly_pi", False, "Contractual P&I; blank: computed from original balance, rate and term."),
    Column("monthly_escrow", False, "Escrow part of the installment; blank: 0.00."),
    Column("borrower_first_name", True, "Primary borrower's first name."),
    Column("borrower_last_name", True, "Primary borrower's last name."),
    Column("borrower_phone", False, "Primary phone (loaded without call consent)."),
    Column("borrower_email", False, "Email address."),
    Column("borrower_language", False, "en, es, zh, vi, ko or tl; blank: en."),
    Column("mailing_address1", False, "Mailing street address."),
    Column("mailing_city", False, "Mailing city."),
    Column("mailing_state", False, "Mailing state, two letters."),
    Column("mailing_zip", False, "Mailing ZIP, 12345 or 12345-6789."),
    Column("property_address1", True, "Property street address."),
    Column("property_city", True, "Property city."),
    Column("property_state", True, "Property state, two letters."),
    Column("property_zip", True, "Property ZIP, 12345 or 12345-6789."),
    Column("occupancy", True, "owner, second_home or investment (P, S, I accepted)."),
    Column("market_value", False, "Latest property value (loaded as an AVM valuation)."),
    Column("valuation_date", False, "Date of market_value; required with it."),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = frozenset(c.name for c in COLUMNS if c.required)

MAX_TERM_MONTHS = 600  # 50 years: beyond any note or modification term we service
MAX_MONEY = Decimal("999999999999.99")  # the balance columns hold 14 digits, 2 of them cents
VALUATION_SOURCE = "servicing tape"
OCCUPANCY = {
    "owner": Property.Occupancy.OWNER,
    "p": Property.Occupancy.OWNER,
    "second_home": Property.Occupancy.SECOND_HOME,
    "s": Property.Occupancy.SECOND_HOME,
    "investment": Property.Occupancy.INVESTMENT,
    "i": Property.Occupancy.INVESTMENT,
}
INVESTORS = frozenset(Investor.values)
PROGRAMS = frozenset(Program.values)
LANGUAGES = frozenset(Language.values)

_LOAN_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_MONEY = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_RATE = re.compile(r"^\d{1,2}(\.\d{1,3})?$")
_INT = re.compile(r"^\d{1,4}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,20}$")  # the Phone model's own rule
# A plain address that Django's validate_email certainly accepts; the fast check (tape_fast.py)
# sends anything else to the full validator.
_EMAIL_SAFE = re.compile(
    r"^[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*@[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)*\.[A-Za-z]{2,20}$"
)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class TapeCheck:
    """The outcome of checking a whole file: how many rows and every error found."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Bad(ValueError):
    pass


def _date(value: str) -> date:
    try:
        if "/" in value:
            return datetime.strptime(value, "%m/%d/%Y").date()
        return date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _money(value: str, *, negative: bool = False) -> Decimal:
    if not _MONEY.match(value):
        raise _Bad(f"{value!r} is not an amount in dollars and cents (e.g. 1234.56)")
    amount = Decimal(value).quantize(Decimal("0.01"))
    if amount < 0 and not negative:
        raise _Bad(f"{value} is negative")
    return amount


def _rate(value: str) -> Decimal:
    if not _RATE.match(value):
        raise _Bad(f"{value!r} is not a rate in percent (e.g. 6.500)")
    return Decimal(value).quantize(Decimal("0.001"))


def _int(value: str, low: int, high: int) -> int:
    if not _INT.match(value):
        raise _Bad(f"{value!r} is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise _Bad(f"{number} is outside {low}-{high}")
    return number


def _text(value: str, limit: int) -> str:
    if len(value) > limit:
        raise _Bad(f"longer than {limit} characters")
    return value


def _state(value: str) -> str:
    code = value.upper()
    if code not in STATE_CODES:
        raise _Bad(f"{value!r} is not a US state code")
    return code


def _zip(value: str) -> str:
    if not _ZIP.match(value):
        raise _Bad(f"{value!r} is not a ZIP code (12345 or 12345-6789)")
    return value


def _choice(value: str, choices: frozenset[str], label: str) -> str:
    code = value.upper()
    if code not in choices:
        raise _Bad(f"{value!r} is not a {label} ({', '.join(sorted(choices))})")
    return code


def _language(value: str) -> str:
    code = value.lower()
    if code not in LANGUAGES:
        raise _Bad(f"{value!r} is not a language code ({', '.join(sorted(LANGUAGES))})")
    return code


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise _Bad(f"{value!r} is not an email address") from None
    return value


class _Row:
    """Collects typed values and errors for one row, so one pass reports every bad column."""

    def __init__(self, line: int, values: dict[str, str]):
        self.line = line
        self.values = values
        self.errors: list[RowError] = []

    def get(self, name: str, parse: Callable[[str], object] | None = None, default=None):
        raw = self.values.get(name, "")
        if raw == "":
            if name in REQUIRED:
                self.errors.append(RowError(self.line, name, "is required"))
            return default
        if parse is None:
            return raw
        try:
            return parse(raw)
        except _Bad as exc:
            self.errors.append(RowError(self.line, name, str(exc)))
            return default

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))


def parse_row(line: int, values: dict[str, str]) -> tuple[LoanInput | None, list[RowError]]:
    """Type and check one row. Returns the record, or None with every error found in the row."""
    row = _Row(line, values)
    loan_number = row.get("loan_number")
    if loan_number is not None and not _LOAN_NUMBER.match(loan_number):
        row.fail("loan_number", f"{loan_number!r} must be 1-20 letters, digits or dashes")
    investor = row.get("investor", lambda v: _choice(v, INVESTORS, "investor"))
    program = row.get("program", lambda v: _choice(v, PROGRAMS, "program"))
    lien_position = row.get("lien_position", lambda v: _int(v, 1, 9), 1)
    origination_date = row.get("origination_date", _date)
    original_balance = row.get("original_balance", _money)
    note_rate = row.get("note_rate", _rate)
    original_term = row.get("original_term_months", lambda v: _int(v, 1, MAX_TERM_MONTHS))
    remaining_term = row.get("remaining_term_months", lambda v: _int(v, 1, MAX_TERM_MONTHS))
    first_payment_date = row.get("first_payment_date", _date)
    next_due_date = row.get("next_due_date", _date)
    principal_balance = row.get("principal_balance", _money)
    escrow_balance = row.get("escrow_balance", lambda v: _money(v, negative=True), Decimal("0.00"))
    monthly_pi = row.get("monthly_pi", _money)
    monthly_escrow = row.get("monthly_escrow", _money, Decimal("0.00"))
    first_name = row.get("borrower_first_name", lambda v: _text(v, 100))
    last_name = row.get("borrower_last_name", lambda v: _text(v, 100))
    phone = row.get("borrower_phone", lambda v: v if _PHONE.match(v) else _raise(f"{v!r} is not a phone number"), "")
    email = row.get("borrower_email", _email, "")
    language = row.get("borrower_language", _language, "en")
    mailing_address1 = row.get("mailing_address1", lambda v: _text(v, 200), "")
    mailing_city = row.get("mailing_city", lambda v: _text(v, 100), "")
    mailing_state = row.get("mailing_state", _state, "")
    mailing_zip = row.get("mailing_zip", _zip, "")
    property_address1 = row.get("property_address1", lambda v: _text(v, 200))
    property_city = row.get("property_city", lambda v: _text(v, 100))
    property_state = row.get("property_state", _state)
    property_zip = row.get("property_zip", _zip)
    occupancy = row.get(
        "occupancy",
        lambda v: OCCUPANCY.get(v.lower()) or _raise(f"{v!r} is not owner, second_home or investment"),
    )
    market_value = row.get("market_value", _money)
    valuation_date = row.get("valuation_date", _date)

    # Cross-column rules, checked only when the columns involved parsed.
    if market_value is not None and valuation_date is None and "valuation_date" not in _columns(row):
        row.fail("valuation_date", "is required when market_value is given")
    if origination_date and first_payment_date and first_payment_date <= origination_date:
        row.fail("first_payment_date", "must be after origination_date")
    if first_payment_date and next_due_date:
        if next_due_date < first_payment_date:
            row.fail("next_due_date", "is before first_payment_date")
        else:
            on_schedule = add_months(
                first_payment_date, months_between(first_payment_date, next_due_date), day=first_payment_date.day
            )
            if on_schedule != next_due_date:
                row.fail(
                    "next_due_date",
                    f"{next_due_date.isoformat()} is not an installment date (due day {first_payment_date.day})",
                )
    if market_value is not None and market_value <= 0:
        row.fail("market_value", "must be more than 0.00")

    if row.errors:
        return None, row.errors

    program = program or DEFAULT_PROGRAM_BY_INVESTOR[investor]
    if monthly_pi is None:
        monthly_pi = monthly_payment(original_balance, note_rate, original_term)
    record = LoanInput(
        line=line,
        loan_number=loan_number,
        loan={
            "investor": investor,
            "program": program,
            "lien_position": lien_position,
            "origination_date": origination_date,
            "original_balance": original_balance,
            "note_rate": note_rate,
            "original_term_months": original_term,
            "remaining_term_months": remaining_term,
            "first_payment_date": first_payment_date,
            # The last installment: remaining_term installments from the next one due.
            "maturity_date": add_months(next_due_date, remaining_term - 1, day=first_payment_date.day),
            "next_due_date": next_due_date,
            "monthly_pi": monthly_pi,
            "monthly_escrow": monthly_escrow,
            "foreclosure_type": foreclosure_type_for_state(property_state),
        },
        principal_balance=principal_balance,
        escrow_balance=escrow_balance,
        borrower={
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "preferred_language": language,
            "mailing_address1": mailing_address1,
            "mailing_city": mailing_city,
            "mailing_state": mailing_state,
            "mailing_zip": mailing_zip,
        },
        property={
            "address1": property_address1,
            "city": property_city,
            "state": property_state,
            "zip_code": property_zip,
            "occupancy": occupancy,
        },
        phone=phone,
        valuation=(market_value, valuation_date, Valuation.Kind.AVM, VALUATION_SOURCE)
        if market_value is not None
        else None,
    )
    return record, []


def _raise(message: str):
    raise _Bad(message)


def _columns(row: _Row) -> set[str]:
    """Columns of the row that carried a value (a bad valuation_date is already reported)."""
    return {name for name, value in row.values.items() if value != ""}


def check_header(names: list[str]) -> list[RowError]:
    """Problems with the header line (its column names, lower-cased)."""
    errors = []
    missing = [name for name in COLUMN_NAMES if name in REQUIRED and name not in names]
    unknown = [name for name in names if name not in COLUMN_NAMES]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if missing:
        errors.append(RowError(1, "", f"missing required column(s): {', '.join(missing)}"))
    if unknown:
        errors.append(RowError(1, "", f"unknown column(s): {', '.join(unknown)}"))
    if duplicated:
        errors.append(RowError(1, "", f"duplicated column(s): {', '.join(duplicated)}"))
    return errors


class TapeReader:
    """Reads a tape: checks the header once, then yields (line number, {column: value})."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def rows(self, header_errors: list[RowError]) -> Iterator[tuple[int, dict[str, str] | None, str]]:
        """Yield (line, values, problem). `values` is None and `problem` says why when the row
        has the wrong number of fields. Header problems go to `header_errors`, and then no rows
        are yielded."""
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                header_errors.append(RowError(1, "", "the file is empty; it needs a header line"))
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                header_errors.append(RowError(1, "", f"unreadable header: {exc}"))
                return
            names = [name.strip().lower() for name in header]
            header_errors.extend(check_header(names))
            if header_errors:
                return
            width = len(names)
            line = reader.line_num
            try:
                for fields in reader:
                    start, line = line + 1, reader.line_num
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank line
                    if len(fields) != width:
                        yield start, None, f"has {len(fields)} fields; the header has {width}"
                        continue
                    yield start, dict(zip(names, (value.strip() for value in fields), strict=True)), ""
            except (csv.Error, UnicodeDecodeError) as exc:
                yield line + 1, None, f"unreadable: {exc}"


def check_tape(
    path: Path, *, on_row: Callable[[int], None] | None = None, keep: Callable[[LoanInput], None] | None = None
) -> TapeCheck:
    """Check every row of the file and collect every error. `keep` receives each good record
    (the loader spools them so the file is parsed once)."""
    check = TapeCheck()
    seen: dict[str, int] = {}
    for line, values, problem in TapeReader(path).rows(check.errors):
        check.rows += 1
        if on_row is not None:
            on_row(1)
        if values is None:
            check.errors.append(RowError(line, "", problem))
            continue
        record, errors = parse_row(line, values)
        check.errors.extend(errors)
        if keep is not None and record is not None and not check.errors:
            keep(record)
        number = values.get("loan_number", "")
        if number:
            first = seen.setdefault(number, line)
            if first != line:
                check.errors.append(RowError(line, "loan_number", f"{number} is also on line {first}"))
    return check
