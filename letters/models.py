"""Borrower letters (issue 8, "Letters"): the templates admins edit and the letters sent.

A `LetterTemplate` row is one version of one kind of letter; an edit adds a new version and
makes it the active one, so a letter always points at the exact text it was rendered from.
A `Letter` is what went to the borrower: the rendered text, the PDF and the date it was sent,
the date Reg X's clocks count from. Letters are never edited or deleted (on PostgreSQL a
trigger refuses it, migration 0003); a correction is a new letter.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LetterKind(models.TextChoices):
    EARLY_INTERVENTION_NOTICE = "early_intervention_notice", "Early intervention notice (1024.39(b))"
    ACKNOWLEDGMENT = "acknowledgment", "Application acknowledgment (1024.41(b))"
    EVALUATION_OFFER = "evaluation_offer", "Evaluation decision: offer (1024.41(c), (e))"
    EVALUATION_DENIAL = "evaluation_denial", "Evaluation decision: denial (1024.41(d), (h))"
    TRIAL_PLAN_OFFER = "trial_plan_offer", "Trial plan offer"


class LetterTemplate(models.Model):
    """One version of a letter's text. Only `active` ever changes on an existing row."""

    kind = models.CharField(max_length=32, choices=LetterKind.choices)
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Django template text; the placeholders are listed on the edit page.")
    active = models.BooleanField(default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why this version was made.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="letter_template_kind_version_unique"),
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="letter_template_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}{' (active)' if self.active else ''}"


class Letter(models.Model):
    """One letter sent to a borrower. Immutable once created."""

    loan = models.ForeignKey("borrowers.Loan", on_delete=models.PROTECT, related_name="letters")
    case = models.ForeignKey(
        "workouts.LossMitCase", null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    workout = models.ForeignKey(
        "workouts.Workout", null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    kind = models.CharField(max_length=32, choices=LetterKind.choices, db_index=True)
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="letters")
    # The date the letter was sent: the day Reg X's clocks count from (the acceptance and appeal
    # windows run from the offer and denial notices, 1024.41(e), (h)).
    sent_on = models.DateField()
    recipient = models.CharField(max_length=200)
    mailing_address = models.TextField()
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="The rendered text, exactly as printed in the PDF.")
    # The values the template was rendered with (dates, amounts, reasons), for audit and re-display.
    context = models.JSONField(default=dict)
    # The PDF itself, in the database rather than a FileField under MEDIA_ROOT: it commits or
    # rolls back with the row and its audit event, every web and worker process sees it without
    # shared storage, and database backups keep letters with the records that cite them.
    # Letters are a few kilobytes each.
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [
            models.Index(fields=["loan", "-sent_on"]),
            models.Index(fields=["case", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for loan {self.loan_id} sent {self.sent_on}"

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.loan_id}-{self.sent_on.isoformat()}-{self.pk}.pdf"
