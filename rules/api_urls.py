from django.urls import path

from rules import api

urlpatterns: list = [
    path("rule-sets/", api.RuleSetListView.as_view(), name="api-rule-sets"),
    path("rule-sets/effective/", api.RuleSetEffectiveView.as_view(), name="api-rule-set-effective"),
    path("rule-sets/parameters/", api.ParameterSpecListView.as_view(), name="api-rule-set-parameters"),
    path("rule-sets/<int:rule_set_id>/", api.RuleSetDetailView.as_view(), name="api-rule-set"),
    path("rule-sets/<int:rule_set_id>/approve/", api.RuleSetApproveView.as_view(), name="api-rule-set-approve"),
    path("rule-sets/<int:rule_set_id>/reject/", api.RuleSetRejectView.as_view(), name="api-rule-set-reject"),
]
