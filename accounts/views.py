"""Admin pages for the team (issue 5, "Admin"; users.md, Priya adds a specialist with capacity
150 and Spanish): users with their roles, capacities, languages, availability and approval
limits; adding a person; API tokens issued and revoked.

Thin views: accounts/services.py makes every change (admins only, audited); a refusal
re-renders the form with the service's message.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from accounts.roles import Role, role_required
from accounts.services import api_token_issue, api_token_revoke, profile_update, user_create
from borrowers.forms import DomainErrorFormMixin, MoneyField
from borrowers.models import Loan
from lossmit.errors import DomainError

ROLE_CHOICES = [(r.value, r.label) for r in Role]


def _people():
    User = get_user_model()
    return (
        User.objects.select_related("profile", "profile__manager")
        .prefetch_related("groups")
        .annotate(active_loans=Count("loans", filter=Q(loans__status=Loan.Status.ACTIVE)))
        .order_by("-is_active", "first_name", "last_name", "username")
    )


def _role_of(user) -> str:
    names = {g.name for g in user.groups.all()}
    return next((r.value for r in Role if r.value in names), "")


class ProfileForm(DomainErrorFormMixin, forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)
    capacity = forms.IntegerField(label="Capacity (loans)", min_value=0, help_text="Loans this person can carry.")
    languages = forms.CharField(label="Languages", max_length=100, help_text="ISO codes, e.g. en,es.")
    approval_limit = MoneyField(
        label="Approval limit",
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text="Largest workout amount this person may approve; blank uses the program's manager limit.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    is_active_for_assignment = forms.BooleanField(
        label="Takes new loans and tasks", required=False, help_text="Untick while on leave."
    )
    manager = forms.TypedChoiceField(label="Reports to", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [("", "Nobody")] + [(m.pk, m.get_full_name() or m.username) for m in managers]


class NewUserForm(DomainErrorFormMixin, forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email", required=False)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=Role.SPECIALIST)
    capacity = forms.IntegerField(label="Capacity (loans)", min_value=0, initial=150)
    languages = forms.CharField(label="Languages", max_length=100, initial="en", help_text="ISO codes, e.g. en,es.")
    password = forms.CharField(
        label="First password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="12 characters or more; give it to the person to change.",
    )


def _managers(exclude_id: int | None = None):
    User = get_user_model()
    qs = User.objects.filter(groups__name__in=[Role.MANAGER, Role.ADMIN], is_active=True).distinct()
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("first_name", "username"))


@require_GET
@role_required(Role.ADMIN)
def team(request: HttpRequest) -> HttpResponse:
    people = list(_people())
    with_token = set(Token.objects.filter(user__in=[p.pk for p in people]).values_list("user_id", flat=True))
    for person in people:
        person.role = _role_of(person)
        person.has_token = person.pk in with_token
        person.lossmit_profile = getattr(person, "profile", None)
    return render(request, "accounts/team.html", {"people": people, "new_form": NewUserForm()})


def _person(user_id: int):
    person = (
        get_user_model()
        .objects.select_related("profile")
        .prefetch_related(Prefetch("groups"))
        .filter(pk=user_id)
        .first()
    )
    if person is None:
        raise Http404("No such user.")
    return person


def _edit_context(person, form=None, *, new_token: str | None = None) -> dict:
    profile = getattr(person, "profile", None) or Profile(user=person)
    managers = _managers(exclude_id=person.pk)
    if form is None:
        form = ProfileForm(
            initial={
                "role": _role_of(person) or Role.SPECIALIST,
                "capacity": profile.capacity,
                "languages": profile.languages,
                "approval_limit": profile.approval_limit,
                "is_active_for_assignment": profile.is_active_for_assignment,
                "manager": profile.manager_id,
            },
            managers=managers,
        )
    return {
        "person": person,
        "form": form,
        "has_token": Token.objects.filter(user=person).exists(),
        "new_token": new_token,
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    if request.method == "GET":
        return render(request, "accounts/person.html", _edit_context(person))
    form = ProfileForm(request.POST, managers=_managers(exclude_id=person.pk))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                actor=request.user,
                user_id=person.pk,
                role=data["role"],
                capacity=data["capacity"],
                languages=data["languages"],
                approval_limit=data["approval_limit"],
                is_active_for_assignment=data["is_active_for_assignment"],
                manager_id=data["manager"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            messages.success(request, f"Saved {person.get_full_name() or person.username}.")
            return redirect("team")
    return render(request, "accounts/person.html", _edit_context(person, form), status=status)


@require_POST
@role_required(Role.ADMIN)
def person_create(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            profile = user_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            user = profile.user
            messages.success(request, f"Added {user.get_full_name()} ({form.cleaned_data['role'].lower()}).")
            return redirect("team")
    people = list(_people())
    for person in people:
        person.role = _role_of(person)
        person.lossmit_profile = getattr(person, "profile", None)
    return render(request, "accounts/team.html", {"people": people, "new_form": form, "open_new": True}, status=status)


@require_POST
@role_required(Role.ADMIN)
def token_issue(request: HttpRequest, user_id: int) -> HttpResponse:
    """Issue a token and show its key on this response only: it is never stored in a message or
    a log, so reloading the page does not show it again."""
    person = _person(user_id)
    try:
        token = api_token_issue(actor=request.user, user=person)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("team-person", user_id=person.pk)
    response = render(request, "accounts/person.html", _edit_context(person, new_token=token.key))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.ADMIN)
def token_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    try:
        revoked = api_token_revoke(actor=request.user, user=person)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "API token revoked." if revoked else "There was no API token to revoke.")
    return redirect("team-person", user_id=person.pk)
