"""/api/v1/ cases and workouts: thin views over workouts.services, same rules as the pages.

Every Lossmit role reads every case; what a role may change is decided by the services
(PermissionRefused -> 403, rule or state -> 409 with a code such as four_eyes,
above_delegated_limit, stale_version, offer_expired, dual_tracking).
"""

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import HasLossmitRole, error_responses
from borrowers.models import Loan
from lossmit.errors import BadInput, NotFound
from lossmit.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from workouts import selectors, services
from workouts.domain import regx
from workouts.models import Evaluation, Workout
from workouts.serializers import (
    AcceptSerializer,
    AppealDecideSerializer,
    AppealFileSerializer,
    BookSerializer,
    CaseCreateSerializer,
    CaseListSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    DenySerializer,
    DocumentReceiveSerializer,
    EvaluationRunSerializer,
    EvaluationSerializer,
    ForeclosureCheckSerializer,
    ForeclosureReferSerializer,
    OfferSerializer,
    ReasonSerializer,
    RejectSerializer,
    TrialReviewSerializer,
    WorkoutSerializer,
    WorkoutSubmitSerializer,
)
from workouts.services._common import CASE_ROLES, not_future, require_role


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _case_body(user, case_id: int) -> dict:
    return CaseSerializer(selectors.case_get(user=user, case_id=case_id)).data


def _workout_body(workout_id: int) -> dict:
    workout = (
        Workout.objects.select_related("submitted_by", "decided_by")
        .prefetch_related("trial_payments")
        .get(pk=workout_id)
    )
    return WorkoutSerializer(workout).data


