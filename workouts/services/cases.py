"""Opening a case, the document checklist, case edits, withdrawal and closing."""

from datetime import date

from django.db import transaction

from accounts.policy import Action, check
from accounts.roles import Role, user_has_role
from audit.services import audit_record
from borrowers.models import Loan
from letters.tasks import letter_queue
from lossmit.errors import BadInput, DomainError, NotFound
from workouts.models import CaseDocument, LossMitCase, Workout
from workouts.services._common import (
    bump,
    case_snapshot,
    check_version,
    lock_case,
    not_future,
    require_active_case,
    require_reason,
    today,
)

_UNSET = object()


def _claim(actor, loan: Loan) -> None:
    """A specialist who opens a case on a loan nobody holds yet takes the loan and its open
    tasks: Reg X 1024.40 wants the borrower to have one named contact from the application on,
    and the nightly scan would otherwise hand the loan to someone else."""
    from delinquency.models import CallTask

    loan.assigned_to = actor
    loan.save(update_fields=["assigned_to", "updated_at"])
    tasks = list(CallTask.objects.filter(loan=loan, status=CallTask.Status.OPEN).values_list("pk", flat=True))
    CallTask.objects.filter(pk__in=tasks).update(assigned_to=actor)
    audit_record(
        actor=actor,
        action="loan.claim",
        obj=loan,
        loan_id=loan.pk,
        before={"assigned_to": None},
        after={"assigned_to": actor.pk, "call_tasks": tasks},
        note="Taken on opening a loss mitigation case (continuity of contact, Reg X 1024.40)",
    )


@transaction.atomic
def case_open(
    *,
    actor,
    loan_id: int,
    application_received_on: date,
    received_via: str = LossMitCase.ReceivedVia.MAIL,
    application_complete_on: date | None = None,
    foreclosure_sale_date: date | None = None,
    hardship_reason: str = "",
    hardship_duration: str = "",
) -> LossMitCase:
    """Open a loss mitigation case for an application received on a date.

    Preconditions: specialist or manager; the loan is active and has no case still open (a
    loan's applications are worked one at a time); dates are not in the future and the
    application cannot be complete before it was received. Side effects: the case with the
    standard document checklist (all received on the complete date when the application comes
    in complete), status evaluating when complete, else open; one audit record. The loan must
    be on the actor's caseload (accounts/policy.py); a specialist opening a case on a loan
    nobody holds takes it and its open tasks (audited loan.claim).
    """
    check(actor, Action.WORK, doing="open cases")
    if received_via not in LossMitCase.ReceivedVia.values:
        raise BadInput(
            "invalid",
            "Unknown receipt channel.",
            fields={"received_via": [f"Choose one of: {', '.join(LossMitCase.ReceivedVia.values)}."]},
        )
    not_future(application_received_on, "application_received_on")
    not_future(application_complete_on, "application_complete_on")
    if application_complete_on is not None and application_complete_on < application_received_on:
        raise BadInput(
            "complete_before_received",
            "An application cannot be complete before it was received.",
            fields={"application_complete_on": ["Enter the receipt date or later."]},
        )
    try:
        loan = Loan.objects.select_for_update().get(pk=loan_id)
    except (Loan.DoesNotExist, ValueError, TypeError):
        raise NotFound("loan_not_found", "No such loan.") from None
    check(actor, Action.WORK, loan=loan, doing="open cases")
    if not loan.is_active:
        raise DomainError("loan_not_active", f"Loan {loan.loan_number} is {loan.get_status_display().lower()}.")
    existing = loan.lossmit_cases.exclude(status__in=LossMitCase.FINAL_STATUSES).first()
    if existing is not None:
        raise DomainError(
            "case_already_open", f"Loan {loan.loan_number} already has an open case (case {existing.pk})."
        )
    if loan.assigned_to_id is None and user_has_role(actor, Role.SPECIALIST):
        _claim(actor, loan)
    case = LossMitCase.objects.create(
        loan=loan,
        status=LossMitCase.Status.EVALUATING if application_complete_on else LossMitCase.Status.OPEN,
        application_received_on=application_received_on,
        received_via=received_via,
        application_complete_on=application_complete_on,
        facially_complete_on=application_complete_on,
        foreclosure_sale_date=foreclosure_sale_date,
        hardship_reason=hardship_reason,
        hardship_duration=hardship_duration,
        assigned_to=loan.assigned_to or actor,
        opened_by=actor,
    )
    CaseDocument.objects.bulk_create(
        CaseDocument(
            case=case,
            kind=kind,
            required=True,
            received_on=application_complete_on,
            received_by=actor if application_complete_on else None,
        )
        for kind in CaseDocument.REQUIRED_KINDS
    )
    audit_record(
        actor=actor,
        action="case.open",
        obj=case,
        loan_id=loan.pk,
        after=case_snapshot(case),
        note=f"Application received {application_received_on.isoformat()} by {received_via}",
    )
    letter_queue("case_received", object_id=case.pk, actor=actor)
    return case


