"""Loading a servicing tape: exact upsert, idempotent reload, every bad row reported, nothing
written unless the whole file is clean."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from borrowers.services import ledger_mismatches, payment_post
from imports.models import ImportRun
from imports.services import tape_import
from tests.factories import LoanFactory
from tests.imports.tapes import THREE, tape_row, tape_text, write_tape
from workouts.domain.amortization import monthly_payment

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Loan, Borrower, Property, Phone, Valuation, LedgerTransaction, AuditEvent)
    }


def _snapshot() -> list[tuple]:
    return list(Loan.objects.order_by("loan_number").values_list())


def test_new_loans_are_boarded_exactly(tmp_path, admin_user):
    run = tape_import(path=write_tape(tmp_path / "tape.csv", THREE), actor=admin_user)
    assert run.status == ImportRun.Status.APPLIED
    assert (run.rows_total, run.rows_new, run.rows_updated, run.rows_unchanged, run.ledger_rows) == (3, 3, 0, 0, 3)
    loan = Loan.objects.select_related("borrower", "property").get(loan_number="2000001")
    assert (loan.investor, loan.program, loan.lien_position) == ("FNMA", "GSE_FLEX", 1)
    assert (loan.origination_date, loan.first_payment_date, loan.next_due_date) == (
        date(2021, 5, 14),
        date(2021, 7, 1),
        date(2026, 12, 1),
    )
    assert loan.maturity_date == date(2052, 5, 1)  # 306 installments from Dec 2026
    assert (loan.original_balance, loan.note_rate, loan.original_term_months, loan.remaining_term_months) == (
        Decimal("250000.00"),
        Decimal("6.500"),
        360,
        306,
    )
    assert loan.monthly_pi == monthly_payment(Decimal("250000.00"), Decimal("6.500"), 360) == Decimal("1580.17")
    assert (loan.principal_balance, loan.escrow_balance, loan.monthly_escrow) == (
        Decimal("233000.00"),
        Decimal("1800.00"),
        Decimal("350.00"),
    )
    assert (loan.status, loan.foreclosure_type) == ("active", "non_judicial")
    assert (loan.borrower.full_name, loan.borrower.email, loan.borrower.preferred_language) == (
        "Ana Reyes",
        "ana.reyes@example.com",
        "es",
    )
    assert (loan.borrower.mailing_address1, loan.borrower.mailing_city, loan.borrower.mailing_zip) == (
        "PO Box 12",
        "Decatur",
        "30030",
    )
    assert str(loan.property) == "48 Oak Lane, Decatur, GA 30030"
    assert [(p.number, p.is_primary, p.consent_to_call) for p in loan.borrower.phones.all()] == [
        ("404-555-0101", True, False)  # the tape carries no TCPA consent
    ]
    assert [(v.kind, v.value, v.valued_on, v.source) for v in loan.property.valuations.all()] == [
        ("avm", Decimal("310000.00"), date(2026, 9, 15), "servicing tape")
    ]
    fha = Loan.objects.select_related("property", "borrower").get(loan_number="2000002")
    assert (fha.program, fha.monthly_pi, fha.escrow_balance, fha.property.occupancy) == (
        "FHA_HAMP",
        Decimal("1400.00"),
        Decimal("0.00"),
        "second_home",
    )
    assert (fha.borrower.preferred_language, fha.borrower.phones.count(), fha.property.valuations.count()) == (
        "en",
        0,
        0,
    )
    portfolio = Loan.objects.get(loan_number="2000003")
    assert (portfolio.foreclosure_type, portfolio.maturity_date) == (
        "judicial",
        date(2052, 4, 15),
    )  # 306 from Nov 15, 2026
    opening = LedgerTransaction.objects.get(loan=loan)
    assert (opening.seq, opening.kind, opening.principal, opening.escrow, opening.principal_after) == (
        1,
        "opening",
        Decimal("233000.00"),
        Decimal("1800.00"),
        Decimal("233000.00"),
    )
    assert (opening.created_by, opening.next_due_date_after) == (admin_user, date(2026, 12, 1))
    assert not ledger_mismatches().exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("import.tape", admin_user, str(run.pk))
    assert event.after == {"rows": 3, "new": 3, "updated": 0, "unchanged": 0, "ledger_rows": 3, "errors": 0}


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write_tape(tmp_path / "tape.csv", THREE)
    tape_import(path=path)
    before, loans_before = _counts(), _snapshot()
    run = tape_import(path=path)
    assert (run.rows_new, run.rows_updated, run.rows_unchanged, run.ledger_rows) == (0, 0, 3, 0)
    after = _counts()
    assert after == {**before, "AuditEvent": before["AuditEvent"] + 1}  # the second run's own record
    assert _snapshot() == loans_before  # not even updated_at moved
    assert ImportRun.objects.filter(status="applied").count() == 2


def test_changes_are_upserted_and_balances_adjusted_through_the_ledger(tmp_path, specialist):
    """Updated fields are written; a changed balance becomes an ADJUSTMENT row after the last
    ledger row, including rows that payments posted since boarding."""
    tape_import(path=write_tape(tmp_path / "first.csv", THREE))
    loan = Loan.objects.get(loan_number="2000001")
    payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("500.00"), received_on=date(2026, 11, 20))
    loan.refresh_from_db()
    assert loan.suspense_balance == Decimal("500.00")  # a partial payment waits in suspense
    second = [
        tape_row(principal_balance="232500.00", escrow_balance="1750.00", borrower_last_name="Reyes-Lopez",
                 borrower_phone="404-555-0199", market_value="305000.00", valuation_date="2026-11-01"),
        THREE[1],
        THREE[2] | {"note_rate": "5.250", "remaining_term_months": "360"},
        tape_row(loan_number="2000004", borrower_first_name="Lee", property_address1="1 New Rd"),
    ]  # fmt: skip
    run = tape_import(path=write_tape(tmp_path / "second.csv", second))
    assert (run.rows_new, run.rows_updated, run.rows_unchanged, run.ledger_rows) == (1, 2, 1, 3)
    loan.refresh_from_db()
    assert (loan.principal_balance, loan.escrow_balance, loan.suspense_balance) == (
        Decimal("232500.00"),
        Decimal("1750.00"),
        Decimal("500.00"),  # Lossmit's own servicing state is left alone
    )
    adjustments = list(loan.ledger.filter(kind="adjustment"))
    assert [(r.seq, r.amount, r.principal, r.escrow, r.principal_after, r.escrow_after, r.suspense_after)
            for r in adjustments] == [
        (3, Decimal("-500.00"), Decimal("-500.00"), Decimal("0"), Decimal("232500.00"), Decimal("1800.00"),
         Decimal("500.00")),
        (4, Decimal("-50.00"), Decimal("0"), Decimal("-50.00"), Decimal("232500.00"), Decimal("1750.00"),
         Decimal("500.00")),
    ]  # fmt: skip
    assert loan.borrower.last_name == "Reyes-Lopez"
    assert list(loan.borrower.phones.values_list("number", flat=True)) == ["404-555-0199"]
    assert sorted(loan.property.valuations.values_list("value", flat=True)) == [
        Decimal("305000.00"),
        Decimal("310000.00"),
    ]
    third = Loan.objects.get(loan_number="2000003")
    assert (third.note_rate, third.remaining_term_months) == (Decimal("5.250"), 360)
    assert third.ledger.count() == 1  # terms changed, balances did not: no ledger row
    assert Loan.objects.get(loan_number="2000004").ledger.get().kind == "opening"
    assert not ledger_mismatches().exists()


def test_a_file_with_bad_rows_reports_each_by_line_and_writes_nothing(tmp_path):
    LoanFactory(loan_number="2000001")
    before, loans_before = _counts(), _snapshot()
    rows = [
        tape_row(loan_number="3000001"),  # line 2: fine
        tape_row(loan_number="3000002", note_rate="six"),  # line 3
        tape_row(loan_number="3000003", next_due_date="2026-12-15", property_state="ZZ"),  # line 4: two errors
        tape_row(loan_number="3000001"),  # line 5: duplicate of line 2
        tape_row(loan_number="3000005", principal_balance="", occupancy="rented"),  # line 6
        tape_row(loan_number="3000006", origination_date="2021-02-30", borrower_email="not-an-email"),  # line 7
        tape_row(loan_number="3000007", market_value="1000.00", valuation_date=""),  # line 8
    ]
    text = tape_text(rows) + "3000008,FNMA\n"  # line 9: too few fields
    path = tmp_path / "bad.csv"
    path.write_text(text)

    run = tape_import(path=path)

    assert run.status == ImportRun.Status.REJECTED
    assert [(e["line"], e["column"], e["message"]) for e in run.errors] == [
        (3, "note_rate", "'six' is not a rate in percent (e.g. 6.500)"),
        (4, "property_state", "'ZZ' is not a US state code"),
        (4, "next_due_date", "2026-12-15 is not an installment date (due day 1)"),
        (5, "loan_number", "3000001 is also on line 2"),
        (6, "principal_balance", "is required"),
        (6, "occupancy", "'rented' is not owner, second_home or investment"),
        (7, "origination_date", "'2021-02-30' is not a date (YYYY-MM-DD)"),
        (7, "borrower_email", "'not-an-email' is not an email address"),
        (8, "valuation_date", "is required when market_value is given"),
        (9, "", "has 2 fields; the header has 31"),
    ]
    assert (run.rows_total, run.error_count, run.rows_new) == (8, 10, 0)
    assert _counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert _snapshot() == loans_before
    assert AuditEvent.objects.get(action="import.tape.rejected").object_id == str(run.pk)


@pytest.mark.parametrize(
    ("_case", "header", "message"),
    [
        ("missing", "loan_number,investor\n", "missing required column(s): origination_date, original_balance"),
        ("unknown", ",".join(["loan_no", *tape_row()]) + "\n", "unknown column(s): loan_no"),
        ("empty", "", "the file is empty; it needs a header line"),
    ],
)
def test_header_problems_reject_the_file(tmp_path, _case, header, message):
    path = tmp_path / "tape.csv"
    path.write_text(header)
    run = tape_import(path=path)
    assert run.status == ImportRun.Status.REJECTED
    assert run.errors[0]["line"] == 1
    assert run.errors[0]["message"].startswith(message)
    assert not Loan.objects.exists()


def test_text_with_commas_quotes_backslashes_and_accents_round_trips(tmp_path):
    """Values reach the database exactly (PostgreSQL loads them with COPY's text format)."""
    row = tape_row(borrower_last_name='Nú\\ñez "Jr", II', property_address1="Unit 4\\N, 12 Main")
    tape_import(path=write_tape(tmp_path / "tape.csv", [row]))
    loan = Loan.objects.select_related("borrower", "property").get()
    assert loan.borrower.last_name == 'Nú\\ñez "Jr", II'
    assert loan.property.address1 == "Unit 4\\N, 12 Main"


def test_columns_in_any_order_with_bom_and_us_dates(tmp_path):
    row = tape_row(origination_date="05/14/2021")
    columns = list(reversed(row))
    path = tmp_path / "tape.csv"
    path.write_text("\ufeff" + tape_text([row], columns=columns).replace("loan_number", "Loan_Number"))
    run = tape_import(path=path)
    assert run.status == ImportRun.Status.APPLIED, run.errors
    assert Loan.objects.get().origination_date == date(2021, 5, 14)


def test_dry_run_classifies_and_writes_nothing(tmp_path):
    tape_import(path=write_tape(tmp_path / "first.csv", THREE[:1]))
    before = _counts()
    run = tape_import(path=write_tape(tmp_path / "second.csv", THREE), dry_run=True)
    assert (run.status, run.rows_new, run.rows_updated, run.rows_unchanged) == ("previewed", 2, 0, 1)
    assert [(row["line"], row["loan_number"], row["action"]) for row in run.preview] == [
        (2, "2000001", "unchanged"),
        (3, "2000002", "new"),
        (4, "2000003", "new"),
    ]
    assert _counts() == before


def test_command_loads_and_reports(tmp_path):
    out = StringIO()
    call_command("import_tape", str(write_tape(tmp_path / "t.csv", THREE)), "--no-progress", stdout=out)
    assert "3 row(s), 3 new, 0 updated, 0 unchanged, 3 ledger row(s), 0 error(s)" in out.getvalue()
    bad = write_tape(tmp_path / "bad.csv", [tape_row(investor="BANK"), tape_row(loan_number="x y")])
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("import_tape", str(bad), "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        "line 2, investor: 'BANK' is not a investor (FHA, FHLMC, FNMA, PORTFOLIO, VA)",
        "line 3, loan_number: 'x y' must be 1-20 letters, digits or dashes",
    ]
    assert Loan.objects.count() == 3


def test_a_tape_spanning_several_chunks_loads_and_reloads_exactly(tmp_path):
    """Chunks of CHUNK_SIZE rows: every row lands once, and a reload with a tenth of the
    balances changed adjusts exactly those loans."""
    from imports.services import CHUNK_SIZE
    from tests.imports.tapes import many_rows

    count = CHUNK_SIZE * 2 + 7
    rows = many_rows(count)
    run = tape_import(path=write_tape(tmp_path / "big.csv", rows))
    assert (run.rows_new, run.ledger_rows) == (count, count)
    assert Loan.objects.count() == LedgerTransaction.objects.count() == Phone.objects.count() == count
    changed = {row["loan_number"] for row in rows[::10]}
    for row in rows[::10]:
        row["principal_balance"] = f"{Decimal(row['principal_balance']) - 100}"
    run = tape_import(path=write_tape(tmp_path / "big2.csv", rows))
    assert (run.rows_new, run.rows_updated, run.rows_unchanged) == (0, len(changed), count - len(changed))
    adjusted = set(
        LedgerTransaction.objects.filter(kind="adjustment", principal=Decimal("-100.00")).values_list(
            "loan__loan_number", flat=True
        )
    )
    assert adjusted == changed
    assert not ledger_mismatches().exists()
