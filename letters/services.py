"""Writes for letters: generating a letter, editing a template, and the workflow's events.

`letter_generate` is the one way a letter comes to exist. The event functions below it
(`letters_for_case_received`, `letters_for_offer`, ...) are what the workflow services call
on the event that requires the letter, inside their own transaction, so the letter and the
state change it reports commit or roll back together.
"""

import hashlib
import logging
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.policy import Action, check
from accounts.roles import STAFF_ROLES, Role, user_has_role
from audit.services import audit_record
from borrowers.models import Loan
from delinquency.models import CallTask
from letters import context as ctx
from letters.models import Letter, LetterKind, LetterTemplate
from letters.render import render_pdf, render_text
from lossmit.errors import BadInput, DomainError, PermissionRefused
from workouts.domain import regx
from workouts.models import LossMitCase, Workout

logger = logging.getLogger(__name__)

# Who sends letters: whoever takes the step the letter reports (specialists and managers work
# cases; managers and admins, as senior approvers, deny), and the nightly job (actor None).
LETTER_ROLES = STAFF_ROLES
# Kinds that are about one workout, and the workout status each one reports.
WORKOUT_KINDS = {
    LetterKind.EVALUATION_OFFER: Workout.Status.OFFERED,
    LetterKind.EVALUATION_DENIAL: Workout.Status.DENIED,
    LetterKind.TRIAL_PLAN_OFFER: Workout.Status.TRIAL,
}

# Why a case-level letter about a workout cannot go: (code, message).
NO_WORKOUT = {
    LetterKind.EVALUATION_OFFER: ("not_offered", "This case has no workout offered to the borrower to write about."),
    LetterKind.EVALUATION_DENIAL: ("no_denial", "This case has no denied workout to write about."),
    LetterKind.TRIAL_PLAN_OFFER: ("no_trial_plan", "This case has no workout in a trial period plan."),
}


def _today() -> date:
    return timezone.localdate()


def _require_sender(actor, loan: Loan | None = None) -> None:
    # actor None is the nightly job; a person must hold a Lossmit role and, with the loan known,
    # have it on their caseload (admins, who send denials as senior approvers, any loan).
    if actor is not None:
        check(actor, Action.LETTER, loan=loan, doing="send letters")


def active_template(kind: str) -> LetterTemplate:
    template = LetterTemplate.objects.filter(kind=kind, active=True).first()
    if template is None:
        raise DomainError("no_template", f"There is no active template for {kind.replace('_', ' ')} letters.")
    return template


def _resolve(
    *, kind: str, case: LossMitCase | None, loan: Loan | None, workout: Workout | None
) -> tuple[Loan, LossMitCase | None, Workout | None]:
    """The loan, case and workout a letter is about, locked, checked to belong together."""
    if workout is not None:
        case = case or workout.case
        if workout.case_id != case.pk:
            raise BadInput("mismatch", "That workout is not on that case.")
    if case is not None:
        case = LossMitCase.objects.select_for_update(of=("self",)).select_related("loan", "assigned_to").get(pk=case.pk)
        if loan is not None and loan.pk != case.loan_id:
            raise BadInput("mismatch", "That case is not on that loan.")
        loan = case.loan
    if loan is None:
        raise BadInput("loan_required", "Name the loan or case the letter is about.")
    loan = Loan.objects.select_related("borrower", "co_borrower", "property", "assigned_to").get(pk=loan.pk)
    if kind in WORKOUT_KINDS:
        if case is None:
            raise BadInput("case_required", "This letter is about a case; name it.")
        if workout is None:
            # The case's latest workout in the state this letter reports.
            workout = case.workouts.filter(status=WORKOUT_KINDS[kind]).order_by("-id").first()
            if workout is None:
                code, message = NO_WORKOUT[kind]
                raise DomainError(code, message)
        workout = Workout.objects.select_for_update(of=("self",)).select_related("evaluation").get(pk=workout.pk)
        workout.case = case
    elif kind == LetterKind.ACKNOWLEDGMENT and case is None:
        raise BadInput("case_required", "An acknowledgment is about an application; name the case.")
    return loan, case, workout


def _context(kind: str, loan: Loan, case: LossMitCase | None, workout: Workout | None, sent_on: date) -> dict:
    values = ctx.common_context(loan=loan, case=case, sent_on=sent_on)
    if kind == LetterKind.EARLY_INTERVENTION_NOTICE:
        values.update(ctx.early_intervention_context(loan=loan, sent_on=sent_on))
    elif kind == LetterKind.ACKNOWLEDGMENT:
        values.update(ctx.acknowledgment_context(case=case, sent_on=sent_on))
    elif kind == LetterKind.EVALUATION_OFFER:
        values.update(ctx.offer_context(workout=workout, sent_on=sent_on))
    elif kind == LetterKind.EVALUATION_DENIAL:
        values.update(ctx.denial_context(workout=workout, sent_on=sent_on))
    elif kind == LetterKind.TRIAL_PLAN_OFFER:
        values.update(ctx.trial_context(workout=workout, sent_on=sent_on))
    return values


