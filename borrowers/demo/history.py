"""One loan's ledger, built in memory with the production posting rules.

`LedgerBook` does for the demo seeder what `borrowers.services` does for a live loan, with the
same pure rules from `borrowers.posting`: late charges before a payment, the payment and its
applications (installments, charges paid, curtailment), and an NSF return that reverses every
payment-derived row from the returned payment on and reposts the later good payments on their
original dates ("reverse and reapply"). It writes plain tuples in `LEDGER_COLUMNS` order so the
seeder can bulk-load them; ids are assigned here, so payment and reversal links are known
before anything reaches the database.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from borrowers import posting
from workouts.domain.money import ZERO

OPENING = posting.OPENING
NSF_REVERSAL = "nsf_reversal"
REVERSAL = "reversal"
FEE = posting.FEE
ESCROW_DISBURSEMENT = "escrow_disbursement"
# The kinds a returned payment unwinds (mirrors borrowers.services.PAYMENT_DERIVED_KINDS).
PAYMENT_DERIVED_KINDS = frozenset({posting.PAYMENT, posting.INSTALLMENT, posting.CHARGES_PAID, posting.CURTAILMENT})

LEDGER_COLUMNS = (
    "id",
    "loan_id",
    "seq",
    "kind",
    "effective_date",
    "posted_at",
    "amount",
    "principal",
    "interest",
    "escrow",
    "suspense",
    "late_charges",
    "fees",
    "deferred",
    "principal_after",
    "escrow_after",
    "suspense_after",
    "late_charges_after",
    "fees_after",
    "deferred_after",
    "next_due_date_after",
    "installment_due_date",
    "payment_id",
    "reversal_of_id",
    "original_payment_id",
    "reference",
    "created_by_id",
)


def _neg(value: Decimal) -> Decimal:
    """The reversed amount; never "-0.00", which would print oddly on SQLite."""
    return -value if value else ZERO


class Entry:
    """What the book remembers of a written row, to find and reverse it later."""

    __slots__ = (
        "amount",
        "effective_date",
        "id",
        "kind",
        "move",
        "original_payment_id",
        "payment_id",
        "reference",
        "reversed",
        "seq",
    )

    def __init__(self, id_, seq, kind, move, payment_id, effective_date, reference, original_payment_id):
        self.id = id_
        self.seq = seq
        self.kind = kind
        self.move = move
        self.amount = move.amount
        self.payment_id = payment_id
        self.effective_date = effective_date
        self.reference = reference
        self.original_payment_id = original_payment_id
        self.reversed = False


class LedgerBook:
    """Appends ledger rows for one loan, keeping a `posting.LoanState` in step with them."""

    def __init__(self, *, loan_id: int, first_id: int, state: posting.LoanState, stamp: Callable[[date], str]):
        self.loan_id = loan_id
        self.next_id = first_id
        self.state = state
        self.stamp = stamp
        self.seq = 0
        self.rows: list[tuple] = []
        self.entries: list[Entry] = []
        self.assessed: set[date] = set()
        self.last_date: date | None = None

    # -- writing ------------------------------------------------------------------------------

    def open(self, on: date, *, assessed_before: set[date] = frozenset()) -> None:
        """The boarding row: the ledger starts at the loan's balances on `on` (as ledger_open).

        `assessed_before` are installments whose late charge the prior servicer already
        assessed; they are in the opening late-charge balance and are never charged again.
        """
        s = self.state
        self.seq = 1
        self.rows.append(
            (
                self.next_id,
                self.loan_id,
                1,
                OPENING,
                on,
                self.stamp(on),
                s.principal,
                s.principal,
                ZERO,
                s.escrow,
                s.suspense,
                s.late_charges,
                s.fees,
                s.deferred,
                s.principal,
                s.escrow,
                s.suspense,
                s.late_charges,
                s.fees,
                s.deferred,
                s.next_due_date,
                None,
                None,
                None,
                None,
                "boarding",
                None,
            )
        )
        self.next_id += 1
        self.assessed |= set(assessed_before)
        self.last_date = on

    def write(
        self,
        move: posting.Movement,
        *,
        on: date,
        posted_on: date,
        kind: str | None = None,
        reverse_of: Entry | None = None,
        payment_id: int | None = None,
        reference: str = "",
        original_payment_id: int | None = None,
    ) -> Entry:
        """Append one row for `move` (or its reversal), moving the state the way services do."""
        reverse = reverse_of is not None
        self.state = posting.apply_movement(self.state, move, reverse=reverse)
        if reverse:
            deltas = (
                _neg(move.principal),
                _neg(move.interest),
                _neg(move.escrow),
                _neg(move.suspense),
                _neg(move.late_charges),
                _neg(move.fees),
                _neg(move.deferred),
            )
            reverse_of.reversed = True
        else:
            deltas = (
                move.principal,
                move.interest,
                move.escrow,
                move.suspense,
                move.late_charges,
                move.fees,
                move.deferred,
            )
        s = self.state
        after = (s.principal, s.escrow, s.suspense, s.late_charges, s.fees, s.deferred, s.next_due_date)
        return self._append(
            move,
            kind or move.kind,
            on,
            self.stamp(posted_on),
            deltas,
            after,
            payment_id,
            reverse_of.id if reverse else None,
            original_payment_id,
            reference,
        )

    def _append(
        self, move, kind, on, posted_at, deltas, after, payment_id, reversal_of_id, original_payment_id, reference
    ) -> Entry:
        self.seq += 1
        row_id = self.next_id
        self.next_id += 1
        self.rows.append(
            (
                row_id,
                self.loan_id,
                self.seq,
                kind,
                on,
                posted_at,
                move.amount,
                *deltas,
                *after,
                move.installment_due_date,
                payment_id,
                reversal_of_id,
                original_payment_id,
                reference[:64],
                None,
            )
        )
        entry = Entry(row_id, self.seq, kind, move, payment_id, on, reference, original_payment_id)
        self.entries.append(entry)
        if on > self.last_date:
            self.last_date = on
        return entry

    # -- servicing events (each mirrors a service in borrowers/services.py) -------------------

    def assess_late_charges(self, as_of: date, *, dated: date | None = None, posted_on: date | None = None) -> None:
        """Late charges due by `as_of`, once per installment (as late_charges_assess).

        Each is dated the day it fell due (the day after the grace period), or the day of the
        latest row if that is later (a returned payment can make an old installment late), so
        effective dates never run backwards. A return's own assessments are `dated` as the
        service dates them: the return date, or a reposted payment's date.
        """
        grace = timedelta(days=self.state.grace_days + 1)
        if self.state.next_due_date + grace > as_of:
            return  # nothing is past its grace period: late_charges_due would find nothing
        for move in posting.late_charges_due(self.state, as_of, self.assessed):
            due_on = dated or max(move.installment_due_date + grace, self.last_date)
            self.write(move, on=due_on, posted_on=posted_on or due_on)
            self.assessed.add(move.installment_due_date)

    def post(
        self,
        amount: Decimal,
        on: date,
        reference: str,
        *,
        posted_on: date | None = None,
        original: int | None = None,
        late_charges_payable: Decimal | None = None,
        fees_payable: Decimal | None = None,
    ) -> Entry:
        """A payment and its applications (as borrowers.services.payments._post). Returns the payment entry.

        The rows' running balances are summed here from the movements rather than by
        re-applying each one (the hot loop of seeding); the book then takes the state the rules
        returned, and the last row's balances must equal it.
        """
        before = self.state
        result = posting.post_payment(
            before, amount, on, late_charges_payable=late_charges_payable, fees_payable=fees_payable
        )
        principal, escrow, suspense = before.principal, before.escrow, before.suspense
        late, fees, deferred, next_due = before.late_charges, before.fees, before.deferred, before.next_due_date
        posted_at = self.stamp(posted_on or on)
        payment_id = None
        for move in result.movements:
            principal += move.principal
            escrow += move.escrow
            suspense += move.suspense
            late += move.late_charges
            fees += move.fees
            deferred += move.deferred
            if move.advances_due_date:
                next_due = before.following_due_date(next_due)
            entry = self._append(
                move,
                move.kind,
                on,
                posted_at,
                (
                    move.principal,
                    move.interest,
                    move.escrow,
                    move.suspense,
                    move.late_charges,
                    move.fees,
                    move.deferred,
                ),
                (principal, escrow, suspense, late, fees, deferred, next_due),
                payment_id,
                None,
                None if payment_id else original,
                reference if payment_id is None else "",
            )
            if payment_id is None:
                payment, payment_id = entry, entry.id
        state = self.state = result.state
        if (principal, suspense, next_due) != (state.principal, state.suspense, state.next_due_date):
            raise AssertionError(f"ledger rows and posting state disagree on loan {self.loan_id}")
        return payment

    def receive(self, amount: Decimal, on: date, reference: str) -> Entry | None:
        """A payment received `on` (as payment_post): late charges due first, then the posting.

        A payment the rules refuse (more than the payoff) is not received: returns None.
        """
        self.assess_late_charges(on)
        try:
            return self.post(amount, on, reference)
        except posting.PostingError:
            return None

    def return_payment(self, target: Entry, on: date, reason: str = "NSF") -> None:
        """An NSF return of `target` (as payment_reverse_nsf): reverse and reapply.

        Every payment-derived row from the returned payment on is reversed, newest first; the
        later good payments are posted again on their original dates, each after the late
        charges due by then, and each may pay only the charges that existed when it was first
        received. Then the charges the return makes due are assessed.
        """
        later = sorted(
            (e for e in self.entries if e.seq >= target.seq and e.kind in PAYMENT_DERIVED_KINDS and not e.reversed),
            key=lambda e: -e.seq,
        )
        later_charges = [
            (e.seq, e.effective_date, e.move.late_charges, e.move.fees)
            for e in self.entries
            if e.seq > target.seq and e.kind in (posting.LATE_CHARGE, FEE)
        ]
        for entry in later:
            returned = entry.id == target.id or entry.payment_id == target.id
            self.write(
                entry.move,
                on=on,
                posted_on=on,
                reverse_of=entry,
                kind=NSF_REVERSAL if returned else REVERSAL,
                reference=reason if returned else f"reapply after return of #{target.seq}",
            )
        for entry in sorted(later, key=lambda e: e.seq):
            if entry.kind != posting.PAYMENT or entry.id == target.id:
                continue
            self.assess_late_charges(entry.effective_date, dated=entry.effective_date, posted_on=on)
            not_yet = [
                (late, fees)
                for seq, charged_on, late, fees in later_charges
                if charged_on > entry.effective_date or (charged_on == entry.effective_date and seq > entry.seq)
            ]
            self.post(
                entry.amount,
                entry.effective_date,
                entry.reference,
                posted_on=on,
                original=entry.original_payment_id or entry.id,
                late_charges_payable=self.state.late_charges - sum((late for late, _ in not_yet), ZERO),
                fees_payable=self.state.fees - sum((fees for _, fees in not_yet), ZERO),
            )
        self.assess_late_charges(on, dated=on)

    def assess_fee(self, amount: Decimal, on: date, reason: str) -> None:
        """A servicing fee (as fee_assess), e.g. the returned-payment fee."""
        self.write(posting.Movement(kind=FEE, amount=amount, fees=amount), on=on, posted_on=on, reference=reason)

    def disburse_escrow(self, amount: Decimal, on: date, reason: str) -> None:
        """Taxes or insurance paid from escrow; the balance may go negative (a servicer advance)."""
        self.write(
            posting.Movement(kind=ESCROW_DISBURSEMENT, amount=amount, escrow=-amount),
            on=on,
            posted_on=on,
            reference=reason,
        )

    # -- questions ----------------------------------------------------------------------------

    def past_due_amount(self, on: date) -> Decimal:
        """Cash that completes every installment due on or before `on` (suspense counts)."""
        due, count = self.state.next_due_date, 0
        while due <= on:
            count += 1
            due = self.state.following_due_date(due)
        return count * self.state.installment - self.state.suspense