def _mark_complete_if_checklist_done(case: LossMitCase) -> bool:
    """The application is complete the day the last required document arrived (1024.41(b))."""
    required = list(case.documents.filter(required=True))
    if case.application_complete_on is not None or any(d.received_on is None for d in required):
        return False
    complete_on = max([d.received_on for d in required], default=case.application_received_on)
    complete_on = max(complete_on, case.application_received_on)
    case.application_complete_on = complete_on
    # Everything the acknowledgment asked for arrived: facially complete the same day.
    case.facially_complete_on = case.facially_complete_on or complete_on
    if case.status == LossMitCase.Status.OPEN:
        case.status = LossMitCase.Status.EVALUATING
    return True


@transaction.atomic
def case_document_receive(
    *, actor, case_id: int, kind: str, received_on: date, version: int | None = None, description: str = ""
) -> CaseDocument:
    """Record a document received. When the last required one arrives, the application is
    complete (and facially complete) on that date and the case moves to evaluating.

    Refused: unknown kind, a date in the future or before the application, a document already
    received, a case no longer active, a stale version.
    """
    check(actor, Action.WORK, doing="record documents")
    if kind not in CaseDocument.Kind.values:
        raise BadInput("invalid", "Unknown document kind.", fields={"kind": ["Choose a listed kind."]})
    not_future(received_on, "received_on")
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="record documents")
    check_version(case, version)
    require_active_case(case)
    if received_on < case.application_received_on:
        raise BadInput(
            "before_application",
            "A document cannot be received before the application.",
            fields={"received_on": [f"Enter {case.application_received_on.isoformat()} or later."]},
        )
    before = case_snapshot(case)
    if kind == CaseDocument.Kind.OTHER:
        doc = case.documents.filter(kind=kind, received_on__isnull=True, description=description).first()
        if doc is None:
            doc = CaseDocument(case=case, kind=kind, description=description)
    else:
        doc = case.documents.filter(kind=kind).first() or CaseDocument(case=case, kind=kind, required=True)
        if doc.received_on is not None:
            raise DomainError(
                "already_received", f"{doc.get_kind_display()} was already received on {doc.received_on.isoformat()}."
            )
    doc.received_on = received_on
    doc.received_by = actor
    if description:
        doc.description = description
    doc.save()
    completed = _mark_complete_if_checklist_done(case)
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="case.document_receive",
        obj=case,
        loan_id=case.loan_id,
        before=before,
        after=case_snapshot(case),
        note=f"{doc.get_kind_display()} received {received_on.isoformat()}"
        + (f"; application complete {case.application_complete_on.isoformat()}" if completed else ""),
    )
    return doc


@transaction.atomic
def case_document_request(*, actor, case_id: int, description: str, version: int | None = None) -> CaseDocument:
    """Ask for one more required document (the acknowledgment's "what is missing").

    Asking after the checklist was complete means the file was only facially complete
    (1024.41(c)(2)(iv)): the complete date is cleared, so the 30-day evaluation clock restarts
    when the last document arrives, but the facially complete date stays and the foreclosure
    protections keep running from it. Refused once a workout was submitted on the case.
    """
    check(actor, Action.WORK, doing="request documents")
    description = require_reason(description, "description")
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="request documents")
    check_version(case, version)
    require_active_case(case)
    if case.workouts.exists():
        raise DomainError("decision_started", "A workout was already submitted on this application.")
    before = case_snapshot(case)
    doc = CaseDocument.objects.create(case=case, kind=CaseDocument.Kind.OTHER, required=True, description=description)
    if case.application_complete_on is not None:
        case.facially_complete_on = case.facially_complete_on or case.application_complete_on
        case.application_complete_on = None
        case.status = LossMitCase.Status.OPEN
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="case.document_request",
        obj=case,
        loan_id=case.loan_id,
        before=before,
        after=case_snapshot(case),
        note=description,
    )
    return doc


