from django.urls import path

from rules.views import admin_pages, holidays

urlpatterns = [
    # --- admin pages (rules/views/admin_pages.py) ---
    path("", admin_pages.rules_index, name="rules"),
    path("propose/", admin_pages.rule_propose, name="rule-propose"),
    path("<int:rule_set_id>/approve/", admin_pages.rule_approve, name="rule-approve"),
    path("<int:rule_set_id>/reject/", admin_pages.rule_reject, name="rule-reject"),
    # --- the business-day calendar (rules/views/holidays.py) ---
    path("holidays/", holidays.holidays_index, name="holidays"),
    path("holidays/add/", holidays.holidays_add, name="holiday-add"),
    path("holidays/<int:holiday_id>/remove/", holidays.holidays_remove, name="holiday-remove"),
]
