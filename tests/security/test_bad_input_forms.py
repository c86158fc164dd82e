"""Bad input at every page form (issue 7): each field of each form gets malformed values,
posted through the test Client as the role that uses the page; the answer is a 4xx with the
form's errors (or, for a GET filter form, the page with the filter refused) and no table of
ours gains or loses a row. The audit table is among them, so an update would show too.

tests/security/test_bad_input_coverage.py fails when a form has no entry in TARGETS.
"""

from datetime import date

import pytest
from django import forms
from django.contrib.admin.helpers import AdminForm
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.views import NewUserForm, ProfileForm, _managers
from borrowers.forms import PaymentForm, PaymentReturnForm, SearchForm
from delinquency.forms import CallLogForm, InboundCallForm, WorklistFilterForm
from delinquency.selectors_dashboard import reassign_people
from delinquency.views.exports import WorklistExportForm
from delinquency.views.manager import DashboardFilters, ReassignForm
from delinquency.views.scan_runs import ScanScheduleForm
from imports.forms import TapeUploadForm
from letters.admin import LetterTemplateAdminForm
from letters.forms import LetterGenerateForm, LetterTemplateForm
from letters.models import LetterTemplate
from rules.models import ProgramRuleSet
from rules.views.admin_pages import ProposeForm, RejectForm, value_text
from rules.views.holidays import HolidayForm
from tests.security.bad_input import (
    HYPOTHESIS,
    TODAY,
    PageTarget,
    build_world,
    changed,
    form_field_bad_values,
    row_counts,
)
from workouts.domain.parameters import PARAMETER_NAMES
from workouts.forms import CaseOpenForm, DocumentReceiveForm, EvaluationForm, SubmitForm, VersionedForm, WhatIfForm
from workouts.views.approvals import ApproveForm, DenyForm

pytestmark = pytest.mark.django_db

DAY = TODAY.date().isoformat()

