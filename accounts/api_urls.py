from django.urls import path

from accounts import api

urlpatterns = [
    path("tokens/", api.TokenIssueView.as_view(), name="api-token-issue"),
    path("tokens/<str:username>/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
]
