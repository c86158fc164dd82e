"""The PostgreSQL tape path (imports/tape_fast.py) checks and types exactly as the per-row
path: the same errors in the same order, the same normalised values for every clean row, and
a set-based load whose query count does not grow with the file."""

import csv
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports import tape_fast
from imports.models import ImportRun
from imports.services import tape_import
from imports.tape import check_tape, parse_row
from imports.tape_fast import STAGE_COLUMNS, _staged_from_record, check_tape_fast
from tests.imports.tapes import THREE, many_rows, tape_row, tape_text, write_tape

MESSY = [
    tape_row(loan_number="3000001"),
    tape_row(loan_number="3000002", note_rate="six", lien_position="0"),
    tape_row(loan_number="3000003", next_due_date="2026-12-15", property_state="ZZ"),
    tape_row(loan_number="3000001"),
    tape_row(loan_number="3000005", principal_balance="", occupancy="rented"),
    tape_row(loan_number="3000006", origination_date="2021-02-30", borrower_email="not-an-email"),
    tape_row(loan_number="3000007", market_value="1000.00", valuation_date=""),
    tape_row(loan_number="3000008", market_value="0.00", escrow_balance="-12.50", monthly_pi="-1.00"),
    tape_row(loan_number="30000 9", investor="fnmx", program="HAMP", borrower_language="fr", mailing_zip="3003"),
    tape_row(loan_number="3000010", first_payment_date="2021-05-01", remaining_term_months="601"),
    tape_row(loan_number="3000011", borrower_first_name="A" * 101, borrower_phone="12", mailing_state="XX"),
    tape_row(loan_number="3000012", next_due_date="2021-06-01", original_term_months="x"),
]
# Valid rows the screen doubts (long or unusual emails) or normalises (case, US dates, blanks).
UNUSUAL = [
    tape_row(loan_number="4000001", borrower_email="first.o'brien+loans@mail.example.co.uk"),
    tape_row(loan_number="4000002", borrower_email=("a" * 58) + "@example.com", investor="fha", program=""),
    tape_row(loan_number="4000003", next_due_date="12/01/2026", occupancy="I", property_state="ny",
             borrower_language="", lien_position="", escrow_balance="", monthly_escrow="", market_value="",
             valuation_date="", note_rate="6.5", mailing_state="", mailing_zip=""),
    tape_row(loan_number="4000004", first_payment_date="2021-01-31", next_due_date="2026-02-28",
             origination_date="2020-12-15", monthly_pi="1400.5", borrower_first_name="  Zoë  "),
]  # fmt: skip


def _errors(check) -> list[tuple]:
    return [(e.line, e.column, e.message) for e in check.errors]


