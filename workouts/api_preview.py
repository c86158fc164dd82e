"""`POST /api/v1/evaluations/preview/`: run the evaluation engine on a scenario; store nothing.

Any Lossmit role may call it (api-contract.md). The program's rule set effective on `as_of`
supplies the parameters and the `rule_version`; `parameters` in the request override them for
this preview only.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import HasLossmitRole, error_responses
from lossmit.errors import BadInput
from rules.selectors import rule_set_effective, rule_set_parameters
from workouts.domain.evaluation import (
    BorrowerFinances,
    LoanSnapshot,
    ParameterError,
    PropertySnapshot,
    Scenario,
    ShortSaleOffer,
    evaluate,
)
from workouts.serializers_preview import PreviewRequestSerializer, PreviewResponseSerializer

CONTRACT_EXAMPLE = {
    "program": "GSE_FLEX",
    "as_of": "2026-11-27",
    "loan": {
        "principal_balance": "250000.00",
        "note_rate": "7.000",
        "remaining_term_months": 300,
        "monthly_pi": "1766.95",
        "monthly_escrow": "400.00",
        "next_due_date": "2026-06-01",
        "past_due_amount": "11050.00",
        "arrears": "15000.00",
        "fees": "250.00",
        "origination_date": "2015-03-01",
        "lien_position": 1,
        "occupancy": "owner",
        "property_state": "CA",
        "prior_modifications": 0,
    },
    "borrower": {"gross_monthly_income": "5000.00", "monthly_debts": "600.00"},
    "property": {"market_value": "300000.00", "subordinate_liens": "0.00"},
    "short_sale": {"offer_price": "270000.00", "closing_costs": "5000.00", "days_on_market": 45},
    "parameters": {"mod_posted_rate": "6.500"},
}


def scenario_from(data: dict) -> Scenario:
    """The engine's scenario from validated request data."""
    loan, borrower, prop, offer = data["loan"], data["borrower"], data["property"], data.get("short_sale")
    return Scenario(
        program=data["program"],
        loan=LoanSnapshot(
            principal_balance=loan["principal_balance"],
            note_rate=loan["note_rate"],
            remaining_term_months=loan["remaining_term_months"],
            monthly_pi=loan.get("monthly_pi"),
            monthly_escrow=loan["monthly_escrow"],
            next_due_date=loan["next_due_date"],
            past_due_amount=loan.get("past_due_amount"),
            arrears=loan["arrears"],
            fees=loan["fees"],
            origination_date=loan["origination_date"],
            lien_position=loan["lien_position"],
            occupancy=loan["occupancy"],
            property_state=loan["property_state"],
            prior_modifications=loan["prior_modifications"],
        ),
        borrower=BorrowerFinances(
            gross_monthly_income=borrower["gross_monthly_income"], monthly_debts=borrower["monthly_debts"]
        ),
        property=PropertySnapshot(
            market_value=prop["market_value"],
            subordinate_liens=prop["subordinate_liens"],
            subordinate_liens_released=prop["subordinate_liens_released"],
        ),
        short_sale=None
        if offer is None
        else ShortSaleOffer(
            offer_price=offer["offer_price"],
            closing_costs=offer["closing_costs"],
            days_on_market=offer["days_on_market"],
            commission_pct=offer.get("commission_pct"),
        ),
    )


class EvaluationPreviewView(APIView):
    permission_classes = [HasLossmitRole]
    parser_classes = [JSONParser]  # the API speaks JSON (api-contract.md)

    @extend_schema(
        operation_id="evaluations_preview",
        summary="Evaluate every workout option for a scenario (stores nothing)",
        request=PreviewRequestSerializer,
        responses={200: PreviewResponseSerializer, **error_responses(400, 404)},
        examples=[OpenApiExample("api-contract.md example", value=CONTRACT_EXAMPLE, request_only=True)],
        tags=["evaluations"],
    )
    def post(self, request: Request) -> Response:
        serializer = PreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        as_of = data.get("as_of") or timezone.localdate()
        rule_set = rule_set_effective(program=data["program"], as_of=as_of)
        try:
            parameters = rule_set_parameters(rule_set).with_overrides(data["parameters"])
        except ParameterError as exc:
            raise BadInput(
                "invalid",
                "The request has invalid fields.",
                fields={f"parameters.{name}": messages for name, messages in exc.errors.items()},
            ) from None
        body = evaluate(scenario_from(data), parameters, as_of).to_dict()
        return Response(
            {
                "program": body.pop("program"),
                "rule_version": rule_set.version,
                "rule_effective_date": rule_set.effective_date.isoformat(),
                **body,
            }
        )
