"""Payment application rules (borrowers/posting.py): pure functions, exact cents, no database.

The reference loan: 188,000.00 principal at 6.500%, P&I 1,264.14 + escrow 300.00 = 1,564.14,
due on the 1st. Interest for its next four months: 1,018.33, 1,017.00, 1,015.66, 1,014.32.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borrowers.posting import (
    CHARGES_PAID,
    CURTAILMENT,
    INSTALLMENT,
    LATE_CHARGE,
    PAYMENT,
    LoanState,
    PostingError,
    apply_movement,
    late_charges_due,
    payoff_amount,
    post_payment,
    validate_amount,
)

D = Decimal
INSTALLMENT_AMOUNT = D("1564.14")

BASE = LoanState(
    principal=D("188000.00"),
    escrow=D("1200.00"),
    suspense=D("0.00"),
    late_charges=D("0.00"),
    fees=D("0.00"),
    next_due_date=date(2026, 12, 1),
    remaining_term_months=311,
    note_rate=D("6.500"),
    monthly_pi=D("1264.14"),
    monthly_escrow=D("300.00"),
    due_day=1,
)


def rows(posting):
    """Movements as comparable tuples: kind, amount, principal, interest, escrow, suspense, late, fees, due."""
    return [
        (
            m.kind,
            m.amount,
            m.principal,
            m.interest,
            m.escrow,
            m.suspense,
            m.late_charges,
            m.fees,
            m.installment_due_date,
        )
        for m in posting.movements
    ]


def balances(state):
    return (state.principal, state.escrow, state.suspense, state.late_charges, state.fees, state.next_due_date)


Z = D("0.00")
DEC1 = ("installment", INSTALLMENT_AMOUNT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z)


@pytest.mark.parametrize(
    ("_case", "start", "amount", "on", "expected_rows", "expected_balances"),
    [
        (
            "full installment on Nov 28 pays the Dec 1 installment",
            {},
            "1564.14",
            date(2026, 11, 28),
            [(PAYMENT, D("1564.14"), Z, Z, Z, D("1564.14"), Z, Z, None), (*DEC1, date(2026, 12, 1))],
            (D("187754.19"), D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "partial payment waits in suspense",
            {},
            "1000.00",
            date(2026, 11, 28),
            [(PAYMENT, D("1000.00"), Z, Z, Z, D("1000.00"), Z, Z, None)],
            (D("188000.00"), D("1200.00"), D("1000.00"), Z, Z, date(2026, 12, 1)),
        ),
        (
            "a later partial completes the installment with what waited in suspense",
            {"suspense": D("1000.00")},
            "564.14",
            date(2026, 12, 3),
            [(PAYMENT, D("564.14"), Z, Z, Z, D("564.14"), Z, Z, None), (*DEC1, date(2026, 12, 1))],
            (D("187754.19"), D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "a partial that leaves suspense short of the installment applies nothing",
            {"suspense": D("1000.00")},
            "564.13",
            date(2026, 12, 3),
            [(PAYMENT, D("564.13"), Z, Z, Z, D("564.13"), Z, Z, None)],
            (D("188000.00"), D("1200.00"), D("1564.13"), Z, Z, date(2026, 12, 1)),
        ),
        (
            "three installments at once, oldest first, interest recomputed on each balance",
            {"next_due_date": date(2026, 10, 1)},
            "4692.42",
            date(2026, 11, 28),
            [
                (PAYMENT, D("4692.42"), Z, Z, Z, D("4692.42"), Z, Z, None),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2026, 10, 1)),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-247.14"), D("1017.00"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2026, 11, 1)),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-248.48"), D("1015.66"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2026, 12, 1)),
            ],
            (D("187258.57"), D("2100.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "curing both past-due installments, the rest pays the late charge, then waits toward Dec",
            {"next_due_date": date(2026, 10, 1), "late_charges": D("50.57")},
            "3200.00",
            date(2026, 11, 28),
            [
                (PAYMENT, D("3200.00"), Z, Z, Z, D("3200.00"), Z, Z, None),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2026, 10, 1)),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-247.14"), D("1017.00"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2026, 11, 1)),
                (CHARGES_PAID, D("50.57"), Z, Z, Z, D("-50.57"), D("-50.57"), Z, None),
            ],
            (D("187507.05"), D("1800.00"), D("21.15"), Z, Z, date(2026, 12, 1)),
        ),
        (
            "excess pays late charges, then fees, then reduces principal",
            {"late_charges": D("50.57"), "fees": D("25.00")},
            "1664.14",
            date(2026, 11, 28),
            [
                (PAYMENT, D("1664.14"), Z, Z, Z, D("1664.14"), Z, Z, None),
                (*DEC1, date(2026, 12, 1)),
                (CHARGES_PAID, D("75.57"), Z, Z, Z, D("-75.57"), D("-50.57"), D("-25.00"), None),
                (CURTAILMENT, D("24.43"), D("-24.43"), Z, Z, D("-24.43"), Z, Z, None),
            ],
            (D("187729.76"), D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "excess smaller than the late charges pays part of them and no fee",
            {"late_charges": D("50.57"), "fees": D("25.00")},
            "1594.14",
            date(2026, 11, 28),
            [
                (PAYMENT, D("1594.14"), Z, Z, Z, D("1594.14"), Z, Z, None),
                (*DEC1, date(2026, 12, 1)),
                (CHARGES_PAID, D("30.00"), Z, Z, Z, D("-30.00"), D("-30.00"), Z, None),
            ],
            (D("187754.19"), D("1500.00"), Z, D("20.57"), D("25.00"), date(2027, 1, 1)),
        ),
        (
            "a second installment paid before it is billed curtails principal",
            {},
            "3128.28",
            date(2026, 11, 28),
            [
                (PAYMENT, D("3128.28"), Z, Z, Z, D("3128.28"), Z, Z, None),
                (*DEC1, date(2026, 12, 1)),
                (CURTAILMENT, D("1564.14"), D("-1564.14"), Z, Z, D("-1564.14"), Z, Z, None),
            ],
            (D("186190.05"), D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "on the due date itself the following installment is billable too",
            {},
            "3128.28",
            date(2026, 12, 1),
            [
                (PAYMENT, D("3128.28"), Z, Z, Z, D("3128.28"), Z, Z, None),
                (*DEC1, date(2026, 12, 1)),
                (INSTALLMENT, INSTALLMENT_AMOUNT, D("-247.14"), D("1017.00"), D("300.00"), -INSTALLMENT_AMOUNT, Z, Z,
                 date(2027, 1, 1)),
            ],
            (D("187507.05"), D("1800.00"), Z, Z, Z, date(2027, 2, 1)),
        ),
        (
            "exactly the payoff pays the loan off",
            {},
            "189318.33",
            date(2026, 11, 28),
            [
                (PAYMENT, D("189318.33"), Z, Z, Z, D("189318.33"), Z, Z, None),
                (*DEC1, date(2026, 12, 1)),
                (CURTAILMENT, D("187754.19"), D("-187754.19"), Z, Z, D("-187754.19"), Z, Z, None),
            ],
            (Z, D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
        (
            "the final installment takes only the principal left",
            {"principal": D("100.00"), "remaining_term_months": 1},
            "400.54",
            date(2026, 11, 28),
            [
                (PAYMENT, D("400.54"), Z, Z, Z, D("400.54"), Z, Z, None),
                (INSTALLMENT, D("400.54"), D("-100.00"), D("0.54"), D("300.00"), D("-400.54"), Z, Z,
                 date(2026, 12, 1)),
            ],
            (Z, D("1500.00"), Z, Z, Z, date(2027, 1, 1)),
        ),
    ],
)  # fmt: skip
def test_post_payment(_case, start, amount, on, expected_rows, expected_balances):
    """Each payment produces exactly the expected movements and balances."""
    state = replace(BASE, **start)
    result = post_payment(state, D(amount), on)
    assert rows(result) == expected_rows
    assert balances(result.state) == expected_balances


def test_installment_advances_remaining_term():
    """Each installment applied advances the next due date one month and shortens the term by one."""
    result = post_payment(replace(BASE, next_due_date=date(2026, 10, 1)), D("4692.42"), date(2026, 11, 28))
    assert result.state.remaining_term_months == 308
    assert result.state.next_due_date == date(2027, 1, 1)


def test_due_day_31_rolls_through_february():
    """A note due on the 31st: paying Jan 31 moves the next due date to Feb 28, then Mar 31."""
    state = replace(BASE, next_due_date=date(2027, 1, 31), due_day=31)
    first = post_payment(state, INSTALLMENT_AMOUNT, date(2027, 1, 20)).state
    assert first.next_due_date == date(2027, 2, 28)
    second = post_payment(first, INSTALLMENT_AMOUNT, date(2027, 2, 20)).state
    assert second.next_due_date == date(2027, 3, 31)


def test_payoff_amount():
    """The payoff on Nov 28 is the Dec 1 installment plus the principal left after it, plus charges, less suspense."""
    assert payoff_amount(BASE, date(2026, 11, 28)) == D("189318.33")
    with_charges = replace(BASE, late_charges=D("50.57"), fees=D("25.00"), suspense=D("100.00"))
    assert payoff_amount(with_charges, date(2026, 11, 28)) == D("189293.90")


def test_payoff_with_charges_and_suspense_pays_off_exactly():
    """Paying the quoted payoff on a loan with charges and suspense leaves every balance at zero but escrow."""
    state = replace(BASE, late_charges=D("50.57"), fees=D("25.00"), suspense=D("100.00"))
    result = post_payment(state, D("189293.90"), date(2026, 11, 28))
    assert balances(result.state) == (Z, D("1500.00"), Z, Z, Z, date(2027, 1, 1))


@pytest.mark.parametrize(
    ("_case", "start", "amount"),
    [
        ("one cent over the payoff", {}, "189318.34"),
        ("far over the payoff", {}, "500000.00"),
        ("over the final installment", {"principal": D("100.00"), "remaining_term_months": 1}, "400.55"),
    ],
)
def test_more_than_payoff_is_refused(_case, start, amount):
    """A payment above the payoff amount is refused with exceeds_payoff and the payoff in the message."""
    state = replace(BASE, **start)
    with pytest.raises(PostingError) as caught:
        post_payment(state, D(amount), date(2026, 11, 28))
    assert caught.value.code == "exceeds_payoff"
    assert caught.value.status == 400
    assert str(payoff_amount(state, date(2026, 11, 28))) in caught.value.message


@pytest.mark.parametrize(
    ("_case", "amount"),
    [
        ("zero", D("0")),
        ("zero cents", D("0.00")),
        ("negative zero", D("-0.00")),
        ("negative", D("-100.00")),
        ("three decimal places", D("100.001")),
        ("a tenth of a cent", D("0.001")),
        ("forty decimal places", D("1.0000000000000000000000000000000000000001")),
        ("NaN", D("NaN")),
        ("signalling NaN", D("sNaN")),
        ("infinity", D("Infinity")),
        ("negative infinity", D("-Infinity")),
        ("a billion", D("1000000000.00")),
        ("absurdly huge", D("1E+30")),
        ("huge with cents", D("123456789012345678901234567890.12")),
        ("a string", "100.00"),
        ("a float", 100.0),
        ("an int", 100),
        ("None", None),
    ],
)
def test_bad_amounts_are_refused(_case, amount):
    """Zero, negative, sub-cent, non-numeric and absurd amounts raise invalid_amount (400), never crash."""
    with pytest.raises(PostingError) as caught:
        validate_amount(amount)
    assert caught.value.code == "invalid_amount"
    assert caught.value.status == 400
    with pytest.raises(PostingError) as caught:
        post_payment(BASE, amount, date(2026, 11, 28))
    assert caught.value.code == "invalid_amount"


@pytest.mark.parametrize("amount", ["0.01", "1564.14", "100.10", "999999999.99", "1E+2"])
def test_good_amounts_pass_validation(amount):
    """Positive amounts in whole cents below a billion are accepted unchanged."""
    assert validate_amount(D(amount)) == D(amount)


# Late charges ---------------------------------------------------------------------------------

LATE = replace(BASE, next_due_date=date(2026, 10, 1))


def _charges(moves):
    return [(m.kind, m.amount, m.late_charges, m.installment_due_date) for m in moves]


@pytest.mark.parametrize(
    ("_case", "as_of", "expected_dues"),
    [
        ("on the due date", date(2026, 10, 1), []),
        ("last day of grace (Oct 16) is still on time", date(2026, 10, 16), []),
        ("unpaid at the end of Oct 16: late on Oct 17", date(2026, 10, 17), [date(2026, 10, 1)]),
        ("Nov 1 not yet late on Nov 16", date(2026, 11, 16), [date(2026, 10, 1)]),
        ("both late on Nov 17", date(2026, 11, 17), [date(2026, 10, 1), date(2026, 11, 1)]),
    ],
)
def test_late_charge_after_fifteen_grace_days(_case, as_of, expected_dues):
    """An installment is charged once it is still unpaid at the end of its 15th grace day."""
    moves = late_charges_due(LATE, as_of, set())
    assert _charges(moves) == [(LATE_CHARGE, D("50.57"), D("50.57"), due) for due in expected_dues]


def test_late_charge_is_four_percent_of_pi():
    """The default charge is 4% of P&I only (1,500.00 P&I -> 60.00), escrow excluded."""
    state = replace(LATE, monthly_pi=D("1500.00"), monthly_escrow=D("450.00"))
    assert [m.amount for m in late_charges_due(state, date(2026, 10, 17), set())] == [D("60.00")]


def test_late_charge_percent_override():
    """A loan's own percent overrides the default: 5% of 1,500.00 is 75.00."""
    state = replace(LATE, monthly_pi=D("1500.00"), late_charge_pct=D("5.000"))
    assert [m.amount for m in late_charges_due(state, date(2026, 10, 17), set())] == [D("75.00")]


