from django.urls import path

from letters import views

urlpatterns = [
    path("loans/<int:loan_id>/", views.loan_letters, name="letters-loan"),
    path("loans/<int:loan_id>/send/", views.letter_send, name="letters-send"),
    path("<int:letter_id>/pdf/", views.letter_pdf, name="letters-pdf"),
    path("templates/", views.templates_page, name="letters-templates"),
    path("templates/<slug:kind>/", views.template_edit, name="letters-template-edit"),
]
