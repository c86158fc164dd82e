from django.urls import path

from workouts.views import approvals, exports, specialist

urlpatterns = [
    # --- specialist pages (workouts/views/specialist.py) ---
    path("loans/<int:loan_id>/evaluate/", specialist.evaluate_page, name="workout-evaluate"),
    path("loans/<int:loan_id>/case/", specialist.case_open_view, name="workout-case-open"),
    path("loans/<int:loan_id>/documents/", specialist.document_receive_view, name="workout-document-receive"),
    path("loans/<int:loan_id>/evaluations/", specialist.evaluation_run_view, name="workout-evaluation-run"),
    path("loans/<int:loan_id>/what-if/", specialist.what_if_view, name="workout-what-if"),
    path("loans/<int:loan_id>/submit/", specialist.workout_submit_view, name="workout-submit"),
    path("loans/<int:loan_id>/summary/", specialist.loan_workouts_summary, name="loan-workouts"),
    # --- manager pages (workouts/views/approvals.py) ---
    path("approvals/", approvals.queue, name="approvals"),
    path("approvals/export.csv", exports.approvals_export, name="approvals-export"),
    path("approvals/<int:workout_id>/", approvals.review, name="approval-review"),
    path("approvals/<int:workout_id>/approve/", approvals.approve, name="approval-approve"),
    path("approvals/<int:workout_id>/deny/", approvals.deny, name="approval-deny"),
]
