"""The rules page (issue 5, "Admin"; users.md, Priya): each program's rules in force, their
version history, proposing a change with an effective date, and the second person's approval
or rejection. (The nightly scan's page is delinquency/views/scan_runs.py.)

Thin views: rules/selectors.py reads, rules/services.py decides (admins propose, a second
admin or a manager approves or rejects, never the proposer) and the parameter validator
(workouts/domain/parameters.py) checks every value; its messages land on the form's fields.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, role_required, user_has_role
from borrowers.forms import DomainErrorFormMixin
from borrowers.models import Program
from lossmit.errors import DomainError, NotFound
from rules.models import ProgramRuleSet
from rules.selectors import rule_set_effective, rule_set_list
from rules.services import rule_change_approve, rule_change_propose, rule_change_reject
from workouts.domain.parameters import DEFAULT_KEY, PARAMETER_NAMES, SPECS, Kind

RULES_ROLES = (Role.ADMIN, Role.MANAGER)
# Groups of the parameter table, in the order domain.md section 4 describes them.
GROUPS = (
    (
        "Eligibility",
        ("min_days_delinquent", "imminent_default_allowed", "min_loan_age_months", "max_prior_modifications"),
    ),
    ("Repayment plan", ("repay_max_months", "repay_max_payment_ratio", "auto_approve_repayment_max_months")),
    ("Modification", tuple(n for n in PARAMETER_NAMES if n.startswith("mod_"))),
    (
        "Short sale and deed-in-lieu",
        (
            "short_sale_max_commission_pct",
            "short_sale_subordinate_cap",
            "relocation_assistance",
            "short_sale_min_net_pct",
            "liquidation_closing_months",
        ),
    ),
    (
        "Foreclosure and REO",
        (
            "reo_sale_discount_pct",
            "selling_costs_pct",
            "reo_marketing_months",
            "foreclosure_legal_costs",
            "property_preservation_monthly",
            "foreclosure_timeline_days",
        ),
    ),
    ("NPV and approvals", ("npv_discount_rate_pct", "redefault_rate_pct", "manager_approval_limit")),
)
UNITS = {Kind.PCT: "%", Kind.RATE: "%", Kind.RATIO: "x"}


def _is_mapping(name: str) -> bool:
    return SPECS[name].kind in (Kind.STATE_DAYS, Kind.TIERS)


def value_text(name: str, value) -> str:
    """A stored (JSON) value as people read and type it: mappings as "CA=480, *=540"."""
    if isinstance(value, dict):
        # PostgreSQL's jsonb keeps keys in its own order: show states A-Z, tiers by days, "*" last.
        def order(key: str):
            return (key == DEFAULT_KEY, int(key) if key.isdigit() else 0, key)

        return ", ".join(f"{k}={value[k]}" for k in sorted(value, key=order))
    return "" if value is None else str(value)


def _parse_text(name: str, text: str):
    """What the form's text means as a JSON value for the validator; mappings from "k=v, k=v"."""
    text = text.strip()
    if not _is_mapping(name):
        return text
    pairs = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            key, sep, value = part.partition(":")
        pairs[key.strip().upper() if key.strip() != DEFAULT_KEY else DEFAULT_KEY] = value.strip()
    return pairs


