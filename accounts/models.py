from django.conf import settings
from django.db import models


class Profile(models.Model):
    """Working attributes of a Lossmit user: capacity and languages for task assignment,
    the manager they report to, and a delegated approval limit for managers."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    capacity = models.PositiveIntegerField(default=150, help_text="Loans this specialist can carry.")
    languages = models.CharField(max_length=100, default="en", help_text="Comma-separated ISO codes, e.g. en,es.")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="team_members"
    )
    approval_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Largest workout amount this person may approve; blank means none delegated.",
    )
    is_active_for_assignment = models.BooleanField(default=True, help_text="Off while on leave.")

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]
