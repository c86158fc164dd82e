"""Loading Freddie Mac files: exact loans, the MBA agreement report, idempotence, refusals."""

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from borrowers.models import Borrower, LedgerTransaction, Loan, Property, Valuation
from borrowers.services import ledger_mismatches
from imports.freddie import generate_sample, write_sample
from imports.models import ImportRun
from imports.services import freddie_import
from workouts.domain.amortization import monthly_payment

pytestmark = pytest.mark.django_db

SEED = 7  # 12 loans, one of each MIX category, last reporting period 2025-06


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    return write_sample(tmp_path, loans=12, seed=SEED)


def _load(files, **kwargs):
    orig, perf = files
    return freddie_import(orig_path=orig, perf_path=perf, **kwargs)


def test_loans_are_boarded_from_the_latest_record(files):
    """Balance, rate, remaining term, next due date and status come from each loan's last month."""
    run, _ = _load(files)
    assert run.status == ImportRun.Status.APPLIED
    assert (run.rows_total, run.rows_new, run.rows_updated, run.rows_unchanged) == (12, 12, 0, 0)
    loans = {loan.loan_number: loan for loan in Loan.objects.all()}
    got = {
        number: (loan.status, loan.principal_balance, loan.deferred_principal, loan.next_due_date, loan.note_rate,
                 loan.remaining_term_months)
        for number, loan in loans.items()
    }  # fmt: skip
    active, d = Loan.Status.ACTIVE, Decimal
    assert got == {
        "F23Q10000001": (active, d("420490.65"), d("0"), date(2025, 7, 1), d("3.125"), 151),  # current
        "F23Q20000002": (active, d("583248.34"), d("0"), date(2025, 7, 1), d("6.125"), 154),  # current
        "F22Q40000003": (active, d("600307.00"), d("0"), date(2025, 7, 1), d("3.625"), 328),  # current
        "F22Q20000004": (active, d("568160.22"), d("0"), date(2025, 6, 1), d("7.000"), 323),  # 1 month
        "F22Q30000005": (active, d("416317.13"), d("0"), date(2025, 5, 1), d("6.250"), 327),  # 2 months
        "F23Q10000006": (active, d("428550.79"), d("0"), date(2025, 1, 1), d("6.625"), 337),  # 6 months
        "F23Q10000007": (Loan.Status.PAID_OFF, d("0"), d("0"), date(2025, 2, 1), d("5.500"), 157),  # prepaid
        "F21Q20000008": (Loan.Status.LIQUIDATED, d("153611.64"), d("0"), date(2024, 5, 1), d("4.000"), 326),  # RA
        "F23Q30000009": (active, d("250870.04"), d("0"), date(2025, 7, 1), d("3.875"), 337),  # XX
        # modified: 10% forborne into deferred principal, rate cut, 480 months
        "F21Q20000010": (active, d("510139.30"), d("56682.14"), date(2025, 7, 1), d("2.000"), 480),
        # payment deferral: the deferred principal is non-interest-bearing
        # 236179.54, not .53: a month of interest on it was an exact half cent, now rounded up
        "F23Q20000011": (active, d("236179.54"), d("813.17"), date(2025, 7, 1), d("3.625"), 335),
        "F22Q20000012": (active, d("220730.43"), d("0"), date(2025, 5, 1), d("4.750"), 324),  # disaster
    }
    first = loans["F23Q10000001"]
    assert (first.investor, first.program, first.lien_position) == ("FHLMC", "GSE_FLEX", 1)
    assert first.original_balance == Decimal("484000.00")
    assert first.original_term_months == 180
    assert first.first_payment_date == date(2023, 2, 1)
    assert first.origination_date == date(2023, 1, 1)
    assert first.maturity_date == date(2038, 1, 1)
    assert first.monthly_pi == monthly_payment(Decimal("484000"), Decimal("3.125"), 180)
    assert first.foreclosure_type == Loan.ForeclosureType.NON_JUDICIAL  # CA
    assert loans["F21Q20000010"].monthly_pi == monthly_payment(Decimal("510139.30"), Decimal("2.000"), 480)
    assert loans["F21Q20000010"].maturity_date == date(2065, 6, 1)


def test_borrowers_are_placeholders_and_properties_masked(files):
    """The dataset has no PII: "Borrower <seq>", no street, the 3-digit ZIP prefix."""
    _load(files)
    loan = Loan.objects.select_related("borrower", "property").get(loan_number="F23Q10000001")
    assert loan.borrower.full_name == "Borrower F23Q10000001"
    assert (loan.borrower.email, loan.borrower.mailing_address1) == ("", "")
    assert (loan.property.state, loan.property.zip_code, loan.property.occupancy) == ("CA", "900XX", "owner")
    valuation = Valuation.objects.get(property=loan.property)
    assert (valuation.kind, valuation.value, valuation.valued_on) == (
        Valuation.Kind.ORIGINATION,
        Decimal("543820.22"),  # 484,000 at 89% LTV
        date(2023, 1, 1),
    )
    assert Borrower.objects.count() == Property.objects.count() == 12