def test_late_charge_rounds_half_up():
    """4% of 1,264.14 is 50.5656, charged as 50.57; 4% of 1,000.125-rounded P&I 1,000.13 is 40.01."""
    assert late_charges_due(LATE, date(2026, 10, 17), set())[0].amount == D("50.57")
    state = replace(LATE, monthly_pi=D("1000.13"))
    assert late_charges_due(state, date(2026, 10, 17), set())[0].amount == D("40.01")


def test_grace_days_override():
    """With 10 grace days an Oct 1 installment is late on Oct 12, not Oct 11."""
    state = replace(LATE, grace_days=10)
    assert late_charges_due(state, date(2026, 10, 11), set()) == []
    assert [m.installment_due_date for m in late_charges_due(state, date(2026, 10, 12), set())] == [date(2026, 10, 1)]


def test_late_charge_once_per_installment():
    """An installment already charged is never charged again, however late it gets."""
    moves = late_charges_due(LATE, date(2026, 11, 20), {date(2026, 10, 1)})
    assert _charges(moves) == [(LATE_CHARGE, D("50.57"), D("50.57"), date(2026, 11, 1))]
    assert late_charges_due(LATE, date(2026, 11, 20), {date(2026, 10, 1), date(2026, 11, 1)}) == []


def test_late_charges_never_pyramid():
    """Outstanding late charges do not grow the next charge: it stays 4% of P&I."""
    state = replace(LATE, late_charges=D("50.57"), fees=D("25.00"))
    moves = late_charges_due(state, date(2026, 11, 20), {date(2026, 10, 1)})
    assert [m.amount for m in moves] == [D("50.57")]


