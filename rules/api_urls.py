from django.urls import path

# The `object_id` path converter (any segment; a non-id becomes 0 and so a JSON 404) is
# registered by borrowers.api_urls; importing it makes this module independent of URL order.
import borrowers.api_urls  # noqa: F401
from rules import api

urlpatterns: list = [
    path("rule-sets/", api.RuleSetListView.as_view(), name="api-rule-sets"),
    path("rule-sets/effective/", api.RuleSetEffectiveView.as_view(), name="api-rule-set-effective"),
    path("rule-sets/parameters/", api.ParameterSpecListView.as_view(), name="api-rule-set-parameters"),
    path("rule-sets/<object_id:rule_set_id>/", api.RuleSetDetailView.as_view(), name="api-rule-set"),
    path("rule-sets/<object_id:rule_set_id>/approve/", api.RuleSetApproveView.as_view(), name="api-rule-set-approve"),
    path("rule-sets/<object_id:rule_set_id>/reject/", api.RuleSetRejectView.as_view(), name="api-rule-set-reject"),
]
