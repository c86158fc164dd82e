"""letter_template_edit: every edit is a new audited version; letters keep the text they were sent with."""

from datetime import date

import pytest

from audit.models import AuditEvent
from letters.models import Letter, LetterKind, LetterTemplate
from letters.services import letter_generate, letter_template_edit
from lossmit.errors import DomainError
from tests.letters.conftest import pdf_text

pytestmark = pytest.mark.django_db


def _active(kind="acknowledgment") -> LetterTemplate:
    return LetterTemplate.objects.get(kind=kind, active=True)


def test_every_kind_ships_an_active_version_1():
    assert sorted(LetterTemplate.objects.filter(active=True).values_list("kind", "version")) == sorted(
        (kind, 1) for kind in LetterKind.values
    )


def test_edit_makes_a_new_version_and_old_letters_keep_the_old_text(specialist, admin_user, open_case):
    case = open_case()
    old = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))
    v1 = _active()
    body = v1.body.replace("We received your application", "Thank you: we received your application")
    v2 = letter_template_edit(
        actor=admin_user, kind="acknowledgment", subject=v1.subject, body=body, note="Warmer opening", version=1
    )
    assert (v2.version, v2.active, v2.edited_by) == (2, True, admin_user)
    v1.refresh_from_db()
    assert v1.active is False
    assert "Thank you" not in v1.body
    new = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 12, 1))
    assert new.template == v2
    assert "Thank you: we received your application" in pdf_text(new.pdf)
    old = Letter.objects.get(pk=old.pk)
    assert old.template == v1
    assert "Thank you" not in old.body
    assert "Thank you" not in pdf_text(old.pdf)
    event = AuditEvent.objects.get(action="letter_template.edit")
    assert event.before["version"] == 1
    assert event.after["version"] == 2
    assert event.note == "Warmer opening"


def _refused(code: str, actor, **kwargs) -> None:
    before = list(LetterTemplate.objects.values_list("pk", "version", "active"))
    events = AuditEvent.objects.count()
    v1 = _active()
    kwargs.setdefault("subject", v1.subject)
    kwargs.setdefault("body", v1.body + "\nOne more line.")
    with pytest.raises(DomainError) as err:
        letter_template_edit(actor=actor, kind="acknowledgment", **kwargs)
    assert err.value.code == code, err.value.message
    assert list(LetterTemplate.objects.values_list("pk", "version", "active")) == before
    assert AuditEvent.objects.count() == events


def test_unknown_placeholder_is_refused(admin_user):
    _refused("template_unknown_placeholder", admin_user, body=_active().body + "\n{{ borrower.ssn }}")


def test_syntax_error_is_refused(admin_user):
    _refused("template_syntax", admin_user, body=_active().body + "\n{% if %}")


def test_dropping_what_reg_x_requires_is_refused(admin_user):
    body = _active().body.replace("{{ documents_due }}", "soon")
    _refused("required_placeholder_missing", admin_user, body=body)


def test_unchanged_text_is_refused(admin_user):
    _refused("unchanged", admin_user, body=_active().body)


def test_stale_version_is_refused(admin_user):
    letter_template_edit(
        actor=admin_user, kind="acknowledgment", subject=_active().subject, body=_active().body + "\nFirst."
    )
    _refused("stale_version", admin_user, version=1)


@pytest.mark.parametrize("persona", ["specialist", "manager", "outsider"])
def test_only_admins_edit_templates(request, persona):
    _refused("forbidden", request.getfixturevalue(persona))