def test_every_loan_gets_its_opening_ledger_row(files):
    _load(files)
    assert not ledger_mismatches().exists()
    rows = LedgerTransaction.objects.filter(loan__loan_number="F21Q20000010")
    assert [(r.seq, r.kind, r.principal, r.deferred, r.principal_after, r.deferred_after) for r in rows] == [
        (1, "opening", Decimal("510139.30"), Decimal("56682.14"), Decimal("510139.30"), Decimal("56682.14"))
    ]
    assert rows[0].effective_date == date(2025, 6, 30)  # the end of the reporting period
    assert LedgerTransaction.objects.count() == 12


def test_agreement_report_is_exact(files):
    """Ours agrees with the file except where the file states a reason."""
    run, agreements = _load(files)
    assert run.report["totals"] == {"loans": 12, "agree": 6, "explained": 6, "disagree": 0, "no_data": 0}
    assert [(a.loan_number, a.file_status, a.ours, a.outcome) for a in agreements if a.outcome == "agree"] == [
        ("F23Q10000001", "0", 0, "agree"),
        ("F23Q20000002", "0", 0, "agree"),
        ("F22Q40000003", "0", 0, "agree"),
        ("F22Q20000004", "1", 1, "agree"),
        ("F22Q30000005", "2", 2, "agree"),
        ("F23Q10000006", "6", 6, "agree"),
    ]
    assert run.report["exceptions"] == [
        {"loan_number": "F23Q10000007", "period": "202501", "file_status": "0", "ours": None, "outcome": "explained",
         "reason": "zero balance 01 (prepaid or matured): the loan is closed"},
        {"loan_number": "F21Q20000008", "period": "202506", "file_status": "RA", "ours": 14, "outcome": "explained",
         "reason": "REO acquired (RA): no MBA count in file"},
        {"loan_number": "F23Q30000009", "period": "202506", "file_status": "XX", "ours": 0, "outcome": "explained",
         "reason": "status unknown (XX) in the file"},
        {"loan_number": "F21Q20000010", "period": "202506", "file_status": "5", "ours": 0, "outcome": "explained",
         "reason": "modified this period (field 8 = Y)"},
        {"loan_number": "F23Q20000011", "period": "202506", "file_status": "2", "ours": 0, "outcome": "explained",
         "reason": "payment deferral (field 25 = Y)"},
        {"loan_number": "F22Q20000012", "period": "202506", "file_status": "0", "ours": 2, "outcome": "explained",
         "reason": "delinquency due to disaster (field 29 = Y)"},
    ]  # fmt: skip


def test_one_audit_record_per_run(files):
    run, _ = _load(files)
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == ("import.freddie", "imports.ImportRun", str(run.pk))
    assert event.after == {"rows": 12, "new": 12, "updated": 0, "unchanged": 0, "ledger_rows": 12, "errors": 0}


def test_loading_the_same_files_again_changes_nothing(files):
    _load(files)
    ledger_before = LedgerTransaction.objects.count()
    run, _ = _load(files)
    assert (run.rows_new, run.rows_updated, run.rows_unchanged, run.ledger_rows) == (0, 0, 12, 0)
    assert Loan.objects.count() == Borrower.objects.count() == Valuation.objects.count() == 12
    assert LedgerTransaction.objects.count() == ledger_before
    assert AuditEvent.objects.count() == 2  # one per run, nothing else


def test_as_of_picks_an_earlier_month_and_a_later_load_adjusts_through_the_ledger(files):
    """Loaded as of April, then June: balances move by ADJUSTMENT rows, never silently."""
    run, _ = _load(files, as_of=date(2025, 4, 30))
    assert run.report["totals"]["disagree"] == 0
    loan = Loan.objects.get(loan_number="F23Q10000001")
    april_balance = loan.principal_balance
    assert loan.next_due_date == date(2025, 5, 1)
    run, _ = _load(files)
    # Unchanged: paid off in January, and the 2-month, 6-month and disaster loans, which have
    # paid nothing since April.
    assert (run.rows_updated, run.rows_unchanged) == (8, 4)
    loan.refresh_from_db()
    assert (loan.principal_balance, loan.next_due_date) == (Decimal("420490.65"), date(2025, 7, 1))
    adjustment = LedgerTransaction.objects.get(loan=loan, seq=2)
    assert (adjustment.kind, adjustment.principal, adjustment.amount, adjustment.principal_after) == (
        "adjustment",
        Decimal("420490.65") - april_balance,
        Decimal("420490.65") - april_balance,
        Decimal("420490.65"),
    )
    assert adjustment.next_due_date_after == date(2025, 7, 1)
    modified = Loan.objects.get(loan_number="F21Q20000010")
    assert [(r.kind, r.principal, r.deferred) for r in modified.ledger.filter(kind="adjustment")] == [
        ("adjustment", Decimal("510139.30") - _principal_in_april(files, "F21Q20000010"), Decimal("0")),
        ("adjustment", Decimal("0"), Decimal("56682.14")),
    ]
    assert not ledger_mismatches().exists()


def _principal_in_april(files, seq: str) -> Decimal:
    for line in files[1].read_text().splitlines():
        fields = line.split("|")
        if fields[0] == seq and fields[1] == "202504":
            return Decimal(fields[2])
    raise AssertionError(seq)