@transaction.atomic
def case_update(
    *,
    actor,
    case_id: int,
    version: int | None = None,
    foreclosure_sale_date=_UNSET,
    acknowledgment_sent_on=_UNSET,
    hardship_reason=_UNSET,
    hardship_duration=_UNSET,
    assigned_to=_UNSET,
) -> LossMitCase:
    """Edit a case's descriptive fields (sale date, acknowledgment sent, hardship, assignee)."""
    check(actor, Action.WORK, doing="edit cases")
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="edit cases")
    check_version(case, version)
    require_active_case(case)
    before = case_snapshot(case)
    if acknowledgment_sent_on is not _UNSET:
        not_future(acknowledgment_sent_on, "acknowledgment_sent_on")
        case.acknowledgment_sent_on = acknowledgment_sent_on
    for name, value in (
        ("foreclosure_sale_date", foreclosure_sale_date),
        ("hardship_reason", hardship_reason),
        ("hardship_duration", hardship_duration),
        ("assigned_to", assigned_to),
    ):
        if value is not _UNSET:
            setattr(case, name, value)
    bump(case)
    case.save()
    audit_record(
        actor=actor, action="case.update", obj=case, loan_id=case.loan_id, before=before, after=case_snapshot(case)
    )
    return case


@transaction.atomic
def case_withdraw(
    *, actor, case_id: int, reason: str, version: int | None = None, on: date | None = None
) -> LossMitCase:
    """The borrower withdraws the application: the case and its live workouts end, with the reason."""
    check(actor, Action.WORK, doing="withdraw cases")
    reason = require_reason(reason)
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="withdraw cases")
    check_version(case, version)
    require_active_case(case)
    before = case_snapshot(case)
    case.workouts.select_for_update().filter(status__in=Workout.LIVE_STATUSES).update(
        status=Workout.Status.WITHDRAWN, outcome_reason=reason
    )
    case.status = LossMitCase.Status.WITHDRAWN
    case.closed_on = on or today()
    case.close_reason = reason
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="case.withdraw",
        obj=case,
        loan_id=case.loan_id,
        before=before,
        after=case_snapshot(case),
        note=reason,
    )
    return case


@transaction.atomic
def case_close(*, actor, case_id: int, reason: str, version: int | None = None, on: date | None = None) -> LossMitCase:
    """Close a case with nothing left to do (every option rejected, denied or failed).

    Refused while a workout is still live or a denial can still be appealed: closing must not
    cut short the borrower's Reg X rights.
    """
    check(actor, Action.WORK, doing="close cases")
    reason = require_reason(reason)
    case = lock_case(case_id)
    check(actor, Action.WORK, loan=case.loan, doing="close cases")
    check_version(case, version)
    require_active_case(case)
    on = on or today()
    if case.workouts.filter(status__in=Workout.LIVE_STATUSES).exists():
        raise DomainError("workout_live", "A workout on this case is still in progress; withdraw it first.")
    if case.workouts.filter(status=Workout.Status.DENIED, appeal_deadline__gte=on).exists():
        raise DomainError("appeal_window_open", "The borrower can still appeal a denial on this case.")
    if case.workouts.filter(appeal__status="pending").exists():
        raise DomainError("appeal_pending", "An appeal on this case is not yet decided.")
    before = case_snapshot(case)
    case.status = LossMitCase.Status.CLOSED
    case.closed_on = on
    case.close_reason = reason
    bump(case)
    case.save()
    audit_record(
        actor=actor,
        action="case.close",
        obj=case,
        loan_id=case.loan_id,
        before=before,
        after=case_snapshot(case),
        note=reason,
    )
    return case
