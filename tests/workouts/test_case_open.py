"""Opening a loss mitigation case: checklist, status, refusals that change nothing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from workouts import services
from workouts.models import CaseDocument, LossMitCase

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _today():
    # Noon Eastern, so the local business date is TODAY whatever the UTC date.
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def test_specialist_opens_case_with_the_standard_checklist(specialist, loan):
    """A new application starts open, with every required document missing."""
    case = services.case_open(
        actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 10), received_via="phone"
    )
    assert case.status == LossMitCase.Status.OPEN
    assert case.application_complete_on is None
    assert case.version == 1
    assert case.assigned_to == specialist
    kinds = sorted(case.documents.values_list("kind", "required", "received_on"))
    assert kinds == sorted((k.value, True, None) for k in CaseDocument.REQUIRED_KINDS)
    event = AuditEvent.objects.get(action="case.open")
    assert event.actor == specialist
    assert event.loan_id == loan.pk


def test_case_opened_complete_is_evaluating_with_the_checklist_received(manager, loan):
    case = services.case_open(
        actor=manager,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 8),
        foreclosure_sale_date=date(2027, 9, 1),
    )
    assert case.status == LossMitCase.Status.EVALUATING
    assert case.application_complete_on == date(2027, 3, 8)
    assert case.facially_complete_on == date(2027, 3, 8)
    assert set(case.documents.values_list("received_on", flat=True)) == {date(2027, 3, 8)}


def _refused(code, **kwargs):
    cases, docs, events = LossMitCase.objects.count(), CaseDocument.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        services.case_open(**kwargs)
    assert err.value.code == code
    assert (LossMitCase.objects.count(), CaseDocument.objects.count(), AuditEvent.objects.count()) == (
        cases,
        docs,
        events,
    )
    return err.value


def test_outsider_and_admin_cannot_open_cases(outsider, admin_user, loan):
    assert _refused("forbidden", actor=outsider, loan_id=loan.pk, application_received_on=TODAY).status == 403
    assert _refused("forbidden", actor=admin_user, loan_id=loan.pk, application_received_on=TODAY).status == 403


def test_second_open_case_on_a_loan_is_refused(specialist, manager, loan):
    first = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 1))
    err = _refused("case_already_open", actor=manager, loan_id=loan.pk, application_received_on=TODAY)
    assert err.status == 409
    assert f"case {first.pk}" in err.message


def test_a_new_case_may_follow_a_withdrawn_one(specialist, loan):
    first = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 1))
    services.case_withdraw(actor=specialist, case_id=first.pk, reason="Borrower sold the house")
    second = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=TODAY)
    assert second.pk != first.pk


@pytest.mark.parametrize(
    ("_case", "kwargs", "code"),
    [
        ("future receipt", {"application_received_on": date(2027, 3, 16)}, "future_date"),
        (
            "complete before received",
            {"application_received_on": date(2027, 3, 10), "application_complete_on": date(2027, 3, 9)},
            "complete_before_received",
        ),
        ("unknown channel", {"application_received_on": TODAY, "received_via": "fax"}, "invalid"),
    ],
)
def test_bad_dates_and_channels_are_400(specialist, loan, _case, kwargs, code):
    assert _refused(code, actor=specialist, loan_id=loan.pk, **kwargs).status == 400


def test_unknown_or_inactive_loan(specialist):
    assert _refused("loan_not_found", actor=specialist, loan_id=999999, application_received_on=TODAY).status == 404
    paid = LoanFactory(status="paid_off")
    _refused("loan_not_active", actor=specialist, loan_id=paid.pk, application_received_on=TODAY)
