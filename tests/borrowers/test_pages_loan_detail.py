"""The loan page (/loans/<id>/): header, borrowers, property, terms, balances and the ledger.

The conftest loan: 188,000.00 at 6.500%, P&I 1,264.14 + escrow 300.00 = 1,564.14, escrow
balance 1,200.00, next due 2026-12-01, opened on 2020-11-15.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from borrowers.models import LedgerTransaction, Loan, Phone
from borrowers.services import payment_post
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory, ValuationFactory

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)
    return date(2026, 11, 27)


def page(loan: Loan) -> str:
    return reverse("loan-detail", args=[loan.pk])


def test_anonymous_user_is_sent_to_login(client, loan):
    response = client.get(page(loan))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/loans/{loan.pk}/"


def test_user_without_role_gets_403(client, outsider, loan):
    client.force_login(outsider)
    assert client.get(page(loan)).status_code == 403


@pytest.mark.parametrize("persona", ["specialist", "other_specialist", "manager", "admin_user"])
def test_every_role_reads_every_loan(client, request, persona, loan):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(page(loan))
    assert response.status_code == 200
    assert response.context["loan"] == loan


def test_unknown_loan_is_404(client, specialist):
    client.force_login(specialist)
    response = client.get("/loans/999999/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_header_shows_days_past_due_bucket_and_status(client, specialist):
    loan = LoanFactory(next_due_date=date(2026, 8, 1))
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    # 2026-11-27 minus 2026-08-01 = 118 days: bucket 90-119.
    assert '<span class="stat">118</span> <span class="badge bucket-90-119">90-119</span>' in html
    assert '<span class="badge badge-lg status-active">Active</span>' in html


def test_current_loan_is_zero_days_past_due(client, specialist, loan):
    client.force_login(specialist)
    response = client.get(page(loan))
    assert response.context["dpd"] == 0
    assert response.context["bucket"] == "current"


def test_shows_borrower_and_co_borrower_with_masked_ssn(client, specialist):
    borrower = BorrowerFactory(first_name="Ada", last_name="Okafor", ssn_last4="6789", email="ada@example.com")
    PhoneFactory(borrower=borrower, number="404-555-0101", kind=Phone.Kind.MOBILE, consent_to_call=True)
    PhoneFactory(
        borrower=borrower, number="404-555-0199", kind=Phone.Kind.WORK, consent_to_call=False, is_primary=False
    )
    co = BorrowerFactory(first_name="Ben", last_name="Okafor", ssn_last4="4321", preferred_language="es")
    loan = LoanFactory(borrower=borrower, co_borrower=co)
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    assert "***-**-6789" in html
    assert "***-**-4321" in html
    assert 'href="tel:404-555-0101"' in html
    assert "Mobile, primary" in html
    assert "Consent to call" in html
    assert "No consent" in html
    assert "ada@example.com" in html
    assert "Spanish" in html
    assert "Co-borrower" in html


def test_shows_property_with_valuations_newest_first(client, specialist, loan):
    ValuationFactory(property=loan.property, value=Decimal("310000.00"), valued_on=date(2025, 3, 1), kind="avm")
    ValuationFactory(property=loan.property, value=Decimal("325500.00"), valued_on=date(2026, 6, 1), kind="bpo")
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    assert "$325,500.00" in html  # latest value
    assert html.index("325,500.00") < html.index("310,000.00")
    assert "Owner-occupied" in html


def test_shows_terms(client, specialist, loan):
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    for text in [
        "Fannie Mae",
        "GSE Flex Modification",
        "Nov 15, 2020",  # origination
        "$200,000.00",  # original amount
        "6.500%",
        "360 months",
        "311 months",
        "Jan 1, 2021",  # first payment
        "Dec 1, 2050",  # maturity
        "$1,264.14",  # P&I
        "$300.00",  # escrow
        "$1,564.14",  # total payment
        "Non-judicial",
    ]:
        assert text in html, text


def test_shows_exact_balances(client, specialist, loan):
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    balances = html[html.index('id="balances"') : html.index("</section>", html.index('id="balances"'))]
    assert "<dt>Principal</dt><dd>$188,000.00</dd>" in balances
    assert "<dt>Escrow</dt><dd>$1,200.00</dd>" in balances
    assert "<dt>Suspense</dt><dd>$0.00</dd>" in balances
    assert "<dt>Late charges</dt><dd>$0.00</dd>" in balances
    assert "<dt>Fees</dt><dd>$0.00</dd>" in balances
    assert "<dt>Deferred principal</dt><dd>$0.00</dd>" in balances
    assert "<dt>Next due date</dt><dd>Dec 1, 2026</dd>" in balances


def test_ledger_shows_payment_rows_newest_first_with_exact_amounts(client, specialist, loan):
    payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1564.14"), received_on=date(2026, 11, 27))
    client.force_login(specialist)
    response = client.get(page(loan))
    rows = response.context["ledger"].rows
    assert [(r.seq, r.kind) for r in rows] == [(3, "installment"), (2, "payment"), (1, "opening")]
    html = response.content.decode()
    start = html.index(f'id="txn-{rows[0].pk}"')
    installment = html[start : html.index("</tr>", start)]
    cells = [c.split("</td>")[0] for c in installment.split('<td class="num">')[1:]]
    # amount, principal, interest, escrow, suspense, late charges, fees, principal after
    assert cells == ["1,564.14", "-245.81", "1,018.33", "300.00", "-1,564.14", "", "", "187,754.19"]
    assert "installment due Dec 1, 2026" in installment
    assert "$187,754.19" in html  # balances card


def test_ledger_marks_returned_payment_and_its_reversal(client, specialist, loan):
    from borrowers.services import payment_reverse_nsf

    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1564.14"))
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk)
    client.force_login(specialist)
    html = client.get(page(loan)).content.decode()
    assert f'id="txn-{payment.pk}" class="kind-payment is-reversed"' in html
    assert "Returned</span>" in html
    assert "Reverses #2</span>" in html
    assert html.count("Return (NSF)</button>") == 0  # nothing left to return


def test_return_button_only_on_live_payments_for_payment_roles(client, specialist, admin_user, loan):
    payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("100.00"))
    client.force_login(specialist)
    assert client.get(page(loan)).content.decode().count("Return (NSF)</button>") == 1
    client.force_login(admin_user)
    assert client.get(page(loan)).content.decode().count("Return (NSF)</button>") == 0


@pytest.mark.parametrize(("persona", "sees_form"), [("specialist", True), ("manager", True), ("admin_user", False)])
def test_payment_form_only_for_specialists_and_managers(client, request, loan, persona, sees_form):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(page(loan)).content.decode()
    assert ("Post a payment" in html) is sees_form
    assert (f'action="/loans/{loan.pk}/payments/#payment-card"' in html) is sees_form


def test_paid_off_loan_has_no_payment_form(client, specialist):
    loan = LoanFactory(status=Loan.Status.PAID_OFF)
    client.force_login(specialist)
    assert "Post a payment" not in client.get(page(loan)).content.decode()


def _small_payments(loan: Loan, actor, count: int) -> None:
    """`count` payments of 10.00: each waits in suspense, one ledger row apiece."""
    for _ in range(count):
        payment_post(actor=actor, loan_id=loan.pk, amount=Decimal("10.00"), received_on=date(2026, 11, 27))


def test_ledger_is_capped_at_100_rows_with_a_show_all_link(client, specialist, loan):
    _small_payments(loan, specialist, 100)
    client.force_login(specialist)
    response = client.get(page(loan))
    assert len(response.context["ledger"].rows) == 100
    assert response.context["ledger"].total == 101
    html = response.content.decode()
    assert "Latest 100 of 101 transactions" in html
    assert f'href="/loans/{loan.pk}/?ledger=all#ledger"' in html
    everything = client.get(page(loan), {"ledger": "all"})
    assert len(everything.context["ledger"].rows) == 101
    assert everything.context["ledger"].rows[-1].kind == LedgerTransaction.Kind.OPENING


# session, user, roles, loan (+borrowers, property, specialist, scan status row), borrower
# phones, co-borrower phones, valuations, ledger count, ledger rows; the header's holds and
# open case; with a case, the declared holidays and its latest denial
LOAN_PAGE_QUERIES = 13


def test_header_flags_risks_holds_and_the_open_cases_next_date(client, specialist):
    """Maria's header: what the scan flagged, the hold in force (not the ended one), and the
    open case with its next Regulation X date: the acknowledgment letter, received the day
    before Thanksgiving, is due Dec 3 (Thursday and the weekend skipped), 6 days from Nov 27."""
    from delinquency.models import Hold, LoanDelinquency
    from workouts.services import case_open

    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    LoanDelinquency.objects.create(
        loan=loan,
        business_date=date(2026, 11, 26),
        next_due_date=loan.next_due_date,
        days_past_due=56,
        bucket="30-59",
        risk_reasons=[{"code": "nsf", "message": "NSF 12 days ago"}],
    )
    Hold.objects.create(loan=loan, kind=Hold.Kind.ATTORNEY, start_date=date(2026, 11, 2), reason="Counsel")
    Hold.objects.create(
        loan=loan, kind=Hold.Kind.BANKRUPTCY, start_date=date(2026, 6, 1), end_date=date(2026, 9, 1), reason="Dismissed"
    )
    client.force_login(specialist)
    before = client.get(page(loan))
    assert (before.context["case"], before.context["next_deadline"]) == (None, None)
    case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 25))

    response = client.get(page(loan))

    assert [hold.kind for hold in response.context["holds"]] == [Hold.Kind.ATTORNEY]
    deadline = response.context["next_deadline"]
    assert (deadline["label"], deadline["date"], deadline["days_left"], deadline["state"]) == (
        "Acknowledgment letter",
        date(2026, 12, 3),
        6,
        "ok",
    )
    header = response.content.decode().split('<header id="loan-header"')[1].split("</header>")[0]
    assert '<li class="flag flag-hold">Represented by an attorney hold since Nov 2</li>' in header
    assert '<li class="flag">NSF 12 days ago</li>' in header
    assert "Bankruptcy" not in header
    assert "Acknowledgment letter Dec 3" in header
    assert "6 days left" in header
    assert f'href="{reverse("workout-evaluate", args=[loan.pk])}">Open (application incomplete)</a>' in header


def test_header_puts_a_missed_servicer_deadline_first(client, specialist, today):
    """Past its acknowledgment date with no letter sent, the header says late, not the
    referral date still ahead."""
    from workouts.services import case_open

    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 10))
    client.force_login(specialist)
    deadline = client.get(page(loan)).context["next_deadline"]
    assert (deadline["label"], deadline["date"], deadline["days_left"], deadline["state"]) == (
        "Acknowledgment letter",
        date(2026, 11, 18),  # five business days after Nov 10, Veterans Day (Nov 11) skipped
        -9,
        "late",
    )


@pytest.mark.parametrize("payments", [3, 30])
def test_loan_page_runs_a_fixed_number_of_queries(client, specialist, django_assert_max_num_queries, payments):
    from workouts.services import case_open

    loan = LoanFactory(co_borrower=BorrowerFactory())
    PhoneFactory(borrower=loan.borrower)
    PhoneFactory(borrower=loan.co_borrower)
    ValuationFactory(property=loan.property)
    _small_payments(loan, specialist, payments)
    case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 20))
    client.force_login(specialist)
    with django_assert_max_num_queries(LOAN_PAGE_QUERIES):
        response = client.get(page(loan))
    assert response.context["ledger"].total == payments + 1


def test_fee_shows_in_the_fees_column_and_balance(client, manager, loan):
    from borrowers.services import fee_assess

    row = fee_assess(actor=manager, loan_id=loan.pk, amount=Decimal("25.00"), reason="Property inspection")
    client.force_login(manager)
    html = client.get(page(loan)).content.decode()
    start = html.index(f'id="txn-{row.pk}"')
    cells = [c.split("</td>")[0] for c in html[start : html.index("</tr>", start)].split('<td class="num">')[1:]]
    # amount, principal, interest, escrow, suspense, late charges, fees, principal after
    assert cells == ["25.00", "", "", "", "", "", "25.00", "188,000.00"]
    assert "Property inspection" in html
    assert "<dt>Fees</dt><dd>$25.00</dd>" in html
