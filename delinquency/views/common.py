"""Small helpers the delinquency pages share: htmx detection and call-window wording."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def clock(moment: datetime) -> str:
    """8:00 AM -> "8:00 AM" in the servicer's (the specialist's) zone."""
    return f"{moment:%I:%M %p}".lstrip("0")


def window_text(compliance, now: datetime) -> str:
    if compliance.callable_now:
        return "Open now"
    if compliance.next_callable_at is None:
        return "No calls"
    opens = timezone.localtime(compliance.next_callable_at)
    if opens.date() == timezone.localtime(now).date():
        return f"Opens {clock(opens)}"
    return f"Opens {opens:%a %b} {opens.day}, {clock(opens)}"
