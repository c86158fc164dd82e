"""LoanListSerializer builds its rows directly (borrowers/serializers.py); DRF's field-by-field
walk over the same declared fields is the reference it must equal, key for key and in order."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borrowers.api import loans_for_list
from borrowers.models import Loan
from borrowers.serializers import LoanDetailSerializer, LoanListSerializer
from delinquency.models import LoanDelinquency
from tests.factories import LoanFactory, PropertyFactory, UserFactory

# The latest scan's business date: unscanned loans are computed as of it.
AS_OF = date(2026, 11, 26)


def _context() -> dict:
    return {"status_as_of": lambda: AS_OF}


def _fast(loan_id: int) -> dict:
    # Loaded as the list view loads it: only the columns the list reads.
    loan = loans_for_list().get(pk=loan_id)
    return LoanListSerializer(context=_context()).to_representation(loan)


def _generic(loan_id: int) -> dict:
    # Every column loaded; the declared fields walked by DRF (the mixin sets the status first).
    loan = Loan.objects.select_related("borrower", "property", "assigned_to", "delinquency").get(pk=loan_id)
    serializer = LoanListSerializer(context=_context())
    return super(LoanListSerializer, serializer).to_representation(loan)


def _assert_same(loan_id: int) -> dict:
    fast, generic = _fast(loan_id), _generic(loan_id)
    assert list(fast) == list(generic)  # same keys, same order
    assert fast == generic
    # Same types too (a Decimal or a date would equal nothing in JSON but fail here).
    assert {key: type(value) for key, value in fast.items()} == {key: type(value) for key, value in generic.items()}
    return fast


def _scan(loan: Loan, **fields) -> LoanDelinquency:
    defaults = {
        "business_date": AS_OF,
        "next_due_date": loan.next_due_date,
        "days_past_due": 56,
        "mba_status": 30,
        "ots_status": 30,
        "bucket": "30-59",
        "risk_score": 40,
    }
    return LoanDelinquency.objects.create(loan=loan, **{**defaults, **fields})


CASES = {
    "unscanned_current_unassigned": {},
    "unscanned_57_days_late": {"next_due_date": date(2026, 10, 1)},
    "unscanned_month_end_due_day": {"first_payment_date": date(2021, 1, 31), "next_due_date": date(2026, 8, 31)},
    "unscanned_paid_off": {"status": Loan.Status.PAID_OFF, "principal_balance": Decimal("0.00")},
    "odd_cents": {
        "principal_balance": Decimal("1234.5"),
        "monthly_pi": Decimal("0.01"),
        "monthly_escrow": Decimal("999999999999.99"),
    },
    "other_investor_and_state": {"investor": "VA", "program": "HAMP_31"},
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_unscanned_loan_rows_match(db, case):
    loan = LoanFactory(**case)
    row = _assert_same(loan.pk)
    assert row["assigned_to"] is None
    assert row["status_as_of"] == "2026-11-26"


def test_odd_cents_read_as_two_place_strings(db):
    loan = LoanFactory(**CASES["odd_cents"])
    row = _assert_same(loan.pk)
    money = (row["principal_balance"], row["monthly_pi"], row["monthly_escrow"])
    assert money == ("1234.50", "0.01", "999999999999.99")


def test_assigned_specialist_with_and_without_a_name(db, specialist):
    nameless = UserFactory(username="nameless", first_name="", last_name="")
    named = _assert_same(LoanFactory(assigned_to=specialist).pk)
    assert named["assigned_to"] == {"id": specialist.pk, "username": "maria", "name": specialist.get_full_name()}
    assert _assert_same(LoanFactory(assigned_to=nameless).pk)["assigned_to"] == {
        "id": nameless.pk,
        "username": "nameless",
        "name": "",
    }


def test_scanned_loan_with_risk_reasons(db, specialist):
    loan = LoanFactory(assigned_to=specialist, property=PropertyFactory(state="TX"))
    # An extra key in a stored reason is not part of the contract: both drop it.
    reasons = [
        {"code": "nsf", "message": "NSF 12 days ago"},
        {"code": "suspense", "message": "Partial payment of 200.00 in suspense", "weight": 20},
    ]
    _scan(loan, risk_reasons=reasons)
    row = _assert_same(loan.pk)
    assert row["risk_reasons"] == [
        {"code": "nsf", "message": "NSF 12 days ago"},
        {"code": "suspense", "message": "Partial payment of 200.00 in suspense"},
    ]
    assert (row["bucket"], row["days_past_due"], row["risk_score"], row["property_state"]) == ("30-59", 56, 40, "TX")


@pytest.mark.parametrize("bucket", ["current", "120+", "foreclosure"])
def test_scanned_loan_without_risk_reasons(db, bucket):
    loan = LoanFactory()
    _scan(loan, bucket=bucket, risk_score=0, risk_reasons=[], business_date=date(2026, 11, 20))
    row = _assert_same(loan.pk)
    assert (row["risk_reasons"], row["bucket"], row["status_as_of"]) == ([], bucket, "2026-11-20")


# What a money column holds: two places, at most 14 digits (borrowers.models.money_field).
MONEY = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    principal=MONEY,
    pi=MONEY,
    escrow=MONEY,
    next_due=st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31)),
    scanned=st.booleans(),
)
def test_any_amounts_and_due_dates_match(loan, principal, pi, escrow, next_due, scanned):
    Loan.objects.filter(pk=loan.pk).update(
        principal_balance=principal, monthly_pi=pi, monthly_escrow=escrow, next_due_date=next_due
    )
    LoanDelinquency.objects.filter(loan=loan).delete()
    if scanned:
        _scan(loan, next_due_date=next_due)
    row = _assert_same(loan.pk)
    assert row["principal_balance"] == f"{principal:.2f}"


def test_detail_still_walks_the_declared_fields(db, loan):
    """The detail inherits the list's fields, not its hand-built row."""
    full = Loan.objects.select_related("borrower", "property", "assigned_to", "delinquency").get(pk=loan.pk)
    context = {**_context(), "request": None}
    row = LoanDetailSerializer(full, context=context).data
    assert {"borrower", "property", "holds", "monthly_payment", "created_at"} <= set(row)
    assert row["monthly_payment"] == "1564.14"
