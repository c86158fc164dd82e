from django.urls import path

from borrowers import views

urlpatterns = [
    path("", views.home, name="home"),
]