def test_the_fast_check_reports_exactly_what_the_per_row_check_reports(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(tape_text(MESSY + UNUSUAL) + "3000099,FNMA\n")
    slow, fast = check_tape(path), check_tape_fast(path)
    fast.spool.close()
    assert _errors(fast) == _errors(slow)
    assert len(fast.errors) == 25  # every bad value above, each with its reason
    assert fast.rows == slow.rows == 17


def test_clean_rows_are_normalised_exactly_as_the_per_row_path_types_them(tmp_path):
    rows = [*THREE, *UNUSUAL, *many_rows(5)]
    path = write_tape(tmp_path / "clean.csv", rows)
    fast = check_tape_fast(path)
    assert fast.ok
    with fast.spool:
        staged = list(csv.reader(fast.spool))  # as COPY reads it
    expected = []
    for line, row in enumerate(rows, start=2):
        record, errors = parse_row(line, {k: v.strip() for k, v in row.items()})
        assert errors == []
        expected.append([str(line), *(str(v) for v in _staged_from_record(record))])
    assert [_typed(row) for row in staged] == [_typed(row) for row in expected]
    assert len(staged[0]) == len(STAGE_COLUMNS) + 1


NUMERIC = {"original_balance", "note_rate", "principal_balance", "escrow_balance", "monthly_pi", "monthly_escrow",
           "market_value"}  # fmt: skip


def _typed(row: list[str]) -> list:
    """Numbers as PostgreSQL reads them ('6.5' and '6.500' are the same numeric(6, 3))."""
    return [Decimal(v) if name in NUMERIC and v else v for name, v in zip(("line", *STAGE_COLUMNS), row, strict=True)]


def test_the_maturity_and_payment_derived_for_unusual_rows():
    record, errors = parse_row(5, UNUSUAL[3])
    assert errors == []
    # 306 installments from Feb 28, 2026 (due day 31, clamped in February): the last is Jul 31, 2051.
    assert record.loan["maturity_date"] == date(2051, 7, 31)
    assert str(record.loan["monthly_pi"]) == "1400.50"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_load_runs_the_same_queries_for_3_or_60_rows(tmp_path):
    counts = []
    for n, rows in ((3, many_rows(3)), (60, many_rows(60, start=100))):
        path = write_tape(tmp_path / f"{n}.csv", rows)
        with CaptureQueriesContext(connection) as queries:
            run = tape_import(path=path)
        assert (run.status, run.rows_new) == (ImportRun.Status.APPLIED, n)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    reload = write_tape(tmp_path / "again.csv", many_rows(60, start=100))
    run = tape_import(path=reload)
    assert (run.rows_new, run.rows_updated, run.rows_unchanged, run.ledger_rows) == (0, 0, 60, 0)
    assert tape_fast.CHECK_CHUNK >= 1000


def test_whole_column_shortcuts_pass_only_columns_whose_every_value_passes():
    money = tape_fast._MONEY_COLUMN
    assert tape_fast._column_matches(money, ["1.00", "", "200000", "12.5"]) is True
    assert tape_fast._column_matches(money, []) is True
    # A newline inside a value would read as two good values: the count sends it to the per-value test.
    assert tape_fast._column_matches(money, ["12\n34", "5.00"]) is False
    assert tape_fast._column_matches(money, ["-1.00"]) is False
    assert tape_fast._column_matches(tape_fast._SIGNED_MONEY_COLUMN, ["-1.00", "3"]) is True
    assert tape_fast._column_matches(money, ["1.001"]) is False
    assert tape_fast._column_matches(tape_fast._LOAN_NUMBER_COLUMN, ["A-1", "2"]) is True
    assert tape_fast._column_matches(tape_fast._LOAN_NUMBER_COLUMN, ["A-1", ""]) is False
    for column in [("a", " b"), ("a", "b\t"), ("a\u00a0",), ("x\0 y", "z"), ("", ""), (" ",), ("a\n",), ("\x1fa", "b")]:
        assert tape_fast._stripped(column) == [v.strip() for v in column]
    assert tape_fast._stripped(("a b", "c")) == ["a b", "c"]


def test_a_value_split_by_a_quoted_newline_is_reported_as_the_per_row_check_reports_it(tmp_path):
    path = tmp_path / "newline.csv"
    text = tape_text([tape_row(loan_number="5000001"), tape_row(loan_number="5000002", principal_balance="12\n34")])
    path.write_text(text)
    slow, fast = check_tape(path), check_tape_fast(path)
    fast.spool.close()
    assert _errors(fast) == _errors(slow)
    assert [(e.line, e.column) for e in fast.errors] == [(3, "principal_balance")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_progress_bar_reaches_every_row_whether_loans_are_new_changed_or_unchanged(tmp_path):
    first = write_tape(tmp_path / "first.csv", many_rows(30))
    rows = many_rows(30)
    rows[0] = {**rows[0], "principal_balance": "1234.56"}
    changed = write_tape(tmp_path / "changed.csv", rows)
    for path, expected in ((first, (30, 0, 0)), (first, (0, 0, 30)), (changed, (0, 1, 29))):
        totals = Counter()

        def count(phase: str, rows: int, totals: Counter = totals) -> None:
            totals[phase] += rows

        run = tape_import(path=path, progress=count)
        assert (run.rows_new, run.rows_updated, run.rows_unchanged) == expected
        assert totals == {"check": 30, "apply": 30}
