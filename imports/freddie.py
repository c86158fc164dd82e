"""Freddie Mac Single-Family Loan-Level Dataset: parser, loan mapping, MBA agreement, generator.

Both files are pipe-delimited with no header, in the exact field order below (domain.md
section 6 and Freddie Mac's General User Guide). A row with fewer fields than the layout is
rejected; fields past the last one we know are ignored, so a later layout that appends fields
still loads. Dates are YYYYMM. Freddie Mac's own data may not be redistributed: tests use
`generate_sample`, which writes files in the same layout with invented loans.

The dataset carries no borrower or street address (no PII), so boarded loans get a placeholder
borrower "Borrower <loan sequence number>" and a property known only by state, the masked
three-digit postal prefix ("303XX") and occupancy.
"""

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Investor, Loan, Property, Valuation
from borrowers.states import STATE_CODES, foreclosure_type_for_state
from delinquency.status import mba_status
from imports.tape import RowError
from imports.upsert import LoanInput
from workouts.domain.amortization import monthly_payment, split_installment
from workouts.domain.dates import add_months, months_between
from workouts.domain.money import ZERO, to_cents

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


# --------------------------------------------------------------------------- mapping and agreement

AGREE = "agree"
EXPLAINED = "explained"
DISAGREE = "disagree"
NO_DATA = "no_data"


@dataclass(frozen=True)
class Agreement:
    """Our MBA delinquency count against the file's, for one loan."""

    loan_number: str
    period: date | None
    file_status: str
    ours: int | None  # months delinquent by Lossmit's MBA rule; None when not comparable
    outcome: str
    reason: str

    def as_dict(self) -> dict:
        return {
            "loan_number": self.loan_number,
            "period": self.period.strftime("%Y%m") if self.period else "",
            "file_status": self.file_status,
            "ours": self.ours,
            "outcome": self.outcome,
            "reason": self.reason,
        }


def explain(perf: PerformanceRecord) -> list[str]:
    """Reasons the file itself gives for a status our rule need not reproduce."""
    reasons = []
    if perf.modification_flag == "Y":
        reasons.append("modified this period (field 8 = Y)")
    if perf.payment_deferral not in ("", "N"):
        reasons.append(f"payment deferral (field 25 = {perf.payment_deferral})")
    if perf.delinquency_due_to_disaster == "Y":
        reasons.append("delinquency due to disaster (field 29 = Y)")
    if perf.borrower_assistance_status:
        label = {"F": "forbearance", "R": "repayment plan", "T": "trial period"}.get(
            perf.borrower_assistance_status, perf.borrower_assistance_status
        )
        reasons.append(f"borrower assistance: {label} (field 30)")
    return reasons


def agreement(loan_number: str, perf: PerformanceRecord | None, next_due_date: date | None) -> Agreement:
    """Compare the file's status with ours, computed by Lossmit's MBA rule (domain.md s.1) from
    the next due date we loaded, as of the end of the reporting month."""
    if perf is None:
        return Agreement(loan_number, None, "", None, NO_DATA, "no performance record on or before the as-of date")
    file_status = perf.current_loan_delinquency_status
    period = perf.monthly_reporting_period
    if perf.zero_balance_code:
        label = ZERO_BALANCE_CODES[perf.zero_balance_code]
        return Agreement(
            loan_number, period, file_status, None, EXPLAINED,
            f"zero balance {perf.zero_balance_code} ({label}): the loan is closed",
        )  # fmt: skip
    ours = mba_status(next_due_date, DUE_DAY, end_of_month(period)) // 30
    if file_status == STATUS_REO:
        return Agreement(loan_number, period, file_status, ours, EXPLAINED, "REO acquired (RA): no MBA count in file")
    if file_status == STATUS_UNKNOWN:
        return Agreement(loan_number, period, file_status, ours, EXPLAINED, "status unknown (XX) in the file")
    if perf.due_date_of_last_paid_installment is None:
        return Agreement(
            loan_number, period, file_status, ours, EXPLAINED,
            "no due date of last paid installment (field 13): next due date taken from the file's status",
        )  # fmt: skip
    if int(file_status) == ours:
        return Agreement(loan_number, period, file_status, ours, AGREE, "")
    reasons = explain(perf)
    if reasons:
        return Agreement(loan_number, period, file_status, ours, EXPLAINED, "; ".join(reasons))
    return Agreement(loan_number, period, file_status, ours, DISAGREE, "no reason given in the file")


