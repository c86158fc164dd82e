"""/api/v1/ delinquency work: the caller's worklist, call attempts, inbound calls, task
completion, promises, holds and scan runs. Thin views over delinquency/services.py and selectors.py."""

from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import HasLossmitRole, error_responses
from delinquency import selectors, services
from delinquency.forms import WorklistFilterForm
from delinquency.models import CallAttempt, CallTask, Hold, Promise, ScanRun
from delinquency.status import Bucket
from lossmit.errors import BadInput

TASK_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Call task id.")
LOAN_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Loan id.")
HOLD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Hold id.")


class WorklistTaskSerializer(serializers.Serializer):
    """One task of the paged worklist: read from the page's WorklistLoan (`task.summary`), so a
    page costs the same few queries however long the list."""

    id = serializers.IntegerField()
    loan = serializers.IntegerField(source="loan_id")
    loan_number = serializers.CharField(source="summary.loan_number")
    borrower = serializers.CharField(source="summary.borrower_name")
    reason = serializers.CharField()
    due_by = serializers.DateField()
    days_past_due = serializers.IntegerField(
        source="summary.days_past_due", allow_null=True, help_text="As of the latest scan; null until one covers it."
    )
    bucket = serializers.CharField(source="summary.bucket", allow_null=True)
    risk_reasons = serializers.SerializerMethodField()
    callable_now = serializers.BooleanField(source="compliance.callable_now")
    next_callable_at = serializers.DateTimeField(source="compliance.next_callable_at", allow_null=True)
    blocked_reason = serializers.CharField(source="compliance.blocked_reason")
    local_time = serializers.DateTimeField(source="compliance.local_time")

    def get_risk_reasons(self, task) -> list:
        return task.summary.risk_reasons or []


class WorklistPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Open tasks on the caller's worklist.")
    matching = serializers.IntegerField(help_text="Of those, the ones `reason` and `bucket` keep.")
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, or null on the last.")
    results = WorklistTaskSerializer(many=True)


# Free text has a bound, as on the pages (CallLogForm.note): a 20,000-character note is a
# mistake or an abuse, not a note (tests/security/test_bad_input_api.py).
NOTE_MAX_LENGTH = 2000


class CallAttemptInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallAttempt.Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH)
    complete = serializers.BooleanField(required=False, allow_null=True, default=None)


class InboundCallInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=services.INBOUND_OUTCOME_CHOICES,
        help_text="right_party_contact: the borrower was on the line (starts Reg F's 7 days without calls); "
        "third_party: someone else called for them.",
    )
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the call was taken; now when absent."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH)


class PromiseInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    promised_date = serializers.DateField()


class HoldInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Hold.Kind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class NoteInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AttemptResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task_status = serializers.ChoiceField(choices=CallTask.Status.choices)


class InboundCallResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loan = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=CallAttempt.Direction.choices)
    outcome = serializers.ChoiceField(choices=CallAttempt.Outcome.choices)
    at = serializers.DateTimeField()
    completed_task_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The loan's open call tasks the conversation completed."
    )


class TaskResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CallTask.Status.choices)


class PromiseResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Promise.Status.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    promised_date = serializers.DateField()


class HoldResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Hold.Kind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    no_calls = serializers.BooleanField()


class ScanRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanRun
        fields = [
            "business_date",
            "status",
            "started_at",
            "finished_at",
            "loans_scanned",
            "chunks_total",
            "chunks_done",
            "bucket_counts",
            "task_counts",
            "tasks_assigned",
            "failures",
        ]


