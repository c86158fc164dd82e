"""The manager's team dashboard, its CSV exports, and bulk reassignment (issue 5, "Manager").

Thin views: delinquency/selectors_dashboard.py computes every number (definitions there);
these views pick the periods, shape charts (server-rendered SVG: no scripts, the CSP forbids
inline ones) and stream CSV. Reassignment posts to delinquency/services_reassign.py.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Role, role_required, user_has_role
from audit.services import audit_record
from borrowers.forms import DomainErrorFormMixin
from delinquency import selectors_dashboard as dash
from delinquency.selectors_dashboard import CHART_BUCKETS, DELINQUENT_BUCKETS, ROLLS_TO, reassign_loans, reassign_people
from delinquency.services_reassign import loans_reassign
from lossmit.csv_export import csv_response
from lossmit.errors import DomainError

DASHBOARD_ROLES = (Role.MANAGER, Role.ADMIN)
# The page lists this many deadlines; the CSV has them all.
RISK_ROWS_SHOWN = 50
CHART_W, CHART_H = 640, 220  # plot area of the SVG charts (viewBox units)


class DashboardFilters(forms.Form):
    months = forms.TypedChoiceField(
        label="History", coerce=int, choices=[(3, "3 months"), (6, "6 months"), (12, "12 months")], initial=6
    )
    days = forms.TypedChoiceField(
        label="Deadlines within",
        coerce=int,
        choices=[(3, "3 days"), (7, "7 days"), (14, "14 days"), (30, "30 days")],
        initial=dash.DEFAULT_RISK_DAYS,
    )
    activity = forms.TypedChoiceField(
        label="Activity over",
        coerce=int,
        choices=[(7, "7 days"), (30, "30 days"), (90, "90 days")],
        initial=dash.DEFAULT_ACTIVITY_DAYS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def values(self) -> dict:
        """Each setting as chosen, or its default when missing or not one of the choices."""
        cleaned = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not cleaned:
            self.is_valid()
            cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or field.initial for name, field in self.fields.items()}


def _filters(request: HttpRequest) -> tuple[DashboardFilters, dict]:
    form = DashboardFilters(request.GET or None)
    return form, form.values()


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value}"


# --- charts ----------------------------------------------------------------------------------


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 x a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _ticks(top: float, count: int = 4) -> list[dict]:
    return [
        {"value": top * i / count, "y": CHART_H - CHART_H * i / count, "label": f"{top * i / count:,.0f}"}
        for i in range(count + 1)
    ]


def bucket_chart(history: list[tuple[str, dict[str, int]]]) -> dict | None:
    """Stacked bars: loans per delinquent bucket at each period's end."""
    if not history or not any(counts for _, counts in history):
        return None
    top = _nice_max(max(sum(counts.get(b, 0) for b in CHART_BUCKETS) for _, counts in history))
    slot = CHART_W / len(history)
    bars = []
    for index, (label, counts) in enumerate(history):
        y = CHART_H
        segments = []
        for series, bucket in enumerate(CHART_BUCKETS):
            n = counts.get(bucket, 0)
            if not n:
                continue
            height = CHART_H * n / top
            y -= height
            segments.append({"bucket": bucket, "n": n, "y": y, "height": height, "series": series})
        bars.append(
            {
                "x": index * slot + slot * 0.2,
                "width": slot * 0.6,
                "label_x": index * slot + slot / 2,
                "label": label.split(" (")[0],
                "total": sum(s["n"] for s in segments),
                "total_y": y - 4,
                "segments": segments,
            }
        )
    legend = [{"label": b, "series": i} for i, b in enumerate(CHART_BUCKETS) if any(c.get(b) for _, c in history)]
    return {"bars": bars, "ticks": _ticks(top), "legend": legend, "width": CHART_W, "height": CHART_H}


def roll_chart(rows: list[dash.RateRow]) -> dict | None:
    """Lines: each bucket's roll rate per period (gaps where a bucket started empty)."""
    if not rows or all(cell.rate is None for r in rows for cell in r.rolls.values()):
        return None
    top = _nice_max(max(float(c.rate) for r in rows for c in r.rolls.values() if c.rate is not None))
    step = CHART_W / max(len(rows) - 1, 1)
    lines = []
    for series, bucket in enumerate(ROLLS_TO):
        points = []
        for index, row in enumerate(rows):
            rate = row.rolls[bucket].rate
            if rate is not None:
                points.append({"x": index * step, "y": CHART_H - CHART_H * float(rate) / top, "rate": rate})
        if points:
            path = " ".join(f"{'M' if i == 0 else 'L'}{p['x']:.1f},{p['y']:.1f}" for i, p in enumerate(points))
            lines.append(
                {"label": f"{bucket} → {ROLLS_TO[bucket]}", "series": series + 1, "path": path, "points": points}
            )
    labels = [{"x": i * step, "label": r.label.split(" (")[0]} for i, r in enumerate(rows)]
    ticks = [{**t, "label": f"{t['value']:.0f}%"} for t in _ticks(top)]
    return {"lines": lines, "labels": labels, "ticks": ticks, "width": CHART_W, "height": CHART_H}


