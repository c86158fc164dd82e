from django.urls import path

from delinquency.views import exports, manager, specialist

urlpatterns = [
    # --- specialist pages (delinquency/views/specialist.py) ---
    path("worklist/", specialist.worklist, name="worklist"),
    path("tasks/<int:task_id>/call/", specialist.task_call, name="task-call"),
    path("loans/<int:loan_id>/activity/", specialist.loan_activity, name="loan-activity"),
    # --- manager pages (delinquency/views/manager.py) ---
    path("dashboard/", manager.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.csv", manager.dashboard_export, name="dashboard-export"),
    path("reassign/", manager.reassign, name="reassign"),
    path("worklist/export.csv", exports.worklist_export, name="worklist-export"),
]
