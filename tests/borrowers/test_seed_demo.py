"""seed_demo: deterministic demo portfolio, production-shaped ledgers, demo users, bulk paths."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max

from borrowers.demo import loader
from borrowers.demo.portfolio import BUCKETS, TABLES, bucket_of, days_past_due
from borrowers.demo.seeder import seed_demo
from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from borrowers.services import ledger_mismatches

AS_OF = date(2026, 11, 27)
LOANS = 300

pytestmark = pytest.mark.django_db


def portfolio_digest() -> str:
    """What "identical portfolio" means: loans, borrowers, properties and every ledger row,
    by loan number and sequence (database ids left out)."""
    digest = hashlib.sha256()
    loans = Loan.objects.order_by("loan_number").values_list(
        "loan_number",
        "investor",
        "program",
        "note_rate",
        "original_balance",
        "monthly_pi",
        "monthly_escrow",
        "principal_balance",
        "escrow_balance",
        "suspense_balance",
        "late_charges_outstanding",
        "fees_outstanding",
        "next_due_date",
        "remaining_term_months",
        "assigned_to__username",
        "borrower__first_name",
        "borrower__last_name",
        "co_borrower__last_name",
        "property__address1",
        "property__state",
    )
    ledger = LedgerTransaction.objects.order_by("loan__loan_number", "seq").values_list(
        "loan__loan_number",
        "seq",
        "kind",
        "effective_date",
        "amount",
        "principal",
        "interest",
        "escrow",
        "suspense",
        "late_charges",
        "fees",
        "principal_after",
        "suspense_after",
        "next_due_date_after",
        "installment_due_date",
        "payment__seq",
        "reversal_of__seq",
        "original_payment__seq",
        "reference",
    )
    for row in [*loans, *ledger]:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def seed(seed_value: int = 7, **kwargs):
    return seed_demo(loans=kwargs.pop("loans", LOANS), seed=seed_value, as_of=AS_OF, **kwargs)


def seed_and_digest(seed_value: int, **kwargs) -> str:
    """Seed into an empty database, digest it, and roll it back (a fresh database each time)."""
    with transaction.atomic():
        seed(seed_value, **kwargs)
        digest = portfolio_digest()
        transaction.set_rollback(True)
    return digest


def test_same_seed_gives_the_same_portfolio():
    """Two runs with one seed into an empty database write identical loans and ledgers."""
    assert seed_and_digest(7) == seed_and_digest(7)


def test_different_seeds_give_different_portfolios():
    assert seed_and_digest(7) != seed_and_digest(8)


def test_portfolio_counts_and_mix_are_exact_for_a_seed():
    """Seed 7, 300 loans, as of 2026-11-27: the mix by days past due, exactly."""
    result = seed(7)

    assert result.created
    assert Loan.objects.count() == LOANS
    buckets = dict.fromkeys(BUCKETS, 0)
    for next_due in Loan.objects.values_list("next_due_date", flat=True):
        buckets[bucket_of(days_past_due(next_due, AS_OF))] += 1
    assert buckets == {b: result.buckets.get(b, 0) for b in BUCKETS}
    assert buckets == {"current": 229, "1-29": 24, "30-59": 16, "60-89": 12, "90-119": 7, "120+": 12}
    assert sum(result.rows.values()) == sum(
        m.objects.count() for m in (Borrower, Phone, Property, Valuation, Loan, LedgerTransaction)
    )


def test_every_delinquency_band_is_present_and_most_loans_are_current():
    seed(11)

    dpd = [days_past_due(d, AS_OF) for d in Loan.objects.values_list("next_due_date", flat=True)]
    present = {bucket_of(days) for days in dpd}
    assert present == set(BUCKETS)
    current_share = sum(1 for days in dpd if days == 0) / len(dpd)
    assert 0.70 <= current_share <= 0.85


def test_loan_balances_equal_their_ledger_sums():
    seed(7)

    assert list(ledger_mismatches()) == []


def test_each_ledger_ends_at_the_loan_balances_with_contiguous_seq():
    seed(7)

    last = {}
    for row in LedgerTransaction.objects.order_by("loan_id", "seq").values(
        "loan_id",
        "seq",
        "principal_after",
        "escrow_after",
        "suspense_after",
        "late_charges_after",
        "fees_after",
        "next_due_date_after",
    ):
        previous = last.get(row["loan_id"])
        assert row["seq"] == (previous["seq"] + 1 if previous else 1)
        last[row["loan_id"]] = row
    for loan in Loan.objects.all():
        tail = last[loan.pk]
        assert (
            tail["principal_after"],
            tail["escrow_after"],
            tail["suspense_after"],
            tail["late_charges_after"],
            tail["fees_after"],
            tail["next_due_date_after"],
        ) == (
            loan.principal_balance,
            loan.escrow_balance,
            loan.suspense_balance,
            loan.late_charges_outstanding,
            loan.fees_outstanding,
            loan.next_due_date,
        )


def test_ledgers_have_every_production_row_shape():
    """Opening rows, payments and their applications, late charges, curtailments, escrow
    disbursements, and NSF returns reversed row by row with reversal_of set."""
    seed(7)

    kinds = dict(LedgerTransaction.objects.values_list("kind").annotate(n=Count("id")))
    for kind in ("opening", "payment", "installment", "late_charge", "curtailment", "escrow_disbursement"):
        assert kinds.get(kind, 0) > 0, kind
    assert kinds["opening"] == LOANS
    returned = LedgerTransaction.objects.filter(kind="nsf_reversal")
    assert returned.exists()
    assert not returned.filter(reversal_of__isnull=True).exists()
    for row in returned.select_related("reversal_of"):
        assert row.principal == -row.reversal_of.principal
        assert row.suspense == -row.reversal_of.suspense
    assert not LedgerTransaction.objects.filter(kind="installment", payment__isnull=True).exists()
    assert Loan.objects.filter(suspense_balance__gt=0).exists()  # partial payers
    assert Loan.objects.filter(late_charges_outstanding__gt=0).exists()
    # One late charge per installment, never two (the database also enforces it).
    dupes = (
        LedgerTransaction.objects.filter(kind="late_charge")
        .values("loan_id", "installment_due_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not dupes.exists()


def test_reverse_and_reapply_rows_appear_for_some_seed():
    """A good payment between a returned one and its return is reversed (kind reversal) and
    reposted with original_payment pointing at its first posting, as payment_reverse_nsf does."""
    seed(7, loans=1000)

    reversals = LedgerTransaction.objects.filter(kind="reversal")
    assert reversals.exists()
    assert not reversals.filter(reversal_of__isnull=True).exists()
    assert LedgerTransaction.objects.filter(kind="payment", original_payment__isnull=False).exists()
    assert list(ledger_mismatches()) == []


def test_loans_follow_the_investor_program_and_terms():
    seed(7)

    pairs = set(Loan.objects.values_list("investor", "program").distinct())
    assert pairs == {
        ("FNMA", "GSE_FLEX"),
        ("FHLMC", "GSE_FLEX"),
        ("FHA", "FHA_HAMP"),
        ("VA", "HAMP_31"),
        ("PORTFOLIO", "PORTFOLIO"),
    }
    assert set(Loan.objects.values_list("original_term_months", flat=True)) <= {180, 240, 360}
    rates = Loan.objects.values_list("note_rate", flat=True)
    assert min(rates) >= Decimal("2.750")
    assert max(rates) <= Decimal("7.875")
    assert Loan.objects.filter(original_term_months=360).count() > LOANS / 2
    assert Loan.objects.filter(maturity_date__gt=AS_OF).count() == LOANS
    assert Valuation.objects.filter(kind="origination").count() == LOANS
    assert Valuation.objects.filter(kind="avm").count() == LOANS
    assert Borrower.objects.filter(preferred_language="es").exists()
    assert Loan.objects.filter(co_borrower__isnull=False).exists()
    assert not Phone.objects.filter(is_primary=True).values("borrower_id").annotate(n=Count("id")).filter(n__gt=1)


def test_delinquent_loans_are_spread_across_the_specialists():
    seed(7)

    delinquent = Loan.objects.filter(next_due_date__lt=date(2026, 10, 28))  # 30+ days past due
    assert delinquent.exists()
    assert not delinquent.filter(assigned_to__isnull=True).exists()
    owners = set(delinquent.values_list("assigned_to__username", flat=True))
    assert owners == {"specialist1", "specialist2", "specialist3"}
    spanish = Loan.objects.filter(assigned_to__isnull=False, borrower__preferred_language="es")
    assert set(spanish.values_list("assigned_to__username", flat=True)) == {"specialist2"}


def test_demo_users_exist_with_their_roles_and_profiles():
    seed(7, loans=0)

    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups").select_related("profile")}
    roles = {name: {g.name for g in users[name].groups.all()} for name in users}
    assert roles == {
        "specialist1": {"Specialist"},
        "specialist2": {"Specialist"},
        "specialist3": {"Specialist"},
        "manager1": {"Manager"},
        "admin1": {"Admin"},
    }
    for name in ("specialist1", "specialist2", "specialist3"):
        profile = users[name].profile
        assert profile.capacity == 150
        assert profile.manager == users["manager1"]
    assert users["specialist2"].profile.language_list == ["en", "es"]
    assert users["specialist1"].profile.language_list == ["en"]
    assert users["manager1"].profile.approval_limit == Decimal("500000.00")
    assert users["admin1"].is_staff
    assert users["admin1"].is_superuser
    assert not users["specialist1"].is_staff
    for name, user in users.items():
        assert user.check_password(f"{name}-demo-pass")


def test_second_run_keeps_the_portfolio_and_resets_passwords():
    out = StringIO()
    call_command("seed_demo", "--loans", "50", "--seed", "3", "--as-of", "2026-11-27", stdout=out, verbosity=0)
    first = portfolio_digest()
    specialist = get_user_model().objects.get(username="specialist1")
    specialist.set_password("something-else-entirely")
    specialist.save()

    out = StringIO()
    call_command("seed_demo", "--loans", "80", "--seed", "4", stdout=out, verbosity=0)

    assert Loan.objects.count() == 50
    assert portfolio_digest() == first
    assert "already present (50 loans)" in out.getvalue()
    assert get_user_model().objects.filter(username__in=["specialist1", "admin1"]).count() == 2
    assert get_user_model().objects.get(username="specialist1").check_password("specialist1-demo-pass")


def test_command_prints_summary_and_logins():
    out = StringIO()
    call_command("seed_demo", "--loans", "40", "--seed", "5", "--as-of", "2026-11-27", stdout=out, verbosity=0)

    text = out.getvalue()
    assert "Seeded 40 loans (seed 5)" in text
    assert "Loans by days past due as of 2026-11-27:" in text
    for name in ("specialist1", "specialist2", "specialist3", "manager1", "admin1"):
        assert f"{name}-demo-pass" in text


def test_ids_continue_after_existing_rows():
    """Ids are assigned by the seeder from the current maximum; sequences then move past them."""
    other = Borrower.objects.create(first_name="Ann", last_name="Existing")
    seed(7, loans=20)

    assert Borrower.objects.aggregate(m=Max("id"))["m"] > other.pk
    assert Borrower.objects.filter(pk__lte=other.pk).count() == 1
    fresh = Borrower.objects.create(first_name="Bo", last_name="After")
    assert fresh.pk > Borrower.objects.exclude(pk=fresh.pk).aggregate(m=Max("id"))["m"]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is the PostgreSQL path")


@pytest.mark.postgres
@postgres_only
def test_copy_with_worker_processes_matches_in_process_copy():
    """Parallel generation hands out the same ids and rows as one process."""
    in_process = seed_and_digest(7, workers=0)
    parallel = seed_and_digest(7, workers=2, chunk_loans=64)
    assert parallel == in_process


@pytest.mark.postgres
@postgres_only
def test_copy_path_writes_consistent_rows():
    result = seed(7, workers=2, chunk_loans=100)

    assert result.workers == 2
    assert Loan.objects.count() == LOANS
    assert list(ledger_mismatches()) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('borrowers_ledgertransaction', 'id'))")
        assert cursor.fetchone()[0] > LedgerTransaction.objects.aggregate(m=Max("id"))["m"]


@pytest.mark.postgres
@postgres_only
def test_copy_path_without_superuser_uses_per_row_foreign_key_checks(monkeypatch):
    monkeypatch.setattr(loader, "skip_row_foreign_key_checks", lambda: False)
    seed(7, loans=100, workers=0)

    assert Loan.objects.count() == 100
    assert list(ledger_mismatches()) == []


@pytest.mark.postgres
@postgres_only
def test_broken_foreign_key_is_caught_by_the_set_based_check():
    seed(7, loans=20, workers=0)
    bases = dict.fromkeys((table for table, _ in TABLES), 1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "UPDATE borrowers_loan SET property_id = 999999999 WHERE id = (SELECT MIN(id) FROM borrowers_loan)"
            )
            cursor.execute("SET LOCAL session_replication_role = origin")
        with pytest.raises(IntegrityError, match="pointing nowhere"):
            loader.check_foreign_keys(bases)
        transaction.set_rollback(True)


def _replay_through_services(seeded: Loan, actor) -> tuple[Loan, Decimal]:
    """Board a twin of `seeded` at its opening balances and send it the same borrower events
    (payments, NSF returns, fees) through the real services; escrow disbursements have no
    service yet, so their total is returned to be allowed for."""
    from borrowers.services import fee_assess, late_charges_assess, ledger_open, payment_post, payment_reverse_nsf

    rows = list(seeded.ledger.select_related("reversal_of").order_by("seq"))
    opening = rows[0]
    applied = sum(1 for r in rows if r.kind == "installment") - sum(
        1 for r in rows if r.reversal_of_id and r.reversal_of.kind == "installment"
    )
    fields = {
        f.attname: getattr(seeded, f.attname)
        for f in Loan._meta.concrete_fields
        if f.attname not in ("id", "loan_number", "created_at", "updated_at")
    }
    fields |= {
        "loan_number": f"T{seeded.loan_number}",
        "principal_balance": opening.principal_after,
        "escrow_balance": opening.escrow_after,
        "suspense_balance": opening.suspense_after,
        "late_charges_outstanding": opening.late_charges_after,
        "fees_outstanding": opening.fees_after,
        "next_due_date": opening.next_due_date_after,
        "remaining_term_months": seeded.remaining_term_months + applied,
    }
    twin = Loan.objects.create(**fields)
    ledger_open(loan=twin, effective_date=opening.effective_date)
    posted: dict[int, int] = {}
    disbursed = Decimal("0.00")
    for row in rows[1:]:
        if row.kind == "payment" and row.original_payment_id is None:
            posted[row.pk] = payment_post(
                actor=actor, loan_id=twin.pk, amount=row.amount, received_on=row.effective_date, reference=row.reference
            ).pk
        elif row.kind == "nsf_reversal" and row.reversal_of.kind == "payment":
            first = row.reversal_of.original_payment_id or row.reversal_of_id
            payment_reverse_nsf(
                actor=actor, payment_id=posted[first], returned_on=row.effective_date, reason=row.reference
            )
        elif row.kind == "fee":
            fee_assess(actor=actor, loan_id=twin.pk, amount=row.amount, reason=row.reference, on=row.effective_date)
        elif row.kind == "escrow_disbursement":
            disbursed += row.amount
    late_charges_assess(loan_id=twin.pk, as_of=AS_OF)
    twin.refresh_from_db()
    return twin, disbursed


def test_seeded_histories_are_what_the_services_would_have_written():
    """Replaying each seeded borrower's payments, returns and fees through payment_post,
    payment_reverse_nsf, fee_assess and late_charges_assess ends at the seeded balances."""
    import time_machine

    seed(7)
    # The demo's manager: the demo specialists report to him, so their loans are his team's.
    manager = get_user_model().objects.get(username="manager1")
    returned = set(LedgerTransaction.objects.filter(kind="nsf_reversal").values_list("loan_id", flat=True))
    sample = Loan.objects.filter(pk__in=returned) | Loan.objects.filter(pk__in=Loan.objects.order_by("pk")[:40])
    assert len(returned) >= 3

    with time_machine.travel(datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        for seeded in sample.order_by("pk"):
            twin, disbursed = _replay_through_services(seeded, manager)
            assert (
                twin.principal_balance,
                twin.escrow_balance - disbursed,
                twin.suspense_balance,
                twin.late_charges_outstanding,
                twin.fees_outstanding,
                twin.next_due_date,
                twin.remaining_term_months,
            ) == (
                seeded.principal_balance,
                seeded.escrow_balance,
                seeded.suspense_balance,
                seeded.late_charges_outstanding,
                seeded.fees_outstanding,
                seeded.next_due_date,
                seeded.remaining_term_months,
            ), seeded.loan_number
            kinds = list(twin.ledger.exclude(kind="late_charge").order_by("seq").values_list("kind", flat=True))
            expected = list(
                seeded.ledger.exclude(kind__in=("late_charge", "escrow_disbursement"))
                .order_by("seq")
                .values_list("kind", flat=True)
            )
            assert kinds == expected, seeded.loan_number


@pytest.mark.parametrize(
    ("as_of", "_case"),
    [
        (date(2026, 3, 31), "month end: a note due on the 1st is never 90-119 days behind"),
        (date(2012, 2, 29), "leap day, long before today"),
        (date(2026, 12, 1), "a due date: nothing due today is late yet"),
    ],
)
def test_every_band_is_present_whatever_the_as_of_date(as_of, _case):
    seed_demo(loans=400, seed=3, as_of=as_of)

    present = {bucket_of(days_past_due(d, as_of)) for d in Loan.objects.values_list("next_due_date", flat=True)}
    assert present == set(BUCKETS)
    assert list(ledger_mismatches()) == []
    assert not LedgerTransaction.objects.filter(effective_date__gt=as_of).exists()
