"""Specialist page forms: the worklist filters, the call log on a task and the inbound call on
the loan page.

They check shape only (a choice from the list, a number, a date, what an outcome needs); the
services own the rules (a promise dated in the past, the call window, holds), so the page and
the API can never disagree.
"""

from django import forms

from borrowers.forms import DomainErrorFormMixin, MoneyField
from delinquency.models import CallAttempt, CallTask
from delinquency.status import Bucket
from workouts.models import LossMitCase


class WorklistFilterForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", required=False, choices=[("", "All reasons"), *CallTask.Reason.choices])
    bucket = forms.ChoiceField(
        label="Bucket", required=False, choices=[("", "All buckets"), *((b, b) for b in Bucket.ALL)]
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class Outcome:
    """What the specialist picks on the call page. Each maps to the CallAttempt outcome the
    service records; the conversation outcomes also say what else the call set in motion."""

    RIGHT_PARTY_CONTACT = "right_party_contact"
    PROMISE_TO_PAY = "promise_to_pay"
    HARDSHIP = "hardship"
    REFUSED = "refused"
    CEASE_CALLS = "cease_calls"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    BUSY = "busy"
    DISCONNECTED = "disconnected"
    THIRD_PARTY = "third_party"

    CHOICES = [
        (PROMISE_TO_PAY, "Promise to pay"),
        (HARDSHIP, "Hardship"),
        (RIGHT_PARTY_CONTACT, "Right-party contact"),
        (REFUSED, "Refused to pay"),
        (CEASE_CALLS, "Asked us to stop calling"),
        (NO_ANSWER, "No answer"),
        (VOICEMAIL, "Left voicemail"),
        (WRONG_NUMBER, "Wrong number"),
        (BUSY, "Busy"),
        (DISCONNECTED, "Number disconnected"),
        (THIRD_PARTY, "Third party answered"),
    ]
    LABELS = dict(CHOICES)
    # Conversations with the borrower: every one is a right-party contact for Reg F's 7-day
    # rule and completes the task (delinquency.services.call_attempt_record).
    ATTEMPT = {
        RIGHT_PARTY_CONTACT: CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        PROMISE_TO_PAY: CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        HARDSHIP: CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        REFUSED: CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        CEASE_CALLS: CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        NO_ANSWER: CallAttempt.Outcome.NO_ANSWER,
        VOICEMAIL: CallAttempt.Outcome.VOICEMAIL,
        WRONG_NUMBER: CallAttempt.Outcome.WRONG_NUMBER,
        BUSY: CallAttempt.Outcome.BUSY,
        DISCONNECTED: CallAttempt.Outcome.DISCONNECTED,
        THIRD_PARTY: CallAttempt.Outcome.THIRD_PARTY,
    }
    CONVERSATIONS = (RIGHT_PARTY_CONTACT, PROMISE_TO_PAY, HARDSHIP, REFUSED, CEASE_CALLS)
    # A call the borrower placed to us: someone is on the line, so the outcomes of an
    # unanswered call do not apply (delinquency.services.INBOUND_OUTCOMES).
    INBOUND_CHOICES = [
        (RIGHT_PARTY_CONTACT, "Spoke with the borrower"),
        (PROMISE_TO_PAY, "Promise to pay"),
        (HARDSHIP, "Hardship"),
        (REFUSED, "Refused to pay"),
        (CEASE_CALLS, "Asked us to stop calling"),
        (THIRD_PARTY, "Someone else called for the borrower"),
    ]
    # Work on the loan (accounts/policy.py WORK): recorded only on the actor's caseload. On
    # another's, the call is logged as a conversation and its owner follows up.
    NEED_WORK = (PROMISE_TO_PAY, HARDSHIP)


class _CallDetailsForm(DomainErrorFormMixin, forms.Form):
    """What a conversation set in motion, shared by the call on a task and the inbound call:
    the promise, the hardship, the notes. Subclasses declare `outcome`."""

    fallback_fields = {"invalid_amount": "amount", "invalid_date": "promised_date", "invalid_outcome": "outcome"}

    amount = MoneyField(
        label="Promised amount",
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
        error_messages={"invalid": "The amount must be a number."},
    )
    promised_date = forms.DateField(
        label="Promised by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hardship_reason = forms.CharField(
        label="Hardship reason",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. lost overtime, job loss, medical"}),
    )
    hardship_duration = forms.ChoiceField(
        label="Expected to last",
        required=False,
        choices=[("", "Not known yet"), *LossMitCase.HardshipDuration.choices],
    )
    note = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_action = forms.CharField(
        label="Next action",
        required=False,
        max_length=200,
        help_text="Saved with the call notes, e.g. “Mail the application package”.",
    )

    def add_domain_error(self, error) -> None:
        # The services name the field with a terse note ("Too early."); the sentence they give
        # as the message says more to the specialist, so show that on the field.
        if error.fields:
            for name in error.fields:
                self.add_error(name if name in self.fields else None, error.message)
            return
        super().add_domain_error(error)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Outcome.PROMISE_TO_PAY:
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", "Enter the amount the borrower promised.")
            if data.get("promised_date") is None and "promised_date" not in self.errors:
                self.add_error("promised_date", "Enter the date the borrower will pay by.")
        if outcome == Outcome.HARDSHIP and not (data.get("hardship_reason") or "").strip():
            self.add_error("hardship_reason", "Say what the hardship is.")
        return data

    def attempt_note(self) -> str:
        """What the attempt's note records: the outcome as picked (the attempt's own outcome
        is coarser), the details, the notes and the next action."""
        data = self.cleaned_data
        outcome = data["outcome"]
        parts = [dict(self.fields["outcome"].choices)[outcome]]
        if outcome == Outcome.PROMISE_TO_PAY:
            parts[0] += f" {data['amount']:,.2f} by {data['promised_date']:%b %-d, %Y}"
        if outcome == Outcome.HARDSHIP:
            parts[0] += f": {data['hardship_reason'].strip()}"
        if data.get("note", "").strip():
            parts.append(data["note"].strip())
        if data.get("next_action", "").strip():
            parts.append(f"Next action: {data['next_action'].strip()}")
        return ". ".join(parts)


class CallLogForm(_CallDetailsForm):
    """A call placed on a task (/delinquency/tasks/<id>/call/)."""

    field_order = ["outcome", "amount", "promised_date", "hardship_reason", "hardship_duration", "note", "next_action"]

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened on the call."},
    )
    close_task = forms.BooleanField(
        label="Close this task although no one was reached",
        required=False,
        help_text="A conversation closes the task by itself.",
    )


class InboundCallForm(_CallDetailsForm):
    """A call the borrower placed to us, logged from the loan page by whoever answered.
    `may_work`: the user may work the loan; otherwise the promise and hardship outcomes are
    not offered (they are work on the owner's caseload, Outcome.NEED_WORK)."""

    field_order = ["outcome", "amount", "promised_date", "hardship_reason", "hardship_duration", "note", "next_action"]

    outcome = forms.ChoiceField(
        label="What the call was",
        choices=Outcome.INBOUND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the call was."},
    )

    def __init__(self, *args, may_work: bool = True, **kwargs):
        # Ids of their own: the loan page also holds the payment form, whose amount is id_amount.
        kwargs.setdefault("auto_id", "inbound_%s")
        super().__init__(*args, **kwargs)
        self.may_work = may_work
        if not may_work:
            self.fields["outcome"].choices = [c for c in Outcome.INBOUND_CHOICES if c[0] not in Outcome.NEED_WORK]
