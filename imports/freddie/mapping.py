"""From Freddie Mac records to our loans, and our MBA status against the file's."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Investor, Loan, Valuation
from borrowers.states import foreclosure_type_for_state
from delinquency.status import mba_status
from imports.freddie.layout import (
    DUE_DAY,
    OCCUPANCY,
    PLACEHOLDER_FIRST_NAME,
    STATUS_REO,
    STATUS_UNKNOWN,
    UNDISCLOSED,
    ZERO_BALANCE_CODES,
    ZERO_BALANCE_STATUS,
    OriginationRecord,
    PerformanceRecord,
    end_of_month,
)
from imports.upsert import LoanInput
from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months, months_between
from workouts.domain.money import ZERO, to_cents

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
