"""The document checklist: what is missing, and completeness on the day the last one arrives."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from lossmit.errors import DomainError
from workouts import selectors, services
from workouts.models import CaseDocument, LossMitCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def case(specialist, loan):
    return services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 1))


def _receive(actor, case, kind, on, **kw):
    return services.case_document_receive(actor=actor, case_id=case.pk, kind=kind, received_on=on, **kw)


def test_checklist_says_what_is_missing_until_complete(specialist, case):
    """Complete (and facially complete) the day the last required document arrives."""
    _receive(specialist, case, "hardship_statement", date(2027, 3, 1))
    _receive(specialist, case, "income", date(2027, 3, 4))
    case.refresh_from_db()
    missing = [d.kind for d in selectors.case_missing_documents(case)]
    assert missing == ["tax_transcript_consent", "bank_statements"]
    assert case.application_complete_on is None
    assert case.status == LossMitCase.Status.OPEN

    _receive(specialist, case, "bank_statements", date(2027, 3, 9))
    _receive(specialist, case, "tax_transcript_consent", date(2027, 3, 8))
    case.refresh_from_db()
    assert selectors.case_missing_documents(case) == []
    assert case.application_complete_on == date(2027, 3, 9)
    assert case.facially_complete_on == date(2027, 3, 9)
    assert case.status == LossMitCase.Status.EVALUATING
    assert case.version == 5
    assert AuditEvent.objects.filter(action="case.document_receive").count() == 4


def test_other_documents_do_not_complete_or_block(specialist, case):
    doc = _receive(specialist, case, "other", date(2027, 3, 2), description="Divorce decree")
    assert doc.required is False
    case.refresh_from_db()
    assert len(selectors.case_missing_documents(case)) == 4


def test_requested_extra_document_must_arrive_before_completeness(specialist, case):
    services.case_document_request(actor=specialist, case_id=case.pk, description="Profit and loss statement")
    for kind, day in (("hardship_statement", 2), ("income", 2), ("tax_transcript_consent", 2), ("bank_statements", 2)):
        _receive(specialist, case, kind, date(2027, 3, day))
    case.refresh_from_db()
    assert case.application_complete_on is None
    assert [d.description for d in selectors.case_missing_documents(case)] == ["Profit and loss statement"]
    _receive(specialist, case, "other", date(2027, 3, 11), description="Profit and loss statement")
    case.refresh_from_db()
    assert case.application_complete_on == date(2027, 3, 11)


def _assert_refused(code, fn, case, **kwargs):
    before = (
        list(CaseDocument.objects.order_by("id").values_list("kind", "received_on")),
        LossMitCase.objects.values_list("version", "application_complete_on", "status").get(pk=case.pk),
        AuditEvent.objects.count(),
    )
    with pytest.raises(DomainError) as err:
        fn(**kwargs)
    assert err.value.code == code
    after = (
        list(CaseDocument.objects.order_by("id").values_list("kind", "received_on")),
        LossMitCase.objects.values_list("version", "application_complete_on", "status").get(pk=case.pk),
        AuditEvent.objects.count(),
    )
    assert after == before
    return err.value


def test_stale_version_is_refused(specialist, manager, case):
    """Maria and her manager both work her case; the second save from a stale version is refused."""
    _receive(specialist, case, "income", date(2027, 3, 2), version=1)
    err = _assert_refused(
        "stale_version",
        services.case_document_receive,
        case,
        actor=manager,
        case_id=case.pk,
        kind="hardship_statement",
        received_on=date(2027, 3, 2),
        version=1,
    )
    assert err.status == 409


@pytest.mark.parametrize(
    ("_case", "kind", "on", "code"),
    [
        ("before the application", "income", date(2027, 2, 28), "before_application"),
        ("in the future", "income", date(2027, 3, 16), "future_date"),
        ("unknown kind", "payslip", date(2027, 3, 2), "invalid"),
    ],
)
def test_bad_receipts_are_refused(specialist, case, _case, kind, on, code):
    _assert_refused(
        code, services.case_document_receive, case, actor=specialist, case_id=case.pk, kind=kind, received_on=on
    )


def test_document_received_twice_is_refused(specialist, case):
    _receive(specialist, case, "income", date(2027, 3, 2))
    _assert_refused(
        "already_received",
        services.case_document_receive,
        case,
        actor=specialist,
        case_id=case.pk,
        kind="income",
        received_on=date(2027, 3, 3),
    )


def test_outsider_cannot_record_documents(outsider, case):
    _assert_refused(
        "forbidden",
        services.case_document_receive,
        case,
        actor=outsider,
        case_id=case.pk,
        kind="income",
        received_on=date(2027, 3, 3),
    )


def test_withdrawn_case_takes_no_documents(specialist, case):
    services.case_withdraw(actor=specialist, case_id=case.pk, reason="Borrower reinstated")
    case.refresh_from_db()
    assert case.status == LossMitCase.Status.WITHDRAWN
    assert case.close_reason == "Borrower reinstated"
    _assert_refused(
        "case_not_active",
        services.case_document_receive,
        case,
        actor=specialist,
        case_id=case.pk,
        kind="income",
        received_on=date(2027, 3, 3),
    )


def test_asking_for_more_after_completeness_keeps_the_facially_complete_protection(specialist, case):
    """1024.41(c)(2)(iv): complete on Mar 4, then the servicer finds it needs a P&L statement.
    The evaluation clock restarts from the new complete date; protections run from Mar 4."""
    for kind in ("hardship_statement", "income", "tax_transcript_consent", "bank_statements"):
        _receive(specialist, case, kind, date(2027, 3, 4))
    services.case_document_request(actor=specialist, case_id=case.pk, description="Profit and loss statement")
    case.refresh_from_db()
    assert (case.application_complete_on, case.facially_complete_on) == (None, date(2027, 3, 4))
    assert case.status == LossMitCase.Status.OPEN
    assert case.protected_from == date(2027, 3, 4)
    _receive(specialist, case, "other", date(2027, 3, 12), description="Profit and loss statement")
    case.refresh_from_db()
    assert (case.application_complete_on, case.facially_complete_on) == (date(2027, 3, 12), date(2027, 3, 4))
    assert selectors.case_deadlines(case).evaluation_due == date(2027, 4, 11)
