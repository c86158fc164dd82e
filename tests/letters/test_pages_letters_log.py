"""The letters log page: any Lossmit role reads it and downloads the PDFs; case workers send."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from letters.models import Letter
from letters.selectors import letters_log
from letters.services import letter_generate
from tests.letters.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(specialist, open_case):
    case = open_case()
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))
    return letter


@pytest.mark.parametrize("persona", ["specialist", "manager", "admin_user"])
def test_every_role_reads_the_log_and_downloads(client, request, sent, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("letters-loan", args=[sent.loan_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nov 30, 2026" in html
    assert "We received your application for mortgage assistance" in html
    pdf_url = reverse("letters-pdf", args=[sent.pk])
    assert pdf_url in html
    download = client.get(pdf_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="acknowledgment-')
    assert "by December 3, 2026" in pdf_text(download.content)


def test_outsider_gets_403(client, outsider, sent):
    client.force_login(outsider)
    assert client.get(reverse("letters-loan", args=[sent.loan_id])).status_code == 403
    assert client.get(reverse("letters-pdf", args=[sent.pk])).status_code == 403
    response = client.post(reverse("letters-send", args=[sent.loan_id]), {"kind": "acknowledgment"})
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, sent):
    response = client.get(reverse("letters-pdf", args=[sent.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_admin_reads_but_does_not_see_the_send_form(client, admin_user, sent):
    client.force_login(admin_user)
    html = client.get(reverse("letters-loan", args=[sent.loan_id])).content.decode()
    assert "Generate and record" not in html
    response = client.post(reverse("letters-send", args=[sent.loan_id]), {"kind": "acknowledgment"})
    assert response.status_code == 403


def test_filter_by_case_and_unknown_ids_404(client, specialist, sent):
    client.force_login(specialist)
    url = reverse("letters-loan", args=[sent.loan_id])
    assert client.get(url, {"case": sent.case_id}).status_code == 200
    assert client.get(url, {"case": 999999}).status_code == 404
    assert client.get(reverse("letters-loan", args=[999999])).status_code == 404
    assert client.get(reverse("letters-pdf", args=[999999])).status_code == 404


def test_specialist_sends_a_letter_from_the_page(client, specialist, sent, frozen_today):
    client.force_login(specialist)
    url = reverse("letters-send", args=[sent.loan_id])
    response = client.post(url, {"kind": "acknowledgment", "sent_on": "2026-12-01"})
    assert response.status_code == 302
    letter = Letter.objects.latest("id")
    assert (letter.kind, letter.case_id, letter.sent_on) == ("acknowledgment", sent.case_id, date(2026, 12, 1))


def test_a_refused_send_shows_why_and_writes_nothing(client, specialist, sent, frozen_today):
    client.force_login(specialist)
    letters = Letter.objects.count()
    response = client.post(
        reverse("letters-send", args=[sent.loan_id]), {"kind": "evaluation_denial", "sent_on": "2026-12-01"}
    )
    assert response.status_code == 400
    assert "This case has no denied workout to write about." in response.content.decode()
    assert Letter.objects.count() == letters


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_log_runs_a_fixed_number_of_queries(client, specialist, sent, django_assert_num_queries):
    client.force_login(specialist)
    url = reverse("letters-loan", args=[sent.loan_id])
    one = _queries(client, url)
    for day in (1, 2, 3):
        letter_generate(actor=specialist, kind="acknowledgment", case=sent.case, sent_on=date(2026, 12, day))
    assert _queries(client, url) == one
    with django_assert_num_queries(3):
        log = letters_log(user=specialist, loan_id=sent.loan_id)
        days = [letter.sent_on for letter in log.letters if letter.sent_on < date(2027, 1, 1)]
        assert days == [date(2026, 12, 3), date(2026, 12, 2), date(2026, 12, 1), date(2026, 11, 30)]
        assert all(letter.template.version == 1 for letter in log.letters)
