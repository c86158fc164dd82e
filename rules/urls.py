from django.urls import path

from rules.views import admin_pages

urlpatterns = [
    # --- admin pages (rules/views/admin_pages.py) ---
    path("", admin_pages.rules_index, name="rules"),
]