def test_bad_rows_are_reported_by_line_and_nothing_is_written(tmp_path, files):
    orig, perf = files
    orig_lines = orig.read_text().splitlines()
    perf_lines = perf.read_text().splitlines()
    orig_lines[2] = orig_lines[2].replace("|633000|", "|633,000|")  # line 3: bad number
    perf_lines[4] = "|".join(perf_lines[4].split("|")[:30])  # line 5: two fields short
    fields = perf_lines[8].split("|")
    fields[1] = "2024-13"  # line 9: bad date
    perf_lines[8] = "|".join(fields)
    perf_lines.append(perf_lines[0].replace("F23Q10000001", "F99Q10000099"))  # not in the origination file
    orig.write_text("\n".join(orig_lines) + "\n")
    perf.write_text("\n".join(perf_lines) + "\n")

    run, agreements = _load((orig, perf))

    assert run.status == ImportRun.Status.REJECTED
    assert agreements == []
    assert [(e["line"], e["column"], e["message"]) for e in run.errors] == [
        (3, "origination field 11 original_upb", "'633,000' is not a number"),
        (5, "performance", "has 30 fields; the performance layout has 32"),
        (9, "performance field 2 monthly_reporting_period", "'2024-13' is not a YYYYMM date"),
        (396, "performance", "loan F99Q10000099 is not in the origination file"),
    ]
    assert Loan.objects.count() == Borrower.objects.count() == LedgerTransaction.objects.count() == 0
    assert AuditEvent.objects.get().action == "import.freddie.rejected"


def test_out_of_order_periods_are_refused(files):
    perf = files[1]
    lines = perf.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    perf.write_text("\n".join(lines) + "\n")
    run, _ = _load(files)
    assert [(e["line"], e["message"]) for e in run.errors] == [
        (3, "loan F23Q10000001 period 202303 does not follow 202304")
    ]
    assert not Loan.objects.exists()


def test_dry_run_reports_and_writes_nothing(files):
    run, agreements = _load(files, dry_run=True)
    assert run.status == ImportRun.Status.PREVIEWED
    assert run.rows_new == 12
    assert len(agreements) == 12
    assert not Loan.objects.exists()
    assert not AuditEvent.objects.exists()


def test_commands_generate_and_import(tmp_path):
    out = StringIO()
    call_command("generate_freddie_sample", str(tmp_path), "--loans", "12", "--seed", str(SEED), stdout=out)
    orig_lines, perf_lines, _ = generate_sample(loans=12, seed=SEED)
    assert (tmp_path / "sample_orig.txt").read_text() == "".join(f"{line}\n" for line in orig_lines)
    assert (tmp_path / "sample_svcg.txt").read_text() == "".join(f"{line}\n" for line in perf_lines)

    out = StringIO()
    report = tmp_path / "report.csv"
    call_command(
        "import_freddie",
        str(tmp_path / "sample_orig.txt"),
        str(tmp_path / "sample_svcg.txt"),
        "--no-progress",
        "--report",
        str(report),
        stdout=out,
    )
    text = out.getvalue()
    assert "Totals: 12 loan(s): 6 agree, 6 explained by the file, 0 disagree, 0 without performance data" in text
    assert "F21Q20000010   202506     5    0  explained  modified this period (field 8 = Y)" in text
    assert len(report.read_text().splitlines()) == 13  # header and one line per loan
    assert Loan.objects.count() == 12


def test_command_fails_on_bad_files(files):
    orig, perf = files
    perf.write_text("F23Q10000001|202401|x\n")
    out = StringIO()
    with pytest.raises(CommandError, match="rejected: 1 error"):
        call_command("import_freddie", str(orig), str(perf), "--no-progress", stdout=out)
    assert "line 1, performance: has 3 fields; the performance layout has 32" in out.getvalue()


def test_loans_without_a_record_by_the_as_of_date_are_boarded_from_origination(files):
    """Before a loan's first reporting month there is nothing to compare: reported as no data."""
    run, agreements = _load(files, as_of=date(2022, 8, 31))
    by_loan = {a.loan_number: a for a in agreements}
    assert run.report["totals"] == {"loans": 12, "agree": 5, "explained": 0, "disagree": 0, "no_data": 7}
    assert by_loan["F23Q10000001"].outcome == "no_data"
    assert by_loan["F23Q10000001"].reason == "no performance record on or before the as-of date"
    loan = Loan.objects.get(loan_number="F23Q10000001")
    assert (loan.principal_balance, loan.next_due_date, loan.remaining_term_months, loan.maturity_date) == (
        Decimal("484000.00"),
        date(2023, 2, 1),
        180,
        date(2038, 1, 1),
    )
    assert not ledger_mismatches().exists()


def test_freddie_run_page_shows_the_agreement_report(client, admin_user, files):
    run, _ = _load(files)
    client.force_login(admin_user)
    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert "12 loans: 6 agree, 6 explained by the file, 0 disagree, 0 without performance data." in page
    assert "modified this period (field 8 = Y)" in page
