"""/api/v1/ loans, borrowers, ledger and payments.

Thin views: shape-check the input with a serializer, call the same service as the pages, answer
with a serializer. Every Lossmit role reads every loan (borrowers/selectors.py explains why);
what a role may change is the services' decision (PermissionRefused becomes 403).
"""

import hashlib
from collections.abc import Callable
from datetime import date

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ErrorSerializer, HasLossmitRole, error_responses
from borrowers import services
from borrowers.filters import BorrowerFilter, LoanFilter
from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Valuation
from borrowers.serializers import (
    BorrowerDetailSerializer,
    BorrowerListSerializer,
    LoanDetailSerializer,
    LoanListSerializer,
)
from borrowers.serializers_boarding import LoanBoardSerializer
from borrowers.serializers_ledger import (
    LedgerTransactionSerializer,
    PaymentPostSerializer,
    PaymentResultSerializer,
    PaymentReturnResultSerializer,
    PaymentReturnSerializer,
)
from delinquency.models import Hold, ScanRun
from lossmit.errors import DomainError
from lossmit.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

LOAN_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Loan id.")
BORROWER_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Borrower id.")
PAYMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the payment's ledger row."
)

# Request examples: shown in /api/docs/ and sent by schemathesis's examples phase.
BOARD_EXAMPLE_VALUE = {
    "loan_number": "2026000001",
    "borrower": {
        "first_name": "Ana",
        "last_name": "Lopez",
        "phone": "404-555-0101",
        "email": "ana.lopez@example.com",
        "mailing_state": "GA",
    },
    "property": {"state": "CA", "occupancy": "owner", "market_value": "300000.00"},
    "investor": "FNMA",
    "program": "GSE_FLEX",
    "original_balance": "250000.00",
    "principal_balance": "240000.00",
    "note_rate": "7.000",
    "original_term_months": 360,
    "remaining_term_months": 340,
    "first_payment_date": "2025-04-01",
    "next_due_date": "2026-09-01",
    "monthly_escrow": "400.00",
}
BOARD_EXAMPLE = OpenApiExample("A delinquent FNMA loan", value=BOARD_EXAMPLE_VALUE, request_only=True)
BULK_EXAMPLE = OpenApiExample(
    "Two loans",
    value=[BOARD_EXAMPLE_VALUE, {**BOARD_EXAMPLE_VALUE, "loan_number": "2026000002", "monthly_pi": "1700.00"}],
    request_only=True,
)
PAYMENT_EXAMPLE = OpenApiExample(
    "One installment by check",
    value={"amount": "1564.14", "received_on": "2026-11-20", "reference": "CHK 1001"},
    request_only=True,
)
RETURN_EXAMPLE = OpenApiExample(
    "Returned for insufficient funds",
    value={"returned_on": "2026-11-25", "reason": "R01 insufficient funds"},
    request_only=True,
)

# A bulk boarding request is one transaction; past this size a feed should send batches.
BULK_MAX_LOANS = 500


# A list's `count` is exact. Counting up to this many rows reads at most this many index
# entries; past it (the unfiltered loan list of a million-loan book: a COUNT(*) per page was 37x
# a /healthz round trip) the count is computed once and reused for COUNT_CACHE_SECONDS.
COUNT_EXACT_LIMIT = 10_000
COUNT_CACHE_SECONDS = 60


class CheapCountPaginator(Paginator):
    """Django's paginator with a count that stays cheap on big lists: a capped COUNT, and past
    the cap the full count from the cache (keyed by the list's SQL), so paging a million loans
    does not count them on every page. A count past the cap may be up to a minute old."""

    @cached_property
    def count(self) -> int:
        query = self.object_list
        if not isinstance(query, QuerySet):
            return super().count
        sql, params = query.order_by().query.sql_with_params()
        key = "api-count:" + hashlib.sha256(repr((query.db, sql, params)).encode()).hexdigest()
        total = cache.get(key)
        if total is not None:
            return total
        total = query.order_by()[: COUNT_EXACT_LIMIT + 1].count()
        if total > COUNT_EXACT_LIMIT:
            total = query.count()
            cache.set(key, total, COUNT_CACHE_SECONDS)
        return total


