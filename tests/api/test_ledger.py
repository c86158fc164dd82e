"""GET /api/v1/loans/{id}/ledger/: every row in posting order, paginated."""

from datetime import date
from decimal import Decimal

import pytest

from borrowers.services import payment_post, payment_reverse_nsf
from tests.factories import LoanFactory


def test_ledger_lists_rows_in_seq_order_with_reversal_links(client_for, specialist, loan):
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1564.14"), received_on=date(2026, 11, 20))
    nsf = payment_reverse_nsf(actor=specialist, payment_id=payment.pk, returned_on=date(2026, 11, 25))
    body = client_for(specialist).get(f"/api/v1/loans/{loan.pk}/ledger/").json()
    rows = body["results"]
    assert body["count"] == 5
    assert [(r["seq"], r["kind"]) for r in rows] == [
        (1, "opening"),
        (2, "payment"),
        (3, "installment"),
        (4, "nsf_reversal"),
        (5, "nsf_reversal"),
    ]
    assert rows[1]["id"] == payment.pk
    assert rows[1]["reversed_by"] == nsf.pk
    assert rows[1]["created_by"] == "maria"
    assert rows[2]["payment"] == payment.pk
    assert rows[2]["principal"] == "-245.81"
    assert rows[2]["principal_after"] == "187754.19"
    assert rows[4]["principal_after"] == "188000.00"
    assert rows[4]["next_due_date_after"] == "2026-12-01"
    assert rows[0]["created_by"] is None


def test_ledger_pages(client_for, specialist, loan):
    for day in (2, 3, 4):
        payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("10.00"), received_on=date(2026, 11, day))
    client = client_for(specialist)
    first = client.get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=3").json()
    second = client.get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=3&page=2").json()
    assert [r["seq"] for r in first["results"]] == [1, 2, 3]
    assert [r["seq"] for r in second["results"]] == [4]


# token + user, roles, loan exists, page count, page rows (reversals and posters joined)
LEDGER_QUERIES = 5


@pytest.mark.parametrize("payments", [3, 25])
def test_ledger_runs_a_fixed_number_of_queries(client_for, specialist, django_assert_max_num_queries, payments):
    loan = LoanFactory()
    for _ in range(payments):
        payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1.00"), received_on=date(2026, 11, 2))
    client = client_for(specialist)
    with django_assert_max_num_queries(LEDGER_QUERIES):
        response = client.get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=100")
    assert response.json()["count"] == payments + 1
