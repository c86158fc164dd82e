"""Writes to loss mitigation cases and workouts (issue 4, "Workflow" and "Regulation X").

Every service is atomic, locks the rows it changes (case first, then workout, then loan), checks
the actor's role, the state and the version the caller read, writes one audit record and raises
`DomainError` when a rule refuses; a refusal changes nothing.
"""

from workouts.services.booking import workout_book
from workouts.services.cases import (
    case_close,
    case_document_receive,
    case_document_request,
    case_open,
    case_update,
    case_withdraw,
)
from workouts.services.decisions import (
    appeal_decide,
    appeal_file,
    offers_expire,
    workout_accept,
    workout_approve,
    workout_deny,
    workout_offer,
    workout_reject,
    workout_submit,
    workout_withdraw,
)
from workouts.services.evaluations import evaluation_store
from workouts.services.foreclosure import (
    foreclosure_refer,
    foreclosure_referral_blocks,
    foreclosure_referral_check,
    foreclosure_sale_check,
)
from workouts.services.nightly import workouts_nightly
from workouts.services.trials import trial_fail, trial_payments_review

__all__ = [
    "appeal_decide",
    "appeal_file",
    "case_close",
    "case_document_receive",
    "case_document_request",
    "case_open",
    "case_update",
    "case_withdraw",
    "evaluation_store",
    "foreclosure_refer",
    "foreclosure_referral_blocks",
    "foreclosure_referral_check",
    "foreclosure_sale_check",
    "offers_expire",
    "trial_fail",
    "trial_payments_review",
    "workout_accept",
    "workout_approve",
    "workout_book",
    "workout_deny",
    "workout_offer",
    "workout_reject",
    "workout_submit",
    "workout_withdraw",
    "workouts_nightly",
]
