"""Freddie Mac loan-level dataset file layouts: typed records, line parser, reading both files."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from borrowers.models import Loan, Property
from borrowers.states import STATE_CODES
from imports.tape import RowError
from workouts.domain.dates import add_months

# --------------------------------------------------------------------------- layouts


@dataclass(frozen=True, slots=True)
class OriginationRecord:
    """One line of the origination file, fields 1-32 in order. Codes Freddie Mac uses for
    "not available" (9999 credit score, 999 ratios and MI, 99 units and borrowers) become None."""

    credit_score: int | None
    first_payment_date: date
    first_time_homebuyer_flag: str
    maturity_date: date
    msa: str
    mi_pct: int | None
    number_of_units: int | None
    occupancy_status: str
    original_cltv: int | None
    original_dti: int | None
    original_upb: Decimal
    original_ltv: int | None
    original_interest_rate: Decimal
    channel: str
    ppm_flag: str
    amortization_type: str
    property_state: str
    property_type: str
    postal_code: str
    loan_sequence_number: str
    loan_purpose: str
    original_loan_term: int
    number_of_borrowers: int | None
    seller_name: str
    servicer_name: str
    super_conforming_flag: str
    pre_relief_refinance_loan_sequence_number: str
    special_eligibility_program: str
    relief_refinance_indicator: str
    property_valuation_method: str
    interest_only_indicator: str
    mi_cancellation_indicator: str


@dataclass(frozen=True, slots=True)
class PerformanceRecord:
    """One line of the monthly performance file, fields 1-32 in order."""

    loan_sequence_number: str
    monthly_reporting_period: date
    current_actual_upb: Decimal
    current_loan_delinquency_status: str  # "0", "1", ... (MBA), "RA" REO acquired, "XX" unknown
    loan_age: int
    remaining_months_to_legal_maturity: int
    defect_settlement_date: date | None
    modification_flag: str  # Y this period, P earlier
    zero_balance_code: str
    zero_balance_effective_date: date | None
    current_interest_rate: Decimal
    current_non_interest_bearing_upb: Decimal | None
    due_date_of_last_paid_installment: date | None
    mi_recoveries: Decimal | None
    net_sale_proceeds: Decimal | str | None  # an amount, or C (covered) / U (unknown)
    non_mi_recoveries: Decimal | None
    expenses: Decimal | None
    legal_costs: Decimal | None
    maintenance_and_preservation_costs: Decimal | None
    taxes_and_insurance: Decimal | None
    miscellaneous_expenses: Decimal | None
    actual_loss: Decimal | None
    cumulative_modification_cost: Decimal | None
    step_modification_flag: str
    payment_deferral: str
    estimated_ltv: int | None
    zero_balance_removal_upb: Decimal | None
    delinquent_accrued_interest: Decimal | None
    delinquency_due_to_disaster: str
    borrower_assistance_status: str  # F forbearance, R repayment plan, T trial period
    current_month_modification_cost: Decimal | None
    interest_bearing_upb: Decimal | None


ORIGINATION_FIELDS = tuple(f.name for f in fields(OriginationRecord))
PERFORMANCE_FIELDS = tuple(f.name for f in fields(PerformanceRecord))
assert len(ORIGINATION_FIELDS) == 32 and len(PERFORMANCE_FIELDS) == 32  # noqa: PT018

ZERO_BALANCE_CODES = {
    "01": "prepaid or matured",
    "02": "third-party sale",
    "03": "short sale or charge-off",
    "09": "REO disposition",
    "15": "whole-loan sale",
    "16": "reperforming loan sale",
    "96": "repurchase (defect)",
}
# What a zero balance means for our loan's status. A sold loan (15, 16) or a repurchase (96)
# leaves the pool with no payoff by the borrower; we have no "transferred" status, so it is
# closed as liquidated (it no longer needs loss mitigation from us).
ZERO_BALANCE_STATUS = {
    "01": Loan.Status.PAID_OFF,
    "02": Loan.Status.LIQUIDATED,
    "03": Loan.Status.CHARGED_OFF,
    "09": Loan.Status.LIQUIDATED,
    "15": Loan.Status.LIQUIDATED,
    "16": Loan.Status.LIQUIDATED,
    "96": Loan.Status.LIQUIDATED,
}
OCCUPANCY = {
    "P": Property.Occupancy.OWNER,
    "S": Property.Occupancy.SECOND_HOME,
    "I": Property.Occupancy.INVESTMENT,
}
STATUS_REO = "RA"
STATUS_UNKNOWN = "XX"
DUE_DAY = 1  # installments in the dataset are due on the first of the month
PLACEHOLDER_FIRST_NAME = "Borrower"
UNDISCLOSED = "Not disclosed (loan-level dataset)"

_YYYYMM = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INT = re.compile(r"^\d+$")
_STATUS = re.compile(r"^(\d{1,3}|RA|XX)$")


class _Bad(ValueError):
    pass


def _month(value: str) -> date:
    match = _YYYYMM.match(value)
    if not match:
        raise _Bad(f"{value!r} is not a YYYYMM date")
    return date(int(match[1]), int(match[2]), 1)


def _month_or_none(value: str) -> date | None:
    return _month(value) if value else None


def _decimal(value: str) -> Decimal:
    if not _NUMBER.match(value):
        raise _Bad(f"{value!r} is not a number")
    return Decimal(value)


def _decimal_or_none(value: str) -> Decimal | None:
    return _decimal(value) if value else None


def _int(value: str) -> int:
    if not _INT.match(value):
        raise _Bad(f"{value!r} is not a whole number")
    return int(value)


def _coded_int(not_available: int) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        if not value:
            return None
        number = _int(value)
        return None if number == not_available else number

    return parse


def _text(value: str) -> str:
    return value


def _occupancy(value: str) -> str:
    if value not in OCCUPANCY:
        raise _Bad(f"{value!r} is not an occupancy status (P, S, I)")
    return value


def _state(value: str) -> str:
    if value not in STATE_CODES:
        raise _Bad(f"{value!r} is not a US state code we service")
    return value


def _sequence(value: str) -> str:
    if not re.match(r"^[A-Za-z0-9-]{1,20}$", value):
        raise _Bad(f"{value!r} is not a loan sequence number")
    return value


def _status(value: str) -> str:
    if not _STATUS.match(value):
        raise _Bad(f"{value!r} is not a delinquency status (0, 1, 2, ..., RA, XX)")
    return value


def _zero_balance_code(value: str) -> str:
    if value and value not in ZERO_BALANCE_CODES:
        raise _Bad(f"{value!r} is not a zero balance code ({', '.join(ZERO_BALANCE_CODES)})")
    return value


def _net_sale_proceeds(value: str) -> Decimal | str | None:
    if value in ("C", "U"):
        return value
    return _decimal_or_none(value)


def _required(parse: Callable[[str], object]) -> Callable[[str], object]:
    def check(value: str):
        if value == "":
            raise _Bad("is required")
        return parse(value)

    return check


ORIGINATION_PARSERS = (
    _coded_int(9999),
    _required(_month),
    _text,
    _required(_month),
    _text,
    _coded_int(999),
    _coded_int(99),
    _occupancy,
    _coded_int(999),
    _coded_int(999),
    _required(_decimal),
    _coded_int(999),
    _required(_decimal),
    _text,
    _text,
    _text,
    _state,
    _text,
    _text,
    _sequence,
    _text,
    _required(_int),
    _coded_int(99),
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
)
PERFORMANCE_PARSERS = (
    _sequence,
    _required(_month),
    _required(_decimal),
    _status,
    _required(_int),
    _required(_int),
    _month_or_none,
    _text,
    _zero_balance_code,
    _month_or_none,
    _required(_decimal),
    _decimal_or_none,
    _month_or_none,
    _decimal_or_none,
    _net_sale_proceeds,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _decimal_or_none,
    _text,
    _text,
    _coded_int(999),
    _decimal_or_none,
    _decimal_or_none,
    _text,
    _text,
    _decimal_or_none,
    _decimal_or_none,
)


def parse_line(line_no: int, text: str, *, kind: str) -> tuple[object | None, list[RowError]]:
    """Parse one line of the origination (`kind="origination"`) or performance file."""
    names, parsers, record_type = (
        (ORIGINATION_FIELDS, ORIGINATION_PARSERS, OriginationRecord)
        if kind == "origination"
        else (PERFORMANCE_FIELDS, PERFORMANCE_PARSERS, PerformanceRecord)
    )
    values = text.rstrip("\r\n").split("|")
    if len(values) < len(names):
        return None, [RowError(line_no, kind, f"has {len(values)} fields; the {kind} layout has {len(names)}")]
    errors = []
    parsed = []
    for position, (name, parse, raw) in enumerate(zip(names, parsers, values, strict=False), start=1):
        try:
            parsed.append(parse(raw.strip()))
        except _Bad as exc:
            errors.append(RowError(line_no, f"{kind} field {position} {name}", str(exc)))
            parsed.append(None)
    if errors:
        return None, errors
    return record_type(*parsed), []


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for line_no, text in enumerate(handle, start=1):
            if text.strip():
                yield line_no, text


# --------------------------------------------------------------------------- reading both files


@dataclass
class FreddieData:
    """Everything the import needs from the two files, after the whole of both was checked."""

    originations: dict[str, OriginationRecord] = field(default_factory=dict)  # in file order
    lines: dict[str, int] = field(default_factory=dict)  # origination line of each loan
    latest: dict[str, PerformanceRecord] = field(default_factory=dict)  # per loan, on/before as-of
    errors: list[RowError] = field(default_factory=list)
    performance_rows: int = 0
    last_period: date | None = None


def end_of_month(month: date) -> date:
    return add_months(month.replace(day=1), 1, day=1) - timedelta(days=1)


def read_files(
    orig_path: Path, perf_path: Path, *, as_of: date | None = None, on_row: Callable[[int], None] | None = None
) -> FreddieData:
    """Parse and check both files whole. Keeps each loan's latest performance record whose
    reporting period ended on or before `as_of` (all of them when `as_of` is None)."""
    data = FreddieData()
    first_line = data.lines
    unreadable: set[str] = set()  # loans whose origination line failed: not blamed again below
    for line_no, text in _lines(orig_path):
        record, errors = parse_line(line_no, text, kind="origination")
        data.errors.extend(errors)
        if record is None:
            raw = text.split("|")
            if len(raw) >= 20:
                unreadable.add(raw[19].strip())
            continue
        seq = record.loan_sequence_number
        if seq in first_line:
            data.errors.append(RowError(line_no, "origination", f"loan {seq} is also on line {first_line[seq]}"))
            continue
        first_line[seq] = line_no
        data.originations[seq] = record
    # Freddie Mac sorts each loan's records by period; a period that does not move forward is
    # a duplicate or a mis-sorted file, and either way we cannot tell which record is current.
    last_seen: dict[str, date] = {}
    for line_no, text in _lines(perf_path):
        data.performance_rows += 1
        if on_row is not None:
            on_row(1)
        record, errors = parse_line(line_no, text, kind="performance")
        data.errors.extend(errors)
        if record is None:
            continue
        seq, period = record.loan_sequence_number, record.monthly_reporting_period
        if seq not in data.originations:
            if seq in unreadable:
                continue
            data.errors.append(RowError(line_no, "performance", f"loan {seq} is not in the origination file"))
            continue
        previous = last_seen.get(seq)
        if previous is not None and period <= previous:
            data.errors.append(
                RowError(line_no, "performance", f"loan {seq} period {period:%Y%m} does not follow {previous:%Y%m}")
            )
            continue
        last_seen[seq] = period
        if as_of is None or end_of_month(period) <= as_of:
            data.latest[seq] = record
            if data.last_period is None or period > data.last_period:
                data.last_period = period
    return data
