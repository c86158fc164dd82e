"""Shared helpers for letters tests: read a PDF's text, open cases at fixed dates."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from tests.factories import LoanFactory
from workouts import services

MOD_TERMS = {
    "interest_rate": "5.000",
    "term_months": 480,
    "capitalized_balance": "191322.82",
    "forbearance": "20000.00",
    "monthly_pi": "826.11",
    "monthly_payment": "1126.11",
}


def pdf_text(data: bytes) -> str:
    """Every page's text, with runs of whitespace folded to one space (PDF line breaks fall
    wherever the text wraps)."""
    reader = PdfReader(io.BytesIO(bytes(data)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def frozen_today():
    """Today is Monday 2027-06-14 (Eastern): late enough for every date these tests use."""
    with time_machine.travel(datetime(2027, 6, 14, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield date(2027, 6, 14)


@pytest.fixture
def open_case(specialist, frozen_today):
    """A case received Wednesday 2026-11-25 (the day before Thanksgiving), incomplete."""

    def make(**kwargs):
        loan = kwargs.pop("loan", None) or LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
        kwargs.setdefault("application_received_on", date(2026, 11, 25))
        return services.case_open(actor=specialist, loan_id=loan.pk, **kwargs)

    return make


@pytest.fixture
def offered_workout(specialist, manager, frozen_today):
    """An approved modification on a complete application, offered on 2027-01-20."""

    def make(*, sale=None, offered_on=date(2027, 1, 20), terms=MOD_TERMS):
        loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
        case = services.case_open(
            actor=specialist,
            loan_id=loan.pk,
            application_received_on=date(2027, 1, 2),
            application_complete_on=date(2027, 1, 5),
            foreclosure_sale_date=sale,
        )
        workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=terms)
        workout = services.workout_approve(actor=manager, workout_id=workout.pk)
        return services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=offered_on)

    return make
