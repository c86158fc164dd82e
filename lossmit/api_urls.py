"""Every /api/v1/ route, gathered from the apps' api modules."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("borrowers.api_urls")),
    path("", include("delinquency.api_urls")),
    path("", include("rules.api_urls")),
    path("", include("workouts.api_urls")),
]