def _next_due(orig: OriginationRecord, perf: PerformanceRecord | None) -> date:
    if perf is None:
        return orig.first_payment_date
    if perf.due_date_of_last_paid_installment is not None:
        return add_months(perf.due_date_of_last_paid_installment, 1, day=DUE_DAY)
    if perf.current_loan_delinquency_status.isdigit():
        # Without field 13, the file's own count is all we have: status n means n unpaid.
        return add_months(perf.monthly_reporting_period, 1 - int(perf.current_loan_delinquency_status), day=DUE_DAY)
    return orig.first_payment_date


def loan_input(orig: OriginationRecord, perf: PerformanceRecord | None, line: int) -> LoanInput:
    """Our loan from the origination record and the latest performance record."""
    seq = orig.loan_sequence_number
    next_due = _next_due(orig, perf)
    # The dataset has no note date: its loan age counts the month before the first payment as
    # the origination month, so we date the note on the first of that month.
    origination_date = add_months(orig.first_payment_date, -1, day=1)
    status = Loan.Status.ACTIVE
    deferred = ZERO
    if perf is None:
        principal = to_cents(orig.original_upb)
        rate = orig.original_interest_rate
        maturity = orig.maturity_date
    else:
        rate = perf.current_interest_rate
        maturity = add_months(perf.monthly_reporting_period, perf.remaining_months_to_legal_maturity, day=DUE_DAY)
        if perf.zero_balance_code:
            status = ZERO_BALANCE_STATUS[perf.zero_balance_code]
            principal = ZERO
        else:
            # Field 3 is the whole unpaid balance; the non-interest-bearing part (forborne by a
            # modification or deferred) is our deferred principal, the rest our principal.
            deferred = to_cents(perf.current_non_interest_bearing_upb or ZERO)
            principal = to_cents(perf.current_actual_upb) - deferred
            if perf.current_loan_delinquency_status == STATUS_REO:
                status = Loan.Status.LIQUIDATED  # the foreclosure sale happened; REO is not a loan
    remaining = max(months_between(next_due, maturity) + 1, 0)
    if perf is not None and perf.modification_flag in ("Y", "P") and remaining > 0 and principal > 0:
        monthly_pi = monthly_payment(principal, rate, remaining)  # the modified terms
    else:
        monthly_pi = monthly_payment(orig.original_upb, orig.original_interest_rate, orig.original_loan_term)
    valuation = None
    if orig.original_ltv:
        value = to_cents(orig.original_upb * 100 / orig.original_ltv)
        valuation = (value, origination_date, Valuation.Kind.ORIGINATION, "Freddie Mac original LTV")
    return LoanInput(
        line=line,
        loan_number=seq,
        loan={
            "investor": Investor.FREDDIE_MAC,
            "program": DEFAULT_PROGRAM_BY_INVESTOR[Investor.FREDDIE_MAC],
            "lien_position": 1,
            "origination_date": origination_date,
            "original_balance": to_cents(orig.original_upb),
            "note_rate": rate.quantize(Decimal("0.001")),
            "original_term_months": orig.original_loan_term,
            "remaining_term_months": remaining,
            "first_payment_date": orig.first_payment_date,
            "maturity_date": maturity,
            "next_due_date": next_due,
            "monthly_pi": monthly_pi,
            "monthly_escrow": ZERO,
            "foreclosure_type": foreclosure_type_for_state(orig.property_state),
            "status": status,
        },
        principal_balance=principal,
        escrow_balance=ZERO,
        deferred_principal=deferred,
        borrower={
            "first_name": PLACEHOLDER_FIRST_NAME,
            "last_name": seq,
            "email": "",
            "preferred_language": "en",
            "mailing_address1": "",
            "mailing_city": "",
            "mailing_state": "",
            "mailing_zip": "",
        },
        property={
            "address1": UNDISCLOSED,
            "city": UNDISCLOSED[:100],
            "state": orig.property_state,
            "zip_code": f"{orig.postal_code[:3]}XX" if orig.postal_code else "",
            "occupancy": OCCUPANCY[orig.occupancy_status],
        },
        valuation=valuation,
    )