class StablePagination(PageNumberPagination):
    """Page-number pagination; every list orders by a unique key so pages never overlap."""

    django_paginator_class = CheapCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        # DRF silently falls back to the default on a malformed page_size; an integrator who
        # typed page_size=abc should hear about it instead of getting 50 rows.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"Send a whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": (
                f"Rows matching the request, over all pages. Past {COUNT_EXACT_LIMIT:,} rows it may be up to"
                f" {COUNT_CACHE_SECONDS} s old."
            ),
            "next": "URL of the next page, or null on the last.",
            "previous": "URL of the previous page, or null on the first.",
            "results": "This page's rows.",
        }
        for name, text in descriptions.items():
            paginated["properties"][name]["description"] = text
        return paginated

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
                parameter["description"] = f"Rows per page, 1 to {self.max_page_size} (default {self.page_size})."
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Page number from 1; past the last page is 404."
        return parameters


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request sends nothing but paging parameters.

    Every filter ignores an empty value, so such a request lists the queryset unchanged; building
    the filter set and its form (a deep copy of every filter, a form field and choice list each,
    a validation pass) only to change nothing is skipped.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        paginator = getattr(view, "pagination_class", None)
        paging = {getattr(paginator, "page_query_param", None), getattr(paginator, "page_size_query_param", None)}
        if all(name in paging for name in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


def status_as_of_getter() -> Callable[[], date]:
    """The date loans without a scan row are computed as of: the latest finished scan's business
    date, else today (api-contract.md). Looked up at most once per request, and only if needed."""
    cached: list[date] = []

    def get() -> date:
        if not cached:
            latest = (
                ScanRun.objects.filter(status=ScanRun.Status.DONE)
                .order_by("-business_date")
                .values_list("business_date", flat=True)
                .first()
            )
            cached.append(latest or timezone.localdate())
        return cached[0]

    return get


class LossmitAPIView(APIView):
    permission_classes = [HasLossmitRole]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        request.lossmit_status_as_of = status_as_of_getter()

    # Unknown ids answer with the resource's own code (`loan_not_found`), as the services do.
    not_found_code = "not_found"
    not_found_message = "Not found."

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found_message, code=self.not_found_code) from None

    def get_serializer_context(self) -> dict:
        context = {"request": self.request, "view": self, "format": self.format_kwarg}
        getter = getattr(self.request, "lossmit_status_as_of", None)
        context["status_as_of"] = getter or status_as_of_getter()
        return context


def _phones() -> Prefetch:
    return Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id"))


# The columns LoanListSerializer reads (first_payment_date: the status of an unscanned loan);
# the rest of five joined rows, a dozen Decimals each, would be converted only to be dropped.
LOAN_LIST_COLUMNS = (
    *("id", "loan_number", "status", "investor", "program", "borrower_id", "property_id", "assigned_to_id"),
    *("principal_balance", "monthly_pi", "monthly_escrow", "next_due_date", "first_payment_date"),
    *("borrower__first_name", "borrower__last_name", "property__state"),
    *("assigned_to__username", "assigned_to__first_name", "assigned_to__last_name"),
    *("delinquency__business_date", "delinquency__days_past_due", "delinquency__mba_status"),
    *("delinquency__ots_status", "delinquency__bucket", "delinquency__risk_score", "delinquency__risk_reasons"),
)


def loans_for_list() -> QuerySet[Loan]:
    return (
        Loan.objects.select_related("borrower", "property", "assigned_to", "delinquency")
        .only(*LOAN_LIST_COLUMNS)
        .order_by("id")
    )


def loans_for_detail() -> QuerySet[Loan]:
    phones = Phone.objects.order_by("-is_primary", "id")
    return Loan.objects.select_related(
        "borrower", "co_borrower", "property", "assigned_to", "delinquency"
    ).prefetch_related(
        Prefetch("borrower__phones", queryset=phones),
        Prefetch("co_borrower__phones", queryset=phones),
        Prefetch("property__valuations", queryset=Valuation.objects.order_by("-valued_on", "-id")),
        Prefetch("holds", queryset=Hold.objects.filter(released_at__isnull=True).order_by("start_date", "id")),
    )


def _loan_detail_body(view: LossmitAPIView, loan_id: int) -> dict:
    loan = loans_for_detail().get(pk=loan_id)
    return LoanDetailSerializer(loan, context=view.get_serializer_context()).data


# --- Loans ------------------------------------------------------------------------------------


