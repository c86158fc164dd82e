"""Delinquency tracking: each loan's status as of the last scan, its bucket history, holds,
promises to pay, the call tasks the scan queues and the attempts made on them, and scan runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from borrowers.models import Loan, money_field
from delinquency.status import Bucket

BUCKET_CHOICES = [(name, name) for name in Bucket.ALL]


class LoanDelinquency(models.Model):
    """One row per loan: its delinquency as of `business_date`, the last scan's date.

    Written set-based by the scan (delinquency/scan.py); read by the loan detail and worklist.
    """

    loan = models.OneToOneField(Loan, on_delete=models.CASCADE, primary_key=True, related_name="delinquency")
    business_date = models.DateField()
    next_due_date = models.DateField(help_text="Oldest unpaid installment as of the business date.")
    days_past_due = models.PositiveIntegerField(default=0)
    mba_status = models.PositiveIntegerField(default=0)
    ots_status = models.PositiveIntegerField(default=0)
    bucket = models.CharField(max_length=12, choices=BUCKET_CHOICES, default=Bucket.CURRENT)
    risk_score = models.PositiveSmallIntegerField(default=0, db_index=True)
    # [{"code": "nsf", "message": "NSF return 12 days ago"}, ...] in plain words.
    risk_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "loan delinquencies"
        # A plain index on bucket (db_index on a CharField adds a second, LIKE-pattern index on
        # PostgreSQL that nothing uses but that every status row written must maintain).
        indexes = [models.Index(fields=["bucket"], name="loandelinquency_bucket")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.bucket} as of {self.business_date}"


class BucketEvent(models.Model):
    """A dated bucket change: the history behind roll rates and cure rates."""

    class Kind(models.TextChoices):
        ENTERED = "entered", "Entered delinquency"
        ROLLED_FORWARD = "rolled_forward", "Rolled forward"
        IMPROVED = "improved", "Improved"
        CURED = "cured", "Cured"

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="bucket_events")
    date = models.DateField()
    from_bucket = models.CharField(max_length=12, choices=BUCKET_CHOICES)
    to_bucket = models.CharField(max_length=12, choices=BUCKET_CHOICES)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["loan_id", "date"]
        constraints = [
            # One change per loan per business date: a rerun of the scan adds nothing.
            models.UniqueConstraint(fields=["loan", "date"], name="bucket_event_one_per_loan_day"),
        ]
        indexes = [models.Index(fields=["date", "from_bucket", "to_bucket"])]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.date} {self.from_bucket} -> {self.to_bucket}"


class Hold(models.Model):
    """A reason to stop (some) collection activity on a loan, between two dates (end inclusive)."""

    class Kind(models.TextChoices):
        BANKRUPTCY = "bankruptcy", "Bankruptcy (automatic stay)"
        FORBEARANCE = "forbearance", "Forbearance"
        DISASTER = "disaster", "Disaster relief"
        SCRA = "scra", "Servicemember protection (SCRA)"
        CEASE_COMMUNICATION = "cease_communication", "Written request to stop calls"
        ATTORNEY = "attorney", "Represented by an attorney"
        FORECLOSURE = "foreclosure", "Referred to foreclosure"
        REO = "reo", "Property acquired (REO)"

    # No calls at all: the bankruptcy stay; FDCPA 1692c(c) cease request; 1692c(a)(2) attorney.
    NO_CALL_KINDS = (Kind.BANKRUPTCY, Kind.CEASE_COMMUNICATION, Kind.ATTORNEY, Kind.REO)
    # No new collection tasks from the scan: the no-call kinds plus agreed relief (forbearance,
    # disaster), where chasing the missed payments the relief covers is wrong.
    NO_TASK_KINDS = (*NO_CALL_KINDS, Kind.FORBEARANCE, Kind.DISASTER)

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day covered; blank while open-ended.")
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["loan", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="hold_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.loan_id} from {self.start_date}"

    @property
    def no_calls(self) -> bool:
        return self.kind in self.NO_CALL_KINDS

    def is_active_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class Promise(models.Model):
    """A borrower's promise to pay `amount` by `promised_date`.

    Kept when payments posted from the day it was made through the promised date plus
    PROMISE_GRACE_DAYS add up to the amount; broken when that window ends short.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        KEPT = "kept", "Kept"
        BROKEN = "broken", "Broken"

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="promises")
    amount = money_field()
    promised_date = models.DateField()
    created_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["loan", "status"])]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_date} ({self.status})"


