from django.urls import include, path, re_path

from workouts import api

urlpatterns: list = [
    # The evaluation preview (issue 4) lives in its own module, owned with the evaluation engine.
    path("", include("workouts.api_preview_urls")),
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<int:pk>/documents/", api.CaseDocumentView.as_view(), name="api-case-documents"),
    path("cases/<int:pk>/evaluations/", api.CaseEvaluationView.as_view(), name="api-case-evaluations"),
    path("cases/<int:pk>/workouts/", api.CaseWorkoutView.as_view(), name="api-case-workouts"),
    path("cases/<int:pk>/withdraw/", api.CaseWithdrawView.as_view(), name="api-case-withdraw"),
    path("cases/<int:pk>/close/", api.CaseCloseView.as_view(), name="api-case-close"),
    path("workouts/<int:pk>/", api.WorkoutDetailView.as_view(), name="api-workout"),
    path("workouts/<int:pk>/approve/", api.WorkoutApproveView.as_view(), name="api-workout-approve"),
    path("workouts/<int:pk>/deny/", api.WorkoutDenyView.as_view(), name="api-workout-deny"),
    path("workouts/<int:pk>/offer/", api.WorkoutOfferView.as_view(), name="api-workout-offer"),
    path("workouts/<int:pk>/accept/", api.WorkoutAcceptView.as_view(), name="api-workout-accept"),
    path("workouts/<int:pk>/reject/", api.WorkoutRejectView.as_view(), name="api-workout-reject"),
    path("workouts/<int:pk>/book/", api.WorkoutBookView.as_view(), name="api-workout-book"),
    path("workouts/<int:pk>/withdraw/", api.WorkoutWithdrawView.as_view(), name="api-workout-withdraw"),
    path("workouts/<int:pk>/trial-review/", api.WorkoutTrialReviewView.as_view(), name="api-workout-trial-review"),
    path("workouts/<int:pk>/trial-fail/", api.WorkoutTrialFailView.as_view(), name="api-workout-trial-fail"),
    path("workouts/<int:pk>/appeal/", api.WorkoutAppealView.as_view(), name="api-workout-appeal"),
    path(
        "workouts/<int:pk>/appeal/decision/", api.WorkoutAppealDecisionView.as_view(), name="api-workout-appeal-decide"
    ),
    path("loans/<int:pk>/foreclosure-check/", api.ForeclosureCheckView.as_view(), name="api-loan-foreclosure-check"),
    path(
        "loans/<int:pk>/foreclosure-referral/",
        api.ForeclosureReferralView.as_view(),
        name="api-loan-foreclosure-referral",
    ),
    # Ids that are not numbers miss the routes above; they get the API's JSON 404 too.
    re_path(r"^(cases|workouts)/[^/]+/", api.UnknownIdView.as_view()),
    re_path(r"^loans/[^/]+/foreclosure-(check|referral)/$", api.UnknownIdView.as_view()),
]
