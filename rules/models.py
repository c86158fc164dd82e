"""Program rule sets: the workout programs' parameters as versioned, approved data.

Each change is a new version (never an edit), proposed by an Admin and approved by a second
Admin or Manager (four-eyes). An evaluation uses the latest approved version effective on its
as-of date and records that version, so a past decision can be re-shown exactly.
"""

from django.conf import settings
from django.db import models

from borrowers.models import Investor, Program


class ProgramRuleSet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    program = models.CharField(max_length=20, choices=Program.choices)
    # Blank: the program's rules for every investor; set: that investor's own rules.
    investor = models.CharField(max_length=10, choices=Investor.choices, blank=True, default="")
    version = models.PositiveIntegerField()
    # Every parameter (workouts.domain.parameters names), values as JSON strings.
    parameters = models.JSONField()
    effective_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="ruleset_program_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="ruleset_version_positive"),
        ]
        indexes = [models.Index(fields=["program", "status", "effective_date"])]

    def __str__(self) -> str:
        scope = f" ({self.investor})" if self.investor else ""
        return f"{self.program}{scope} v{self.version} [{self.status}] from {self.effective_date}"


class Holiday(models.Model):
    """A legal public holiday an admin added to the business-day calendar, on top of the US
    federal holidays the `holidays` package knows (5 USC 6103): e.g. a day declared after the
    package's release, or a national day of mourning that closes federal offices. Business-day
    clocks (Reg X acknowledgment, task due dates) skip it like any federal holiday."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
