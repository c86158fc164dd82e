import re

from django.urls import path, register_converter

from borrowers import api

# Ids as the API's JSON 404 needs them: any path segment matches, and one that is not an id
# becomes 0 (no row has it), so `/loans/abc/` answers {"code": "loan_not_found", ...} like an
# unknown number instead of Django's HTML page for an unmatched URL.
ID_PATTERN = re.compile(r"[0-9]{1,18}")


class ObjectIdConverter:
    regex = r"[^/]+"

    def to_python(self, value: str) -> int:
        return int(value) if ID_PATTERN.fullmatch(value) else 0

    def to_url(self, value) -> str:
        return str(value)


register_converter(ObjectIdConverter, "object_id")

urlpatterns = [
    path("loans/", api.LoanListView.as_view(), name="api-loans"),
    path("loans/bulk/", api.LoanBulkBoardView.as_view(), name="api-loans-bulk"),
    path("loans/<object_id:pk>/", api.LoanDetailView.as_view(), name="api-loan"),
    path("loans/<object_id:pk>/ledger/", api.LoanLedgerView.as_view(), name="api-loan-ledger"),
    path("loans/<object_id:pk>/payments/", api.LoanPaymentView.as_view(), name="api-loan-payments"),
    path("payments/<object_id:pk>/nsf/", api.PaymentReturnView.as_view(), name="api-payment-nsf"),
    path("borrowers/", api.BorrowerListView.as_view(), name="api-borrowers"),
    path("borrowers/<object_id:pk>/", api.BorrowerDetailView.as_view(), name="api-borrower"),
]
