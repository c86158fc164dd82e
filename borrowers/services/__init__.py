"""Writes to borrower accounts: boarding a loan, posting and returning payments, charges.

Every function here is atomic, locks the loan row it changes (payments on one loan are
serialised), checks the actor's role, writes ledger rows and an audit record.

- ledger.py: the ledger writer, the opening row, late charges, the balance check;
- payments.py: posting, NSF returns, fees;
- boarding.py: boarding a loan.
"""

from borrowers.services.boarding import loan_board
from borrowers.services.ledger import (
    LEDGER_COLUMNS,
    PAYMENT_DERIVED_KINDS,
    LedgerWriter,
    late_charges_assess,
    ledger_mismatches,
    ledger_open,
    loan_balances,
    loan_state,
    lock_loan,
    movement_from_row,
)
from borrowers.services.payments import fee_assess, live_payment_row, payment_post, payment_reverse_nsf

__all__ = [
    "LEDGER_COLUMNS",
    "PAYMENT_DERIVED_KINDS",
    "LedgerWriter",
    "fee_assess",
    "late_charges_assess",
    "ledger_mismatches",
    "ledger_open",
    "live_payment_row",
    "loan_balances",
    "loan_board",
    "loan_state",
    "lock_loan",
    "movement_from_row",
    "payment_post",
    "payment_reverse_nsf",
]
