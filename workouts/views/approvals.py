"""The manager's approval queue and review page (issue 5, "Manager").

Thin views: the queue and review selectors read (workouts/selectors_approvals.py), the forms
check shape, workout_approve / workout_deny decide every rule (four eyes, delegated limits,
state, stale versions), then post/redirect/get. A refusal re-renders the review page with the
service's message and changes nothing.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, role_required
from borrowers.forms import DomainErrorFormMixin
from lossmit.errors import DomainError, NotFound
from workouts.domain.results import OPTION_NAMES
from workouts.selectors import case_deadlines
from workouts.selectors_approvals import approval_queue_rows, approval_review
from workouts.services import workout_approve, workout_deny

APPROVER_ROLES = (Role.MANAGER, Role.ADMIN)
OPTION_LABELS = {
    "repayment_plan": "Repayment plan",
    "modification": "Modification",
    "short_sale": "Short sale",
    "deed_in_lieu": "Deed-in-lieu",
    "foreclosure": "Foreclosure",
}
# What each waterfall step did, in the words of domain.md section 4.
STEP_LABELS = {
    "capitalize": "Capitalise arrears",
    "partial_claim": "Partial claim",
    "rate": "Reduce the rate",
    "term": "Extend the term",
    "forbearance": "Principal forbearance",
}
# The terms shown for each option in the comparison, in order: (key, label, kind).
OPTION_FACTS = {
    "repayment_plan": (("months", "Months", "int"), ("plan_payment", "Plan payment", "money")),
    "modification": (
        ("interest_rate", "Rate", "rate"),
        ("term_months", "Term (months)", "int"),
        ("monthly_pi", "New P&I", "money"),
        ("pi_reduction_pct", "P&I reduction", "pct"),
        ("forbearance", "Forbearance", "money"),
    ),
    "short_sale": (("net_proceeds", "Net proceeds", "money"), ("deficiency", "Deficiency", "money")),
    "deed_in_lieu": (("expected_recovery", "Expected recovery", "money"),),
    "foreclosure": (("timeline_days", "Timeline (days)", "int"), ("expected_loss", "Expected loss", "money")),
}
# The submitted terms worth reading, labelled; the rest stay in the stored evaluation.
TERM_LABELS = (
    ("interest_rate", "Rate", "rate"),
    ("term_months", "Term (months)", "int"),
    ("capitalized_balance", "Capitalised balance", "money"),
    ("interest_bearing_balance", "Interest-bearing balance", "money"),
    ("forbearance", "Principal forbearance", "money"),
    ("partial_claim", "Partial claim", "money"),
    ("monthly_pi", "New P&I", "money"),
    ("monthly_payment", "New payment with escrow", "money"),
    ("pre_mod_pi", "P&I before", "money"),
    ("months", "Plan months", "int"),
    ("plan_payment", "Plan payment", "money"),
    ("past_due_amount", "Past-due amount", "money"),
    ("deficiency", "Deficiency", "money"),
    ("expected_recovery", "Expected recovery", "money"),
    ("net_proceeds", "Net proceeds", "money"),
)
NPV_CHART_WIDTH = 360  # px of the bar area in the NPV chart's viewBox


class ApproveForm(DomainErrorFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class DenyForm(DomainErrorFormMixin, forms.Form):
    fallback_fields = {"reason_required": "reason"}

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for the denial",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The denial notice states it to the borrower (Reg X 1024.41(d)).",
        error_messages={"required": "Give the reason the notice will state."},
    )


def _npv_bars(options: list[dict]) -> dict | None:
    """Geometry of a horizontal bar chart of each option's NPV around a zero line."""
    values = [(o["label"], Decimal(o["data"]["npv"]), o) for o in options if o["data"].get("npv") not in (None, "")]
    if not values:
        return None
    low = min(Decimal(0), *(v for _, v, _ in values))
    high = max(Decimal(0), *(v for _, v, _ in values))
    span = (high - low) or Decimal(1)
    zero_x = float((-low) / span) * NPV_CHART_WIDTH
    bars = []
    for index, (label, value, option) in enumerate(values):
        x_end = float((value - low) / span) * NPV_CHART_WIDTH
        bars.append(
            {
                "label": label,
                "value": value,
                "x": min(zero_x, x_end),
                "width": max(abs(x_end - zero_x), 1.0),
                "y": index * 30,
                "text_y": index * 30 + 15,
                "negative": value < 0,
                "eligible": option["data"].get("eligible"),
                "recommended": option["recommended"],
            }
        )
    return {"bars": bars, "zero_x": zero_x, "width": NPV_CHART_WIDTH, "height": len(bars) * 30}


