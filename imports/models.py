"""The log of data loads: one ImportRun per file loaded (or previewed, or rejected)."""

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One attempt to load a file. Written for every attempt, including rejected ones, so the
    log shows who tried to load what; the loan data itself changes only on an applied run."""

    class Kind(models.TextChoices):
        FREDDIE = "freddie", "Freddie Mac loan-level dataset"
        TAPE = "tape", "Servicing tape (CSV)"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PREVIEWED = "previewed", "Validated, not applied"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected (bad rows)"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    # Where an uploaded tape waits between preview and confirmation (blank for command runs).
    stored_path = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    ledger_rows = models.PositiveIntegerField(default=0, help_text="Opening and adjustment rows written.")
    error_count = models.PositiveIntegerField(default=0)
    # [{"line": 7, "message": "..."}]; capped at ERRORS_KEPT (error_count has the full number).
    errors = models.JSONField(default=list, blank=True)
    # Tape: the first rows with their action. Freddie: the agreement report totals and exceptions.
    preview = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    ERRORS_KEPT = 10_000

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.status})"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows_total,
            "new": self.rows_new,
            "updated": self.rows_updated,
            "unchanged": self.rows_unchanged,
            "ledger_rows": self.ledger_rows,
            "errors": self.error_count,
        }