def test_paid_installments_are_not_charged():
    """A loan paid through Dec 1 owes no late charge on Nov 28 or on Dec 16."""
    assert late_charges_due(BASE, date(2026, 11, 28), set()) == []
    assert late_charges_due(BASE, date(2026, 12, 16), set()) == []
    assert [m.installment_due_date for m in late_charges_due(BASE, date(2026, 12, 17), set())] == [date(2026, 12, 1)]


def test_no_late_charge_when_pi_is_zero():
    """A zero charge is never written (e.g. a loan with no P&I due)."""
    assert late_charges_due(replace(LATE, monthly_pi=Z), date(2026, 11, 20), set()) == []


# Properties -----------------------------------------------------------------------------------

states = st.builds(
    lambda principal, months_behind, suspense, late, fees: replace(
        BASE,
        principal=principal,
        next_due_date=date(2026, 12 - months_behind, 1),
        suspense=suspense,
        late_charges=late,
        fees=fees,
    ),
    principal=st.integers(min_value=1, max_value=400_000_00).map(lambda c: D(c) / 100),
    months_behind=st.integers(min_value=0, max_value=6),
    suspense=st.integers(min_value=0, max_value=1_500_00).map(lambda c: D(c) / 100),
    late=st.integers(min_value=0, max_value=300_00).map(lambda c: D(c) / 100),
    fees=st.integers(min_value=0, max_value=300_00).map(lambda c: D(c) / 100),
)
amounts = st.integers(min_value=1, max_value=20_000_00).map(lambda c: D(c) / 100)


