from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lossmit.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("lossmit.api_urls")),
    path("delinquency/", include("delinquency.urls")),
    path("rules/", include("rules.urls")),
    path("team/", include("accounts.urls")),
    path("workouts/", include("workouts.urls")),
    path("letters/", include("letters.urls")),
    path("imports/", include("imports.urls")),
    path("audit/", include("audit.urls")),
    path("", include("borrowers.urls")),
]