# --- page ------------------------------------------------------------------------------------


def _dashboard_data(values: dict) -> dict:
    today = timezone.localdate()
    state = dash.scan_state(today)
    period_list = dash.periods(state.as_of, values["months"])
    figures = dash.bucket_figures(period_list, state)
    stages, workouts = dash.pipeline()
    return {
        "today": today,
        "as_of": state.as_of,
        "periods": period_list,
        "history": figures.history,
        "rates": figures.rates,
        "state_rates": figures.state_rates,
        "stages": stages,
        "workouts": workouts,
        "risks": dash.deadlines_at_risk(today=today, days=values["days"]),
        "specialists": dash.specialist_activity(today=today, days=values["activity"]),
    }


@require_GET
@role_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, values = _filters(request)
    data = _dashboard_data(values)
    latest = data["history"][-1][1] if data["history"] else {}
    context = {
        **data,
        "form": form,
        "values": values,
        "query": request.GET.urlencode(),
        "bucket_chart": bucket_chart(data["history"]),
        "roll_chart": roll_chart(data["rates"]),
        "chart_buckets": CHART_BUCKETS,
        "history_rows": [(label, [counts.get(b, 0) for b in CHART_BUCKETS]) for label, counts in data["history"]],
        "delinquent_buckets": DELINQUENT_BUCKETS,
        "roll_buckets": list(ROLLS_TO),
        "delinquent_now": sum(latest.get(b, 0) for b in CHART_BUCKETS),
        "serious_now": sum(latest.get(b, 0) for b in ("90-119", "120+", "foreclosure")),
        "risks_shown": data["risks"][:RISK_ROWS_SHOWN],
        "live_workouts": sum(r.count for r in data["workouts"]),
        "can_export": user_has_role(request.user, Role.MANAGER),
    }
    return render(request, "delinquency/dashboard.html", context)


# --- CSV -------------------------------------------------------------------------------------


def _rate_header(first: str) -> list[str]:
    header = [first]
    for b in ROLLS_TO:
        header += [f"roll {b} to {ROLLS_TO[b]} loans", f"{b} at start", f"roll {b} %"]
    for b in DELINQUENT_BUCKETS:
        header += [f"cured from {b} loans", f"cure {b} %"]
    return header


def _rate_line(row: dash.RateRow) -> list:
    line: list = [row.label]
    for b in ROLLS_TO:
        cell = row.rolls[b]
        line += [cell.numerator, cell.denominator, _pct(cell.rate)]
    for b in DELINQUENT_BUCKETS:
        cell = row.cures[b]
        line += [cell.numerator, _pct(cell.rate)]
    return line


def export_rows(table: str, values: dict) -> list[list]:
    """The rows of one dashboard table as CSV lines, header first (exactly what the page shows)."""
    today = timezone.localdate()
    as_of = dash.business_date(today)
    period_list = dash.periods(as_of, values["months"])
    if table == "buckets":
        rows = [["period", "as of", *CHART_BUCKETS]]
        for period, (_, counts) in zip(period_list, dash.bucket_history(period_list), strict=True):
            rows.append([period.label, period.end.isoformat(), *(counts.get(b, 0) for b in CHART_BUCKETS)])
        return rows
    if table == "rates":
        return [_rate_header("period"), *(_rate_line(r) for r in dash.roll_cure_by_period(period_list))]
    if table == "rates-by-state":
        return [_rate_header("state"), *(_rate_line(r) for r in dash.roll_cure_by_state(period_list[-1]))]
    if table == "pipeline":
        stages, workouts = dash.pipeline()
        rows = [["kind", "stage", "option", "count", "amount"]]
        rows += [["case", s.label, "", s.cases, ""] for s in stages]
        rows += [["workout", w.label, w.option_label, w.count, f"{w.amount:.2f}"] for w in workouts]
        return rows
    if table == "deadlines":
        rows = [["due", "days left", "what", "rule", "loan", "borrower", "owner"]]
        for r in dash.deadlines_at_risk(today=today, days=values["days"]):
            rows.append([r.due.isoformat(), r.days_left, r.what, r.rule, r.loan_number, r.borrower, r.owner])
        return rows
    if table == "specialists":
        rows = [
            [
                "specialist", "capacity", "active loans", "open tasks", "overdue tasks", "outbound calls",
                "contacts", "contact %", "inbound calls", "promises made", "promises kept", "promises broken", "kept %",
            ]
        ]  # fmt: skip
        for s in dash.specialist_activity(today=today, days=values["activity"]):
            rows.append(
                [
                    s.name, s.capacity, s.loans, s.open_tasks, s.overdue_tasks, s.calls, s.contacts,
                    _pct(s.contact_rate), s.inbound, s.promises_made, s.promises_kept, s.promises_broken,
                    _pct(s.kept_rate),
                ]
            )  # fmt: skip
        return rows
    raise Http404("No such table.")