@settings(max_examples=300, deadline=None)
@given(state=states, amount=amounts)
def test_posting_conserves_money_and_never_goes_negative(state, amount):
    """Every cent of a payment lands somewhere (interest, principal, escrow, charges, suspense); no balance < 0."""
    on = date(2026, 11, 28)
    if amount > payoff_amount(state, on):
        with pytest.raises(PostingError, match="more than the payoff"):
            post_payment(state, amount, on)
        return
    result = post_payment(state, amount, on)
    after = result.state
    paid_interest = sum(m.interest for m in result.movements)
    assert amount == (
        paid_interest
        + (state.principal - after.principal)
        + (after.escrow - state.escrow)
        + (state.late_charges - after.late_charges)
        + (state.fees - after.fees)
        + (after.suspense - state.suspense)
    )
    assert min(after.principal, after.suspense, after.late_charges, after.fees) >= 0
    # Suspense only holds less than one installment while one is still billable.
    if after.suspense > 0:
        assert after.principal > 0
        assert after.next_due_date <= date(2026, 12, 1)
    # Replaying the movements from the start gives the same state, and undoing them gives it back.
    replayed = state
    for move in result.movements:
        replayed = apply_movement(replayed, move)
    assert replayed == after
    for move in reversed(result.movements):
        replayed = apply_movement(replayed, move, reverse=True)
    assert replayed == state