# --------------------------------------------------------------------------- sample generator

# The mix of loan histories, cycled by loan index so every file of 12+ loans has each one.
MIX = (
    "current",
    "current",
    "current",
    "dq1",
    "dq2",
    "dq3plus",
    "prepaid",
    "reo",
    "unknown",
    "modified",
    "deferral",
    "disaster",
)
_STATES = (
    ("GA", "303"),
    ("TX", "750"),
    ("CA", "900"),
    ("FL", "331"),
    ("NY", "100"),
    ("NJ", "070"),
    ("IL", "606"),
    ("AZ", "850"),
    ("WA", "980"),
    ("OH", "430"),
    ("PA", "191"),
    ("NC", "275"),
)
DEFAULT_END_PERIOD = date(2025, 6, 1)


def _yyyymm(day: date | None) -> str:
    return day.strftime("%Y%m") if day else ""


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _balances(upb: Decimal, rate: Decimal, payment: Decimal, installments: int) -> list[Decimal]:
    """Scheduled balance after 0, 1, ... installments, as the servicer would amortise them."""
    out = [upb]
    for _ in range(installments):
        out.append(out[-1] - split_installment(out[-1], rate, payment).principal)
    return out


def generate_sample(
    *, loans: int, seed: int, end_period: date = DEFAULT_END_PERIOD
) -> tuple[list[str], list[str], dict[str, str]]:
    """Origination lines, performance lines (no line breaks) and each loan's mix category.

    Deterministic for a seed. Every loan has monthly records from its first payment month to
    `end_period` (or its zero balance month); categories follow MIX by loan index.
    """
    rng = random.Random(seed)
    orig_lines: list[str] = []
    perf_lines: list[str] = []
    categories: dict[str, str] = {}
    for index in range(loans):
        category = MIX[index % len(MIX)]
        age = rng.randint(18, 48)
        fpd = add_months(end_period, -age, day=1)
        noted = add_months(fpd, -1, day=1)
        seq = f"F{noted.year % 100:02d}Q{(noted.month - 1) // 3 + 1}{index + 1:07d}"
        categories[seq] = category
        state, zip3 = _STATES[rng.randrange(len(_STATES))]
        upb = Decimal(rng.randrange(80, 760) * 1000)
        rate = Decimal("2.750") + Decimal("0.125") * rng.randrange(0, 37)
        term = 180 if rng.random() < 0.15 else 360
        maturity = add_months(fpd, term - 1, day=1)
        ltv = rng.randint(55, 97)
        occupancy = rng.choices("PSI", weights=(85, 5, 10))[0]
        payment = monthly_payment(upb, rate, term)
        orig_lines.append(
            "|".join(
                [
                    str(rng.randint(620, 820)),
                    _yyyymm(fpd),
                    rng.choice("YN"),
                    _yyyymm(maturity),
                    rng.choice(["", "12060", "26420", "31080", "33100", "35620"]),
                    "25" if ltv > 80 else "0",
                    "1",
                    occupancy,
                    str(ltv),
                    str(rng.randint(18, 50)),
                    str(upb),
                    str(ltv),
                    f"{rate:.3f}",
                    rng.choice("RBC"),
                    "N",
                    "FRM",
                    state,
                    rng.choice(["SF", "PU", "CO"]),
                    f"{zip3}00",
                    seq,
                    rng.choice("PCN"),
                    str(term),
                    rng.choice("12"),
                    "Other sellers",
                    "Other servicers",
                    "",
                    "",
                    "9",
                    "",
                    "2",
                    "N",
                    "7" if ltv > 80 else "9",
                ]
            )
        )
        perf_lines.extend(_history(rng, category, seq, fpd, end_period, maturity, upb, rate, payment, ltv))
    return orig_lines, perf_lines, categories