@transaction.atomic
def letter_generate(
    *,
    actor,
    kind: str,
    sent_on: date,
    case: LossMitCase | None = None,
    loan: Loan | None = None,
    workout: Workout | None = None,
) -> Letter:
    """Render the active template of `kind` for a loan (and case, and workout) and store the
    letter with its PDF, sent on `sent_on`.

    Preconditions: a Lossmit role (or the nightly job, actor None); `sent_on` not in
    the future; the data the letter states exists: a complete mailing address; for the early
    intervention notice a delinquent loan; for an acknowledgment the case; for an offer an
    offered workout whose offer date is `sent_on`; for a denial a denied workout whose notice
    date is `sent_on`; for a trial plan a workout in trial with its payments. `workout`
    defaults to the case's latest one in the state the letter reports.
    Side effects: one Letter row (immutable) and one audit record. A refusal writes nothing.
    """
    _require_sender(actor)
    if kind not in LetterKind.values:
        raise BadInput("invalid", "Unknown letter kind.", fields={"kind": ["Choose a listed kind."]})
    if sent_on > _today():
        raise BadInput(
            "future_date", "A letter cannot be sent in the future.", fields={"sent_on": ["Enter today or earlier."]}
        )
    loan, case, workout = _resolve(kind=kind, case=case, loan=loan, workout=workout)
    _require_sender(actor, loan)
    template = active_template(kind)
    values = _context(kind, loan, case, workout, sent_on)
    subject = render_text(template.subject, values, field="subject")
    body = render_text(template.body, values)
    pdf = render_pdf(
        servicer=values["servicer"],
        sent_on=sent_on,
        letter_date=values["letter_date"],
        recipient=values["recipient"],
        address=values["mailing_address"],
        loan_number=loan.loan_number,
        subject=subject,
        body=body,
    )
    letter = Letter.objects.create(
        loan=loan,
        case=case,
        workout=workout,
        kind=kind,
        template=template,
        sent_on=sent_on,
        recipient=values["recipient"],
        mailing_address="\n".join(values["mailing_address"]),
        subject=subject,
        body=body,
        context=values,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="letter.generate",
        obj=letter,
        loan_id=loan.pk,
        after={
            "kind": kind,
            "sent_on": sent_on.isoformat(),
            "template_version": template.version,
            "case": case.pk if case else None,
            "workout": workout.pk if workout else None,
            "pdf_sha256": letter.pdf_sha256,
        },
        note=f"{subject} (sent {sent_on.isoformat()})",
    )
    return letter


def letter_template_check(*, kind: str, subject: str, body: str) -> None:
    """BadInput unless the text renders with example values and keeps the placeholders Reg X
    needs for this kind (the edit page and the Django admin both check before saving)."""
    if kind not in LetterKind.values:
        raise BadInput("invalid", "Unknown letter kind.", fields={"kind": ["Choose a listed kind."]})
    render_text(subject, ctx.SAMPLE_CONTEXT, field="subject")
    render_text(body, ctx.SAMPLE_CONTEXT)
    dropped = [name for name in ctx.REQUIRED_PLACEHOLDERS[kind] if name not in body]
    if dropped:
        raise BadInput(
            "required_placeholder_missing",
            "This letter must state what Reg X requires; the text no longer uses: " + ", ".join(dropped) + ".",
            fields={"body": [f"Keep {{{{ {name} }}}}." for name in dropped]},
        )


@transaction.atomic
def letter_template_edit(
    *, actor, kind: str, subject: str, body: str, note: str = "", version: int | None = None
) -> LetterTemplate:
    """An admin saves new text for a kind of letter: a new version becomes the active one; the
    old version stays, and letters already sent keep pointing at it.

    Refused: not an admin; a template that does not render or drops a placeholder Reg X needs
    (REQUIRED_PLACEHOLDERS); `version` given and no longer the active one (someone saved
    first); text identical to the active version.
    """
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("forbidden", "Only admins may edit letter templates.")
    if kind not in LetterKind.values:
        raise BadInput("invalid", "Unknown letter kind.", fields={"kind": ["Choose a listed kind."]})
    subject, body = (subject or "").strip(), (body or "").replace("\r\n", "\n").strip() + "\n"
    if not subject:
        raise BadInput("subject_required", "Give the subject.", fields={"subject": ["This field is required."]})
    current = LetterTemplate.objects.select_for_update().filter(kind=kind, active=True).first()
    if version is not None and (current is None or current.version != int(version)):
        raise DomainError(
            "stale_version",
            f"This template was changed by someone else (now version {current.version if current else 0}, "
            f"you had {version}). Reload and try again.",
        )
    if current is not None and current.subject == subject and current.body == body:
        raise DomainError("unchanged", "The text is the same as the active version.")
    letter_template_check(kind=kind, subject=subject, body=body)
    latest = LetterTemplate.objects.filter(kind=kind).order_by("-version").values_list("version", flat=True).first()
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    template = LetterTemplate.objects.create(
        kind=kind,
        version=(latest or 0) + 1,
        subject=subject,
        body=body,
        active=True,
        edited_by=actor,
        note=(note or "").strip()[:200],
    )
    audit_record(
        actor=actor,
        action="letter_template.edit",
        obj=template,
        before={"version": current.version, "subject": current.subject, "body": current.body} if current else None,
        after={"version": template.version, "subject": subject, "body": body},
        note=template.note,
    )
    return template