def test_installment_plus_late_charge_pays_both():
    """Dec 17: a borrower who sends the Dec installment and its 50.57 late charge sees both paid."""
    state = replace(BASE, late_charges=D("50.57"))
    result = post_payment(state, D("1614.71"), date(2026, 12, 17))
    assert [m.kind for m in result.movements] == [PAYMENT, INSTALLMENT, CHARGES_PAID]
    assert (result.state.suspense, result.state.late_charges, result.state.next_due_date) == (
        Z,
        Z,
        date(2027, 1, 1),
    )


def test_early_partial_on_a_current_loan_never_pays_late_charges():
    """Nov 20, loan current: half of the Dec installment waits for Dec; no late charge is taken
    from it, so Dec cannot fall late because of an old late charge (Reg Z 1026.36(c)(2))."""
    state = replace(BASE, late_charges=D("50.57"))
    result = post_payment(state, D("782.07"), date(2026, 11, 20))
    assert [m.kind for m in result.movements] == [PAYMENT]
    assert (result.state.suspense, result.state.late_charges) == (D("782.07"), D("50.57"))
    finished = post_payment(result.state, D("782.07"), date(2026, 11, 30))
    assert [m.kind for m in finished.movements] == [PAYMENT, INSTALLMENT]
    assert (finished.state.suspense, finished.state.late_charges, finished.state.next_due_date) == (
        Z,
        D("50.57"),
        date(2027, 1, 1),
    )


def test_exact_early_installment_goes_to_the_installment_not_the_charge():
    """Nov 28, exactly one installment with a late charge outstanding: it pays Dec 1, not the charge."""
    state = replace(BASE, late_charges=D("50.57"))
    result = post_payment(state, D("1564.14"), date(2026, 11, 28))
    assert [m.kind for m in result.movements] == [PAYMENT, INSTALLMENT]
    assert (result.state.late_charges, result.state.next_due_date) == (D("50.57"), date(2027, 1, 1))