def _history(rng, category, seq, fpd, end, maturity, upb, rate, payment, ltv) -> list[str]:
    """One loan's monthly performance records for its mix category."""
    behind = {"dq1": 1, "dq2": 2, "dq3plus": rng.randint(3, 6), "reo": 14, "modified": 5, "deferral": 2}.get(
        category, 0
    )
    if category == "disaster":
        behind = 2
    stop = add_months(end, -behind, day=1)  # last installment paid
    last = end
    if category == "prepaid":
        last = add_months(end, -rng.randint(2, 6), day=1)
    schedule = _balances(upb, rate, payment, months_between(fpd, end) + 1)
    lines = []
    period = fpd
    while period <= last:
        ddlpi = min(period, stop) if behind else period
        paid = months_between(fpd, ddlpi) + 1
        balance = schedule[paid]
        status = str(months_between(ddlpi, period))
        row = {
            "upb": balance,
            "status": status,
            "mod": "",
            "zb": "",
            "zb_date": None,
            "rate": rate,
            "nib": ZERO,
            "ddlpi": ddlpi,
            "deferral": "",
            "disaster": "",
            "removal": None,
            "accrued": to_cents(balance * rate / 1200 * int(status)) if int(status) else None,
            "step": "",
            "remaining": months_between(period, maturity),
            "mod_cost": None,
            "cum_mod_cost": None,
        }
        if period == last:
            _final(category, row, period, schedule, fpd, stop)
        elif category == "disaster" and period > stop:
            row["disaster"] = "Y"
            row["status"] = "0"  # relief reporting: the file holds the status while disaster-affected
        lines.append(_perf_line(seq, period, fpd, row, ltv))
        period = add_months(period, 1, day=1)
    return lines


def _final(category, row, period, schedule, fpd, stop) -> None:
    if category == "prepaid":
        row.update(zb="01", zb_date=period, removal=row["upb"], upb=ZERO, status="0", accrued=None)
    elif category == "reo":
        row["status"] = "RA"
    elif category == "unknown":
        row["status"] = "XX"
    elif category == "disaster":
        row["disaster"] = "Y"
        row["status"] = "0"
    elif category == "modified":
        # Arrears (the missed interest) capitalised, rate cut, term to 480 months, part of the
        # balance forborne; re-aged to current, while the file still shows the pre-mod count.
        missed = months_between(stop, period)
        arrears = to_cents(row["upb"] * row["rate"] / 1200 * missed)
        new_upb = row["upb"] + arrears
        row.update(
            upb=new_upb,
            mod="Y",
            step="N",
            rate=max(row["rate"] - Decimal("1.500"), Decimal("2.000")),
            nib=to_cents(new_upb * Decimal("0.10")),
            ddlpi=period,
            remaining=480,
            accrued=None,
            mod_cost=to_cents(arrears / 4),
            cum_mod_cost=to_cents(arrears / 4),
        )
    elif category == "deferral":
        # The missed installments' principal moves to the non-interest-bearing balance and the
        # loan is brought current; the file shows the count from before the deferral.
        paid = months_between(fpd, stop) + 1
        missed = months_between(stop, period)
        row.update(
            deferral="Y",
            nib=schedule[paid] - schedule[paid + missed],
            ddlpi=period,
            accrued=None,
        )


def _perf_line(seq, period, fpd, row, ltv) -> str:
    upb = row["upb"]
    return "|".join(
        [
            seq,
            _yyyymm(period),
            _money(upb),
            row["status"],
            str(months_between(fpd, period) + 1),
            str(row["remaining"]),
            "",
            row["mod"],
            row["zb"],
            _yyyymm(row["zb_date"]),
            f"{row['rate']:.3f}",
            _money(row["nib"]),
            _yyyymm(row["ddlpi"]),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            _money(row["cum_mod_cost"]),
            row["step"],
            row["deferral"],
            str(max(ltv - months_between(fpd, period) // 6, 1)) if upb else "",
            _money(row["removal"]),
            _money(row["accrued"]),
            row["disaster"],
            "",
            _money(row["mod_cost"]),
            _money(upb - row["nib"]),
        ]
    )


def write_sample(out_dir: Path, *, loans: int, seed: int, end_period: date = DEFAULT_END_PERIOD) -> tuple[Path, Path]:
    """Write sample_orig.txt and sample_svcg.txt (Freddie Mac's own file names) to `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    orig_lines, perf_lines, _ = generate_sample(loans=loans, seed=seed, end_period=end_period)
    orig_path, perf_path = out_dir / "sample_orig.txt", out_dir / "sample_svcg.txt"
    orig_path.write_text("".join(f"{line}\n" for line in orig_lines), encoding="utf-8")
    perf_path.write_text("".join(f"{line}\n" for line in perf_lines), encoding="utf-8")
    return orig_path, perf_path
