from django.urls import include, path

urlpatterns: list = [
    # The evaluation preview (issue 4) lives in its own module, owned with the evaluation engine.
    path("", include("workouts.api_preview_urls")),
]