# Forms no page posts on its own: a base class, and a Django admin form (the admin's own page
# is fuzzed below through LetterTemplateAdminForm's target).
NOT_POSTED = {VersionedForm: "base class of the workout forms; its one field is fuzzed in each of them"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def world(frozen, specialist, other_specialist, manager, admin_user):
    return build_world(specialist=specialist, manager=manager)


def _targets(world, users) -> dict[type, PageTarget]:
    loan, maria = world.loan, users["specialist"]
    rules = ProgramRuleSet.objects.filter(program="GSE_FLEX", status="approved").order_by("-version").first()
    propose_base = {name: value_text(name, rules.parameters[name]) for name in PARAMETER_NAMES}
    people = reassign_people()
    template = LetterTemplate.objects.filter(kind="acknowledgment", active=True).first()
    on_loan = {"loan_id": loan.pk}
    return {
        SearchForm: PageTarget(SearchForm, reverse("loan-search"), "specialist", {"q": "Smith"}, {}, method="get"),
        PaymentForm: PageTarget(
            PaymentForm,
            reverse("loan-payment", kwargs=on_loan),
            "specialist",
            {"amount": "100.00", "received_on": DAY, "reference": "chk 1"},
            {},
            positive=frozenset({"amount"}),
        ),
        PaymentReturnForm: PageTarget(
            PaymentReturnForm,
            reverse("loan-payment-return", kwargs={**on_loan, "payment_id": world.payment.pk}),
            "specialist",
            {"returned_on": DAY, "reason": "NSF", "confirmed": "1"},
            {},
        ),
        WorklistFilterForm: PageTarget(WorklistFilterForm, reverse("worklist"), "specialist", {}, {}, method="get"),
        CallLogForm: PageTarget(
            CallLogForm,
            reverse("task-call", kwargs={"task_id": world.task.pk}),
            "specialist",
            {"outcome": "promise_to_pay", "amount": "250.00", "promised_date": "2027-03-20", "note": "Will pay"},
            {},
            positive=frozenset({"amount"}),
        ),
        InboundCallForm: PageTarget(
            InboundCallForm,
            reverse("loan-inbound-call", kwargs=on_loan),
            "specialist",
            {"outcome": "promise_to_pay", "amount": "250.00", "promised_date": "2027-03-20", "note": "Called in"},
            {},
            positive=frozenset({"amount"}),
        ),
        DashboardFilters: PageTarget(DashboardFilters, reverse("dashboard"), "manager", {}, {}, method="get"),
        # A valid filter exports (and audits the export); every bad one must be a 400 writing nothing.
        WorklistExportForm: PageTarget(WorklistExportForm, reverse("worklist-export"), "manager", {}, {}, method="get"),
        ReassignForm: PageTarget(
            ReassignForm,
            reverse("reassign"),
            "manager",
            {"from_user": maria.pk, "loans": [loan.pk], "to_users": [users["other_specialist"].pk]},
            {"loan_choices": [str(loan.pk)], "people": people},
        ),
        ScanScheduleForm: PageTarget(
            ScanScheduleForm, reverse("scan-schedule"), "admin", {"time_of_day": "02:00", "enabled": "on"}, {}
        ),
        ProposeForm: PageTarget(
            ProposeForm,
            reverse("rule-propose"),
            "admin",
            {**propose_base, "program": "FHA_HAMP", "effective_date": "2027-04-01", "note": ""},
            {"base": rules.parameters},
        ),
        HolidayForm: PageTarget(
            HolidayForm, reverse("holiday-add"), "admin", {"date": "2027-03-16", "name": "Day of Mourning"}, {}
        ),
        RejectForm: PageTarget(
            RejectForm,
            reverse("rule-reject", kwargs={"rule_set_id": world.rule_set.pk}),
            "manager",
            {"reason": "Not what the investor said."},
            {},
        ),
        ProfileForm: PageTarget(
            ProfileForm,
            reverse("team-person", kwargs={"user_id": maria.pk}),
            "admin",
            {"role": "Specialist", "capacity": "150", "languages": "en", "approval_limit": "", "manager": ""},
            {"managers": _managers(exclude_id=maria.pk)},
        ),
        NewUserForm: PageTarget(
            NewUserForm,
            reverse("team-create"),
            "admin",
            {
                "username": "ana",
                "first_name": "Ana",
                "last_name": "Lopez",
                "email": "ana@example.com",
                "role": "Specialist",
                "capacity": "150",
                "languages": "en,es",
                "password": "a-long-first-password",
            },
            {},
        ),
        CaseOpenForm: PageTarget(
            CaseOpenForm,
            reverse("workout-case-open", kwargs=on_loan),
            "specialist",
            {"application_received_on": DAY, "received_via": "mail"},
            {},
        ),
        DocumentReceiveForm: PageTarget(
            DocumentReceiveForm,
            reverse("workout-document-receive", kwargs=on_loan),
            "specialist",
            {"kind": "income", "received_on": DAY, "version": str(world.case.version)},
            {},
        ),
        EvaluationForm: PageTarget(
            EvaluationForm,
            reverse("workout-evaluation-run", kwargs=on_loan),
            "specialist",
            {"gross_monthly_income": "5000.00", "version": str(world.case.version)},
            {},
            positive=frozenset({"gross_monthly_income"}),
        ),
        WhatIfForm: PageTarget(
            WhatIfForm,
            reverse("workout-what-if", kwargs=on_loan),
            "specialist",
            {"gross_monthly_income": "5000.00", "market_value": "250000.00"},
            {},
        ),
        SubmitForm: PageTarget(
            SubmitForm,
            reverse("workout-submit", kwargs=on_loan),
            "specialist",
            {"option": "repayment_plan", "evaluation": "1", "version": str(world.case.version)},
            {},
        ),
        ApproveForm: PageTarget(
            ApproveForm,
            reverse("approval-approve", kwargs={"workout_id": world.workout.pk}),
            "manager",
            {"note": "", "version": str(world.workout.version)},
            {},
        ),
        DenyForm: PageTarget(
            DenyForm,
            reverse("approval-deny", kwargs={"workout_id": world.workout.pk}),
            "manager",
            {"reason": "Income too low.", "version": str(world.workout.version)},
            {},
        ),
        TapeUploadForm: PageTarget(TapeUploadForm, reverse("imports:tape"), "admin", {}, {}),
        LetterGenerateForm: PageTarget(
            LetterGenerateForm,
            reverse("letters-send", kwargs=on_loan),
            "specialist",
            {"kind": "acknowledgment", "sent_on": DAY},
            {},
        ),
        LetterTemplateForm: PageTarget(
            LetterTemplateForm,
            reverse("letters-template-edit", kwargs={"kind": "acknowledgment"}),
            "admin",
            {"subject": template.subject, "body": template.body, "note": "", "version": str(template.version)},
            {},
        ),
        LetterTemplateAdminForm: PageTarget(
            LetterTemplateAdminForm,
            reverse("admin:letters_lettertemplate_change", args=[template.pk]),
            "admin",
            {"kind": "acknowledgment", "subject": template.subject, "body": template.body, "note": ""},
            {"instance": template},
            only=("subject", "body", "note"),  # kind is read-only on the change page
        ),
    }


TARGET_NAMES = [
    "SearchForm",
    "PaymentForm",
    "PaymentReturnForm",
    "WorklistFilterForm",
    "CallLogForm",
    "InboundCallForm",
    "DashboardFilters",
    "WorklistExportForm",
    "ReassignForm",
    "ScanScheduleForm",
    "ProposeForm",
    "RejectForm",
    "HolidayForm",
    "ProfileForm",
    "NewUserForm",
    "CaseOpenForm",
    "DocumentReceiveForm",
    "EvaluationForm",
    "WhatIfForm",
    "SubmitForm",
    "ApproveForm",
    "DenyForm",
    "LetterGenerateForm",
    "LetterTemplateForm",
    "LetterTemplateAdminForm",
]
COVERED_FORMS = {*TARGET_NAMES, "TapeUploadForm"}


@pytest.fixture
def users(specialist, other_specialist, manager, admin_user):
    return {"specialist": specialist, "other_specialist": other_specialist, "manager": manager, "admin": admin_user}


def test_bad_values_are_refused_and_write_nothing(client, world, users):
    """Every form in TARGETS, one after the other on one world (built once: it is the slow
    part); a failing form is reported by name with its falsifying example, the rest still run."""
    targets = {cls.__name__: target for cls, target in _targets(world, users).items()}
    failures = {}
    for name in TARGET_NAMES:
        try:
            _fuzz_form(client, targets[name], users)
        except Exception as exc:  # collected and reported below, per form
            failures[name] = f"{type(exc).__name__}: {exc}"[:3000]
    assert failures == {}


def _fuzz_form(client, target: PageTarget, users) -> None:
    # The base submission passes the form, so each refusal below is the bad value's doing.
    base_form = target.form(data=target.base, **target.form_kwargs)
    assert base_form.is_valid(), base_form.errors
    client.force_login(users[target.persona])
    fields = {
        n: form_field_bad_values(f, positive=n in target.positive)
        for n, f in base_form.fields.items()
        if not isinstance(f, forms.BooleanField) and (not target.only or n in target.only)
    }
    before = row_counts()

    @HYPOTHESIS
    @given(st.sampled_from(sorted(fields)).flatmap(lambda n: st.tuples(st.just(n), fields[n])))
    def attempt(field_and_value):
        field, value = field_and_value
        data = {**target.base, field: value}
        if target.method == "get":
            response = client.get(target.url, data)
            assert response.status_code < 500, (field, value, response.status_code)
            assert response.status_code != 302, (field, value)
        else:
            response = client.post(target.url, data)
            assert 400 <= response.status_code < 500 or (response.status_code == 200 and _has_form_errors(response)), (
                field,
                value,
                response.status_code,
            )
        assert changed(before, row_counts()) == {}, (field, value)

    attempt()


def _has_form_errors(response) -> bool:
    """A re-rendered page whose form (or Django admin's form) carries errors."""
    context = response.context
    if context is None:
        return False
    if hasattr(context, "flatten"):
        values = context.flatten().values()
    else:  # a ContextList: one context per template rendered
        values = [context[key] for key in context.keys()]  # noqa: SIM118 -- iterating a ContextList yields contexts
    return any(isinstance(v, forms.BaseForm | AdminForm) and v.errors for v in values)


BAD_FILES = (
    b"",
    b"\x00\x01\x02\xff\xfe" * 100,
    b"loan_number,investor\n' OR 1=1 --,<script>\n",
    b"loan_number\n" + b"9" * 100_000 + b"\n",
    "\ufeffloan_number,note_rate\nL1,\u202e6.5\n".encode(),
    b"=cmd|' /C calc'!A0,@SUM(1+1)\n",
)


@pytest.mark.parametrize("content", BAD_FILES, ids=range(len(BAD_FILES)))
def test_bad_tape_files_are_rejected_with_a_report_and_change_no_loan(client, frozen, admin_user, content):
    """A malformed tape is validated whole and rejected: its report is an ImportRun row (that is
    the design: every bad row reported with its line), and nothing else moves."""
    client.force_login(admin_user)
    before = row_counts()
    response = client.post(reverse("imports:tape"), {"file": SimpleUploadedFile("tape.csv", content)})
    # 302: to the rejected run's report; 200: the form again with the file's error.
    assert response.status_code in (200, 302), response.status_code
    delta = changed(before, row_counts())
    assert set(delta) <= {"imports.ImportRun", "audit.AuditEvent"}, delta
    from imports.models import ImportRun

    if delta:
        assert ImportRun.objects.order_by("-pk").first().status == ImportRun.Status.REJECTED


def test_the_tape_form_refuses_a_missing_or_empty_file(client, frozen, admin_user):
    """A post without a file, or with an empty one, is a form error on the page (not a silent
    blank form) and stores nothing."""
    client.force_login(admin_user)
    before = row_counts()
    for files in ({}, {"file": SimpleUploadedFile("tape.csv", b"")}):
        response = client.post(reverse("imports:tape"), files)
        assert response.status_code == 200  # the page's convention: the form again, with the error
        assert response.context["form"].errors["file"]
    assert changed(before, row_counts()) == {}


def test_every_target_names_a_form_it_posts_to(world, users):
    """The table above is keyed by the real classes, so a rename breaks here, not silently."""
    targets = _targets(world, users)
    assert {cls.__name__ for cls in targets} == COVERED_FORMS
    assert date.fromisoformat(DAY) == TODAY.date()
