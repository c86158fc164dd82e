"""Loan pages: search, the loan page, posting and returning payments.

Thin views: a selector reads, a form checks shape, a service acts, then post/redirect/get.
Every page needs a Lossmit role (403 otherwise); posting and returning payments needs a
payment role. htmx requests get the partials to swap in place; without JavaScript the same
URLs serve whole pages, so everything also works with scripts off.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import PAYMENT_ROLES, STAFF_ROLES, Role, role_required, user_has_role
from borrowers.forms import PaymentForm, PaymentReturnForm, SearchForm
from borrowers.models import Loan
from borrowers.selectors import (
    LEDGER_PAGE_ROWS,
    days_past_due,
    delinquency_bucket,
    loan_detail,
    loan_ledger,
    loan_payment,
    loan_search_paged,
    mask_phone,
)
from borrowers.services import payment_post, payment_reverse_nsf
from delinquency.selectors import loan_header_flags
from lossmit.errors import DomainError

DATE_FORMAT = "M j, Y"


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore after the partial's URL was pushed wants the whole page back.
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _money(amount) -> str:
    return f"${amount:,.2f}"


@require_GET
@role_required(*STAFF_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its day starts (users.md): a specialist on the worklist, a
    manager on the approval queue, an admin on the rules page; anyone else on loan search."""
    if user_has_role(request.user, Role.SPECIALIST):
        return redirect("worklist")
    if user_has_role(request.user, Role.MANAGER):
        return redirect("approvals")
    if user_has_role(request.user, Role.ADMIN):
        return redirect("rules")
    return redirect("loan-search")


@require_GET
@role_required(*STAFF_ROLES)
def loan_search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = loan_search_paged(user=request.user, query=query, page=request.GET.get("page"))
    today = timezone.localdate()
    for loan in page:
        loan.dpd = days_past_due(loan.next_due_date, today)
        loan.bucket = delinquency_bucket(loan.dpd)
        phones = list(loan.borrower.phones.all())
        loan.masked_phone = mask_phone(phones[0].number) if phones else ""
    template = "borrowers/_loan_results.html" if _is_htmx(request) else "borrowers/loan_search.html"
    response = render(request, template, {"form": form, "query": query, "page": page})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _loan_context(request: HttpRequest, loan_id: int, **extra) -> dict:
    loan = loan_detail(user=request.user, loan_id=loan_id)
    show_all = request.method == "GET" and request.GET.get("ledger") == "all"
    today = timezone.localdate()
    dpd = days_past_due(loan.next_due_date, today)
    can_post = user_has_role(request.user, *PAYMENT_ROLES) and loan.status == Loan.Status.ACTIVE
    context = {
        "loan": loan,
        "today": today,
        "dpd": dpd,
        "bucket": delinquency_bucket(dpd),
        "ledger": loan_ledger(loan=loan, limit=None if show_all else LEDGER_PAGE_ROWS),
        "ledger_page_rows": LEDGER_PAGE_ROWS,
        "can_post": can_post,
        # Returns stay possible on a paid-off loan: a returned payoff check reopens it.
        "can_return": user_has_role(request.user, *PAYMENT_ROLES),
        "payment_form": PaymentForm() if can_post else None,
        **loan_header_flags(user=request.user, loan=loan, today=today),
    }
    context.update(extra)
    return context


def _loan_update(request: HttpRequest, loan_id: int, *, main: str, status: int = 200, **extra) -> HttpResponse:
    """The htmx answer after a payment or a return: `main` is what the triggering element
    swaps (the payment form or the ledger); header, balances, ledger and messages come along
    out of band so the whole page agrees with the new balances."""
    context = _loan_context(request, loan_id, main=main, **extra)
    return render(request, "borrowers/_loan_update.html", context, status=status)


@require_GET
@role_required(*STAFF_ROLES)
def loan_page(request: HttpRequest, loan_id: int) -> HttpResponse:
    response = render(request, "borrowers/loan_detail.html", _loan_context(request, loan_id))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@role_required(*PAYMENT_ROLES)
def loan_payment_post(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = loan_detail(user=request.user, loan_id=loan_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = payment_post(actor=request.user, loan_id=loan.pk, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            posted = payment.loan  # the service saved the new balances on this instance
            outcome = (
                "The loan is paid off."
                if posted.status == Loan.Status.PAID_OFF
                else f"Next due {format_date(posted.next_due_date, DATE_FORMAT)}."
            )
            messages.success(
                request, f"Payment of {_money(payment.amount)} posted to loan {posted.loan_number}. {outcome}"
            )
            if _is_htmx(request):
                return _loan_update(request, loan.pk, main="form")
            return redirect("loan-detail", loan_id=loan.pk)
    # Refused: nothing was written; show the form again with what was wrong.
    if _is_htmx(request):
        return render(request, "borrowers/_payment_form.html", {"loan": loan, "payment_form": form}, status=400)
    return render(request, "borrowers/loan_detail.html", _loan_context(request, loan.pk, payment_form=form), status=400)


@require_http_methods(["GET", "POST"])
@role_required(*PAYMENT_ROLES)
def loan_payment_return(request: HttpRequest, loan_id: int, payment_id: int) -> HttpResponse:
    """Return a payment (NSF). The ledger's button posts here with `confirmed=1` after the
    browser's confirm dialog (htmx); without JavaScript the same post lands on this page's
    confirmation form first, so a return is never one accidental click."""
    payment = loan_payment(user=request.user, loan_id=loan_id, payment_id=payment_id)
    form = PaymentReturnForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and request.POST.get("confirmed") == "1" and form.is_valid():
        try:
            payment_reverse_nsf(
                actor=request.user,
                payment_id=payment.pk,
                returned_on=form.cleaned_data["returned_on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            if _is_htmx(request):
                messages.error(request, error.message)
                return _loan_update(request, loan_id, main="ledger", status=error.status)
            form.add_domain_error(error)
            status = error.status
        else:
            messages.success(
                request,
                f"Payment of {_money(payment.amount)} received "
                f"{format_date(payment.effective_date, DATE_FORMAT)} returned ({form.cleaned_data['reason']}).",
            )
            if _is_htmx(request):
                return _loan_update(request, loan_id, main="ledger")
            return redirect(reverse("loan-detail", kwargs={"loan_id": loan_id}) + "#ledger")
    elif request.method == "POST" and request.POST.get("confirmed") == "1":
        status = 400
    return render(
        request,
        "borrowers/payment_return.html",
        {"loan": payment.loan, "payment": payment, "form": form, "already_returned": hasattr(payment, "reversed_by")},
        status=status,
    )
