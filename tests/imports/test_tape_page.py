"""The tape upload page: Admin only; upload previews without writing; confirm applies."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from borrowers.models import LedgerTransaction, Loan
from imports.models import ImportRun
from tests.imports.tapes import THREE, tape_row, tape_text

pytestmark = pytest.mark.django_db

URL = "/imports/tape/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, rows, name="tape.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, tape_text(rows).encode(), "text/csv")})


def test_url_names():
    assert reverse("imports:tape") == URL
    assert reverse("imports:run", args=[5]) == "/imports/runs/5/"
    assert reverse("imports:tape-apply", args=[5]) == "/imports/runs/5/apply/"


def test_admin_sees_the_page_with_the_column_list(client, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Load a servicing tape" in text
    for column in ("loan_number", "next_due_date", "borrower_phone", "valuation_date"):
        assert f'<td class="mono">{column}</td>' in text


@pytest.mark.parametrize("persona", ["specialist", "manager", "outsider"])
def test_other_roles_are_refused(client, request, persona, admin_user):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert _upload(client, THREE).status_code == 403
    assert not ImportRun.objects.exists()
    client.force_login(admin_user)
    _upload(client, THREE)
    run = ImportRun.objects.get()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 403
    assert client.post(reverse("imports:tape-apply", args=[run.pk])).status_code == 403
    assert not Loan.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_upload_previews_then_confirm_applies(client, admin_user):
    client.force_login(admin_user)
    response = _upload(client, THREE)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    assert (run.status, run.rows_total, run.rows_new, run.created_by) == ("previewed", 3, 3, admin_user)
    assert not Loan.objects.exists()  # the preview writes no loan data

    page = client.get(response["Location"]).content.decode()
    assert '<dd id="rows-new">3</dd>' in page
    assert '<dd id="rows-updated">0</dd>' in page
    assert '<dd id="rows-unchanged">0</dd>' in page
    assert "Load 3 rows" in page
    assert page.count("<td>new</td>") == 3
    assert "Ana Reyes" in page

    response = client.post(reverse("imports:tape-apply", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.status == "applied"
    assert Loan.objects.count() == 3
    assert LedgerTransaction.objects.count() == 3
    assert "Loaded 3 row(s): 3 new, 0 updated, 0 unchanged." in response.content.decode()
    assert not Path(run.stored_path).exists()  # the upload is removed once applied

    # Confirming twice does not load twice.
    client.post(reverse("imports:tape-apply", args=[run.pk]))
    assert Loan.objects.count() == 3


def test_preview_shows_new_updated_unchanged_and_first_twenty_rows(client, admin_user):
    client.force_login(admin_user)
    _upload(client, THREE)
    client.post(reverse("imports:tape-apply", args=[ImportRun.objects.get().pk]))
    rows = [THREE[0] | {"principal_balance": "232000.00"}, THREE[1], THREE[2]]
    rows += [tape_row(loan_number=f"31{n:05d}") for n in range(25)]
    response = _upload(client, rows)
    run = ImportRun.objects.get(status="previewed")
    assert (run.rows_total, run.rows_new, run.rows_updated, run.rows_unchanged) == (28, 25, 1, 2)
    page = client.get(response["Location"]).content.decode()
    assert "First 20 rows" in page
    assert page.count("<td>new</td>") == 17
    assert page.count("<td>updated</td>") == 1
    assert page.count("<td>unchanged</td>") == 2
    assert Loan.objects.count() == 3


def test_bad_file_shows_every_error_and_cannot_be_applied(client, admin_user):
    client.force_login(admin_user)
    rows = [tape_row(note_rate="abc"), tape_row(loan_number="2000002", next_due_date="soon"), tape_row()]
    response = _upload(client, rows)
    run = ImportRun.objects.get()
    assert run.status == "rejected"
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was loaded" in page
    assert '<dd id="error-count">3</dd>' in page
    for line, column in ((2, "note_rate"), (3, "next_due_date"), (4, "loan_number")):
        assert f'<td class="num-inline">{line}</td><td class="mono">{column}</td>' in page
    assert "Load 3 rows" not in page
    client.post(reverse("imports:tape-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "rejected"
    assert not Loan.objects.exists()


def test_a_file_changed_after_preview_is_not_applied(client, admin_user):
    client.force_login(admin_user)
    _upload(client, THREE)
    run = ImportRun.objects.get()
    Path(run.stored_path).write_text(tape_text(THREE[:1]))
    response = client.post(reverse("imports:tape-apply", args=[run.pk]), follow=True)
    assert "The file changed since it was previewed" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "previewed"
    assert not Loan.objects.exists()


def test_non_csv_upload_is_a_form_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(URL, {"file": SimpleUploadedFile("tape.xlsx", b"PK", "application/zip")})
    assert response.status_code == 200
    assert "Upload a .csv file." in response.content.decode()
    assert not ImportRun.objects.exists()
