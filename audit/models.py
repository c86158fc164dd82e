from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when, to which object, with the state before and after.

    Append-only: the app never updates or deletes these rows, and on PostgreSQL a trigger
    (migration 0002) refuses UPDATE and DELETE outright.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # Denormalised so a loan's whole timeline is one indexed query.
    loan_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyKey(models.Model):
    """The first response to a money-moving or workout-changing API request, by its key.

    A client that retries a POST with the same `Idempotency-Key` header gets this stored
    response back and nothing runs twice (lossmit/idempotency.py). Keys are scoped to the user
    who sent them, so two integrators can never collide. The row is written in the same
    transaction as the service call: a request that failed left no row, and may be retried.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON request body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} {self.method} {self.path} -> {self.response_status}"
