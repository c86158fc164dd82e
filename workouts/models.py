"""Loss mitigation cases and the workouts decided on them (issue 4, "Workflow").

A case is one application for help on one loan; it carries the Regulation X dates. Evaluations
are stored snapshots of the engine's answer with the rule version used. A workout is one option
a specialist submits; it moves submitted -> approved/denied -> offered -> accepted or trial ->
booked, or ends rejected, failed or withdrawn. Transitions happen only in workouts/services.py.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from workouts.domain import regx


class LossMitCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open (application incomplete)"
        EVALUATING = "evaluating", "Evaluating"
        DECISION = "decision", "Decision"
        OFFER = "offer", "Offer out"
        TRIAL = "trial", "Trial plan"
        BOOKED = "booked", "Booked"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class ReceivedVia(models.TextChoices):
        PHONE = "phone", "Phone"
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        PORTAL = "portal", "Portal"

    class HardshipDuration(models.TextChoices):
        SHORT_TERM = "short_term", "Short term"
        LONG_TERM = "long_term", "Long term"

    # Statuses that end a case; a loan has at most one case that is not in one of these.
    FINAL_STATUSES = (Status.BOOKED, Status.CLOSED, Status.WITHDRAWN)

    loan = models.ForeignKey("borrowers.Loan", on_delete=models.PROTECT, related_name="lossmit_cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    application_received_on = models.DateField()
    received_via = models.CharField(max_length=10, choices=ReceivedVia.choices, default=ReceivedVia.MAIL)
    application_complete_on = models.DateField(null=True, blank=True)
    # 1024.41(c)(2)(iv): the borrower sent everything the acknowledgment asked for; treated as
    # complete from this date for the foreclosure protections.
    facially_complete_on = models.DateField(null=True, blank=True)
    foreclosure_sale_date = models.DateField(null=True, blank=True)
    acknowledgment_sent_on = models.DateField(null=True, blank=True)
    hardship_reason = models.CharField(max_length=200, blank=True)
    hardship_duration = models.CharField(max_length=20, choices=HardshipDuration.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="lossmit_cases"
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    # Optimistic concurrency: every edit takes the version it read and bumps it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "loss mitigation case"
        ordering = ["-application_received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=~Q(status__in=["booked", "closed", "withdrawn"]),
                name="one_active_case_per_loan",
            ),
            models.CheckConstraint(
                condition=Q(application_complete_on__isnull=True)
                | Q(application_complete_on__gte=models.F("application_received_on")),
                name="case_complete_not_before_received",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} on loan {self.loan_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status not in self.FINAL_STATUSES

    @property
    def protected_from(self) -> date | None:
        """The date the foreclosure protections start: complete, or facially complete if earlier."""
        dates = [d for d in (self.application_complete_on, self.facially_complete_on) if d is not None]
        return min(dates) if dates else None

    @property
    def acceptance_window_days(self) -> int | None:
        return regx.acceptance_window_days(self.application_complete_on, self.foreclosure_sale_date)


class CaseDocument(models.Model):
    class Kind(models.TextChoices):
        HARDSHIP_STATEMENT = "hardship_statement", "Hardship statement"
        INCOME = "income", "Proof of income"
        TAX_TRANSCRIPT_CONSENT = "tax_transcript_consent", "Tax transcript consent (4506-C)"
        BANK_STATEMENTS = "bank_statements", "Bank statements"
        OTHER = "other", "Other"

    # The checklist every application starts with (issue 4).
    REQUIRED_KINDS = (Kind.HARDSHIP_STATEMENT, Kind.INCOME, Kind.TAX_TRANSCRIPT_CONSENT, Kind.BANK_STATEMENTS)

    case = models.ForeignKey(LossMitCase, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    required = models.BooleanField(default=False)
    received_on = models.DateField(null=True, blank=True, help_text="Blank while still missing.")
    description = models.CharField(max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=~Q(kind="other"), name="one_checklist_item_per_kind"
            ),
        ]

    def __str__(self) -> str:
        state = f"received {self.received_on}" if self.received_on else "missing"
        return f"{self.get_kind_display()} ({state})"


class Evaluation(models.Model):
    """One stored run of the evaluation engine: inputs and result kept so it can be re-shown."""

    case = models.ForeignKey(LossMitCase, on_delete=models.CASCADE, related_name="evaluations")
    as_of = models.DateField()
    program = models.CharField(max_length=20)
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    inputs = models.JSONField()
    result = models.JSONField()
    recommendation = models.CharField(max_length=30, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation {self.pk} of case {self.case_id} as of {self.as_of}"

    def option_result(self, option: str) -> dict | None:
        return (self.result.get("options") or {}).get(option)


class Workout(models.Model):
    class Option(models.TextChoices):
        REPAYMENT_PLAN = "repayment_plan", "Repayment plan"
        MODIFICATION = "modification", "Modification"
        SHORT_SALE = "short_sale", "Short sale"
        DEED_IN_LIEU = "deed_in_lieu", "Deed-in-lieu"
        FORBEARANCE = "forbearance", "Forbearance"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected by borrower"
        TRIAL = "trial", "Trial plan"
        TRIAL_FAILED = "trial_failed", "Trial failed"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"
        FAILED = "failed", "Failed"

    # Workouts still moving: they keep the case's foreclosure protections alive.
    LIVE_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.OFFERED, Status.ACCEPTED, Status.TRIAL)

    case = models.ForeignKey(LossMitCase, on_delete=models.PROTECT, related_name="workouts")
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    option = models.CharField(max_length=20, choices=Option.choices)
    terms = models.JSONField(default=dict)
    # What delegated approval limits are measured against: capitalised balance for a
    # modification, deficiency for a short sale, past-due amount for a repayment plan.
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    auto_approved = models.BooleanField(default=False)
    denial_notice_on = models.DateField(null=True, blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)
    offered_on = models.DateField(null=True, blank=True)
    offer_expires_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    booked_on = models.DateField(null=True, blank=True)
    outcome_reason = models.TextField(blank=True, help_text="Why it was rejected, failed or withdrawn.")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="workout_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_option_display()} on case {self.case_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


class TrialPayment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PAID = "paid", "Paid on time"
        MISSED = "missed", "Missed"

    workout = models.ForeignKey(Workout, on_delete=models.CASCADE, related_name="trial_payments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)

    class Meta:
        ordering = ["workout_id", "number"]
        constraints = [models.UniqueConstraint(fields=["workout", "number"], name="trial_payment_number_unique")]

    def __str__(self) -> str:
        return f"Trial payment {self.number} due {self.due_date}: {self.amount} ({self.status})"


class Appeal(models.Model):
    """1024.41(h): the borrower's appeal of a modification denial, decided by someone else."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        UPHELD = "upheld", "Denial upheld"
        OVERTURNED = "overturned", "Denial overturned"

    workout = models.OneToOneField(Workout, on_delete=models.PROTECT, related_name="appeal")
    received_on = models.DateField()
    decision_due = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Appeal of workout {self.workout_id} ({self.status})"
