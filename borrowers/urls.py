from django.urls import path

from borrowers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("loans/", views.loan_search_page, name="loan-search"),
    path("loans/<int:loan_id>/", views.loan_page, name="loan-detail"),
    path("loans/<int:loan_id>/payments/", views.loan_payment_post, name="loan-payment"),
    path(
        "loans/<int:loan_id>/payments/<int:payment_id>/return/",
        views.loan_payment_return,
        name="loan-payment-return",
    ),
]
