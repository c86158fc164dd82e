"""The values a letter is rendered with, built from the loan, case and workout rows.

Every value is a plain string, number, list or dict (never a model instance): the template
text is admin-editable, so it must not be able to reach methods or related rows, and the same
values are stored on the letter (`Letter.context`) as the record of what was said. Missing data
the regulation needs (a mailing address, a denial, an acceptance deadline) raises DomainError
before anything is written.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from borrowers.models import Loan
from letters.dates import documents_due_date, long_date, money
from letters.models import LetterKind
from lossmit.errors import BadInput, DomainError
from rules.selectors import holidays_declared
from workouts.domain import regx
from workouts.domain.dates import add_months
from workouts.domain.money import to_cents
from workouts.models import LossMitCase, Workout

# 1024.39(b)(2)(iv): the notice gives HUD's list of housing counselors and its toll-free number.
HUD_COUNSELOR = {
    "phone": "1-800-569-4287",
    "website": "https://www.hud.gov/counseling",
    "cfpb_website": "https://www.consumerfinance.gov/find-a-housing-counselor/",
}
# The appeal must be decided within 30 days of receipt (1024.41(h)(4)).
APPEAL_DECISION_DAYS = regx.APPEAL_DECISION_DAYS

# How a letter names a workout's terms: (key, label, kind).
TERM_LINES = {
    Workout.Option.MODIFICATION: (
        ("interest_rate", "Interest rate", "rate"),
        ("term_months", "Term", "months"),
        ("capitalized_balance", "New principal balance (with past-due amounts added)", "money"),
        ("forbearance", "Principal forbearance (no interest, due at payoff or maturity)", "money"),
        ("monthly_pi", "Monthly principal and interest", "money"),
    ),
    Workout.Option.REPAYMENT_PLAN: (
        ("months", "Length of the plan", "months"),
        ("past_due_amount", "Past-due amount repaid over the plan", "money"),
        ("plan_payment", "Monthly plan payment", "money"),
    ),
    Workout.Option.FORBEARANCE: (
        ("months", "Length of the forbearance", "months"),
        ("amount", "Amount forborne", "money"),
    ),
    Workout.Option.SHORT_SALE: (
        ("net_proceeds", "Minimum net proceeds we accept", "money"),
        ("deficiency", "Deficiency", "money"),
    ),
    Workout.Option.DEED_IN_LIEU: (
        ("expected_recovery", "Expected recovery", "money"),
        ("deficiency", "Deficiency", "money"),
    ),
}
# Labels for the NPV inputs a denial discloses (1024.41(d)(1)); other keys get a generated label.
NPV_INPUT_LABELS = {
    "program": "Program",
    "as_of": "Evaluation date",
    "loan.principal_balance": "Unpaid principal balance",
    "loan.note_rate": "Interest rate (%)",
    "loan.remaining_term_months": "Remaining term (months)",
    "loan.monthly_escrow": "Monthly escrow",
    "loan.monthly_pi": "Monthly principal and interest",
    "loan.past_due_amount": "Past-due amount",
    "loan.arrears": "Arrears",
    "loan.next_due_date": "Oldest unpaid payment due",
    "loan.property_state": "Property state",
    "borrower.gross_monthly_income": "Gross monthly income",
    "borrower.monthly_debts": "Monthly debts",
    "property.market_value": "Property value",
    "property.subordinate_liens": "Subordinate liens",
}
NPV_MONEY_SUFFIXES = ("balance", "escrow", "_pi", "amount", "arrears", "fees", "income", "debts", "value", "liens")


def servicer() -> dict[str, str]:
    """Who the borrower contacts: settings.LETTERS_SERVICER (from the environment, with the demo
    servicer's values as defaults)."""
    return dict(settings.LETTERS_SERVICER)


def mailing_address_lines(borrower) -> list[str]:
    """The borrower's mailing address as printed, or DomainError when it is incomplete."""
    street = (borrower.mailing_address1 or "").strip()
    city, state, zip_code = (borrower.mailing_city or "").strip(), borrower.mailing_state, borrower.mailing_zip
    if not (street and city and state and zip_code):
        raise DomainError(
            "no_mailing_address",
            f"{borrower.full_name} has no complete mailing address; add it before sending a letter.",
        )
    lines = [street]
    if (borrower.mailing_address2 or "").strip():
        lines.append(borrower.mailing_address2.strip())
    lines.append(f"{city}, {state} {zip_code}")
    return lines


def _user_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def _term_value(value: Any, kind: str) -> str:
    if kind == "money":
        return money(value)
    if kind == "rate":
        return f"{Decimal(str(value)).quantize(Decimal('0.001'))}%"
    return f"{int(value)} months"


def common_context(*, loan: Loan, case: LossMitCase | None, sent_on: date) -> dict[str, Any]:
    borrower = loan.borrower
    co_borrower = loan.co_borrower
    names = [borrower.full_name] + ([co_borrower.full_name] if co_borrower is not None else [])
    specialist = (case.assigned_to if case is not None else None) or loan.assigned_to
    return {
        "letter_date": long_date(sent_on),
        "sent_on": sent_on.isoformat(),
        "recipient": " and ".join(names),
        "mailing_address": mailing_address_lines(borrower),
        "borrower": {"full_name": borrower.full_name, "first_name": borrower.first_name},
        "co_borrower": {"full_name": co_borrower.full_name} if co_borrower is not None else None,
        "loan": {
            "loan_number": loan.loan_number,
            "property_address": str(loan.property),
            "monthly_payment": money(loan.monthly_payment),
        },
        # 1024.40: the borrower's named contact at the servicer.
        "specialist": {"name": _user_name(specialist) or "our loss mitigation team"},
        "servicer": servicer(),
        "hud": HUD_COUNSELOR,
    }


def early_intervention_context(*, loan: Loan, sent_on: date) -> dict[str, Any]:
    """1024.39(b): the loan is delinquent on the day the notice is sent."""
    oldest = loan.next_due_date
    days = (sent_on - oldest).days
    if days <= 0:
        raise DomainError(
            "not_delinquent",
            f"Loan {loan.loan_number} is not delinquent on {sent_on.isoformat()}; "
            "the early intervention notice is for delinquent borrowers.",
        )
    installments, due = 0, oldest
    while due <= sent_on:
        installments += 1
        due = add_months(due, 1, day=loan.first_payment_date.day)
    return {
        "oldest_unpaid_due": long_date(oldest),
        "days_delinquent": days,
        "installments_past_due": installments,
        "amount_past_due": money(installments * loan.monthly_payment),
    }


def acknowledgment_context(*, case: LossMitCase, sent_on: date) -> dict[str, Any]:
    """1024.41(b)(2)(i)(B): complete or not, what is missing, and a reasonable date to send it."""
    if sent_on < case.application_received_on:
        raise BadInput(
            "before_application",
            "An acknowledgment cannot be sent before the application was received.",
            fields={"sent_on": [f"Enter {case.application_received_on.isoformat()} or later."]},
        )
    missing = [
        doc.description or doc.get_kind_display()
        for doc in case.documents.all()
        if doc.required and (doc.received_on is None or doc.received_on > sent_on)
    ]
    complete_on = case.application_complete_on
    complete = complete_on is not None and complete_on <= sent_on and not missing
    loan = case.loan
    ack_due = regx.acknowledgment_due(case.application_received_on, case.foreclosure_sale_date, holidays_declared())
    return {
        "received_on": long_date(case.application_received_on),
        "acknowledgment_due": long_date(ack_due),
        "complete": complete,
        "complete_on": long_date(complete_on) if complete else "",
        "missing_documents": missing,
        "documents_due": (
            ""
            if complete
            else long_date(
                documents_due_date(
                    sent_on=sent_on, oldest_unpaid_due=loan.next_due_date, sale_date=case.foreclosure_sale_date
                )
            )
        ),
        "evaluation_due": long_date(regx.evaluation_due(complete_on, case.foreclosure_sale_date)) if complete else "",
        "foreclosure_sale_date": long_date(case.foreclosure_sale_date),
    }


def _terms(workout: Workout) -> list[dict[str, str]]:
    lines = []
    for key, label, kind in TERM_LINES.get(workout.option, ()):
        value = workout.terms.get(key)
        if value not in (None, "") and (kind != "money" or _decimal(value) is not None):
            lines.append({"label": label, "value": _term_value(value, kind)})
    return lines


def monthly_payment_for(workout: Workout, loan: Loan) -> Decimal | None:
    """The borrower's new monthly payment under the workout: the stated payment, else P&I plus
    escrow for a modification (as the trial plan computes it), else the plan payment."""
    terms = workout.terms
    for key in ("monthly_payment", "trial_payment"):
        if _decimal(terms.get(key)) is not None:
            return _decimal(terms[key])
    if workout.option == Workout.Option.MODIFICATION and _decimal(terms.get("monthly_pi")) is not None:
        return _decimal(terms["monthly_pi"]) + loan.monthly_escrow
    if _decimal(terms.get("plan_payment")) is not None:
        return _decimal(terms["plan_payment"])
    past_due, months = _decimal(terms.get("past_due_amount")), _decimal(terms.get("months"))
    if workout.option == Workout.Option.REPAYMENT_PLAN and past_due is not None and months:
        # workouts/domain/repayment.py: the contractual payment plus an equal share of the
        # past-due amount, rounded half-up to the cent.
        return to_cents(loan.monthly_payment + past_due / months)
    return None


def offer_context(*, workout: Workout, sent_on: date) -> dict[str, Any]:
    """1024.41(c)(1)(ii), (e): the offer's terms and the date to accept by."""
    if workout.status != Workout.Status.OFFERED or workout.offer_expires_on is None:
        raise DomainError("not_offered", "An offer letter needs a workout that has been offered to the borrower.")
    if workout.offered_on != sent_on:
        raise DomainError(
            "sent_on_mismatch",
            f"The offer was made on {workout.offered_on.isoformat()}; its acceptance deadline counts from that "
            "date, so the letter must be sent that day.",
        )
    payment = monthly_payment_for(workout, workout.case.loan)
    if workout.option in (Workout.Option.MODIFICATION, Workout.Option.REPAYMENT_PLAN) and payment is None:
        raise DomainError("no_monthly_payment", "The offer's terms do not give the new monthly payment.")
    return {
        "offer": {
            "option": workout.get_option_display(),
            "terms": _terms(workout),
            "monthly_payment": money(payment),
            "trial": workout.option == Workout.Option.MODIFICATION,
        },
        "offered_on": long_date(workout.offered_on),
        "acceptance_deadline": long_date(workout.offer_expires_on),
        "acceptance_days": (workout.offer_expires_on - workout.offered_on).days,
    }


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for key, sub in value.items() for item in _flatten(f"{prefix}.{key}" if prefix else key, sub)]
    return [] if value in (None, "") else [(prefix, value)]


