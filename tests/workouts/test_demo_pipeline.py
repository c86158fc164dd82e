"""The demo's loss mitigation pipeline (workouts/demo.py), as seed_demo opens it: cases and
workouts at every stage, made by the real services, in manager1's queue by due date."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from audit.models import AuditEvent
from borrowers.demo.seeder import seed_demo, summary_lines
from delinquency import scan
from delinquency.models import CallTask
from letters.models import Letter
from workouts.models import CaseDocument, Evaluation, LossMitCase, Workout
from workouts.selectors_approvals import approval_queue_rows

AS_OF = date(2026, 11, 27)  # a Friday
LOANS = 200
SEED = 7

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_day():
    """The demo is made on AS_OF: the services refuse dates after today."""
    with time_machine.travel(datetime(2026, 11, 27, 10, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def seed(loans: int = LOANS, as_of: date = AS_OF):
    return seed_demo(loans=loans, seed=SEED, as_of=as_of)


def user(username: str):
    return get_user_model().objects.get(username=username)


def pipeline_rows() -> list[tuple]:
    """What "the same pipeline" means: each case and workout by loan number (ids left out)."""
    cases = LossMitCase.objects.order_by("loan__loan_number").values_list(
        "loan__loan_number",
        "status",
        "assigned_to__username",
        "application_received_on",
        "application_complete_on",
        "hardship_reason",
    )
    workouts = Workout.objects.order_by("case__loan__loan_number", "option").values_list(
        "case__loan__loan_number", "option", "status", "amount", "submitted_by__username", "offer_expires_on"
    )
    return [*cases, *workouts]


def test_cases_and_workouts_by_status_are_exact():
    """Seed 7, 200 loans, as of 2026-11-27: two applications missing documents, four workouts
    waiting for approval (one above manager1's limit), one modification offered."""
    result = seed()

    assert result.pipeline.skipped == []
    assert dict(result.pipeline.cases) == {"open": 2, "decision": 4, "offer": 1}
    assert dict(result.pipeline.workouts) == {
        ("modification", "submitted"): 3,
        ("repayment_plan", "submitted"): 1,
        ("modification", "offered"): 1,
    }
    assert result.pipeline.above_limit == 1
    cases = dict(LossMitCase.objects.values_list("loan__loan_number", "status"))
    assert cases == {
        "3716506317": "open",
        "3716506500": "open",
        "3716507003": "decision",
        "3716507290": "decision",
        "3716506668": "decision",
        "3716506731": "decision",
        "3716506039": "offer",
    }
    assert sorted(LossMitCase.objects.values_list("assigned_to__username", flat=True)) == [
        "specialist1",
        "specialist1",
        "specialist1",
        "specialist1",
        "specialist1",
        "specialist2",
        "specialist3",
    ]
    # Each case is on its specialist's own loan: the pipeline took no loan from anyone.
    assert not LossMitCase.objects.exclude(assigned_to=F("loan__assigned_to")).exists()


def test_incomplete_applications_show_what_is_missing():
    seed()

    missing = {
        case.loan.loan_number: (
            case.application_received_on,
            sorted(d.kind for d in case.documents.all() if d.received_on is None),
        )
        for case in LossMitCase.objects.filter(status="open").select_related("loan")
    }
    assert missing == {
        "3716506317": (date(2026, 11, 25), ["bank_statements", "income", "tax_transcript_consent"]),
        "3716506500": (date(2026, 11, 19), ["bank_statements", "tax_transcript_consent"]),
    }


def test_summary_says_what_was_opened():
    result = seed()

    assert summary_lines(result, AS_OF)[-1] == (
        "Loss mitigation: 7 cases (2 awaiting documents, 4 waiting for a decision, 1 with an offer out); "
        "4 workouts waiting for approval (3 modifications, 1 repayment plan; 1 above manager1's limit); "
        "1 offer out to the borrower."
    )


def test_manager_sees_the_submitted_workouts_by_decision_due_date():
    """Dev's morning: four workouts, the decision due soonest first (within 5 days), the one
    above his delegated limit flagged for the senior approver."""
    seed()

    rows = approval_queue_rows(user=user("manager1"), today=AS_OF)

    assert [
        (r.workout.case.loan.loan_number, r.workout.option, r.due, r.urgency, r.can_decide, r.above_limit) for r in rows
    ] == [
        ("3716507003", "modification", date(2026, 11, 30), "soon", True, False),
        ("3716507290", "modification", date(2026, 12, 8), "ok", False, True),
        ("3716506668", "repayment_plan", date(2026, 12, 13), "ok", True, False),
        ("3716506731", "modification", date(2026, 12, 18), "ok", True, False),
    ]
    assert {r.workout.submitted_by.username for r in rows} == {"specialist1", "specialist2"}


def test_every_step_went_through_the_services_with_its_audit_record():
    seed()
    manager1 = user("manager1")

    for case in LossMitCase.objects.all():
        assert AuditEvent.objects.filter(action="case.open", object_id=str(case.pk), actor=case.assigned_to).exists()
        received = case.documents.filter(received_on__isnull=False).count()
        assert AuditEvent.objects.filter(action="case.document_receive", object_id=str(case.pk)).count() == received
    for workout in Workout.objects.select_related("case"):
        evaluation = Evaluation.objects.get(pk=workout.evaluation_id)
        assert evaluation.case_id == workout.case_id
        assert AuditEvent.objects.filter(action="evaluation.store", object_id=str(evaluation.pk)).exists()
        assert AuditEvent.objects.filter(
            action="workout.submit", object_id=str(workout.pk), actor=workout.submitted_by
        ).exists()
    offered = Workout.objects.get(status="offered")
    assert (offered.decided_by, offered.offered_on, offered.offer_expires_on) == (
        manager1,
        AS_OF,
        date(2026, 12, 11),
    )
    assert AuditEvent.objects.filter(action="workout.approve", object_id=str(offered.pk), actor=manager1).exists()
    assert AuditEvent.objects.filter(action="workout.offer", object_id=str(offered.pk)).exists()
    assert AuditEvent.objects.filter(action__startswith="workout.").count() == 7  # 5 submits, 1 approve, 1 offer
    assert CaseDocument.objects.filter(received_on__isnull=False).count() == 3 + 5 * 4


def test_letters_go_out_and_the_scan_queues_the_case_deadline_calls(django_capture_on_commit_callbacks):
    """At commit the acknowledgments and the offer letter go out, dated the demo day; last
    night's scan then queues the missing-documents call, tonight's the offer-acceptance call."""
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    assert set(LossMitCase.objects.values_list("acknowledgment_sent_on", flat=True)) == {AS_OF}
    assert sorted(Letter.objects.values_list("kind", flat=True)) == ["acknowledgment"] * 7 + ["evaluation_offer"]

    scan.run_scan(as_of=date(2026, 11, 26))
    scan.run_scan(as_of=AS_OF)

    calls = CallTask.objects.filter(reason__in=["case_documents", "offer_acceptance"]).order_by("reason")
    assert list(calls.values_list("loan__loan_number", "reason", "due_by", "assigned_to__username", "status")) == [
        ("3716506500", "case_documents", date(2026, 12, 1), "specialist1", "open"),
        ("3716506039", "offer_acceptance", date(2026, 12, 8), "specialist3", "open"),
    ]


def test_same_portfolio_gets_the_same_pipeline():
    def once() -> list[tuple]:
        with transaction.atomic():
            seed()
            rows = pipeline_rows()
            transaction.set_rollback(True)
        return rows

    first = once()
    assert len(first) == 7 + 5
    assert once() == first


def test_seeding_again_changes_nothing():
    seed()
    before = (pipeline_rows(), AuditEvent.objects.count(), Evaluation.objects.count())

    again = seed()
    call_command("seed_demo", "--loans", str(LOANS), "--as-of", AS_OF.isoformat(), stdout=StringIO())

    assert not again.created
    assert again.pipeline is None
    assert (pipeline_rows(), AuditEvent.objects.count(), Evaluation.objects.count()) == before


def test_a_tiny_portfolio_seeds_without_cases():
    """Five loans, none delinquent enough: every stage is skipped quietly and named."""
    result = seed(loans=5)

    assert result.created
    assert LossMitCase.objects.count() == 0
    assert len(result.pipeline.skipped) == 7
    assert summary_lines(result, AS_OF)[-2] == "Loss mitigation: no cases opened (too few delinquent loans)."


def test_a_small_portfolio_opens_what_it_can():
    result = seed(loans=50)

    assert dict(result.pipeline.cases) == {"open": 2, "decision": 2, "offer": 1}
    assert result.pipeline.skipped == [
        "a modification above manager1's limit, or another for specialist2",
        "a repayment plan",
    ]


def test_an_as_of_after_today_opens_no_case():
    """The services refuse future dates: the portfolio is seeded, the pipeline is not."""
    result = seed(as_of=date(2026, 12, 4))

    assert result.created
    assert LossMitCase.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="case.").count() == 0
    assert summary_lines(result, date(2026, 12, 4))[-1] == (
        "Loss mitigation: no cases opened (as of 2026-12-04, after today: the services refuse future dates)."
    )


def test_seed_demo_command_prints_the_pipeline():
    out = StringIO()
    call_command("seed_demo", "--loans", str(LOANS), "--seed", str(SEED), "--as-of", AS_OF.isoformat(), stdout=out)

    assert "Loss mitigation: 7 cases (2 awaiting documents, 4 waiting for a decision" in out.getvalue()
