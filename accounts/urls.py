from django.urls import path

from accounts import views

urlpatterns = [
    # --- admin pages (accounts/views.py) ---
    path("", views.team, name="team"),
    path("new/", views.person_create, name="team-create"),
    path("<int:user_id>/", views.person_edit, name="team-person"),
    path("<int:user_id>/token/", views.token_issue, name="team-token-issue"),
    path("<int:user_id>/token/revoke/", views.token_revoke, name="team-token-revoke"),
]
