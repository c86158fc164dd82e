"""Servicing-tape rows for tests: a complete valid row, overridden per case."""

import csv
import io
from pathlib import Path

from imports.tape import COLUMN_NAMES


def tape_row(**overrides: str) -> dict[str, str]:
    row = {
        "loan_number": "2000001",
        "investor": "FNMA",
        "program": "",
        "lien_position": "1",
        "origination_date": "2021-05-14",
        "original_balance": "250000.00",
        "note_rate": "6.500",
        "original_term_months": "360",
        "remaining_term_months": "306",
        "first_payment_date": "2021-07-01",
        "next_due_date": "2026-12-01",
        "principal_balance": "233000.00",
        "escrow_balance": "1800.00",
        "monthly_pi": "",
        "monthly_escrow": "350.00",
        "borrower_first_name": "Ana",
        "borrower_last_name": "Reyes",
        "borrower_phone": "404-555-0101",
        "borrower_email": "ana.reyes@example.com",
        "borrower_language": "es",
        "mailing_address1": "PO Box 12",
        "mailing_city": "Decatur",
        "mailing_state": "GA",
        "mailing_zip": "30030",
        "property_address1": "48 Oak Lane",
        "property_city": "Decatur",
        "property_state": "GA",
        "property_zip": "30030",
        "occupancy": "owner",
        "market_value": "310000.00",
        "valuation_date": "2026-09-15",
    }
    row.update(overrides)
    return row


def tape_text(rows: list[dict[str, str]], columns=COLUMN_NAMES) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_tape(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(tape_text(rows), encoding="utf-8")
    return path


THREE = [
    tape_row(),
    tape_row(
        loan_number="2000002",
        investor="FHA",
        borrower_first_name="Tom",
        borrower_last_name="Nguyen",
        borrower_phone="",
        borrower_email="",
        borrower_language="",
        property_address1="9 Pine St",
        property_city="Austin",
        property_state="TX",
        property_zip="78701",
        occupancy="S",
        market_value="",
        valuation_date="",
        escrow_balance="",
        monthly_pi="1400.00",
        next_due_date="2026-10-01",
    ),
    tape_row(
        loan_number="2000003",
        investor="PORTFOLIO",
        program="PORTFOLIO",
        property_state="NY",
        property_city="Albany",
        property_zip="12207-1234",
        occupancy="investment",
        first_payment_date="2021-07-15",
        next_due_date="2026-11-15",
    ),
]


def many_rows(count: int, *, start: int = 0) -> list[dict[str, str]]:
    """`count` valid rows with distinct loan numbers, balances and states."""
    states = ("GA", "TX", "CA", "FL", "NY")
    return [
        tape_row(
            loan_number=f"8{n:07d}",
            principal_balance=f"{100000 + n * 7}.00",
            borrower_last_name=f"Reyes{n}",
            borrower_phone=f"404-555-{n % 10000:04d}",
            property_address1=f"{n} Oak Lane",
            property_state=states[n % len(states)],
        )
        for n in range(start, start + count)
    ]
