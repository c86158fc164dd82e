"""Amortization maths (domain.md section 3): exact cents, checked against an exact-fraction twin."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workouts.domain.amortization import (
    interest_for_period,
    monthly_payment,
    schedule,
    split_installment,
    supported_balance,
)

D = Decimal


def _cents(value: Fraction) -> Decimal:
    """Round an exact fraction half-up to the cent, independently of workouts.domain.money."""
    scaled = value * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if Fraction(rest, scaled.denominator) >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _exact_payment(principal: Decimal, rate_pct: Decimal, months: int) -> Decimal:
    r = Fraction(rate_pct) / 1200
    if r == 0:
        return _cents(Fraction(principal) / months)
    growth = (1 + r) ** months
    return _cents(Fraction(principal) * r * growth / (growth - 1))


def _exact_supported(payment: Decimal, rate_pct: Decimal, months: int) -> Decimal:
    r = Fraction(rate_pct) / 1200
    if r == 0:
        return _cents(Fraction(payment) * months)
    return _cents(Fraction(payment) * (1 - (1 + r) ** -months) / r)


@pytest.mark.parametrize(
    ("_case", "principal", "rate", "months", "expected"),
    [
        ("domain.md check", "200000.00", "6.500", 360, "1264.14"),
        ("api-contract example", "250000.00", "7.000", 300, "1766.95"),
        ("100k at 5% 30y", "100000.00", "5.000", 360, "536.82"),
        ("300k at 7% 30y", "300000.00", "7.000", 360, "1995.91"),
        ("150k at 4% 15y", "150000.00", "4.000", 180, "1109.53"),
        ("150k at 6% 30y", "150000.00", "6.000", 360, "899.33"),
        ("40-year term", "265000.00", "6.500", 480, "1551.46"),
        ("10-year low rate", "50000.00", "3.250", 120, "488.60"),
        ("one year at 12%", "1000.00", "12.000", 12, "88.85"),
        ("zero rate divides evenly", "12000.00", "0.000", 120, "100.00"),
        ("zero rate rounds half up", "1000.10", "0.000", 4, "250.03"),
        ("zero principal", "0.00", "6.500", 360, "0.00"),
    ],
)
def test_monthly_payment_exact_cents(_case, principal, rate, months, expected):
    """The level P&I is exact to the cent for published and hand-checked loans."""
    assert monthly_payment(D(principal), D(rate), months) == D(expected)


@pytest.mark.parametrize(
    ("_case", "payment", "rate", "months", "expected"),
    [
        ("HUD ML 2009-23 FHA-HAMP check", "785.00", "6.000", 360, "130931.42"),
        ("inverse of the domain.md check", "1264.14", "6.500", 360, "200000.63"),
        ("zero rate", "100.00", "0.000", 120, "12000.00"),
        ("zero payment", "0.00", "6.000", 360, "0.00"),
    ],
)
def test_supported_balance_exact_cents(_case, payment, rate, months, expected):
    """The balance a payment supports is exact to the cent (HUD's 785.00 supports 130,931.42)."""
    assert supported_balance(D(payment), D(rate), months) == D(expected)


@pytest.mark.parametrize("months", [0, -1])
def test_non_positive_term_is_refused(months):
    """A term of zero or fewer months is a programming error, not a payment."""
    with pytest.raises(ValueError, match="months must be positive"):
        monthly_payment(D("1000.00"), D("5.000"), months)
    with pytest.raises(ValueError, match="months must be positive"):
        supported_balance(D("1000.00"), D("5.000"), months)


@pytest.mark.parametrize(
    ("_case", "balance", "rate", "expected"),
    [
        ("one month at 6.5%", "200000.00", "6.500", "1083.33"),
        ("half a cent rounds up", "1.00", "6.000", "0.01"),
        ("just under half a cent rounds down", "0.99", "6.000", "0.00"),
        ("zero rate", "5000.00", "0.000", "0.00"),
    ],
)
def test_interest_for_period(_case, balance, rate, expected):
    """One month's interest is balance x rate / 12, rounded half-up once."""
    assert interest_for_period(D(balance), D(rate)) == D(expected)


@pytest.mark.parametrize(
    ("_case", "balance", "payment", "interest", "principal"),
    [
        ("ordinary installment", "200000.00", "1264.14", "1083.33", "180.81"),
        ("final installment takes only what is left", "100.00", "1264.14", "0.54", "100.00"),
        ("payment below the interest pays no principal", "200000.00", "1000.00", "1000.00", "0.00"),
    ],
)
def test_split_installment(_case, balance, payment, interest, principal):
    """An installment pays interest first, then principal, never more principal than owed."""
    split = split_installment(D(balance), D("6.500"), D(payment))
    assert (split.interest, split.principal) == (D(interest), D(principal))


def test_schedule_200k_first_and_last_rows():
    """The 200,000.00 / 6.5% / 360 schedule starts 1,083.33 + 180.81 and ends with a 1,259.56 payment."""
    rows = schedule(D("200000.00"), D("6.500"), 360)
    assert len(rows) == 360
    first, last = rows[0], rows[-1]
    assert (first.payment, first.interest, first.principal, first.balance) == (
        D("1264.14"),
        D("1083.33"),
        D("180.81"),
        D("199819.19"),
    )
    assert (last.payment, last.interest, last.principal, last.balance) == (
        D("1259.56"),
        D("6.79"),
        D("1252.77"),
        D("0.00"),
    )
    assert sum(r.principal for r in rows) == D("200000.00")
    assert sum(r.interest for r in rows) == D("255085.82")


def test_schedule_one_year_every_row():
    """Every row of a 12-month 1,000.00 loan at 12% matches the hand computation; the last absorbs rounding."""
    rows = schedule(D("1000.00"), D("12.000"), 12)
    assert [(r.interest, r.principal, r.balance) for r in rows] == [
        (D("10.00"), D("78.85"), D("921.15")),
        (D("9.21"), D("79.64"), D("841.51")),
        (D("8.42"), D("80.43"), D("761.08")),
        (D("7.61"), D("81.24"), D("679.84")),
        (D("6.80"), D("82.05"), D("597.79")),
        (D("5.98"), D("82.87"), D("514.92")),
        (D("5.15"), D("83.70"), D("431.22")),
        (D("4.31"), D("84.54"), D("346.68")),
        (D("3.47"), D("85.38"), D("261.30")),
        (D("2.61"), D("86.24"), D("175.06")),
        (D("1.75"), D("87.10"), D("87.96")),
        (D("0.88"), D("87.96"), D("0.00")),
    ]
    assert rows[-1].payment == D("88.84")


def test_schedule_with_larger_payment_ends_early():
    """A payment above the level one pays the loan off before the term, with no negative balance."""
    rows = schedule(D("1000.00"), D("12.000"), 12, payment=D("500.00"))
    assert [r.balance for r in rows] == [D("510.00"), D("15.10"), D("0.00")]
    assert rows[-1].payment == D("15.25")


loans = st.tuples(
    st.integers(min_value=1_000_00, max_value=2_000_000_00).map(lambda c: D(c) / 100),
    st.integers(min_value=0, max_value=15_000).map(lambda m: D(m) / 1000),
    st.integers(min_value=1, max_value=480),
)


@settings(max_examples=300, deadline=None)
@given(loans)
def test_monthly_payment_matches_exact_fractions(loan):
    """For random loans the payment equals the exact rational formula rounded half-up once."""
    principal, rate, months = loan
    assert monthly_payment(principal, rate, months) == _exact_payment(principal, rate, months)


@settings(max_examples=300, deadline=None)
@given(loans)
def test_supported_balance_matches_exact_fractions(loan):
    """For random payments the supported balance equals the exact rational formula rounded once."""
    payment, rate, months = loan
    payment = (payment / 100).quantize(D("0.01"))  # payments are smaller than balances
    assert supported_balance(payment, rate, months) == _exact_supported(payment, rate, months)


@settings(max_examples=60, deadline=None)
@given(loans)
def test_schedule_sums_to_principal_and_ends_at_zero(loan):
    """Principal parts sum to the original balance, the last balance is 0 and none is negative."""
    principal, rate, months = loan
    rows = schedule(principal, rate, months)
    # Rounding the level payment up can pay a long, high-rate loan off a month or so early.
    assert 0 < len(rows) <= months
    assert sum(r.principal for r in rows) == principal
    assert rows[-1].balance == D("0.00")
    assert all(r.balance >= 0 and r.principal >= 0 for r in rows)
    for r in rows:
        assert r.payment == r.interest + r.principal
    # Each balance is the previous one less its principal part, interest on it at the cent.
    balance = Fraction(principal)
    for r in rows:
        assert r.interest == _cents(balance * Fraction(rate) / 1200)
        balance -= Fraction(r.principal)
        assert Fraction(r.balance) == balance


def test_interest_on_an_exact_half_cent_rounds_up():
    """637.50 at 0.16%: 637.50 x 0.16 / 1200 = 0.085 exactly, so half-up gives 0.09 (hypothesis
    found the schedule paying 0.08: the monthly rate 0.000133... had been rounded first)."""
    from workouts.domain.amortization import interest_for_period

    assert interest_for_period(D("637.50"), D("0.160")) == D("0.09")
    assert interest_for_period(D("188000.00"), D("6.500")) == D("1018.33")  # 1018.333...