class ProposeForm(DomainErrorFormMixin, forms.Form):
    """One text field per parameter, prefilled with the version in force; only the ones that
    differ go to the service as changes."""

    fallback_fields = {"effective_date_in_past": "effective_date", "no_changes": None, "proposal_pending": None}

    effective_date = forms.DateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Evaluations as of this date or later use the new version; earlier ones keep theirs.",
    )
    note = forms.CharField(label="Why", required=False, max_length=500)

    def __init__(self, *args, base: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = base
        for name in PARAMETER_NAMES:
            self.fields[name] = forms.CharField(
                label=name,
                required=False,
                initial=value_text(name, base.get(name)),
                widget=forms.TextInput(attrs={"autocomplete": "off", "aria-describedby": f"help-{name}"}),
            )

    def add_domain_error(self, error: DomainError) -> None:
        if error.fields.get("changes"):
            self.add_error(None, error.message)
            return
        super().add_domain_error(error)

    def changes(self) -> dict:
        out = {}
        for name in PARAMETER_NAMES:
            raw = self.cleaned_data.get(name, "")
            if raw in (None, ""):
                continue
            parsed = _parse_text(name, raw)
            if parsed != self.base.get(name) and value_text(name, parsed) != value_text(name, self.base.get(name)):
                out[name] = parsed
        return out


class RejectForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why reject it", max_length=1000, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


def _program(request: HttpRequest) -> str:
    program = request.GET.get("program") or request.POST.get("program") or Program.values[0]
    return program if program in Program.values else Program.values[0]


def _history(versions: list[ProgramRuleSet]) -> list[dict]:
    """Each version with what it changed against the version before it (oldest first diffed)."""
    rows = []
    ordered = sorted(versions, key=lambda v: v.version)
    previous = None
    for version in ordered:
        changed = []
        if previous is not None:
            for name in PARAMETER_NAMES:
                old, new = previous.parameters.get(name), version.parameters.get(name)
                if old != new:
                    changed.append({"name": name, "old": value_text(name, old), "new": value_text(name, new)})
        rows.append({"rule_set": version, "changed": changed})
        if version.status in (ProgramRuleSet.Status.APPROVED, ProgramRuleSet.Status.PENDING):
            previous = version if version.status == ProgramRuleSet.Status.APPROVED else previous
    rows.reverse()
    return rows


def _rules_context(request: HttpRequest, *, propose_form=None, reject_form=None, refusal=None) -> dict:
    today = timezone.localdate()
    program = _program(request)
    versions = list(rule_set_list(program=program))
    try:
        effective = rule_set_effective(program=program, as_of=today)
    except NotFound:
        effective = None
    approved = [v for v in versions if v.status == ProgramRuleSet.Status.APPROVED]
    latest = approved[0] if approved else None  # the base a proposal edits
    scheduled = [v for v in approved if v.effective_date > today]
    pending = next((v for v in versions if v.status == ProgramRuleSet.Status.PENDING), None)
    base = latest.parameters if latest else {}
    shown = effective.parameters if effective else {}
    is_admin = user_has_role(request.user, Role.ADMIN)
    form = propose_form
    if form is None and is_admin and latest is not None:
        form = ProposeForm(base=base, initial={"effective_date": today + timedelta(days=1)})
    groups = [
        {
            "title": title,
            "rows": [
                {
                    "name": n,
                    "description": SPECS[n].description,
                    "value": value_text(n, shown.get(n)),
                    "unit": UNITS.get(SPECS[n].kind, ""),
                    "field": form[n] if form is not None else None,
                    "pending": value_text(n, pending.parameters.get(n))
                    if pending and pending.parameters.get(n) != base.get(n)
                    else None,
                }
                for n in names
            ],
        }
        for title, names in GROUPS
    ]
    pending_changes = []
    if pending:
        pending_changes = [
            {"name": n, "old": value_text(n, base.get(n)), "new": value_text(n, pending.parameters.get(n))}
            for n in PARAMETER_NAMES
            if pending.parameters.get(n) != base.get(n)
        ]
    return {
        "today": today,
        "program": program,
        "programs": Program.choices,
        "effective": effective,
        "latest": latest,
        "scheduled": scheduled,
        "pending": pending,
        "pending_changes": pending_changes,
        "groups": groups,
        "history": _history(versions),
        "is_admin": is_admin,
        "propose_form": form,
        "reject_form": reject_form or RejectForm(),
        "refusal": refusal,
        "proposer_is_me": pending is not None and pending.created_by_id == request.user.pk,
    }


def _back(program: str, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('rules')}?program={program}{anchor}")


@require_GET
@role_required(*RULES_ROLES)
def rules_index(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/rules.html", _rules_context(request))


@require_POST
@role_required(*RULES_ROLES)
def rule_propose(request: HttpRequest) -> HttpResponse:
    program = _program(request)
    latest = next((v for v in rule_set_list(program=program) if v.status == ProgramRuleSet.Status.APPROVED), None)
    form = ProposeForm(request.POST, base=latest.parameters if latest else {})
    status = 400
    if form.is_valid():
        try:
            rule_set = rule_change_propose(
                actor=request.user,
                program=program,
                changes=form.changes(),
                effective_date=form.cleaned_data["effective_date"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            messages.success(
                request,
                f"{program} version {rule_set.version} proposed, effective {rule_set.effective_date:%b %-d, %Y}. "
                "A second admin or a manager must approve it.",
            )
            return _back(program, "#pending")
    return render(request, "rules/rules.html", _rules_context(request, propose_form=form), status=status)


@require_POST
@role_required(*RULES_ROLES)
def rule_approve(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    program = _program(request)
    try:
        rule_set = rule_change_approve(actor=request.user, rule_set_id=rule_set_id, note=request.POST.get("note", ""))
    except DomainError as error:
        return render(request, "rules/rules.html", _rules_context(request, refusal=error), status=error.status)
    messages.success(
        request,
        f"{rule_set.program} version {rule_set.version} approved: in force from {rule_set.effective_date:%b %-d, %Y}.",
    )
    return _back(rule_set.program or program)


@require_POST
@role_required(*RULES_ROLES)
def rule_reject(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        return render(request, "rules/rules.html", _rules_context(request, reject_form=form), status=400)
    try:
        rule_set = rule_change_reject(actor=request.user, rule_set_id=rule_set_id, reason=form.cleaned_data["reason"])
    except DomainError as error:
        form.add_domain_error(error)
        context = _rules_context(request, reject_form=form, refusal=error)
        return render(request, "rules/rules.html", context, status=error.status)
    messages.success(request, f"{rule_set.program} version {rule_set.version} rejected.")
    return _back(rule_set.program)