EXPORT_TABLES = ("buckets", "rates", "rates-by-state", "pipeline", "deadlines", "specialists")


@require_GET
@role_required(Role.MANAGER)
def dashboard_export(request: HttpRequest, table: str) -> StreamingHttpResponse:
    """One dashboard table as CSV, audited (who exported what, with which filters)."""
    if table not in EXPORT_TABLES:
        raise Http404("No such table.")
    _, values = _filters(request)
    rows = export_rows(table, values)
    audit_record(
        actor=request.user,
        action="dashboard.export",
        obj=request.user,
        after={"table": table, "rows": len(rows) - 1, **values},
        note=f"Exported the {table} table as CSV",
    )
    return csv_response(name=table, header=rows[0], rows=rows[1:])


# --- reassign --------------------------------------------------------------------------------


class ReassignForm(DomainErrorFormMixin, forms.Form):
    """Shape only: which loans, to whom. The service checks roles, targets and staleness."""

    fallback_fields = {"stale_assignment": None, "loan_not_found": None}

    from_user = forms.IntegerField(widget=forms.HiddenInput, required=False)
    loans = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Loans")
    to_users = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Move to")

    def __init__(self, *args, loan_choices=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loans"].choices = [(pk, str(pk)) for pk in loan_choices]
        self.fields["to_users"].choices = [(p.pk, p.name) for p in people]


def _reassign_context(request: HttpRequest, form: ReassignForm | None = None) -> dict:
    people = reassign_people()
    try:
        source_id = int(request.GET.get("from") or request.POST.get("from_user") or 0) or None
    except ValueError:
        source_id = None
    source = next((p for p in people if p.pk == source_id), None)
    loans = reassign_loans(user_id=source.pk) if source else []
    if form is None:
        initial = {"from_user": source.pk if source else None}
        if request.GET.get("all") == "1":
            initial["loans"] = [loan.pk for loan in loans]
        form = ReassignForm(initial=initial, loan_choices=[loan.pk for loan in loans], people=people)
    selected = set(form["loans"].value() or [])
    chosen = set(form["to_users"].value() or [])
    for loan in loans:
        loan.checked = loan.pk in selected or str(loan.pk) in selected
    return {
        "people": people,
        "source": source,
        "loans": loans,
        "targets": [p for p in people if source is None or p.pk != source.pk],
        "chosen": {str(c) for c in chosen},
        "form": form,
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def reassign(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "delinquency/reassign.html", _reassign_context(request))
    people = reassign_people()
    form = ReassignForm(request.POST, loan_choices=request.POST.getlist("loans"), people=people)
    # The loan choices are whatever was posted: the service decides whether they may move.
    form.fields["loans"].choices = [(v, v) for v in request.POST.getlist("loans")]
    status = 400
    if form.is_valid():
        try:
            plan = loans_reassign(
                actor=request.user,
                loan_ids=form.cleaned_data["loans"],
                to_user_ids=form.cleaned_data["to_users"],
                from_user_id=form.cleaned_data["from_user"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            names = {p.pk: p.name for p in people}
            total = sum(len(v) for v in plan.values())
            parts = ", ".join(f"{len(v)} to {names.get(k, k)}" for k, v in plan.items())
            messages.success(request, f"Moved {total} loan{'s' if total != 1 else ''} with their open tasks: {parts}.")
            source = form.cleaned_data["from_user"]
            return redirect(f"{reverse('reassign')}?from={source}" if source else reverse("reassign"))
    return render(request, "delinquency/reassign.html", _reassign_context(request, form), status=status)
