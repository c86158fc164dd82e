from django.urls import path

from workouts.api_preview import EvaluationPreviewView

urlpatterns: list = [
    path("evaluations/preview/", EvaluationPreviewView.as_view(), name="api-evaluation-preview"),
]
