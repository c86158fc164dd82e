from typing import Any

from django.db import models

from audit.models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    loan_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Write one audit row. Call it inside the service's transaction so it commits or rolls
    back with the change it describes."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        loan_id=loan_id,
        before=before,
        after=after,
        note=note,
    )