def _npv_lines(notice: dict) -> list[dict[str, str]]:
    lines = []
    for key, value in _flatten("", notice.get("npv_inputs") or {}):
        label = NPV_INPUT_LABELS.get(key) or key.split(".")[-1].replace("_", " ").capitalize()
        shown = money(value) if key.endswith(NPV_MONEY_SUFFIXES) and _decimal(value) is not None else str(value)
        lines.append({"label": label, "value": shown})
    return lines


def _engine_reasons(workout: Workout) -> list[dict]:
    if workout.evaluation_id is None:
        return []
    return list((workout.evaluation.option_result(workout.option) or {}).get("reasons") or [])


def denial_context(*, workout: Workout, sent_on: date) -> dict[str, Any]:
    """1024.41(d): each reason, the NPV inputs when the denial rests on NPV, and the appeal right
    and deadline under 1024.41(h)."""
    if workout.status != Workout.Status.DENIED or workout.denial_notice_on is None:
        raise DomainError("no_denial", "A denial letter needs a workout that was denied.")
    if workout.denial_notice_on != sent_on:
        raise DomainError(
            "sent_on_mismatch",
            f"The denial notice is dated {workout.denial_notice_on.isoformat()}; the appeal deadline counts from "
            "that date, so the letter must be sent that day.",
        )
    reasons = [line.strip() for line in workout.decision_reason.splitlines() if line.strip()]
    engine = _engine_reasons(workout)
    for reason in engine:
        message = reason.get("message") or reason.get("code", "")
        if message and message not in reasons:
            reasons.append(message)
    notice = workout.terms.get("denial_notice") or {}
    rests_on_npv = "npv" in workout.decision_reason.lower() or any("npv" in str(r.get("code", "")) for r in engine)
    npv_inputs = _npv_lines(notice) if rests_on_npv else []
    if rests_on_npv and not npv_inputs:
        raise DomainError(
            "npv_inputs_missing",
            "The denial rests on the NPV test but no stored evaluation gives its inputs (1024.41(d)(1)).",
        )
    return {
        "option": workout.get_option_display(),
        "denial_reason": "; ".join(reasons),
        "denial_reasons": reasons,
        "denied_on": long_date(workout.denial_notice_on),
        "rests_on_npv": rests_on_npv,
        "npv_inputs": npv_inputs,
        "npv_result": money(notice.get("npv")) if notice.get("npv") not in (None, "") else "",
        "appeal_available": workout.appeal_deadline is not None,
        "appeal_deadline": long_date(workout.appeal_deadline),
        "appeal_decision_days": APPEAL_DECISION_DAYS,
    }


