from django.apps import AppConfig


class DelinquencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "delinquency"
