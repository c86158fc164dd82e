"""Forms check shape only; letter_generate and letter_template_edit decide every rule."""

from django import forms

from borrowers.forms import DomainErrorFormMixin
from letters.models import LetterKind


class LetterGenerateForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Letter", choices=LetterKind.choices)
    sent_on = forms.DateField(
        label="Sent on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date it is mailed: Reg X's clocks count from it.",
        error_messages={"required": "Enter the date the letter is sent."},
    )


class LetterTemplateForm(DomainErrorFormMixin, forms.Form):
    fallback_fields = {"subject_required": "subject", "unchanged": "body"}

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "true"}))
    note = forms.CharField(
        label="Why this change", max_length=200, required=False, help_text="Kept with the version and in the audit log."
    )
