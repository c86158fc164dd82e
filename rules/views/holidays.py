"""The business-day calendar page (issue 5, "Admin ... holidays"): the US federal holidays the
Reg X clocks skip, and the legal public holidays admins added to them. Managers read it; Admins
add and remove days through rules/services.py (audited)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, role_required, user_has_role
from borrowers.forms import DomainErrorFormMixin
from lossmit.errors import DomainError
from rules.selectors import holiday_calendar
from rules.services import HOLIDAY_NAME_MAX, holiday_add, holiday_remove
from rules.views.admin_pages import RULES_ROLES


class HolidayForm(DomainErrorFormMixin, forms.Form):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Choose the date.", "invalid": "Enter a date as YYYY-MM-DD."},
    )
    name = forms.CharField(
        label="Name",
        max_length=HOLIDAY_NAME_MAX,
        error_messages={"required": "Name the holiday."},
        widget=forms.TextInput(attrs={"placeholder": "National Day of Mourning"}),
    )


def _page(request: HttpRequest, *, form: HolidayForm | None = None, status: int = 200) -> HttpResponse:
    year = timezone.localdate().year
    is_admin = user_has_role(request.user, Role.ADMIN)
    context = {
        "rows": holiday_calendar(years=(year, year + 1)),
        "years": (year, year + 1),
        "is_admin": is_admin,
        "form": (form or HolidayForm()) if is_admin else None,
        "today": timezone.localdate(),
    }
    return render(request, "rules/holidays.html", context, status=status)


@require_GET
@role_required(*RULES_ROLES)
def holidays_index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@role_required(Role.ADMIN)
def holidays_add(request: HttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        holiday = holiday_add(actor=request.user, on=form.cleaned_data["date"], name=form.cleaned_data["name"])
    except DomainError as error:
        form.add_domain_error(error)
        return _page(request, form=form, status=error.status)
    messages.success(request, f"{holiday.name} on {holiday.date:%a %b %-d, %Y} is now a holiday.")
    return redirect(reverse("holidays"))


@require_POST
@role_required(Role.ADMIN)
def holidays_remove(request: HttpRequest, holiday_id: int) -> HttpResponse:
    try:
        holiday_remove(actor=request.user, holiday_id=holiday_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("holidays"))
    messages.success(request, "Holiday removed from the calendar.")
    return redirect(reverse("holidays"))