def _options(evaluation) -> list[dict]:
    result = evaluation.result if evaluation is not None else {}
    stored = result.get("options") or {}
    recommended = result.get("recommendation")
    out = []
    for name in OPTION_NAMES:
        data = stored.get(name)
        if data is None:
            continue
        facts = [
            {"label": label, "value": data.get(key), "kind": kind}
            for key, label, kind in OPTION_FACTS[name]
            if data.get(key) not in (None, "")
        ]
        out.append(
            {
                "name": name,
                "label": OPTION_LABELS[name],
                "data": data,
                "facts": facts,
                "recommended": name == recommended,
            }
        )
    return out


def _steps(evaluation) -> list[dict]:
    if evaluation is None:
        return []
    steps = (evaluation.option_result("modification") or {}).get("steps") or []
    return [{**step, "label": STEP_LABELS.get(step.get("step"), step.get("step", "").title())} for step in steps]


def _review_context(request: HttpRequest, workout_id: int, **forms_) -> dict:
    try:
        row = approval_review(user=request.user, workout_id=workout_id)
    except NotFound:
        raise Http404("No such workout.") from None
    workout = row.workout
    options = _options(workout.evaluation)
    return {
        "row": row,
        "workout": workout,
        "case": workout.case,
        "loan": workout.case.loan,
        "deadlines": case_deadlines(workout.case),
        "evaluation": workout.evaluation,
        "options": options,
        "steps": _steps(workout.evaluation),
        "npv_chart": _npv_bars(options),
        "terms": [
            {"label": label, "value": workout.terms[key], "kind": kind}
            for key, label, kind in TERM_LABELS
            if workout.terms.get(key) not in (None, "")
        ],
        "approve_form": forms_.get("approve_form") or ApproveForm(initial={"version": workout.version}),
        "deny_form": forms_.get("deny_form") or DenyForm(initial={"version": workout.version}),
        "refusal": forms_.get("refusal"),
    }


@require_GET
@role_required(*APPROVER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    rows = approval_queue_rows(user=request.user)
    return render(
        request,
        "workouts/approvals.html",
        {"rows": rows, "decidable": sum(1 for r in rows if r.can_decide)},
    )


@require_GET
@role_required(*APPROVER_ROLES)
def review(request: HttpRequest, workout_id: int) -> HttpResponse:
    return render(request, "workouts/approval_review.html", _review_context(request, workout_id))


def _refused(request: HttpRequest, workout_id: int, error: DomainError, **forms_) -> HttpResponse:
    context = _review_context(request, workout_id, refusal=error, **forms_)
    return render(request, "workouts/approval_review.html", context, status=error.status)


def _after_decision(request: HttpRequest, workout_id: int) -> HttpResponse:
    if request.POST.get("next") == "review":
        return redirect("approval-review", workout_id=workout_id)
    return redirect(reverse("approvals"))


@require_POST
@role_required(*APPROVER_ROLES)
def approve(request: HttpRequest, workout_id: int) -> HttpResponse:
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "workouts/approval_review.html",
            _review_context(request, workout_id, approve_form=form),
            status=400,
        )
    try:
        workout = workout_approve(
            actor=request.user,
            workout_id=workout_id,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["note"],
        )
    except NotFound:
        raise Http404("No such workout.") from None
    except DomainError as error:
        form.add_domain_error(error)
        return _refused(request, workout_id, error, approve_form=form)
    loan = workout.case.loan
    messages.success(
        request,
        f"Approved: {workout.get_option_display().lower()} on loan {loan.loan_number} ({loan.borrower.full_name}).",
    )
    return _after_decision(request, workout_id)


@require_POST
@role_required(*APPROVER_ROLES)
def deny(request: HttpRequest, workout_id: int) -> HttpResponse:
    form = DenyForm(request.POST)
    if not form.is_valid():
        context = _review_context(request, workout_id, deny_form=form)
        return render(request, "workouts/approval_review.html", context, status=400)
    try:
        workout = workout_deny(
            actor=request.user,
            workout_id=workout_id,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except NotFound:
        raise Http404("No such workout.") from None
    except DomainError as error:
        form.add_domain_error(error)
        return _refused(request, workout_id, error, deny_form=form)
    loan = workout.case.loan
    appeal = f" Appeal by {workout.appeal_deadline:%b %-d, %Y}." if workout.appeal_deadline else ""
    messages.success(
        request,
        f"Denied: {workout.get_option_display().lower()} on loan {loan.loan_number}. Notice dated today.{appeal}",
    )
    return _after_decision(request, workout_id)
