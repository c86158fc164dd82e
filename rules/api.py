"""/api/v1/rule-sets/: program rule sets, their versions and the maker-checker changes.

Every Lossmit role reads rule sets (a specialist needs to know the rules an evaluation used);
only the services decide who may propose (Admin) and approve or reject (a second Admin or a
Manager), so the API and the pages can never disagree.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import HasLossmitRole, error_responses
from borrowers.models import Investor, Program
from borrowers.serializers import enum_field
from lossmit.errors import NotFound
from rules import services
from rules.models import ProgramRuleSet
from rules.selectors import rule_set_effective, rule_set_list
from workouts.domain.parameters import SPECS


class RuleSetSerializer(serializers.ModelSerializer):
    investor = enum_field(
        "RuleSetInvestor", Investor.choices, "The investor these rules are for; blank for all.", allow_blank=True
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    rejected_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    parameters = serializers.DictField(help_text="Every parameter, values as strings (domain.md section 4 names).")
    status = enum_field("RuleSetStatus", ProgramRuleSet.Status.choices, "draft, pending, approved or rejected.")

    class Meta:
        model = ProgramRuleSet
        fields = [
            "id", "program", "investor", "version", "status", "effective_date", "parameters", "note",
            "created_by", "created_at", "approved_by", "approved_at", "rejected_by", "rejected_at",
            "rejection_reason",
        ]  # fmt: skip
        read_only_fields = fields


class RuleChangeProposeSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    changes = serializers.DictField(help_text='Parameters to change, e.g. {"mod_posted_rate": "6.125"}.')
    effective_date = serializers.DateField(help_text="First as-of date the new version applies to; not in the past.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)  # as ProposeForm


class RuleChangeApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class RuleChangeRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the change is rejected.", max_length=1000)  # as RejectForm


class ParameterSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="int, bool, money, pct, rate, ratio, choice, state_days or tiers.")
    description = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class RuleSetListView(APIView):
    permission_classes = [HasLossmitRole]
    parser_classes = [JSONParser]  # the API speaks JSON (api-contract.md)

    @extend_schema(
        operation_id="rule_sets_list",
        summary="List rule set versions, newest first per program",
        parameters=[OpenApiParameter("program", str, enum=Program.values, required=False)],
        responses={200: RuleSetSerializer(many=True), **error_responses()},
        tags=["rule-sets"],
    )
    def get(self, request: Request) -> Response:
        program = request.query_params.get("program") or None
        return Response(RuleSetSerializer(rule_set_list(program=program), many=True).data)

    @extend_schema(
        operation_id="rule_sets_propose",
        summary="Propose a rule change (Admin): a pending new version",
        request=RuleChangeProposeSerializer,
        responses={201: RuleSetSerializer, **error_responses(400, 409)},
        tags=["rule-sets"],
    )
    def post(self, request: Request) -> Response:
        serializer = RuleChangeProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule_set = services.rule_change_propose(actor=request.user, **serializer.validated_data)
        return Response(RuleSetSerializer(rule_set).data, status=status.HTTP_201_CREATED)


RULE_SET_ID = OpenApiParameter("rule_set_id", int, OpenApiParameter.PATH, description="Rule set id.")


def _rule_set_or_404(rule_set_id: int) -> ProgramRuleSet:
    rule_set = rule_set_list().filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound("rule_set_not_found", f"There is no rule set {rule_set_id}.")
    return rule_set


class RuleSetDetailView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="rule_sets_retrieve",
        summary="One rule set version",
        parameters=[RULE_SET_ID],
        responses={200: RuleSetSerializer, **error_responses(404)},
        tags=["rule-sets"],
    )
    def get(self, request: Request, rule_set_id: int) -> Response:
        return Response(RuleSetSerializer(_rule_set_or_404(rule_set_id)).data)


class RuleSetApproveView(APIView):
    permission_classes = [HasLossmitRole]
    parser_classes = [JSONParser]  # the API speaks JSON (api-contract.md)

    @extend_schema(
        operation_id="rule_sets_approve",
        summary="Approve a pending rule change (Admin or Manager, not the proposer)",
        request=RuleChangeApproveSerializer,
        parameters=[RULE_SET_ID],
        responses={200: RuleSetSerializer, **error_responses(400, 404, 409)},
        tags=["rule-sets"],
    )
    def post(self, request: Request, rule_set_id: int) -> Response:
        serializer = RuleChangeApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rule_change_approve(actor=request.user, rule_set_id=rule_set_id, **serializer.validated_data)
        return Response(RuleSetSerializer(_rule_set_or_404(rule_set_id)).data)


class RuleSetRejectView(APIView):
    permission_classes = [HasLossmitRole]
    parser_classes = [JSONParser]  # the API speaks JSON (api-contract.md)

    @extend_schema(
        operation_id="rule_sets_reject",
        summary="Reject a pending rule change with a reason (Admin or Manager, not the proposer)",
        request=RuleChangeRejectSerializer,
        parameters=[RULE_SET_ID],
        responses={200: RuleSetSerializer, **error_responses(400, 404, 409)},
        tags=["rule-sets"],
    )
    def post(self, request: Request, rule_set_id: int) -> Response:
        serializer = RuleChangeRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rule_change_reject(actor=request.user, rule_set_id=rule_set_id, **serializer.validated_data)
        return Response(RuleSetSerializer(_rule_set_or_404(rule_set_id)).data)


class RuleSetEffectiveView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="rule_sets_effective",
        summary="The version an evaluation of this program as of this date uses",
        parameters=[
            OpenApiParameter("program", str, enum=Program.values, required=True),
            OpenApiParameter("as_of", OpenApiTypes.DATE, required=True),
        ],
        responses={200: RuleSetSerializer, **error_responses(400, 404)},
        tags=["rule-sets"],
    )
    def get(self, request: Request) -> Response:
        query = _EffectiveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rule_set = rule_set_effective(**query.validated_data)
        return Response(RuleSetSerializer(rule_set).data)


class _EffectiveQuerySerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    as_of = serializers.DateField()


class ParameterSpecListView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="rule_sets_parameters",
        summary="Every program parameter: name, kind, meaning",
        responses={200: ParameterSpecSerializer(many=True), **error_responses()},
        tags=["rule-sets"],
    )
    def get(self, request: Request) -> Response:
        specs = [
            {"name": s.name, "kind": str(s.kind), "description": s.description, "choices": list(s.choices)}
            for s in SPECS.values()
        ]
        return Response(ParameterSpecSerializer(specs, many=True).data)
