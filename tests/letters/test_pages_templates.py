"""The letter templates pages: Admin only; a save is a new version through the service."""

import pytest
from django.urls import reverse

from letters.models import LetterTemplate

pytestmark = pytest.mark.django_db

LIST = reverse("letters-templates")
EDIT = reverse("letters-template-edit", args=["evaluation_offer"])


def test_admin_sees_every_kind(client, admin_user):
    client.force_login(admin_user)
    html = client.get(LIST).content.decode()
    for kind in ("early_intervention_notice", "acknowledgment", "evaluation_offer", "evaluation_denial"):
        assert f'data-kind="{kind}"' in html
    assert "shipped default" in html


@pytest.mark.parametrize("persona", ["specialist", "manager", "outsider"])
def test_others_get_403(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, {"subject": "x", "body": "y"}).status_code == 403


def test_admin_saves_a_new_version(client, admin_user):
    client.force_login(admin_user)
    page = client.get(EDIT)
    assert page.status_code == 200
    v1 = LetterTemplate.objects.get(kind="evaluation_offer", active=True)
    body = v1.body.replace("HOW TO ACCEPT", "HOW TO SAY YES")
    response = client.post(EDIT, {"subject": v1.subject, "body": body, "note": "Plainer heading", "version": 1})
    assert response.status_code == 302
    active = LetterTemplate.objects.get(kind="evaluation_offer", active=True)
    assert (active.version, active.edited_by, active.note) == (2, admin_user, "Plainer heading")
    assert "HOW TO SAY YES" in active.body


def test_a_refused_save_shows_the_reason_and_keeps_version_1(client, admin_user):
    client.force_login(admin_user)
    v1 = LetterTemplate.objects.get(kind="evaluation_offer", active=True)
    body = v1.body.replace("{{ acceptance_deadline }}", "soon")
    response = client.post(EDIT, {"subject": v1.subject, "body": body, "version": 1})
    assert response.status_code == 400
    assert "acceptance_deadline" in response.content.decode()
    assert LetterTemplate.objects.filter(kind="evaluation_offer").count() == 1


def test_unknown_kind_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("letters-template-edit", args=["nope"])).status_code == 404


def test_django_admin_change_adds_a_version(client, admin_user):
    client.force_login(admin_user)
    v1 = LetterTemplate.objects.get(kind="acknowledgment", active=True)
    url = reverse("admin:letters_lettertemplate_change", args=[v1.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": v1.subject + " today", "body": v1.body, "note": "Subject"})
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.subject == "We received your application for mortgage assistance"
    assert v1.active is False
    assert LetterTemplate.objects.get(kind="acknowledgment", active=True).subject.endswith(" today")
