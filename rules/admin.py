"""Django admin for rule sets: view-only.

Rule changes go through rules.services (propose, then a second person approves), which keeps
the four-eyes rule and the audit trail; an admin form would bypass both.
"""

from django.contrib import admin

from lossmit.admin_base import ReadOnlyAdmin
from rules.models import Holiday, ProgramRuleSet


@admin.register(ProgramRuleSet)
class ProgramRuleSetAdmin(ReadOnlyAdmin):
    list_display = ("program", "investor", "version", "status", "effective_date", "created_by", "approved_by")
    list_filter = ("program", "status", "investor")
    ordering = ("program", "-version")
    readonly_fields = [f.name for f in ProgramRuleSet._meta.fields]


@admin.register(Holiday)
class HolidayAdmin(ReadOnlyAdmin):
    """View-only: days are added and removed on the Holidays page (rules.services, audited)."""

    list_display = ("date", "name", "created_by", "created_at")
    ordering = ("-date",)
    readonly_fields = [f.name for f in Holiday._meta.fields]
