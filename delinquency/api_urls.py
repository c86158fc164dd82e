from django.urls import path

from borrowers.api_urls import ObjectIdConverter  # noqa: F401  (registers the object_id converter)
from delinquency import api

urlpatterns = [
    path("worklist/", api.WorklistView.as_view(), name="api-worklist"),
    path("tasks/<object_id:pk>/attempts/", api.CallAttemptView.as_view(), name="api-task-attempts"),
    path("tasks/<object_id:pk>/complete/", api.TaskCompleteView.as_view(), name="api-task-complete"),
    path("loans/<object_id:pk>/promises/", api.PromiseCreateView.as_view(), name="api-loan-promises"),
    path("loans/<object_id:pk>/holds/", api.HoldCreateView.as_view(), name="api-loan-holds"),
    path("loans/<object_id:pk>/inbound-calls/", api.InboundCallView.as_view(), name="api-loan-inbound-calls"),
    path("holds/<object_id:pk>/release/", api.HoldReleaseView.as_view(), name="api-hold-release"),
    path("scan-runs/", api.ScanRunListView.as_view(), name="api-scan-runs"),
]
