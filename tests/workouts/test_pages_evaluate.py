"""Workouts for a loan (/workouts/loans/<id>/evaluate/): the stored evaluation with every option
side by side, the what-if panel, and submitting the chosen option for approval."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from borrowers.models import Investor, Program
from tests.factories import LoanFactory, ValuationFactory
from workouts import services
from workouts.models import Evaluation, LossMitCase, Workout

NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def monday(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK), tick=False)


@pytest.fixture
def hud_loan(specialist):
    """HUD Mortgagee Letter 2009-23's FHA-HAMP example as a stored loan: UPB 150,000.00 at 6%
    over 360 months, P&I 920.00 + escrow 300.00; four installments unpaid (Aug-Nov, 4 x 750.00
    interest) and 660.00 of escrow advanced make the 3,660.00 arrears."""
    loan = LoanFactory(
        assigned_to=specialist,
        investor=Investor.FHA,
        program=Program.FHA_HAMP,
        principal_balance=Decimal("150000.00"),
        note_rate=Decimal("6.000"),
        remaining_term_months=360,
        monthly_pi=Decimal("920.00"),
        monthly_escrow=Decimal("300.00"),
        escrow_balance=Decimal("-660.00"),
        next_due_date=date(2026, 8, 1),
    )
    ValuationFactory(property=loan.property, value=Decimal("160000.00"), valued_on=date(2026, 10, 1))
    return loan


@pytest.fixture
def case(specialist, hud_loan):
    return services.case_open(
        actor=specialist,
        loan_id=hud_loan.pk,
        application_received_on=date(2026, 11, 2),
        application_complete_on=date(2026, 11, 16),
        hardship_reason="Job loss",
    )


def page(loan):
    return reverse("workout-evaluate", args=[loan.pk])


def run(client, loan, case, **extra):
    data = {"gross_monthly_income": "3,500.00", "version": case.version, **extra}
    return client.post(reverse("workout-evaluation-run", args=[loan.pk]), data)


def test_anonymous_is_sent_to_login(client, hud_loan):
    response = client.get(page(hud_loan))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_outsider_is_refused(client, outsider, hud_loan):
    client.force_login(outsider)
    assert client.get(page(hud_loan)).status_code == 403


def test_admin_may_look_but_not_run_or_submit(client, admin_user, specialist, hud_loan, case):
    client.force_login(admin_user)
    response = client.get(page(hud_loan))
    assert response.status_code == 200
    assert "Run evaluation" not in response.content.decode()
    assert run(client, hud_loan, case).status_code == 403
    assert not Evaluation.objects.exists()


def test_evaluation_shows_the_hud_example_numbers(client, specialist, hud_loan, case):
    client.force_login(specialist)

    response = run(client, hud_loan, case)

    assert response.status_code == 302
    assert response.url == page(hud_loan) + "#options"
    evaluation = Evaluation.objects.get()
    assert evaluation.inputs["loan"]["arrears"] == "3660.00"
    mod = evaluation.result["options"]["modification"]
    assert (mod["target_pi"], mod["interest_bearing_balance"], mod["forbearance"], mod["partial_claim"]) == (
        "785.00",
        "130931.42",
        "19068.58",
        "22728.58",
    )
    html = client.get(page(hud_loan)).content.decode()
    for shown in ("$785.00", "$19,068.58", "$22,728.58", "$1,085.00", "6.000% · 360 mo"):
        assert shown in html, shown
    assert "Every option, side by side" in html
    for label in ("Repayment plan", "Modification", "Short sale", "Deed-in-lieu", "Foreclosure"):
        assert f">{label}</h3>" in html


def test_ineligible_options_say_why(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    evaluation = Evaluation.objects.get()
    response = client.get(page(hud_loan))
    html = response.content.decode()
    for name, data in evaluation.result["options"].items():
        for reason in data["reasons"]:
            assert reason["message"] in html, (name, reason)
    assert evaluation.result["recommendation_reason"] in html


def test_submit_creates_a_submitted_modification_from_the_evaluation(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    evaluation = Evaluation.objects.get()
    case.refresh_from_db()

    response = client.post(
        reverse("workout-submit", args=[hud_loan.pk]),
        {"option": "modification", "evaluation": evaluation.pk, "version": case.version},
    )

    assert response.status_code == 302
    workout = Workout.objects.get()
    assert (workout.option, workout.status, workout.submitted_by, workout.evaluation_id) == (
        "modification",
        Workout.Status.SUBMITTED,
        specialist,
        evaluation.pk,
    )
    assert workout.terms["monthly_pi"] == "785.00"
    assert workout.amount == Decimal(evaluation.result["options"]["modification"]["capitalized_balance"])
    case.refresh_from_db()
    assert case.status == LossMitCase.Status.DECISION
    html = client.get(page(hud_loan)).content.decode()
    assert "Submitted for approval" in html
    assert "In progress on this case." in html


def test_second_submit_of_the_same_option_is_refused_and_changes_nothing(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    evaluation = Evaluation.objects.get()
    case.refresh_from_db()
    data = {"option": "modification", "evaluation": evaluation.pk, "version": case.version}
    client.post(reverse("workout-submit", args=[hud_loan.pk]), data)
    case.refresh_from_db()

    response = client.post(reverse("workout-submit", args=[hud_loan.pk]), {**data, "version": case.version})

    assert response.status_code == 409
    assert response.context["submit_error"] == "This case already has a modification in progress."
    assert Workout.objects.count() == 1


def test_stale_page_cannot_submit(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    evaluation = Evaluation.objects.get()
    response = client.post(
        reverse("workout-submit", args=[hud_loan.pk]),
        {"option": "modification", "evaluation": evaluation.pk, "version": 1},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.context["submit_error"]
    assert not Workout.objects.exists()


def test_missing_income_is_a_form_error(client, specialist, hud_loan, case):
    client.force_login(specialist)
    response = run(client, hud_loan, case, gross_monthly_income="")
    assert response.status_code == 400
    assert response.context["evaluation_form"].errors["gross_monthly_income"] == ["This field is required."]
    assert not Evaluation.objects.exists()


def test_what_if_recalculates_with_a_longer_term_and_stores_nothing(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    before = Evaluation.objects.count()

    response = client.post(
        reverse("workout-what-if", args=[hud_loan.pk]),
        {"gross_monthly_income": "3500.00", "market_value": "160000.00", "mod_max_term_months": "480"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="what-if"')
    assert response.context["changed"] == ["Longest term (months)"]
    mod = response.context["whatif"]["options"]["modification"]
    assert (mod["term_months"], mod["monthly_pi"]) == (480, "785.00")
    assert Evaluation.objects.count() == before


def test_what_if_with_the_same_figures_matches_the_stored_evaluation(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    stored = Evaluation.objects.get().result
    response = client.post(
        reverse("workout-what-if", args=[hud_loan.pk]),
        {"gross_monthly_income": "3500.00", "market_value": "160000.00"},
        headers={"HX-Request": "true"},
    )
    assert response.context["whatif"]["options"] == stored["options"]


def test_what_if_out_of_range_term_shows_the_validators_error(client, specialist, hud_loan, case):
    client.force_login(specialist)
    run(client, hud_loan, case)
    response = client.post(
        reverse("workout-what-if", args=[hud_loan.pk]),
        {"gross_monthly_income": "3500.00", "market_value": "160000.00", "mod_max_term_months": "900"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert response.context["whatif_form"].errors["mod_max_term_months"] == ["Must be at most 600."]
    assert "Must be at most 600." in response.content.decode()


def test_page_runs_the_same_queries_however_many_workouts(
    client, specialist, hud_loan, case, django_assert_max_num_queries
):
    client.force_login(specialist)
    run(client, hud_loan, case)
    evaluation = Evaluation.objects.get()
    Workout.objects.create(case=case, option="modification", submitted_by=specialist, evaluation=evaluation)
    with django_assert_max_num_queries(20) as one:
        client.get(page(hud_loan))
    for option in ("repayment_plan", "short_sale", "deed_in_lieu"):
        Workout.objects.create(case=case, option=option, submitted_by=specialist, evaluation=evaluation)
    with django_assert_max_num_queries(len(one)):
        client.get(page(hud_loan))
