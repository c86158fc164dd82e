"""Writes to program rule sets: propose, approve, reject (maker-checker, audited).

A rule change never edits a version: it proposes a new one built from the latest approved
version plus the changes, and a second person approves it before it can take effect.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.roles import Role, user_has_role
from audit.services import audit_record
from borrowers.models import Program
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused
from rules.models import Holiday, ProgramRuleSet
from rules.selectors import rule_set_latest_approved
from workouts.domain.dates import us_federal_holidays
from workouts.domain.parameters import ParameterError, parse_parameters

# Who may decide a proposed rule change: a second Admin, or a Manager (issue 4).
APPROVER_ROLES = (Role.ADMIN, Role.MANAGER)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {name: after[name] for name in after if before.get(name) != after[name]}


@transaction.atomic
def rule_change_propose(
    *, actor, program: str, changes: dict[str, Any], effective_date: date, note: str = ""
) -> ProgramRuleSet:
    """Propose a new version of `program`'s rules: the latest approved version with `changes`.

    Preconditions: the actor is an Admin; the program exists and has no other pending
    proposal; `changes` name known parameters with valid values and change at least one; the
    effective date is not in the past (evaluations already made keep their version).
    Side effects: a pending ProgramRuleSet row and an audit event.
    """
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("not_admin", "Only an Admin may propose a rule change.")
    if program not in Program.values:
        raise BadInput("unknown_program", f"{program!r} is not a program.", fields={"program": ["Unknown program."]})
    if effective_date < timezone.localdate():
        raise BadInput(
            "effective_date_in_past",
            "A rule change cannot take effect in the past.",
            fields={"effective_date": ["Choose today or a later date."]},
        )
    # Lock the program's versions so two proposals cannot take the same number.
    versions = list(ProgramRuleSet.objects.select_for_update().filter(program=program).values_list("id", flat=True))
    if ProgramRuleSet.objects.filter(id__in=versions, status=ProgramRuleSet.Status.PENDING).exists():
        raise DomainError("proposal_pending", f"A {program} rule change is already waiting for approval.")
    base = rule_set_latest_approved(program=program)
    if base is None:
        raise DomainError("no_rule_set", f"{program} has no approved rules to change.")
    try:
        proposed = parse_parameters(changes, base=parse_parameters(base.parameters)).to_json()
    except ParameterError as exc:
        raise BadInput("invalid_parameters", "Some parameters are unknown or invalid.", fields=exc.errors) from None
    diff = _changed(base.parameters, proposed)
    if not diff:
        raise BadInput("no_changes", "The proposal changes no parameter.", fields={"changes": ["Change something."]})
    next_version = (ProgramRuleSet.objects.filter(program=program).aggregate(v=Max("version"))["v"] or 0) + 1
    rule_set = ProgramRuleSet.objects.create(
        program=program,
        investor=base.investor,
        version=next_version,
        parameters=proposed,
        effective_date=effective_date,
        status=ProgramRuleSet.Status.PENDING,
        note=note,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="rule_change.propose",
        obj=rule_set,
        before={"version": base.version, "parameters": {k: base.parameters.get(k) for k in diff}},
        after={"version": next_version, "parameters": diff, "effective_date": effective_date.isoformat()},
        note=note,
    )
    return rule_set


def _lock_pending(rule_set_id: int, actor, verb: str) -> ProgramRuleSet:
    if not user_has_role(actor, *APPROVER_ROLES):
        raise PermissionRefused("not_approver", f"Only an Admin or a Manager may {verb} a rule change.")
    try:
        rule_set = ProgramRuleSet.objects.select_for_update().get(pk=rule_set_id)
    except ProgramRuleSet.DoesNotExist:
        raise NotFound("rule_set_not_found", f"There is no rule set {rule_set_id}.") from None
    if rule_set.status != ProgramRuleSet.Status.PENDING:
        raise DomainError("not_pending", f"Version {rule_set.version} is {rule_set.status}, not pending approval.")
    if rule_set.created_by_id == actor.pk:
        raise PermissionRefused("four_eyes", f"The proposer of a rule change cannot {verb} it; a second person must.")
    return rule_set


@transaction.atomic
def rule_change_approve(*, actor, rule_set_id: int, note: str = "") -> ProgramRuleSet:
    """Approve a pending rule change (four-eyes: an Admin or Manager other than the proposer).

    Side effects: the version becomes approved, effective from its effective date; audit event.
    """
    rule_set = _lock_pending(rule_set_id, actor, "approve")
    rule_set.status = ProgramRuleSet.Status.APPROVED
    rule_set.approved_by = actor
    rule_set.approved_at = timezone.now()
    rule_set.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="rule_change.approve",
        obj=rule_set,
        before={"status": ProgramRuleSet.Status.PENDING},
        after={"status": rule_set.status, "version": rule_set.version},
        note=note,
    )
    return rule_set


@transaction.atomic
def rule_change_reject(*, actor, rule_set_id: int, reason: str) -> ProgramRuleSet:
    """Reject a pending rule change with a reason (same four-eyes rule as approval)."""
    if not reason.strip():
        raise BadInput("reason_required", "Say why the change is rejected.", fields={"reason": ["Required."]})
    rule_set = _lock_pending(rule_set_id, actor, "reject")
    rule_set.status = ProgramRuleSet.Status.REJECTED
    rule_set.rejected_by = actor
    rule_set.rejected_at = timezone.now()
    rule_set.rejection_reason = reason
    rule_set.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    audit_record(
        actor=actor,
        action="rule_change.reject",
        obj=rule_set,
        before={"status": ProgramRuleSet.Status.PENDING},
        after={"status": rule_set.status, "version": rule_set.version},
        note=reason,
    )
    return rule_set


# --- the business-day calendar ---------------------------------------------------------------

HOLIDAY_NAME_MAX = 100


def _holiday_refusal(code: str, message: str) -> BadInput:
    return BadInput(code, message, fields={"date": [message]})


@transaction.atomic
def holiday_add(*, actor, on: date, name: str) -> Holiday:
    """Add a legal public holiday to the business-day calendar.

    Preconditions: the actor is an Admin; `on` is today or later (deadlines already counted
    stay as they were sent), a weekday (a weekend holiday is entered on the day it is
    observed), not a federal holiday already and not added before; a name is given.
    Side effects: a Holiday row and an audit event. Reg X business-day clocks counted from
    now on skip the day.
    """
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("not_admin", "Only an Admin may change the holiday calendar.")
    name = (name or "").strip()
    if not name or len(name) > HOLIDAY_NAME_MAX:
        raise BadInput(
            "bad_name", "Name the holiday.", fields={"name": [f"Give a name of 1 to {HOLIDAY_NAME_MAX} characters."]}
        )
    if on < timezone.localdate():
        raise _holiday_refusal("date_in_past", "Choose today or a later date: past deadlines were counted without it.")
    if on.weekday() >= 5:
        raise _holiday_refusal(
            "weekend", f"{on:%A} is never a business day; enter the weekday the holiday is observed on."
        )
    if on in us_federal_holidays(on.year):
        raise _holiday_refusal("federal_holiday", f"{on.isoformat()} is a federal holiday already.")
    if Holiday.objects.select_for_update().filter(date=on).exists():
        raise _holiday_refusal("duplicate", f"{on.isoformat()} is on the calendar already.")
    holiday = Holiday.objects.create(date=on, name=name, created_by=actor)
    audit_record(actor=actor, action="holiday.add", obj=holiday, after={"date": on.isoformat(), "name": name})
    return holiday


@transaction.atomic
def holiday_remove(*, actor, holiday_id: int) -> None:
    """Take an added holiday off the calendar. Only Admins; only today or later (a past day
    already shaped deadlines that were sent). Side effects: the row goes, an audit event stays."""
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("not_admin", "Only an Admin may change the holiday calendar.")
    holiday = Holiday.objects.select_for_update().filter(pk=holiday_id).first()
    if holiday is None:
        raise NotFound("holiday_not_found", "No such holiday on the calendar.")
    if holiday.date < timezone.localdate():
        raise DomainError("holiday_past", "A past holiday stays: deadlines were counted with it.")
    audit_record(
        actor=actor,
        action="holiday.remove",
        obj=holiday,
        before={"date": holiday.date.isoformat(), "name": holiday.name},
    )
    holiday.delete()
