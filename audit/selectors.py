"""Reads of the audit trail, scoped to the acting user."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404

from accounts.roles import Role, user_has_role
from audit.models import AuditEvent
from borrowers.models import Loan

# Who reads a loan's audit trail: the people who answer to auditors and examiners for it.
TIMELINE_ROLES = (Role.MANAGER, Role.ADMIN)
# A busy delinquent loan gathers a few hundred events a year; a page of them reads at a glance.
TIMELINE_PAGE_SIZE = 100


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class TimelineEntry:
    event: AuditEvent
    changes: list[Change]


@dataclass(frozen=True)
class LoanTimeline:
    loan: Loan
    page: Page
    entries: list[TimelineEntry]


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def audit_changes(before: dict | None, after: dict | None) -> list[Change]:
    """The fields an event changed, in a stable order: keys whose value differs between
    `before` and `after` (a creation lists every field of `after`, a removal every field of
    `before`). Values that are not dicts (a list, a scalar) compare as a whole."""
    if before is None and isinstance(after, dict):
        before = {}
    if after is None and isinstance(before, dict):
        after = {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before == after:
            return []
        return [Change(field="value", before=_shown(before), after=_shown(after))]
    keys = list(before) + [key for key in after if key not in before]
    return [
        Change(field=str(key), before=_shown(before.get(key)), after=_shown(after.get(key)))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def loan_timeline(*, user, loan_id: int, page: int | str | None = 1) -> LoanTimeline:
    """One loan's audit events, newest first, a page at a time, each with who acted and what
    changed. Three queries whatever the page holds: the loan, the count, the page's events
    with their actors joined. Http404 for an unknown loan or a user who may not read it."""
    if not user_has_role(user, *TIMELINE_ROLES):
        raise Http404("No such loan.")
    loan = Loan.objects.select_related("borrower").filter(pk=loan_id).first()
    if loan is None:
        raise Http404("No such loan.")
    events = AuditEvent.objects.filter(loan_id=loan.pk).select_related("actor").order_by("-at", "-id")
    page_obj = Paginator(events, TIMELINE_PAGE_SIZE).get_page(page)
    entries = [TimelineEntry(event=event, changes=audit_changes(event.before, event.after)) for event in page_obj]
    return LoanTimeline(loan=loan, page=page_obj, entries=entries)