class CallTask(models.Model):
    class Reason(models.TextChoices):
        REGX_LIVE_CONTACT = "regx_live_contact", "Reg X live contact"
        REGX_WRITTEN_NOTICE = "regx_written_notice", "Reg X written notice"
        BROKEN_PROMISE = "broken_promise", "Broken promise follow-up"
        MISSED_TRIAL_PAYMENT = "missed_trial_payment", "Missed trial payment"
        CASE_DEADLINE = "case_deadline", "Case deadline"
        # Case deadlines the scan queues calls for (delinquency/scan_task_sql.py).
        CASE_DOCUMENTS = "case_documents", "Missing documents due"
        OFFER_ACCEPTANCE = "offer_acceptance", "Offer awaiting acceptance"
        APPEAL_WINDOW = "appeal_window", "Appeal window closing"
        EARLY_WARNING = "early_warning", "Early-warning outreach"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    # Reasons that exist because the loan is delinquent: a cure cancels them.
    DELINQUENCY_REASONS = (
        Reason.REGX_LIVE_CONTACT,
        Reason.REGX_WRITTEN_NOTICE,
        Reason.BROKEN_PROMISE,
    )
    # Calls before a loss mitigation case's deadline (the borrower must act by a date).
    CASE_REASONS = (
        Reason.CASE_DEADLINE,
        Reason.CASE_DOCUMENTS,
        Reason.OFFER_ACCEPTANCE,
        Reason.APPEAL_WINDOW,
    )

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="call_tasks")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    due_by = models.DateField()
    business_date = models.DateField(help_text="The scan business date that queued it.")
    promise = models.ForeignKey(Promise, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_tasks"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    cancel_reason = models.CharField(max_length=32, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The worklist's reason rank (users.md, Maria's morning): Reg X and case deadlines (the
    # borrower must act by a date), then
    # broken promises, missed trial payments, early warning. Computed by the database, so the
    # scan's bulk INSERTs need not know it and the worklist index can order by it.
    priority = models.GeneratedField(
        expression=models.Case(
            models.When(reason__in=[Reason.REGX_LIVE_CONTACT, Reason.REGX_WRITTEN_NOTICE, *CASE_REASONS], then=0),
            models.When(reason=Reason.BROKEN_PROMISE, then=1),
            models.When(reason=Reason.MISSED_TRIAL_PAYMENT, then=2),
            models.When(reason=Reason.EARLY_WARNING, then=3),
            default=9,
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            # Reruns of the scan never duplicate an open task (INSERT ... ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["loan", "reason", "due_by"],
                condition=Q(status="open"),
                name="calltask_one_open_per_loan_reason_due",
            ),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_by"]),
            # The worklist walks a specialist's open tasks in priority order and stops after a
            # page (delinquency/selectors.py worklist_page).
            models.Index(
                fields=["assigned_to", "priority", "due_by", "id"],
                condition=Q(status="open"),
                name="calltask_worklist_order",
            ),
            models.Index(fields=["loan", "status"]),
            models.Index(fields=["business_date", "reason"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.loan_id} by {self.due_by}"


class CallAttempt(models.Model):
    """A call about the loan: one we placed (outbound, on a task) or one the borrower placed to
    us (inbound, logged from the loan page by whoever answered). Only outbound calls count
    toward Reg F's 7 calls in 7 days; a right-party conversation either way starts its 7-day
    no-call window (delinquency/selectors.py compliance_for)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Outbound"
        INBOUND = "inbound", "Inbound"

    class Outcome(models.TextChoices):
        RIGHT_PARTY_CONTACT = "right_party_contact", "Right-party contact"
        THIRD_PARTY = "third_party", "Third party answered"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left voicemail"
        BUSY = "busy", "Busy"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DISCONNECTED = "disconnected", "Number disconnected"

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="call_attempts")
    task = models.ForeignKey(CallTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    # db_default too: rows written before the column existed, and any raw INSERT, are calls
    # we placed.
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.OUTBOUND, db_default=Direction.OUTBOUND
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["loan", "at"])]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.at:%Y-%m-%d %H:%M} {self.direction} {self.outcome}"


class ScanRun(models.Model):
    """One nightly scan per business date; its row is also the lock (one scan at a time)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    business_date = models.DateField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    loans_scanned = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    bucket_counts = models.JSONField(default=dict, blank=True)
    task_counts = models.JSONField(default=dict, blank=True, help_text="Tasks queued this date, by reason.")
    tasks_assigned = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True)
    # When the beat tick started the jobs that read the scan's output (early-intervention
    # letters, the workouts' nightly pass): once per run, after it finished.
    followups_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"Scan {self.business_date} {self.status}"


class ScanSchedule(models.Model):
    """When the nightly scan starts, changeable by admins at runtime (issue 3: "schedule in
    settings, changeable by admins"). One row (pk 1); until an admin saves it the settings'
    DELINQUENCY_SCAN_TIME applies. Celery beat ticks every few minutes and starts the day's scan
    once this time has passed (delinquency.tasks.scan_tick), so a change needs no restart."""

    SINGLETON_ID = 1

    # Always row 1, however it is created (a sequence would hand out 2 after a rollback).
    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    time_of_day = models.TimeField(help_text="Local time (TIME_ZONE) after which the nightly scan starts.")
    enabled = models.BooleanField(default=True, help_text="Off: beat starts no scan; 'Run scan now' still works.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="scan_schedule_singleton")]

    def __str__(self) -> str:
        return f"Nightly scan at {self.time_of_day:%H:%M}{'' if self.enabled else ' (off)'}"
