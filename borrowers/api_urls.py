from django.urls import path

from borrowers import api

urlpatterns = [
    path("loans/", api.LoanListView.as_view(), name="api-loans"),
    path("loans/bulk/", api.LoanBulkBoardView.as_view(), name="api-loans-bulk"),
    path("loans/<int:pk>/", api.LoanDetailView.as_view(), name="api-loan"),
    path("loans/<int:pk>/ledger/", api.LoanLedgerView.as_view(), name="api-loan-ledger"),
    path("loans/<int:pk>/payments/", api.LoanPaymentView.as_view(), name="api-loan-payments"),
    path("payments/<int:pk>/nsf/", api.PaymentReturnView.as_view(), name="api-payment-nsf"),
    path("borrowers/", api.BorrowerListView.as_view(), name="api-borrowers"),
    path("borrowers/<int:pk>/", api.BorrowerDetailView.as_view(), name="api-borrower"),
]
