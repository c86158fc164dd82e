"""django-filter sets for the loan and borrower lists of the API."""

from collections.abc import Callable
from datetime import date, timedelta

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from borrowers.models import Borrower, Investor, Loan, Program
from borrowers.states import US_STATES
from delinquency.models import BUCKET_CHOICES
from delinquency.scan import WATCHLIST_SCORE
from delinquency.scan import convention as status_convention
from delinquency.status import MBA, Bucket
from workouts.domain.dates import add_months


def _status_at_least(installments: int, as_of: date) -> Q:
    """Unscanned loans whose status (MBA or OTS, per the configured convention) is at least
    30 x `installments` as of `as_of`.

    An installment counts under MBA once the one after it is due the next day, under OTS once
    it is due (delinquency/status.py): status >= 30k when add_months(next_due_date, k) <= limit,
    i.e. when next_due_date is on or before `limit` moved back k months. Exact for due days
    1-28; for due days 29-31 month-end clamping can shift a boundary by a day or two until the
    scan writes the loan's row.
    """
    limit = as_of + timedelta(days=1) if status_convention() == MBA else as_of
    return Q(next_due_date__lte=add_months(limit, -installments))


def unscanned_bucket_q(bucket: str, as_of: date) -> Q:
    """The day-count bucket, as the loan API computes it for a loan without a LoanDelinquency
    row, as a filter on `next_due_date`."""
    past_due = Q(next_due_date__lt=as_of)
    by_bucket = {
        Bucket.CURRENT: ~past_due,
        Bucket.D1_29: past_due & ~_status_at_least(1, as_of),
        Bucket.D30_59: _status_at_least(1, as_of) & ~_status_at_least(2, as_of),
        Bucket.D60_89: _status_at_least(2, as_of) & ~_status_at_least(3, as_of),
        Bucket.D90_119: _status_at_least(3, as_of) & ~_status_at_least(4, as_of),
        Bucket.D120_PLUS: _status_at_least(4, as_of),
    }
    # Special buckets (foreclosure, bankruptcy, REO) come only from the scan.
    return by_bucket.get(bucket, Q(pk__in=[]))


class LoanFilter(django_filters.FilterSet):
    """Filters for GET /api/v1/loans/. The view passes `status_as_of` (a callable giving the
    fallback date for loans the scan has not reached) through the request."""

    bucket = django_filters.ChoiceFilter(
        choices=BUCKET_CHOICES, method="filter_bucket", help_text="Delinquency bucket as of the latest scan."
    )
    investor = django_filters.ChoiceFilter(choices=Investor.choices, help_text="Investor or guarantor.")
    program = django_filters.ChoiceFilter(choices=Program.choices, help_text="Workout program.")
    state = django_filters.ChoiceFilter(
        field_name="property__state", choices=US_STATES, help_text="Property state (USPS code)."
    )
    status = django_filters.ChoiceFilter(choices=Loan.Status.choices, help_text="Loan status.")
    assigned_to = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(), help_text="Id of the assigned specialist."
    )
    assigned_to_username = django_filters.CharFilter(
        field_name="assigned_to__username", help_text="Username of the assigned specialist."
    )
    unassigned = django_filters.BooleanFilter(
        field_name="assigned_to", lookup_expr="isnull", help_text="true: only loans with no specialist assigned."
    )
    at_risk = django_filters.BooleanFilter(
        method="filter_at_risk",
        help_text=f"true: loans on the early-warning watchlist (risk score {WATCHLIST_SCORE}+); false: the rest.",
    )
    risk_score_min = django_filters.NumberFilter(
        field_name="delinquency__risk_score", lookup_expr="gte", help_text="Risk score at least this."
    )
    loan_number = django_filters.CharFilter(lookup_expr="startswith", help_text="Loan number prefix.")

    class Meta:
        model = Loan
        fields: list[str] = []

    def _status_as_of(self) -> date:
        # Set per request by the loan API views (borrowers/api.py); used elsewhere, today.
        getter: Callable[[], date] | None = getattr(self.request, "lossmit_status_as_of", None)
        return getter() if getter is not None else timezone.localdate()

    def filter_bucket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        scanned = Q(delinquency__bucket=value)
        unscanned = Q(delinquency__isnull=True) & unscanned_bucket_q(value, self._status_as_of())
        return queryset.filter(scanned | unscanned)

    def filter_at_risk(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        flagged = Q(delinquency__risk_score__gte=WATCHLIST_SCORE)
        return queryset.filter(flagged) if value else queryset.exclude(flagged)


class BorrowerFilter(django_filters.FilterSet):
    last_name = django_filters.CharFilter(lookup_expr="istartswith", help_text="Last name prefix (any case).")
    email = django_filters.CharFilter(lookup_expr="iexact", help_text="Email address (any case).")
    mailing_state = django_filters.ChoiceFilter(choices=US_STATES, help_text="Mailing state (USPS code).")

    class Meta:
        model = Borrower
        fields: list[str] = []
