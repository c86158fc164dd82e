"""Letters pages: a loan's letters log with downloads, sending a letter, and the admin's
template editor. Thin views: selectors read, services write, post/redirect/get; a refusal
re-renders the page with the service's message and changes nothing."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import PAYMENT_ROLES, STAFF_ROLES, Role, role_required, user_has_role
from letters.context import REQUIRED_PLACEHOLDERS, SAMPLE_CONTEXT
from letters.forms import LetterGenerateForm, LetterTemplateForm
from letters.models import LetterKind
from letters.selectors import letter_for_download, letters_log, template_history, template_overview
from letters.services import letter_generate, letter_template_edit
from lossmit.errors import DomainError

# Who may send a letter from the page: the people who work cases (letter_generate decides).
SENDER_ROLES = PAYMENT_ROLES


def _case_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("case") or request.POST.get("case") or ""
    try:
        return int(raw) if raw else None
    except ValueError:
        raise Http404("No such case.") from None


def _log_page(request: HttpRequest, loan_id: int, form: LetterGenerateForm | None = None, status: int = 200):
    log = letters_log(user=request.user, loan_id=loan_id, case_id=_case_id(request))
    can_send = user_has_role(request.user, *SENDER_ROLES)
    if can_send and form is None:
        form = LetterGenerateForm(initial={"sent_on": timezone.localdate()})
    target_case = log.case or next((c for c in log.cases if c.is_active), None)
    context = {"log": log, "form": form if can_send else None, "target_case": target_case}
    return render(request, "letters/letters_log.html", context, status=status)


@require_GET
@role_required(*STAFF_ROLES)
def loan_letters(request: HttpRequest, loan_id: int) -> HttpResponse:
    return _log_page(request, loan_id)


@require_POST
@role_required(*SENDER_ROLES)
def letter_send(request: HttpRequest, loan_id: int) -> HttpResponse:
    log = letters_log(user=request.user, loan_id=loan_id, case_id=_case_id(request))
    form = LetterGenerateForm(request.POST)
    if form.is_valid():
        case = log.case or next((c for c in log.cases if c.is_active), None)
        try:
            letter = letter_generate(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                sent_on=form.cleaned_data["sent_on"],
                loan=log.loan,
                case=case if form.cleaned_data["kind"] != LetterKind.EARLY_INTERVENTION_NOTICE else None,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{letter.subject}: sent {letter.sent_on.isoformat()}.")
            url = reverse("letters-loan", args=[loan_id])
            return redirect(f"{url}?case={log.case.pk}" if log.case else url)
    return _log_page(request, loan_id, form=form, status=400)


@require_GET
@role_required(*STAFF_ROLES)
def letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = letter_for_download(user=request.user, letter_id=letter_id)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    filename = f"{letter.kind}-{letter.loan.loan_number}-{letter.sent_on.isoformat()}-{letter.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # borrower data
    return response


@require_GET
@role_required(Role.ADMIN)
def templates_page(request: HttpRequest) -> HttpResponse:
    return render(request, "letters/templates.html", {"rows": template_overview()})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    history = template_history(kind=kind)
    active = next((t for t in history if t.active), None)
    status = 200
    if request.method == "POST":
        form = LetterTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = letter_template_edit(
                    actor=request.user,
                    kind=kind,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, f"Saved version {template.version}; new letters use it.")
                return redirect("letters-template-edit", kind=kind)
        status = 400
    else:
        initial = {"subject": active.subject, "body": active.body, "version": active.version} if active else {}
        form = LetterTemplateForm(initial=initial)
    context = {
        "kind": kind,
        "label": LetterKind(kind).label,
        "form": form,
        "active": active,
        "history": history,
        "placeholders": _placeholders(),
        "required": REQUIRED_PLACEHOLDERS[kind],
    }
    return render(request, "letters/template_edit.html", context, status=status)


def _placeholders() -> list[str]:
    """Every placeholder name, dotted for dicts, from the sample values."""
    names = []
    for key, value in SAMPLE_CONTEXT.items():
        if isinstance(value, dict):
            names.extend(f"{key}.{sub}" for sub in value)
        else:
            names.append(key)
    return names
