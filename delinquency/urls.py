from django.urls import path

from delinquency.views import exports, manager, scan_runs, specialist, worklist

urlpatterns = [
    # --- specialist pages (delinquency/views/worklist.py, specialist.py) ---
    path("worklist/", worklist.worklist, name="worklist"),
    path("tasks/<int:task_id>/call/", specialist.task_call, name="task-call"),
    path("loans/<int:loan_id>/activity/", specialist.loan_activity, name="loan-activity"),
    path("loans/<int:loan_id>/inbound-calls/", specialist.loan_inbound_call, name="loan-inbound-call"),
    # --- manager pages (delinquency/views/manager.py) ---
    path("dashboard/", manager.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.csv", manager.dashboard_export, name="dashboard-export"),
    path("reassign/", manager.reassign, name="reassign"),
    # --- the nightly scan page, admins and managers (delinquency/views/scan_runs.py) ---
    path("scans/", scan_runs.scan_runs, name="scan-runs"),
    path("scans/schedule/", scan_runs.scan_schedule_edit, name="scan-schedule"),
    path("scans/run/", scan_runs.scan_run_start, name="scan-run-now"),
    path("worklist/export.csv", exports.worklist_export, name="worklist-export"),
]
