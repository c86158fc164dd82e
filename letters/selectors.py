"""Reads for letters, scoped to the acting user: every Lossmit role reads every loan's letters
(as borrowers/selectors.py lets them read every loan); a user with no role sees none."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import STAFF_ROLES, user_has_role
from borrowers.models import Loan
from letters.models import Letter, LetterKind, LetterTemplate
from workouts.models import LossMitCase

# The log never loads the PDF bytes, the rendered text or the context: the page lists dates.
LOG_DEFERRED = ("pdf", "body", "context", "mailing_address")


def _visible_letters(user) -> QuerySet[Letter]:
    if not user_has_role(user, *STAFF_ROLES):
        return Letter.objects.none()
    return Letter.objects.all()


@dataclass(frozen=True)
class LettersLog:
    loan: Loan
    case: LossMitCase | None
    letters: list[Letter]
    cases: list[LossMitCase]


def letters_log(*, user, loan_id: int, case_id: int | None = None) -> LettersLog:
    """A loan's letters, newest sent first, optionally one case's only, with the loan's cases
    for the filter. Three queries whatever the number of letters. Http404 when the loan (or
    the case on it) is unknown or not visible."""
    if not user_has_role(user, *STAFF_ROLES):
        raise Http404("No such loan.")
    loan = Loan.objects.select_related("borrower").filter(pk=loan_id).first()
    if loan is None:
        raise Http404("No such loan.")
    cases = list(LossMitCase.objects.filter(loan=loan).order_by("-application_received_on", "-id"))
    case = None
    if case_id is not None:
        case = next((c for c in cases if c.pk == case_id), None)
        if case is None:
            raise Http404("No such case on this loan.")
    letters = (
        _visible_letters(user)
        .filter(loan=loan)
        .select_related("template", "created_by")
        .defer(*LOG_DEFERRED)
        .order_by("-sent_on", "-id")
    )
    if case is not None:
        letters = letters.filter(case=case)
    return LettersLog(loan=loan, case=case, letters=list(letters), cases=cases)


def letter_for_download(*, user, letter_id: int) -> Letter:
    letter = _visible_letters(user).select_related("loan").filter(pk=letter_id).first()
    if letter is None:
        raise Http404("No such letter.")
    return letter


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    label: str
    active: LetterTemplate | None
    versions: int


def template_overview() -> list[TemplateRow]:
    """Each kind's active template and how many versions it has had (two queries)."""
    active = {t.kind: t for t in LetterTemplate.objects.filter(active=True).select_related("edited_by")}
    counts: dict[str, int] = {}
    for kind in LetterTemplate.objects.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return [
        TemplateRow(kind=kind, label=label, active=active.get(kind), versions=counts.get(kind, 0))
        for kind, label in LetterKind.choices
    ]


def template_history(*, kind: str) -> list[LetterTemplate]:
    """Every version of one kind, newest first, with who edited it."""
    if kind not in LetterKind.values:
        raise Http404("No such letter kind.")
    return list(LetterTemplate.objects.filter(kind=kind).select_related("edited_by").order_by("-version"))