# --- Events: the workflow services call these on the event that requires the letter. ---


def letters_for_case_received(*, actor, case: LossMitCase, sent_on: date | None = None) -> Letter | None:
    """1024.41(b)(2)(i)(B): acknowledge an application received 45+ days before a scheduled sale
    (or with none), complete or not. Call from case_open after the case and its checklist are
    saved; sent today unless the caller says otherwise. The caller records `letter.sent_on` as
    the case's acknowledgment_sent_on.

    Returns None when the rule does not call for a letter (received fewer than 45 days before
    a sale), and also when the letter cannot go (no mailing address): opening the case must
    not wait for an address, because the borrower's protections run from receipt. The case's
    acknowledgment deadline then stays open on the case page, which turns it red when late.
    The failed attempt is rolled back to its savepoint, so the caller's transaction goes on.
    """
    if regx.acknowledgment_due(case.application_received_on, case.foreclosure_sale_date) is None:
        return None
    try:
        return letter_generate(actor=actor, kind=LetterKind.ACKNOWLEDGMENT, case=case, sent_on=sent_on or _today())
    except DomainError as exc:
        logger.warning("Acknowledgment for case %s not sent: %s (%s)", case.pk, exc.message, exc.code)
        return None


def letters_for_decision(*, actor, workout: Workout) -> Letter | None:
    """The evaluation decision, on the date the workflow recorded: the offer letter when the
    workout was offered (sent on offered_on; the acceptance deadline counts from it), the
    denial letter when it was denied (sent on denial_notice_on; the appeal deadline counts from
    it). Call at the end of workout_offer and workout_deny. None for other states."""
    if workout.status == Workout.Status.OFFERED:
        return letter_generate(
            actor=actor, kind=LetterKind.EVALUATION_OFFER, workout=workout, sent_on=workout.offered_on
        )
    if workout.status == Workout.Status.DENIED:
        return letter_generate(
            actor=actor, kind=LetterKind.EVALUATION_DENIAL, workout=workout, sent_on=workout.denial_notice_on
        )
    return None


def letters_for_trial(*, actor, workout: Workout, sent_on: date | None = None) -> Letter | None:
    """The trial plan letter with its three payments, when an accepted modification starts its
    trial. Call at the end of workout_accept; None when the workout did not enter a trial."""
    if workout.status != Workout.Status.TRIAL:
        return None
    return letter_generate(actor=actor, kind=LetterKind.TRIAL_PLAN_OFFER, workout=workout, sent_on=sent_on or _today())


def letters_early_intervention(*, as_of: date, actor=None) -> dict[str, Any]:
    """1024.39(b): the nightly pass sends the written early intervention notice for every open
    `regx_written_notice` task the delinquency scan queued, once per task: a loan that got one
    on or after the task's cycle started (its due date less 45 days) is skipped. Loans the
    notice cannot go to (no mailing address) are reported, not failed, so one bad address
    does not hold back the rest. Each letter is its own transaction. Idempotent."""
    sent, refused = [], {}
    tasks = CallTask.objects.filter(
        reason=CallTask.Reason.REGX_WRITTEN_NOTICE, status=CallTask.Status.OPEN, business_date__lte=as_of
    ).values_list("loan_id", "due_by")
    for loan_id, due_by in tasks:
        cycle_start = due_by - timedelta(days=regx.WRITTEN_NOTICE_DAYS)
        if Letter.objects.filter(
            loan_id=loan_id, kind=LetterKind.EARLY_INTERVENTION_NOTICE, sent_on__gte=cycle_start
        ).exists():
            continue
        try:
            letter = letter_generate(
                actor=actor, kind=LetterKind.EARLY_INTERVENTION_NOTICE, loan=Loan(pk=loan_id), sent_on=as_of
            )
        except DomainError as exc:
            refused[loan_id] = exc.code
            continue
        sent.append(letter.pk)
    return {"sent": sent, "refused": refused}
