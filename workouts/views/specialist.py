"""Workouts for a loan: the loss mitigation case (application, documents, Reg X dates), the
stored evaluation with every option side by side, a what-if panel, and submitting an option.

Thin views: selectors read the case, the services open it, record documents, store
evaluations and submit workouts; the what-if panel calls the pure rules engine with the
program's rules in force and the parameter validator, and stores nothing. Every action is a
post/redirect/get back to the page; a refusal re-renders the page with the form's errors.
"""

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.policy import Action, allows
from accounts.roles import PAYMENT_ROLES, STAFF_ROLES, role_required, user_has_role
from borrowers.selectors import days_past_due, delinquency_bucket, loan_detail
from lossmit.errors import DomainError
from workouts.domain.evaluation import ParameterError, evaluate
from workouts.domain.results import OPTION_NAMES
from workouts.forms import (
    WHAT_IF_LABELS,
    WHAT_IF_PARAMETERS,
    CaseOpenForm,
    DocumentReceiveForm,
    EvaluationForm,
    SubmitForm,
    WhatIfForm,
)
from workouts.models import Evaluation, LossMitCase, Workout
from workouts.selectors import case_deadlines, case_get, case_list, case_missing_documents, deadline_rows
from workouts.serializers_preview import PreviewRequestSerializer
from workouts.services import case_document_receive, case_open, evaluation_store, workout_submit
from workouts.services.decisions import NEEDS_COMPLETE_APPLICATION
from workouts.services.rulesets import program_rules

