"""Specialist page forms for cases and workouts. Shape only: the services and the rules engine
own every rule (dates not in the future, a complete application, parameter ranges)."""

from django import forms
from django.utils import timezone

from borrowers.forms import DomainErrorFormMixin, MoneyField
from workouts.domain.parameters import SPECS
from workouts.models import CaseDocument, LossMitCase, Workout


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money(label: str, *, required: bool = False, help_text: str = "") -> MoneyField:
    return MoneyField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter an amount, e.g. 4,250.00."},
    )


class VersionedForm(DomainErrorFormMixin, forms.Form):
    """Carries the case version the page was read at: the services refuse a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CaseOpenForm(DomainErrorFormMixin, forms.Form):
    application_received_on = forms.DateField(label="Application received on", widget=_date_widget())
    received_via = forms.ChoiceField(label="Received by", choices=LossMitCase.ReceivedVia.choices)
    hardship_reason = forms.CharField(label="Hardship", required=False, max_length=200)
    hardship_duration = forms.ChoiceField(
        label="Expected to last", required=False, choices=[("", "Not known yet"), *LossMitCase.HardshipDuration.choices]
    )
    foreclosure_sale_date = forms.DateField(
        label="Foreclosure sale scheduled", required=False, widget=_date_widget(), help_text="Blank when none."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("application_received_on", timezone.localdate())
            self.initial.setdefault("received_via", LossMitCase.ReceivedVia.PHONE)


class DocumentReceiveForm(VersionedForm):
    kind = forms.ChoiceField(label="Document", choices=CaseDocument.Kind.choices)
    received_on = forms.DateField(label="Received on", widget=_date_widget())
    description = forms.CharField(label="Description", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())


class EvaluationForm(VersionedForm):
    """The borrower's and the property's figures the engine cannot read from the loan."""

    gross_monthly_income = _money("Gross monthly income", required=True, help_text="All borrowers, before tax.")
    monthly_debts = _money("Other monthly debts")
    market_value = _money("Market value", help_text="Blank: the latest valuation on file.")
    subordinate_liens = _money("Junior liens payoff")
    subordinate_liens_released = forms.BooleanField(label="Junior lien holders will release", required=False)
    offer_price = _money("Short-sale offer price", help_text="Blank when there is no offer.")
    closing_costs = _money("Seller's closing costs")
    days_on_market = forms.IntegerField(label="Days on market", required=False, min_value=0, max_value=3650)

    def clean(self):
        data = super().clean()
        if data.get("offer_price") is not None and data.get("days_on_market") is None:
            self.add_error("days_on_market", "Give the days on market with a short-sale offer.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "gross_monthly_income": data["gross_monthly_income"],
            "subordinate_liens_released": data["subordinate_liens_released"],
            "market_value": data.get("market_value"),
        }
        for name in ("monthly_debts", "subordinate_liens"):
            if data.get(name) is not None:
                kwargs[name] = data[name]
        if data.get("offer_price") is not None:
            kwargs["short_sale"] = {
                "offer_price": data["offer_price"],
                "closing_costs": data.get("closing_costs") or 0,
                "days_on_market": data["days_on_market"],
            }
        return kwargs


# The terms a specialist may try in the what-if panel: the program parameters that shape the
# options she discusses with the borrower. The rules engine's validator checks each value.
WHAT_IF_PARAMETERS = (
    "mod_posted_rate",
    "mod_max_term_months",
    "mod_target_pi_reduction_pct",
    "mod_forbearance_cap_pct",
    "repay_max_months",
    "repay_max_payment_ratio",
)
WHAT_IF_LABELS = {
    "mod_posted_rate": "Modification rate (%)",
    "mod_max_term_months": "Longest term (months)",
    "mod_target_pi_reduction_pct": "Target P&I reduction (%)",
    "mod_forbearance_cap_pct": "Forbearance cap (% of balance)",
    "repay_max_months": "Longest repayment plan (months)",
    "repay_max_payment_ratio": "Plan payment cap (times the payment)",
}


class WhatIfForm(forms.Form):
    """Borrower figures and program terms to try; nothing is stored."""

    gross_monthly_income = _money("Gross monthly income", required=True)
    market_value = _money("Market value", required=True)

    def __init__(self, *args, **kwargs):
        # Its own ids: the evaluation form on the same page has income and value fields too,
        # and a repeated id sends their labels to the wrong input (WCAG 4.1.1, 1.3.1).
        kwargs.setdefault("auto_id", "id_whatif_%s")
        super().__init__(*args, **kwargs)
        for name in WHAT_IF_PARAMETERS:
            self.fields[name] = forms.CharField(
                label=WHAT_IF_LABELS[name],
                required=False,
                max_length=12,
                help_text=SPECS[name].description,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def overrides(self, rules_json: dict) -> dict:
        """The parameters that differ from the program's rules, as the validator takes them."""
        return {
            name: self.cleaned_data[name].strip()
            for name in WHAT_IF_PARAMETERS
            if self.cleaned_data.get(name, "").strip() and self.cleaned_data[name].strip() != rules_json.get(name)
        }


class SubmitForm(VersionedForm):
    option = forms.ChoiceField(choices=Workout.Option.choices)
    evaluation = forms.IntegerField(widget=forms.HiddenInput)