class CaseListView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="cases_list",
        summary="List loss mitigation cases",
        parameters=[
            OpenApiParameter("loan", OpenApiTypes.INT, description="Only this loan's cases."),
            OpenApiParameter("active", OpenApiTypes.BOOL, description="Only cases not booked, closed or withdrawn."),
        ],
        responses={200: CaseListSerializer(many=True), **error_responses(400)},
        tags=["cases"],
    )
    def get(self, request: Request) -> Response:
        loan = request.query_params.get("loan")
        if loan is not None and not loan.isdigit():
            raise BadInput("invalid", "The request has invalid fields.", fields={"loan": ["Enter a loan id."]})
        cases = selectors.case_list(
            user=request.user,
            loan_id=int(loan) if loan else None,
            active_only=request.query_params.get("active") in ("1", "true"),
        ).order_by("-id")[:500]
        return Response(CaseListSerializer(cases, many=True).data)

    @extend_schema(
        operation_id="cases_open",
        summary="Open a case for an application received",
        description="Specialists and managers. 409 `case_already_open` when the loan has an active case.",
        request=CaseCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: CaseSerializer, **error_responses(400, 404, 409, 422)},
        tags=["cases"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = _valid(CaseCreateSerializer, request)
        case = services.case_open(actor=request.user, loan_id=data.pop("loan"), **data)
        return Response(_case_body(request.user, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case with its Reg X deadlines, checklist and workouts",
        responses={200: CaseSerializer, **error_responses(404)},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_case_body(request.user, pk))

    @extend_schema(
        operation_id="cases_update",
        summary="Edit a case's sale date, acknowledgment date or hardship",
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer, **error_responses(400, 404, 409)},
        tags=["cases"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = _valid(CaseUpdateSerializer, request)
        services.case_update(actor=request.user, case_id=pk, **data)
        return Response(_case_body(request.user, pk))


class _CaseAction(APIView):
    permission_classes = [HasLossmitRole]
    input_serializer: type[serializers.Serializer]
    created = False

    def act(self, request: Request, case_id: int, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def body(self, request: Request, case_id: int, result) -> dict:
        return _case_body(request.user, case_id)

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        result = self.act(request, pk, _valid(self.input_serializer, request))
        return Response(
            self.body(request, pk, result), status=status.HTTP_201_CREATED if self.created else status.HTTP_200_OK
        )


def _case_schema(operation_id: str, summary: str, request, response=CaseSerializer, created=False):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            request=request,
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            responses={201 if created else 200: response, **error_responses(400, 404, 409, 422)},
            tags=["cases"],
        )
    )


@_case_schema(
    "cases_documents_receive",
    "Record a document received (completes the application when last)",
    DocumentReceiveSerializer,
)
class CaseDocumentView(_CaseAction):
    input_serializer = DocumentReceiveSerializer

    def act(self, request, case_id, data):
        return services.case_document_receive(actor=request.user, case_id=case_id, **data)


@_case_schema("cases_withdraw", "The borrower withdraws the application", ReasonSerializer)
class CaseWithdrawView(_CaseAction):
    input_serializer = ReasonSerializer

    def act(self, request, case_id, data):
        return services.case_withdraw(actor=request.user, case_id=case_id, **data)


@_case_schema("cases_close", "Close a case with nothing left to do", ReasonSerializer)
class CaseCloseView(_CaseAction):
    input_serializer = ReasonSerializer

    def act(self, request, case_id, data):
        return services.case_close(actor=request.user, case_id=case_id, **data)


@_case_schema(
    "cases_workouts_submit",
    "Submit an option with its terms for approval",
    WorkoutSubmitSerializer,
    response=WorkoutSerializer,
    created=True,
)
class CaseWorkoutView(_CaseAction):
    input_serializer = WorkoutSubmitSerializer
    created = True

    def act(self, request, case_id, data):
        evaluation = data.pop("evaluation", None)
        return services.workout_submit(actor=request.user, case_id=case_id, evaluation_id=evaluation, **data)

    def body(self, request, case_id, result):
        return _workout_body(result.pk)


class CaseEvaluationView(_CaseAction):
    input_serializer = EvaluationRunSerializer
    created = True

    @extend_schema(
        operation_id="cases_evaluations_list",
        summary="Stored evaluations of a case, newest first",
        responses={200: EvaluationSerializer(many=True), **error_responses(404)},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, case_id=pk)
        evaluations = Evaluation.objects.filter(case=case).select_related("created_by")
        return Response(EvaluationSerializer(evaluations, many=True).data)

    @extend_schema(
        operation_id="cases_evaluations_run",
        summary="Evaluate every option on the case's loan and store the result with the rule version",
        request=EvaluationRunSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: EvaluationSerializer, **error_responses(400, 404, 409, 422)},
        tags=["cases"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request, case_id, data):
        data.setdefault("as_of", timezone.localdate())
        return services.evaluation_store(actor=request.user, case_id=case_id, **data)

    def body(self, request, case_id, result):
        return EvaluationSerializer(result).data


class WorkoutDetailView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="workouts_retrieve",
        summary="One workout with its trial payments and appeal",
        responses={200: WorkoutSerializer, **error_responses(404)},
        tags=["workouts"],
    )
    def get(self, request: Request, pk: int) -> Response:
        if not Workout.objects.filter(pk=pk, case__in=selectors.case_list(user=request.user)).exists():
            raise NotFound("workout_not_found", "No such workout.")
        return Response(_workout_body(pk))


class _WorkoutAction(APIView):
    permission_classes = [HasLossmitRole]
    input_serializer: type[serializers.Serializer]

    def act(self, request: Request, workout_id: int, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        self.act(request, pk, _valid(self.input_serializer, request))
        return Response(_workout_body(pk))


def _workout_schema(operation_id: str, summary: str, request, description: str = ""):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            request=request,
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            responses={200: WorkoutSerializer, **error_responses(400, 404, 409, 422)},
            tags=["workouts"],
        )
    )


@_workout_schema(
    "workouts_approve",
    "Approve a submitted workout (managers)",
    ReasonSerializer,
    "403 `four_eyes` for the submitter; 403 `above_delegated_limit` above the approver's limit.",
)
class WorkoutApproveView(_WorkoutAction):
    input_serializer = ReasonSerializer

    def act(self, request, workout_id, data):
        return services.workout_approve(actor=request.user, workout_id=workout_id, **data)