OPTION_LABELS = {
    "repayment_plan": "Repayment plan",
    "modification": "Modification",
    "short_sale": "Short sale",
    "deed_in_lieu": "Deed-in-lieu",
    "foreclosure": "Foreclosure",
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _options(result: dict, *, application_complete: bool, live_options: set[str]) -> list[dict]:
    """The stored result's options in the engine's order, with what the page needs to say."""
    options = result.get("options") or {}
    recommended = result.get("recommendation")
    out = []
    for name in OPTION_NAMES:
        data = options.get(name) or {}
        out.append(
            {
                "name": name,
                "label": OPTION_LABELS[name],
                "data": data,
                "recommended": name == recommended,
                "submittable": name in Workout.Option.values and bool(data.get("eligible")),
                "needs_complete": name in NEEDS_COMPLETE_APPLICATION and not application_complete,
                "live": name in live_options,
            }
        )
    return out


def _latest_evaluation(case: LossMitCase) -> Evaluation | None:
    return case.evaluations.select_related("created_by").first()


def _evaluation_initial(evaluation: Evaluation | None) -> dict:
    if evaluation is None:
        return {}
    inputs = evaluation.inputs
    offer = inputs.get("short_sale") or {}
    return {
        "gross_monthly_income": inputs["borrower"]["gross_monthly_income"],
        "monthly_debts": inputs["borrower"]["monthly_debts"],
        "market_value": inputs["property"]["market_value"],
        "subordinate_liens": inputs["property"]["subordinate_liens"],
        "subordinate_liens_released": inputs["property"]["subordinate_liens_released"],
        "offer_price": offer.get("offer_price"),
        "closing_costs": offer.get("closing_costs"),
        "days_on_market": offer.get("days_on_market"),
    }


def _whatif_initial(evaluation: Evaluation, rules_json: dict) -> dict:
    initial = {name: rules_json[name] for name in WHAT_IF_PARAMETERS}
    initial["gross_monthly_income"] = evaluation.inputs["borrower"]["gross_monthly_income"]
    initial["market_value"] = evaluation.inputs["property"]["market_value"]
    return initial


def _page_context(request: HttpRequest, loan_id: int, **forms) -> dict:
    today = timezone.localdate()
    loan = loan_detail(user=request.user, loan_id=loan_id)
    active = case_list(user=request.user, loan_id=loan.pk, active_only=True).first()
    case = case_get(user=request.user, case_id=active.pk) if active is not None else None
    dpd = days_past_due(loan.next_due_date, today)
    context = {
        "loan": loan,
        "today": today,
        "dpd": dpd,
        "bucket": delinquency_bucket(dpd),
        "case": case,
        # Case work is the loan's owner's (accounts/policy.py): others read the page and see why.
        "can_act": allows(request.user, Action.WORK, loan),
        "caseload_owner": _caseload_owner(request.user, loan),
        "open_form": forms.get("open_form") or CaseOpenForm(),
    }
    if case is None:
        return context
    evaluation = _latest_evaluation(case)
    workouts = list(case.workouts.all())
    live = {w.option for w in workouts if w.is_live}
    context.update(
        {
            "deadlines": deadline_rows(case, today),
            "documents": list(case.documents.all()),
            "missing": case_missing_documents(case),
            "workouts": workouts,
            "evaluation": evaluation,
            "document_form": forms.get("document_form")
            or DocumentReceiveForm(initial={"version": case.version, "kind": _first_missing_kind(case)}),
            "evaluation_form": forms.get("evaluation_form")
            or EvaluationForm(initial={"version": case.version, **_evaluation_initial(evaluation)}),
            "submit_error": forms.get("submit_error"),
        }
    )
    if evaluation is not None:
        rules = program_rules(program=evaluation.program, as_of=evaluation.as_of, investor=loan.investor)
        context["options"] = _options(
            evaluation.result, application_complete=case.application_complete_on is not None, live_options=live
        )
        context["whatif_form"] = forms.get("whatif_form") or WhatIfForm(
            initial=_whatif_initial(evaluation, rules.parameters.to_json())
        )
        context["waterfall"] = (evaluation.option_result("modification") or {}).get("steps", [])
    return context


def _caseload_owner(user, loan) -> str:
    """The name of the colleague whose caseload the loan is on, when that is why this worker
    may not do case work on it ("" otherwise)."""
    if not user_has_role(user, *PAYMENT_ROLES) or loan.assigned_to_id is None:
        return ""
    if allows(user, Action.WORK, loan):
        return ""
    owner = loan.assigned_to
    return owner.get_full_name() or owner.get_username()


def _first_missing_kind(case: LossMitCase) -> str:
    missing = case_missing_documents(case)
    return missing[0].kind if missing else ""


def _page(request: HttpRequest, loan_id: int, *, status: int = 200, **forms) -> HttpResponse:
    return render(request, "workouts/evaluate.html", _page_context(request, loan_id, **forms), status=status)


def _back(loan_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("workout-evaluate", kwargs={"loan_id": loan_id}) + anchor)


def _case_for_loan(request: HttpRequest, loan_id: int) -> LossMitCase | None:
    return case_list(user=request.user, loan_id=loan_id, active_only=True).first()


@require_GET
@role_required(*STAFF_ROLES)
def evaluate_page(request: HttpRequest, loan_id: int) -> HttpResponse:
    return _page(request, loan_id)


@require_POST
@role_required(*PAYMENT_ROLES)
def case_open_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = loan_detail(user=request.user, loan_id=loan_id)
    form = CaseOpenForm(request.POST)
    if form.is_valid():
        try:
            case = case_open(actor=request.user, loan_id=loan.pk, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
            return _page(request, loan.pk, status=error.status, open_form=form)
        ack = case_deadlines(case).acknowledgment_due
        messages.success(
            request,
            f"Case opened for loan {loan.loan_number}."
            + (f" Acknowledgment letter due {ack:%b} {ack.day}." if ack else ""),
        )
        return _back(loan.pk, "#case")
    return _page(request, loan.pk, status=400, open_form=form)


@require_POST
@role_required(*PAYMENT_ROLES)
def document_receive_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    case = _case_for_loan(request, loan_id)
    if case is None:
        messages.error(request, "This loan has no open case.")
        return _back(loan_id)
    form = DocumentReceiveForm(request.POST)
    if form.is_valid():
        try:
            doc = case_document_receive(
                actor=request.user,
                case_id=case.pk,
                kind=form.cleaned_data["kind"],
                received_on=form.cleaned_data["received_on"],
                description=form.cleaned_data["description"],
                version=form.cleaned_data["version"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            return _page(request, loan_id, status=error.status, document_form=form)
        doc.case.refresh_from_db()
        done = doc.case.application_complete_on
        messages.success(
            request,
            f"{doc.get_kind_display()} received {doc.received_on:%b} {doc.received_on.day}."
            + (f" The application is complete as of {done:%b} {done.day}." if done else ""),
        )
        return _back(loan_id, "#documents")
    return _page(request, loan_id, status=400, document_form=form)


@require_POST
@role_required(*PAYMENT_ROLES)
def evaluation_run_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    case = _case_for_loan(request, loan_id)
    if case is None:
        messages.error(request, "Open a case before running the evaluation.")
        return _back(loan_id)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            evaluation = evaluation_store(
                actor=request.user,
                case_id=case.pk,
                as_of=timezone.localdate(),
                version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except DomainError as error:
            form.add_domain_error(error)
            return _page(request, loan_id, status=error.status, evaluation_form=form)
        label = OPTION_LABELS.get(evaluation.recommendation, "no option")
        messages.success(request, f"Evaluation stored. Recommended: {label}.")
        return _back(loan_id, "#options")
    return _page(request, loan_id, status=400, evaluation_form=form)


def _whatif_scenario(evaluation: Evaluation, form: WhatIfForm):
    """The stored evaluation's scenario with the figures the specialist changed, checked by the
    preview API's serializer (the same shape checks) and built by its scenario builder."""
    from workouts.api_preview import scenario_from

    inputs = evaluation.inputs
    loan = {k: v for k, v in inputs["loan"].items() if v is not None}
    body = {
        "program": evaluation.program,
        "as_of": evaluation.as_of.isoformat(),
        "loan": loan,
        "borrower": {**inputs["borrower"], "gross_monthly_income": str(form.cleaned_data["gross_monthly_income"])},
        "property": {**inputs["property"], "market_value": str(form.cleaned_data["market_value"])},
        "short_sale": {k: v for k, v in inputs["short_sale"].items() if v is not None}
        if inputs.get("short_sale")
        else None,
    }
    serializer = PreviewRequestSerializer(data=body)
    if not serializer.is_valid():
        return None, serializer.errors
    return scenario_from(serializer.validated_data), None


@require_POST
@role_required(*STAFF_ROLES)
def what_if_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Recalculate every option with changed figures or terms; stores nothing. htmx swaps the
    what-if panel; without JavaScript the whole page comes back with it."""
    case = _case_for_loan(request, loan_id)
    evaluation = _latest_evaluation(case) if case is not None else None
    if evaluation is None:
        messages.error(request, "Run the evaluation first.")
        return _back(loan_id)
    form = WhatIfForm(request.POST)
    context: dict = {"whatif_form": form, "evaluation": evaluation, "loan_id": loan_id}
    status = 200
    if form.is_valid():
        rules = program_rules(program=evaluation.program, as_of=evaluation.as_of, investor=case.loan.investor)
        overrides = form.overrides(rules.parameters.to_json())
        scenario, errors = _whatif_scenario(evaluation, form)
        try:
            parameters = rules.parameters.with_overrides(overrides)
        except ParameterError as exc:
            for name, problems in exc.errors.items():
                form.add_error(name if name in form.fields else None, problems)
            status = 400
        else:
            if errors:
                form.add_error(None, "The stored evaluation's figures could not be reused; run the evaluation again.")
                status = 400
            else:
                result = evaluate(scenario, parameters, evaluation.as_of).to_dict()
                context.update(
                    {
                        "whatif": result,
                        "whatif_options": _options(result, application_complete=True, live_options=set()),
                        "changed": [WHAT_IF_LABELS[name] for name in overrides],
                        "comparison": _comparison(evaluation.result, result),
                    }
                )
    else:
        status = 400
    if _is_htmx(request):
        return render(request, "workouts/_what_if.html", context, status=status)
    return _page(request, loan_id, status=status, whatif_form=form)


def _comparison(stored: dict, whatif: dict) -> list[dict]:
    """Per option: eligibility, payment and NPV, stored against what-if."""
    key_payment = {"repayment_plan": "plan_payment", "modification": "monthly_payment"}
    rows = []
    for name in OPTION_NAMES:
        before = (stored.get("options") or {}).get(name) or {}
        after = (whatif.get("options") or {}).get(name) or {}
        payment_key = key_payment.get(name)
        npv_before, npv_after = before.get("npv"), after.get("npv")
        rows.append(
            {
                "label": OPTION_LABELS[name],
                "eligible_before": before.get("eligible"),
                "eligible_after": after.get("eligible"),
                "payment_before": before.get(payment_key) if payment_key else None,
                "payment_after": after.get(payment_key) if payment_key else None,
                "npv_before": npv_before,
                "npv_after": npv_after,
                "npv_delta": (Decimal(npv_after) - Decimal(npv_before)) if npv_before and npv_after else None,
                "recommended": whatif.get("recommendation") == name,
            }
        )
    return rows


@require_POST
@role_required(*PAYMENT_ROLES)
def workout_submit_view(request: HttpRequest, loan_id: int) -> HttpResponse:
    case = _case_for_loan(request, loan_id)
    if case is None:
        messages.error(request, "This loan has no open case.")
        return _back(loan_id)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _page(request, loan_id, status=400, submit_error="Choose an option from the evaluation.")
    try:
        workout = workout_submit(
            actor=request.user,
            case_id=case.pk,
            option=form.cleaned_data["option"],
            evaluation_id=form.cleaned_data["evaluation"],
            version=form.cleaned_data["version"],
        )
    except DomainError as error:
        return _page(request, loan_id, status=error.status, submit_error=error.message)
    if workout.status == Workout.Status.APPROVED:
        messages.success(request, workout.decision_reason)
    else:
        messages.success(
            request, f"{workout.get_option_display()} submitted for approval (amount ${workout.amount:,.2f})."
        )
    return _back(loan_id, "#workouts")


@require_GET
@role_required(*STAFF_ROLES)
def loan_workouts_summary(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The loan page's "Case and workouts" section: the open case, its next Reg X date, what is
    missing, the workouts on it, and the way to the workouts page. htmx loads it into the page."""
    today = timezone.localdate()
    loan = loan_detail(user=request.user, loan_id=loan_id)
    active = case_list(user=request.user, loan_id=loan.pk, active_only=True).first()
    context: dict = {"loan": loan, "case": None}
    if active is not None:
        case = case_get(user=request.user, case_id=active.pk)
        deadlines = deadline_rows(case, today)
        upcoming = [d for d in deadlines if d["ours"] and not d["done"]]
        context.update(
            {
                "case": case,
                "next_deadline": min(upcoming, key=lambda d: d["date"]) if upcoming else None,
                "missing": case_missing_documents(case),
                "workouts": list(case.workouts.all()),
            }
        )
    context["past_cases"] = list(case_list(user=request.user, loan_id=loan.pk).exclude(pk=getattr(active, "pk", None)))
    template = "workouts/_loan_workouts.html" if _is_htmx(request) else "workouts/loan_workouts.html"
    return render(request, template, context)
