"""The case on the workouts page: opening one, the document checklist with what is missing,
recording documents received, and the Reg X dates with days left."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import LoanFactory
from workouts import services
from workouts.models import CaseDocument, LossMitCase

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK), tick=False)


@pytest.fixture
def delinquent_loan(specialist):
    return LoanFactory(assigned_to=specialist, next_due_date=date(2026, 10, 1))


def page(loan):
    return reverse("workout-evaluate", args=[loan.pk])


def open_case(client, loan, **data):
    body = {"application_received_on": "2026-11-30", "received_via": "phone", "hardship_reason": "Job loss", **data}
    return client.post(reverse("workout-case-open", args=[loan.pk]), body)


def receive(client, loan, case, kind, on="2026-11-30"):
    case.refresh_from_db()
    return client.post(
        reverse("workout-document-receive", args=[loan.pk]),
        {"kind": kind, "received_on": on, "version": case.version},
    )


def test_without_a_case_the_page_offers_to_open_one(client, specialist, delinquent_loan):
    client.force_login(specialist)
    html = client.get(page(delinquent_loan)).content.decode()
    assert "Open a loss mitigation case" in html
    assert "Run evaluation" not in html


def test_specialist_opens_a_case_and_sees_the_acknowledgment_due_in_five_business_days(
    client, specialist, delinquent_loan
):
    client.force_login(specialist)

    response = open_case(client, delinquent_loan, hardship_duration="long_term")

    assert response.status_code == 302
    case = LossMitCase.objects.get()
    assert (case.loan_id, case.application_received_on, case.received_via, case.hardship_reason, case.opened_by) == (
        delinquent_loan.pk,
        date(2026, 11, 30),
        "phone",
        "Job loss",
        specialist,
    )
    page_response = client.get(page(delinquent_loan))
    html = page_response.content.decode()
    assert "Case opened for loan" in html
    assert "Acknowledgment letter due Dec 7." in html  # Mon Nov 30 + 5 business days
    rows = {row["label"]: (row["date"], row["days_left"]) for row in page_response.context["deadlines"]}
    assert rows["Acknowledgment letter"] == (date(2026, 12, 7), 7)
    assert rows["Live contact"] == (date(2026, 11, 6), -24)
    assert rows["Earliest foreclosure referral"] == (date(2027, 1, 30), 61)
    assert "Evaluation decision" not in rows  # not complete yet
    assert "Not yet: 4 documents missing" in html
    assert [d.kind for d in page_response.context["missing"]] == [
        "hardship_statement",
        "income",
        "tax_transcript_consent",
        "bank_statements",
    ]


def test_application_dated_in_the_future_is_refused(client, specialist, delinquent_loan):
    client.force_login(specialist)
    response = open_case(client, delinquent_loan, application_received_on="2026-12-01")
    assert response.status_code == 400
    assert response.context["open_form"].errors["application_received_on"] == ["Enter today or an earlier date."]
    assert not LossMitCase.objects.exists()


def test_a_second_case_is_refused_while_one_is_open(client, specialist, delinquent_loan):
    client.force_login(specialist)
    open_case(client, delinquent_loan)
    before = AuditEvent.objects.count()
    response = open_case(client, delinquent_loan)
    assert response.status_code == 409
    assert LossMitCase.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_admin_cannot_open_a_case(client, admin_user, delinquent_loan):
    client.force_login(admin_user)
    assert open_case(client, delinquent_loan).status_code == 403
    assert not LossMitCase.objects.exists()


def test_documents_received_complete_the_application_and_start_the_evaluation_clock(
    client, specialist, delinquent_loan
):
    client.force_login(specialist)
    open_case(client, delinquent_loan, application_received_on="2026-11-20")
    case = LossMitCase.objects.get()

    for kind in ("hardship_statement", "income", "tax_transcript_consent"):
        assert receive(client, delinquent_loan, case, kind, on="2026-11-25").status_code == 302
    response = receive(client, delinquent_loan, case, "bank_statements")

    assert response.status_code == 302
    assert response.url == page(delinquent_loan) + "#documents"
    case.refresh_from_db()
    assert (case.application_complete_on, case.status) == (date(2026, 11, 30), LossMitCase.Status.EVALUATING)
    assert list(CaseDocument.objects.filter(case=case).values_list("received_on", flat=True)) == [
        date(2026, 11, 25),
        date(2026, 11, 25),
        date(2026, 11, 25),
        date(2026, 11, 30),
    ]
    page_response = client.get(page(delinquent_loan))
    html = page_response.content.decode()
    assert "The application is complete as of Nov 30." in html
    rows = {row["label"]: (row["date"], row["days_left"]) for row in page_response.context["deadlines"]}
    assert rows["Evaluation decision"] == (date(2026, 12, 30), 30)
    assert page_response.context["missing"] == []


def test_document_before_the_application_is_a_form_error_and_changes_nothing(client, specialist, delinquent_loan):
    client.force_login(specialist)
    open_case(client, delinquent_loan, application_received_on="2026-11-20")
    case = LossMitCase.objects.get()
    response = receive(client, delinquent_loan, case, "income", on="2026-11-19")
    assert response.status_code == 400
    assert response.context["document_form"].errors["received_on"] == ["Enter 2026-11-20 or later."]
    assert not CaseDocument.objects.filter(received_on__isnull=False).exists()


def test_a_stale_page_cannot_record_a_document(client, specialist, delinquent_loan):
    client.force_login(specialist)
    open_case(client, delinquent_loan)
    case = LossMitCase.objects.get()
    services.case_update(actor=specialist, case_id=case.pk, hardship_reason="Medical")  # someone else edits
    response = client.post(
        reverse("workout-document-receive", args=[delinquent_loan.pk]),
        {"kind": "income", "received_on": "2026-11-30", "version": 1},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert not CaseDocument.objects.filter(received_on__isnull=False).exists()


# --- the loan page's case section (/workouts/loans/<id>/summary/) ---


def test_case_section_shows_the_next_deadline_and_what_is_missing(client, specialist, delinquent_loan):
    client.force_login(specialist)
    open_case(client, delinquent_loan)
    case = LossMitCase.objects.get()
    receive(client, delinquent_loan, case, "income")

    response = client.get(reverse("loan-workouts", args=[delinquent_loan.pk]), headers={"HX-Request": "true"})

    assert response.context["next_deadline"]["label"] == "Acknowledgment letter"
    html = response.content.decode()
    assert "Dec 7, 2026" in html
    assert "7 days left" in html
    assert "Missing: Hardship statement, Tax transcript consent (4506-C), Bank statements" in html


def test_case_section_without_a_case_offers_to_open_one(client, specialist, delinquent_loan):
    client.force_login(specialist)
    html = client.get(reverse("loan-workouts", args=[delinquent_loan.pk])).content.decode()
    assert "No open loss mitigation case." in html
    assert reverse("workout-evaluate", args=[delinquent_loan.pk]) in html


def test_a_colleague_reads_the_page_without_the_case_forms_and_is_told_why(
    client, specialist, other_specialist, delinquent_loan
):
    """accounts/policy.py: case work is the loan's owner's; Sam (Maria's colleague) reads it."""
    client.force_login(other_specialist)
    response = client.get(page(delinquent_loan))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This loan is on <strong>Maria" in html
    assert reverse("workout-case-open", args=[delinquent_loan.pk]) not in html

    client.force_login(specialist)
    html = client.get(page(delinquent_loan)).content.decode()
    assert 'id="caseload-note"' not in html
    assert reverse("workout-case-open", args=[delinquent_loan.pk]) in html
