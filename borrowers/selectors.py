"""Reads of borrower accounts for the pages.

Visibility: every Lossmit role (Specialist, Manager, Admin) reads every loan. The team works
each other's loans when someone is out, a borrower may call whoever picks up, and managers and
admins review across the portfolio; what is restricted is *acting* (posting and returning
payments is for specialists and managers, enforced by the services). A signed-in user with no
role sees nothing: the selectors return no rows and the views answer 403.

Each selector owns its joins and prefetches so a page runs a fixed number of queries whatever
the portfolio size.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import Concat, Replace
from django.http import Http404

from accounts.roles import STAFF_ROLES, user_has_role
from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation

# Fewer digits than this would match most phone numbers in the portfolio: treat the query as
# text (a loan number prefix, a house number) instead.
PHONE_MIN_DIGITS = 4
# Characters people type in phone numbers; a query made only of these and digits is a phone.
PHONE_QUERY = re.compile(r"^\+?[\d\s().\-]+$")
PHONE_PUNCTUATION = ("+", " ", "(", ")", "-", ".")

# Short names for the ledger table; the model's labels are written for statements.
LEDGER_LABELS = {
    LedgerTransaction.Kind.OPENING: "Opening balances",
    LedgerTransaction.Kind.PAYMENT: "Payment",
    LedgerTransaction.Kind.INSTALLMENT: "Installment",
    LedgerTransaction.Kind.LATE_CHARGE: "Late charge",
    LedgerTransaction.Kind.FEE: "Fee",
    LedgerTransaction.Kind.CHARGES_PAID: "Charges paid",
    LedgerTransaction.Kind.CURTAILMENT: "Curtailment",
    LedgerTransaction.Kind.ESCROW_DISBURSEMENT: "Escrow disbursement",
    LedgerTransaction.Kind.NSF_REVERSAL: "NSF return",
    LedgerTransaction.Kind.REVERSAL: "Reversal",
    LedgerTransaction.Kind.ADJUSTMENT: "Adjustment",
    LedgerTransaction.Kind.MODIFICATION: "Modification",
}

SEARCH_PAGE_SIZE = 25

# The loan page shows the latest ledger rows; older ones are one click away.
LEDGER_PAGE_ROWS = 100


def _visible_loans(user) -> QuerySet[Loan]:
    if not user_has_role(user, *STAFF_ROLES):
        return Loan.objects.none()
    return Loan.objects.all()


def _digits_only(expression):
    for char in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""))
    return expression


def _loans_of_borrowers(borrower_ids: QuerySet) -> list[QuerySet]:
    """Loan-id queries for loans whose borrower or co-borrower is in `borrower_ids`."""
    return [
        Loan.objects.filter(borrower_id__in=borrower_ids).values("id"),
        Loan.objects.filter(co_borrower_id__in=borrower_ids).values("id"),
    ]


def _phone_match(digits: str) -> list[QuerySet]:
    """Loans whose borrower or co-borrower has a phone containing `digits`, whatever the
    punctuation stored (404-555-0101, (404) 555 0101, +1 404.555.0101)."""
    borrower_ids = (
        Phone.objects.annotate(digits=_digits_only("number")).filter(digits__contains=digits).values("borrower_id")
    )
    return _loans_of_borrowers(borrower_ids)


def _name_match(text: str) -> list[QuerySet]:
    """Loans whose borrower or co-borrower last name or full name contains `text`."""
    borrower_ids = (
        Borrower.objects.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        .filter(Q(last_name__icontains=text) | Q(full_name__icontains=text))
        .values("id")
    )
    return _loans_of_borrowers(borrower_ids)


def loan_search(*, user, query: str) -> QuerySet[Loan]:
    """Loans matching `query`: loan number (prefix), borrower or co-borrower last name or full
    name (contains), phone number (digits only, at least four), property street address
    (contains). An empty query lists every loan (the page shows the first BROWSE_LIMIT).

    Ordered active loans first, then by loan number, so paging is stable. The matching loan
    ids are a UNION of one indexed lookup per kind of match (loan-number prefix, street,
    names, phones; trigram and pattern indexes on PostgreSQL, migration 0003): an OR of the
    same conditions would make the database scan every loan. Use `loan_search_paged` for a
    page to show: it joins only the page's loans.
    """
    loans = _visible_loans(user)
    query = " ".join(query.split())
    if query:
        parts = [
            Loan.objects.filter(loan_number__startswith=query).values("id"),
            Loan.objects.filter(property_id__in=Property.objects.filter(address1__icontains=query).values("id")).values(
                "id"
            ),
        ]
        if re.search(r"[^\W\d_]", query):  # names have letters; skip the scan for numbers
            parts += _name_match(query)
        digits = re.sub(r"\D", "", query)
        if PHONE_QUERY.match(query) and len(digits) >= PHONE_MIN_DIGITS:
            parts += _phone_match(digits)
        loans = loans.filter(id__in=parts[0].union(*parts[1:]))
    return loans.annotate(
        status_rank=Case(When(status=Loan.Status.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("status_rank", "loan_number", "id")


# Far past any real last page, small enough that page x size stays a valid SQL OFFSET.
MAX_PAGE_NUMBER = 1_000_000


def _page_number(page: str | int | None) -> int:
    try:
        return min(max(1, int(page or 1)), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


# The empty query (the page the Loans link opens) lists at most this many loans: 20 pages,
# more than anyone pages through before searching. Counting and ordering every loan of a
# million-loan book for that page took ~90 ms; reading at most this many ids off the
# (status, loan_number) index takes the same time whatever the portfolio size.
BROWSE_LIMIT = 500


def _browse_page_ids(user, number: int, per_page: int) -> tuple[list[int], int, int, bool]:
    """Page `number` of the first BROWSE_LIMIT visible loans in search order, for the empty
    query. Active loans and the others are read as two segments, each in loan-number order, so
    the database walks an index and stops after BROWSE_LIMIT + 1 rows (the one past the limit
    says there are more); the second segment is read only when the first falls short.
    Returns (ids, loans listed, page number shown, whether the list stops at the limit)."""
    loans = _visible_loans(user)
    wanted = BROWSE_LIMIT + 1
    in_order = ("loan_number", "id")
    ids = list(loans.filter(status=Loan.Status.ACTIVE).order_by(*in_order).values_list("pk", flat=True)[:wanted])
    if len(ids) < wanted:
        others = loans.exclude(status=Loan.Status.ACTIVE).order_by(*in_order).values_list("pk", flat=True)
        ids += others[: wanted - len(ids)]
    capped = len(ids) > BROWSE_LIMIT
    total = min(len(ids), BROWSE_LIMIT)
    number = min(number, max(1, -(-total // per_page)))
    return ids[(number - 1) * per_page : min(number * per_page, total)], total, number, capped


def _match_page_ids(user, query: str, number: int, per_page: int) -> tuple[list[int], int, int]:
    """Page `number` of the loans matching `query`. Matching is the expensive part, so it runs
    once: one narrow query returns the page's ids with the total alongside (a window count,
    instead of a separate COUNT that would match everything again)."""
    ids_query = loan_search(user=user, query=query).annotate(total=Window(Count("id"))).values_list("pk", "total")
    rows = list(ids_query[(number - 1) * per_page : number * per_page])
    if rows:
        return [pk for pk, _ in rows], rows[0][1], number
    total = ids_query.count() if number > 1 else 0
    if not total:
        return [], 0, 1
    last = -(-total // per_page)  # asked for a page past the end: show the last one
    return list(ids_query.values_list("pk", flat=True)[(last - 1) * per_page : last * per_page]), total, last


def loan_search_paged(*, user, query: str, page: str | int | None, per_page: int = SEARCH_PAGE_SIZE) -> Page:
    """One page of `loan_search` results, ready to show: each loan with its borrower
    (phones prefetched, primary first), property and assigned specialist.

    Finds the page's loan ids first with narrow queries (no joins), then loads only those
    loans with their joins. At most four queries whatever the portfolio size. Without a query
    the list stops at BROWSE_LIMIT loans; `page.is_capped` says when it did.
    """
    query = " ".join(query.split())
    number = _page_number(page)
    capped = False
    if query:
        ids, total, number = _match_page_ids(user, query, number, per_page)
    else:
        ids, total, number, capped = _browse_page_ids(user, number, per_page)
    paginator = Paginator(Loan.objects.none(), per_page)
    paginator.count = total  # known already: spare the paginator its own COUNT
    page_obj = paginator.page(number)
    page_obj.is_capped = capped
    loans = Loan.objects.filter(pk__in=ids).select_related("borrower", "property", "assigned_to")
    loans = loans.prefetch_related(Prefetch("borrower__phones", queryset=Phone.objects.order_by("-is_primary", "id")))
    by_id = {loan.pk: loan for loan in loans}
    page_obj.object_list = [by_id[pk] for pk in ids]
    return page_obj


def loan_detail(*, user, loan_id: int) -> Loan:
    """One loan with everything its page shows: borrower and co-borrower with their phones
    (primary first), the property with its valuations (newest first; `latest_valuation` is set
    on the loan), the assigned specialist and the last scan's status row (`delinquency`, absent
    until a scan covers the loan). Raises Http404 when unknown or not visible."""
    phones = Phone.objects.order_by("-is_primary", "id")
    loan = (
        _visible_loans(user)
        .select_related("borrower", "co_borrower", "property", "assigned_to", "delinquency")
        .prefetch_related(
            Prefetch("borrower__phones", queryset=phones),
            Prefetch("co_borrower__phones", queryset=phones),
            Prefetch("property__valuations", queryset=Valuation.objects.order_by("-valued_on", "-id")),
        )
        .filter(pk=loan_id)
        .first()
    )
    if loan is None:
        raise Http404("No such loan.")
    valuations = list(loan.property.valuations.all())
    loan.latest_valuation = valuations[0] if valuations else None
    return loan


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerTransaction]
    total: int

    @property
    def is_capped(self) -> bool:
        return len(self.rows) < self.total


def loan_ledger(*, loan: Loan, limit: int | None = LEDGER_PAGE_ROWS) -> LedgerPage:
    """The loan's ledger, newest first, at most `limit` rows (None for all), with the total
    count (counted in SQL only when there are more rows than shown). Each row carries
    `reversed_by` and `created_by` (joined), so the page can mark reversed payments and offer
    a return on live ones without a query per row."""
    rows = (
        LedgerTransaction.objects.filter(loan=loan)
        .select_related("reversed_by", "reversal_of", "created_by")
        .order_by("-seq")
    )
    if limit is None:
        page = list(rows)
        total = len(page)
    else:
        page = list(rows[: limit + 1])  # one more than shown says whether to count them all
        total = rows.count() if len(page) > limit else len(page)
        page = page[:limit]
    for row in page:
        row.is_reversed = hasattr(row, "reversed_by")  # joined above: no query
        row.label = LEDGER_LABELS.get(row.kind, row.get_kind_display())
    return LedgerPage(rows=page, total=total)


def loan_payment(*, user, loan_id: int, payment_id: int) -> LedgerTransaction:
    """A payment row of a visible loan (Http404 otherwise): the target of a returned payment."""
    row = (
        LedgerTransaction.objects.filter(
            pk=payment_id, loan_id=loan_id, loan__in=_visible_loans(user), kind=LedgerTransaction.Kind.PAYMENT
        )
        .select_related("loan", "reversed_by")
        .first()
    )
    if row is None:
        raise Http404("No such payment.")
    return row


def days_past_due(next_due_date: date, as_of: date) -> int:
    """Days since the oldest unpaid installment fell due (Reg X 1024.31; domain.md s.1)."""
    return max(0, (as_of - next_due_date).days)


# (lowest days past due, label) per bucket, domain.md section 1.
BUCKETS = ((120, "120+"), (90, "90-119"), (60, "60-89"), (30, "30-59"), (1, "1-29"), (0, "current"))


def delinquency_bucket(dpd: int) -> str:
    return next(label for floor, label in BUCKETS if dpd >= floor)


def mask_phone(number: str) -> str:
    """A phone number for lists: only the last four digits show."""
    digits = re.sub(r"\D", "", number)
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"