def trial_context(*, workout: Workout, sent_on: date) -> dict[str, Any]:
    """The trial period plan: each payment's number, amount and due date."""
    payments = list(workout.trial_payments.order_by("number"))
    if workout.status != Workout.Status.TRIAL or not payments:
        raise DomainError("no_trial_plan", "A trial plan letter needs a workout in its trial period.")
    if workout.responded_on is not None and sent_on < workout.responded_on:
        raise BadInput("before_acceptance", "The trial plan letter cannot precede the acceptance.")
    return {
        "trial_payments": [
            {"number": p.number, "due_date": long_date(p.due_date), "amount": money(p.amount)} for p in payments
        ],
        "trial_payment_count": len(payments),
        "trial_payment_amount": money(payments[0].amount),
        "first_due": long_date(payments[0].due_date),
        "last_due": long_date(payments[-1].due_date),
        "offer": {"option": workout.get_option_display(), "terms": _terms(workout)},
    }


# Example values for checking a template edit renders (the edit page shows the result).
SAMPLE_CONTEXT: dict[str, Any] = {
    "letter_date": "December 3, 2026",
    "sent_on": "2026-12-03",
    "recipient": "Alex Sample",
    "mailing_address": ["12 Elm Street", "Atlanta, GA 30301"],
    "borrower": {"full_name": "Alex Sample", "first_name": "Alex"},
    "co_borrower": None,
    "loan": {"loan_number": "1000000001", "property_address": "100 Peachtree Road", "monthly_payment": "$1,564.14"},
    "specialist": {"name": "Maria Lopez"},
    "servicer": dict(settings.LETTERS_SERVICER),
    "hud": HUD_COUNSELOR,
    "oldest_unpaid_due": "October 1, 2026",
    "days_delinquent": 45,
    "installments_past_due": 2,
    "amount_past_due": "$3,128.28",
    "received_on": "November 25, 2026",
    "acknowledgment_due": "December 3, 2026",
    "complete": False,
    "complete_on": "",
    "missing_documents": ["Proof of income", "Bank statements"],
    "documents_due": "January 2, 2027",
    "evaluation_due": "",
    "foreclosure_sale_date": "",
    "offer": {
        "option": "Modification",
        "terms": [{"label": "Interest rate", "value": "5.000%"}],
        "monthly_payment": "$1,126.11",
        "trial": True,
    },
    "offered_on": "December 3, 2026",
    "acceptance_deadline": "December 17, 2026",
    "acceptance_days": 14,
    "option": "Modification",
    "denial_reason": "Income too low",
    "denial_reasons": ["Income too low"],
    "denied_on": "December 3, 2026",
    "rests_on_npv": False,
    "npv_inputs": [],
    "npv_result": "",
    "appeal_available": True,
    "appeal_deadline": "December 17, 2026",
    "appeal_decision_days": APPEAL_DECISION_DAYS,
    "trial_payments": [{"number": 1, "due_date": "January 1, 2027", "amount": "$1,126.11"}],
    "trial_payment_count": 3,
    "trial_payment_amount": "$1,126.11",
    "first_due": "January 1, 2027",
    "last_due": "March 1, 2027",
}

# The placeholders a template of each kind must keep: the content Reg X requires.
REQUIRED_PLACEHOLDERS = {
    LetterKind.EARLY_INTERVENTION_NOTICE: ("servicer.phone", "hud.phone", "hud.website"),
    LetterKind.ACKNOWLEDGMENT: ("received_on", "missing_documents", "documents_due"),
    LetterKind.EVALUATION_OFFER: ("offer.monthly_payment", "acceptance_deadline"),
    LetterKind.EVALUATION_DENIAL: ("denial_reason", "appeal_deadline"),
    LetterKind.TRIAL_PLAN_OFFER: ("trial_payments",),
}
