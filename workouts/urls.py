from django.urls import path

from workouts.views import approvals, specialist

urlpatterns = [
    # --- specialist pages (workouts/views/specialist.py) ---
    path("loans/<int:loan_id>/evaluate/", specialist.evaluate, name="workout-evaluate"),
    # --- manager pages (workouts/views/approvals.py) ---
    path("approvals/", approvals.queue, name="approvals"),
]