class WorklistView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="worklist",
        summary="My call tasks, most urgent first, a page at a time",
        description=(
            "Open tasks assigned to the caller with call compliance: whether each is callable now and "
            "when it next opens (8am-9pm borrower local time, 7 calls in 7 days, 7 days after a conversation, "
            f"no-call holds). Callable tasks first, then those callable later, then no-call holds. "
            f"{selectors.WORKLIST_PAGE_SIZE} tasks a page; `next` carries the cursor (`after`) of the following page."
        ),
        parameters=[
            OpenApiParameter("reason", OpenApiTypes.STR, enum=CallTask.Reason.values, description="Only this reason."),
            OpenApiParameter("bucket", OpenApiTypes.STR, enum=list(Bucket.ALL), description="Only this bucket."),
            OpenApiParameter("after", OpenApiTypes.STR, description="Cursor from the previous page's `next`."),
        ],
        responses={200: WorklistPageSerializer, **error_responses(400)},
        tags=["delinquency"],
    )
    def get(self, request: Request) -> Response:
        form = WorklistFilterForm(request.query_params)
        if not form.is_valid():
            raise BadInput(
                "invalid_filter",
                "Unknown reason or bucket.",
                fields={name: list(errors) for name, errors in form.errors.items()},
            )
        raw_after = request.query_params.get("after")
        after = selectors.WorklistCursor.parse(raw_after)
        if raw_after and after is None:
            raise BadInput(
                "invalid_cursor", "Malformed page cursor.", fields={"after": ["Use the `next` URL as given."]}
            )
        filters = {key: value for key, value in form.cleaned_data.items() if value}
        page = selectors.worklist_page(user=request.user, after=after, **filters)
        next_url = None
        if page.next_cursor is not None:
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**filters, 'after': str(page.next_cursor)})}"
            )
        body = {"count": page.total, "matching": page.matching, "next": next_url, "results": page.tasks}
        return Response(WorklistPageSerializer(body).data)


class CallAttemptView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="call_attempts_create",
        summary="Log a call attempt on a task",
        request=CallAttemptInSerializer,
        parameters=[TASK_ID],
        responses={201: AttemptResultSerializer, **error_responses(400, 404, 409)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = CallAttemptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.call_attempt_record(actor=request.user, task_id=pk, **data.validated_data)
        task = CallTask.objects.get(pk=pk)
        body = AttemptResultSerializer({"id": attempt.pk, "task_status": task.status}).data
        return Response(body, status=status.HTTP_201_CREATED)


class InboundCallView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="inbound_calls_create",
        summary="Log a call the borrower placed to us",
        description="Any loan, with or without an open task; specialists and managers. Not subject to the call "
        "window or the 7 calls in 7 days (it is not one of them); a right-party conversation starts the 7 days "
        "without calls, and completes the loan's open call tasks (but the written notice) when the caller may "
        "work the loan.",
        request=InboundCallInSerializer,
        parameters=[LOAN_ID],
        responses={201: InboundCallResultSerializer, **error_responses(400, 404)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = InboundCallInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.inbound_call_record(actor=request.user, loan_id=pk, **data.validated_data)
        attempt = call.attempt
        body = InboundCallResultSerializer(
            {
                "id": attempt.pk,
                "loan": attempt.loan_id,
                "direction": attempt.direction,
                "outcome": attempt.outcome,
                "at": attempt.at,
                "completed_task_ids": call.completed_task_ids,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class TaskCompleteView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="call_tasks_complete",
        summary="Mark a task done",
        request=NoteInSerializer,
        parameters=[TASK_ID],
        responses={200: TaskResultSerializer, **error_responses(400, 404, 409)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = NoteInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.call_task_complete(actor=request.user, task_id=pk, **data.validated_data)
        return Response(TaskResultSerializer(task).data)


class PromiseCreateView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="promises_create",
        summary="Record a promise to pay",
        request=PromiseInSerializer,
        parameters=[LOAN_ID],
        responses={201: PromiseResultSerializer, **error_responses(400, 404)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = PromiseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        promise: Promise = services.promise_create(actor=request.user, loan_id=pk, **data.validated_data)
        return Response(
            {
                "id": promise.pk,
                "status": promise.status,
                "amount": str(promise.amount),
                "promised_date": promise.promised_date.isoformat(),
            },
            status=status.HTTP_201_CREATED,
        )


class HoldCreateView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="holds_create",
        summary="Place a hold on collection activity",
        request=HoldInSerializer,
        parameters=[LOAN_ID],
        responses={201: HoldResultSerializer, **error_responses(400, 404)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = HoldInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_create(actor=request.user, loan_id=pk, **data.validated_data)
        return Response(HoldResultSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldReleaseView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="holds_release",
        summary="Release a hold (managers)",
        request=NoteInSerializer,
        parameters=[HOLD_ID],
        responses={200: HoldResultSerializer, **error_responses(400, 404, 409)},
        tags=["delinquency"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = NoteInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_release(actor=request.user, hold_id=pk, **data.validated_data)
        return Response(HoldResultSerializer(hold).data)


class ScanRunListView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="scan_runs_list",
        summary="The latest delinquency scan runs",
        responses={200: ScanRunSerializer(many=True), **error_responses()},
        tags=["delinquency"],
    )
    def get(self, request: Request) -> Response:
        return Response(ScanRunSerializer(ScanRun.objects.order_by("-business_date")[:30], many=True).data)