@_workout_schema(
    "workouts_deny",
    "Deny a submitted workout with the reason (managers)",
    DenySerializer,
    "A modification denial sets `appeal_deadline` (notice + 14 days) when the application was complete "
    "90+ days before sale.",
)
class WorkoutDenyView(_WorkoutAction):
    input_serializer = DenySerializer

    def act(self, request, workout_id, data):
        return services.workout_deny(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_offer", "Offer an approved workout with its acceptance deadline", OfferSerializer)
class WorkoutOfferView(_WorkoutAction):
    input_serializer = OfferSerializer

    def act(self, request, workout_id, data):
        return services.workout_offer(actor=request.user, workout_id=workout_id, **data)


@_workout_schema(
    "workouts_accept", "Record the borrower's acceptance (a modification starts its trial)", AcceptSerializer
)
class WorkoutAcceptView(_WorkoutAction):
    input_serializer = AcceptSerializer

    def act(self, request, workout_id, data):
        return services.workout_accept(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_reject", "Record the borrower's rejection", RejectSerializer)
class WorkoutRejectView(_WorkoutAction):
    input_serializer = RejectSerializer

    def act(self, request, workout_id, data):
        return services.workout_reject(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_book", "Book an accepted workout; a modification changes the loan", BookSerializer)
class WorkoutBookView(_WorkoutAction):
    input_serializer = BookSerializer

    def act(self, request, workout_id, data):
        return services.workout_book(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_withdraw", "Withdraw a workout in progress", ReasonSerializer)
class WorkoutWithdrawView(_WorkoutAction):
    input_serializer = ReasonSerializer

    def act(self, request, workout_id, data):
        return services.workout_withdraw(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_trial_review", "Judge the trial payments from the ledger", TrialReviewSerializer)
class WorkoutTrialReviewView(_WorkoutAction):
    input_serializer = TrialReviewSerializer

    def act(self, request, workout_id, data):
        # The nightly pass reviews as of today; a person may too, never ahead of time (payments
        # not yet due would count as missed and fail the borrower's trial), and only those who
        # work cases (tests/security/test_permission_matrix.py).
        require_role(request.user, CASE_ROLES, "Only specialists and managers may review trials.")
        as_of = data.get("as_of") or timezone.localdate()
        not_future(as_of, "as_of")
        return services.trial_payments_review(workout_id=workout_id, as_of=as_of, actor=request.user)


@_workout_schema("workouts_trial_fail", "End a trial plan as failed, with the reason", ReasonSerializer)
class WorkoutTrialFailView(_WorkoutAction):
    input_serializer = ReasonSerializer

    def act(self, request, workout_id, data):
        return services.trial_fail(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_appeal_file", "Record the borrower's appeal of a denial", AppealFileSerializer)
class WorkoutAppealView(_WorkoutAction):
    input_serializer = AppealFileSerializer

    def act(self, request, workout_id, data):
        return services.appeal_file(actor=request.user, workout_id=workout_id, **data)


@_workout_schema("workouts_appeal_decide", "Decide an appeal (not the first decider)", AppealDecideSerializer)
class WorkoutAppealDecisionView(_WorkoutAction):
    input_serializer = AppealDecideSerializer

    def act(self, request, workout_id, data):
        return services.appeal_decide(actor=request.user, workout_id=workout_id, **data)


def _loan_or_404(pk: int) -> Loan:
    loan = Loan.objects.filter(pk=pk).first()
    if loan is None:
        raise NotFound("loan_not_found", "No such loan.")
    return loan


class ForeclosureCheckView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="loans_foreclosure_check",
        summary="May this loan be referred to foreclosure on a date? Every Reg X reason it may not",
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="Default today.")],
        responses={200: ForeclosureCheckSerializer, **error_responses(400, 404)},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int) -> Response:
        loan = _loan_or_404(pk)
        raw = request.query_params.get("on")
        try:
            on = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise BadInput("invalid", "The request has invalid fields.", fields={"on": ["Enter YYYY-MM-DD."]}) from None
        blocks = services.foreclosure_referral_blocks(loan=loan, on=on)
        body = {
            "on": on,
            "allowed": not blocks,
            "earliest_foreclosure_referral": regx.earliest_foreclosure_referral(loan.next_due_date),
            "blocks": [{"code": b.code, "message": b.message} for b in blocks],
        }
        return Response(ForeclosureCheckSerializer(body).data)


class ForeclosureReferralView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="loans_foreclosure_refer",
        summary="Refer a loan to foreclosure (managers); refused while Reg X forbids it",
        request=ForeclosureReferSerializer,
        responses={201: ForeclosureCheckSerializer, **error_responses(400, 404, 409)},
        tags=["cases"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(ForeclosureReferSerializer, request)
        on = data.get("on") or timezone.localdate()
        loan = services.foreclosure_refer(actor=request.user, loan_id=pk, on=on, note=data["note"])
        body = {
            "on": on,
            "allowed": True,
            "earliest_foreclosure_referral": regx.earliest_foreclosure_referral(loan.next_due_date),
            "blocks": [],
        }
        return Response(ForeclosureCheckSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(exclude=True)
class UnknownIdView(APIView):
    """A path id that is not a number: answer the API's JSON 404, not the HTML page."""

    permission_classes = [HasLossmitRole]

    def _not_found(self, request: Request, *args, **kwargs) -> Response:
        raise NotFound("not_found", "No such record.")

    get = post = patch = put = delete = _not_found
