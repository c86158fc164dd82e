"""Page forms. They check shape only (is it a number, a date); the services own the rules
(positive, whole cents, not above the payoff), so the page and the API can never disagree."""

from django import forms
from django.utils import timezone

from lossmit.errors import DomainError


class MoneyField(forms.DecimalField):
    """A decimal that also accepts how people write money: "$1,564.14"."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("$").replace(",", "").strip()
        return super().to_python(value)


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search loans",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Loan number, borrower name, phone or street address",
                "autocomplete": "off",
                "aria-describedby": "search-help",
            }
        ),
    )


class DomainErrorFormMixin:
    """Shows a service's DomainError on the form: per-field messages where the service names
    the field, otherwise on `fallback_field`, or as a form-wide error."""

    fallback_fields: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        if error.fields:
            for name, messages in error.fields.items():
                self.add_error(name if name in self.fields else None, messages)
            return
        self.add_error(self.fallback_fields.get(error.code), error.message)


class PaymentForm(DomainErrorFormMixin, forms.Form):
    fallback_fields = {"invalid_amount": "amount", "exceeds_payoff": "amount"}

    amount = MoneyField(
        label="Amount",
        # Text, not type=number: browsers round or reject some inputs before we see them, and
        # the service's message for "1.234" is clearer than a browser tooltip.
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
        error_messages={"required": "Enter the amount received.", "invalid": "The amount must be a number."},
    )
    received_on = forms.DateField(
        label="Received on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date the payment was received."},
    )
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=64,
        help_text="Check number or trace id.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())


class PaymentReturnForm(DomainErrorFormMixin, forms.Form):
    returned_on = forms.DateField(
        label="Returned on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label="Reason",
        max_length=64,
        initial="NSF",
        help_text="As the bank gave it, e.g. NSF (R01), account closed (R02).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("returned_on", timezone.localdate())

    def clean_returned_on(self):
        returned_on = self.cleaned_data["returned_on"]
        if returned_on > timezone.localdate():
            raise forms.ValidationError("A payment cannot be returned in the future.")
        return returned_on