class LoanListView(LossmitAPIView, generics.ListAPIView):
    serializer_class = LoanListSerializer
    pagination_class = StablePagination
    filter_backends = [FilterBackend]
    filterset_class = LoanFilter

    def get_queryset(self) -> QuerySet[Loan]:
        return loans_for_list()

    @extend_schema(
        operation_id="loans_list",
        summary="List loans",
        description="Loans ordered by id, 50 a page (`page_size` up to 200), with delinquency as of the latest scan.",
        responses={200: LoanListSerializer(many=True), **error_responses(400, 404)},
        tags=["loans"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="loans_board",
        summary="Board a loan (managers, admins)",
        description=(
            "Creates the borrower, property and loan with its opening ledger row, as an onboarding feed "
            "would. `monthly_pi` is computed from balance, rate and remaining term when absent. "
            "409 `duplicate_loan_number` when the loan number exists."
        ),
        request=LoanBoardSerializer,
        examples=[BOARD_EXAMPLE],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: LoanDetailSerializer, **error_responses(400, 409, 415, 422)},
        tags=["loans"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = LoanBoardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_board(actor=request.user, **data.validated_data)
        return Response(_loan_detail_body(self, loan.pk), status=status.HTTP_201_CREATED)


class LoanDetailView(LossmitAPIView, generics.RetrieveAPIView):
    serializer_class = LoanDetailSerializer
    not_found_code, not_found_message = "loan_not_found", "No such loan."

    def get_queryset(self) -> QuerySet[Loan]:
        return loans_for_detail()

    @extend_schema(
        operation_id="loans_retrieve",
        parameters=[LOAN_ID],
        summary="One loan",
        description="Terms, balances, borrower, property, holds and delinquency as of the latest scan.",
        responses={200: LoanDetailSerializer, **error_responses(404)},
        tags=["loans"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class BulkItemErrorSerializer(ErrorSerializer):
    index = serializers.IntegerField(help_text="Position of the loan in the request list (from 0).")


class BulkResultItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the loan in the request list (from 0).")
    id = serializers.IntegerField(help_text="The new loan's id.")
    loan_number = serializers.CharField(help_text="Servicer loan number.")
    monthly_pi = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Monthly P&I as boarded.")


class BulkErrorSerializer(ErrorSerializer):
    errors = BulkItemErrorSerializer(
        many=True,
        required=False,
        help_text="One entry per refused loan, by index (absent when the request as a whole is refused).",
    )


def _item_error(index: int, code: str, message: str, fields: dict) -> dict:
    return {"index": index, "code": code, "message": message, "fields": fields}


def _validation_fields(detail) -> dict[str, list[str]]:
    """A serializer's errors in the API's flat `fields` form (lossmit/api_errors.py)."""
    from rest_framework.exceptions import ValidationError

    from lossmit.api_errors import exception_handler

    return exception_handler(ValidationError(detail), {}).data["fields"]


class LoanBulkBoardView(LossmitAPIView):
    @extend_schema(
        operation_id="loans_board_bulk",
        summary="Board many loans at once (managers, admins)",
        description=(
            f"A JSON list of loans shaped as for `POST /loans/` (at most {BULK_MAX_LOANS}). All are validated "
            "first; then all are boarded in one transaction, or none. On refusal `errors` lists each "
            "refused loan by its index and `fields` flattens them as `[index].field`."
        ),
        request=LoanBoardSerializer(many=True),
        examples=[BULK_EXAMPLE],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: inline_serializer(
                "BulkBoardResult",
                {
                    "count": serializers.IntegerField(help_text="Loans boarded."),
                    "results": BulkResultItemSerializer(many=True, help_text="The boarded loans, in request order."),
                },
            ),
            400: OpenApiResponse(BulkErrorSerializer, description="Bad input; nothing was boarded."),
            409: OpenApiResponse(BulkErrorSerializer, description="A rule refused a loan; nothing was boarded."),
            **error_responses(415, 422),
        },
        tags=["loans"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        items = request.data
        if not isinstance(items, list) or not items or len(items) > BULK_MAX_LOANS:
            raise DomainError(
                "invalid",
                f"Send a JSON list of 1 to {BULK_MAX_LOANS} loans.",
                status=400,
                fields={"non_field_errors": [f"Expected a list of 1 to {BULK_MAX_LOANS} loans."]},
            )
        shaped = LoanBoardSerializer(data=items, many=True)
        if not shaped.is_valid():
            # DRF 3.16+ reports a list's errors as {index: errors}; older versions as a list.
            by_index = shaped.errors if isinstance(shaped.errors, dict) else dict(enumerate(shaped.errors))
            errors = [
                _item_error(int(i), "invalid", "The loan has invalid fields.", _validation_fields(e))
                for i, e in sorted(by_index.items(), key=lambda item: int(item[0]))
                if e
            ]
            return self._refused(errors, status.HTTP_400_BAD_REQUEST, "invalid", "Some loans have invalid fields.")
        results, errors, refusal_status = [], [], None
        with transaction.atomic():
            for index, fields in enumerate(shaped.validated_data):
                try:
                    loan = services.loan_board(actor=request.user, **fields)
                except DomainError as exc:
                    errors.append(_item_error(index, exc.code, exc.message, exc.fields))
                    refusal_status = refusal_status or exc.status
                    if exc.status in (401, 403):
                        break  # the actor may board nothing; the rest would say the same
                    continue
                results.append(
                    {"index": index, "id": loan.pk, "loan_number": loan.loan_number, "monthly_pi": loan.monthly_pi}
                )
            if errors:
                transaction.set_rollback(True)
        if errors:
            code, message = errors[0]["code"], errors[0]["message"]
            if len(errors) > 1:
                code, message = "bulk_refused", f"{len(errors)} loans were refused; nothing was boarded."
            return self._refused(errors, refusal_status, code, message)
        body = {"count": len(results), "results": BulkResultItemSerializer(results, many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @staticmethod
    def _refused(errors: list[dict], http_status: int, code: str, message: str) -> Response:
        fields = {f"[{e['index']}].{name}": msgs for e in errors for name, msgs in e["fields"].items()}
        return Response({"code": code, "message": message, "fields": fields, "errors": errors}, status=http_status)


# --- Ledger and payments ----------------------------------------------------------------------


class LoanLedgerView(LossmitAPIView, generics.ListAPIView):
    serializer_class = LedgerTransactionSerializer
    pagination_class = StablePagination

    def get_queryset(self) -> QuerySet[LedgerTransaction]:
        return (
            LedgerTransaction.objects.filter(loan_id=self.kwargs["pk"])
            .select_related("reversed_by", "created_by")
            .order_by("seq")
        )

    @extend_schema(
        operation_id="loans_ledger",
        parameters=[LOAN_ID],
        summary="A loan's ledger",
        description="Every ledger row of the loan in posting order (`seq`), 50 a page.",
        responses={200: LedgerTransactionSerializer(many=True), **error_responses(400, 404)},
        tags=["ledger"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        if not Loan.objects.filter(pk=kwargs["pk"]).exists():
            raise NotFound("No such loan.", code="loan_not_found")
        return super().get(request, *args, **kwargs)


class LoanPaymentView(LossmitAPIView):
    @extend_schema(
        operation_id="payments_post",
        summary="Post a payment (specialists, managers)",
        description=(
            "Posts a borrower payment: late charges due by the payment date are assessed first, the cash "
            "lands in suspense and fills whole installments oldest first; the rest pays charges, fees, "
            "then principal. Send an `Idempotency-Key` so a retry cannot post twice."
        ),
        request=PaymentPostSerializer,
        examples=[PAYMENT_EXAMPLE],
        parameters=[LOAN_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PaymentResultSerializer, **error_responses(400, 404, 409, 415, 422)},
        tags=["payments"],
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = PaymentPostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.payment_post(actor=request.user, loan_id=pk, **data.validated_data)
        applications = row.applications.select_related("reversed_by", "created_by").order_by("seq")
        body = PaymentResultSerializer(
            {"payment": row, "applications": applications, "loan": Loan.objects.get(pk=row.loan_id)}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class PaymentReturnView(LossmitAPIView):
    @extend_schema(
        operation_id="payments_return_nsf",
        summary="Return a payment as NSF (specialists, managers)",
        description=(
            "Reverses a returned payment exactly: later payments are reversed and reapplied in order, "
            "then any late charges the return makes due are assessed. 409 `already_reversed` when the "
            "payment was already returned."
        ),
        request=PaymentReturnSerializer,
        examples=[RETURN_EXAMPLE],
        parameters=[PAYMENT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PaymentReturnResultSerializer, **error_responses(400, 404, 409, 415, 422)},
        tags=["payments"],
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = PaymentReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.payment_reverse_nsf(actor=request.user, payment_id=pk, **data.validated_data)
        body = PaymentReturnResultSerializer({"reversal": row, "loan": Loan.objects.get(pk=row.loan_id)}).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- Borrowers --------------------------------------------------------------------------------


class BorrowerListView(LossmitAPIView, generics.ListAPIView):
    serializer_class = BorrowerListSerializer
    pagination_class = StablePagination
    filter_backends = [FilterBackend]
    filterset_class = BorrowerFilter

    def get_queryset(self) -> QuerySet[Borrower]:
        return Borrower.objects.prefetch_related(_phones()).order_by("id")

    @extend_schema(
        operation_id="borrowers_list",
        summary="List borrowers",
        description="Borrowers ordered by id, 50 a page; phone numbers show their last four digits only.",
        responses={200: BorrowerListSerializer(many=True), **error_responses(400, 404)},
        tags=["borrowers"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class BorrowerDetailView(LossmitAPIView, generics.RetrieveAPIView):
    serializer_class = BorrowerDetailSerializer
    not_found_code, not_found_message = "borrower_not_found", "No such borrower."

    def get_queryset(self) -> QuerySet[Borrower]:
        loans = Loan.objects.only("id", "loan_number", "status", "borrower_id", "co_borrower_id").order_by("id")
        return Borrower.objects.prefetch_related(
            _phones(), Prefetch("loans", queryset=loans), Prefetch("co_borrowed_loans", queryset=loans)
        )

    @extend_schema(
        operation_id="borrowers_retrieve",
        parameters=[BORROWER_ID],
        summary="One borrower",
        description="The borrower with full phone numbers and their loans.",
        responses={200: BorrowerDetailSerializer, **error_responses(404)},
        tags=["borrowers"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
