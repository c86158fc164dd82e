from django.urls import path

from audit import views

urlpatterns = [
    # --- manager pages (audit/views.py) ---
    path("loans/<int:loan_id>/", views.loan_audit_timeline, name="loan-audit"),
]
