from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("tape/", views.tape_upload, name="tape"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/apply/", views.tape_apply, name="tape-apply"),
]
