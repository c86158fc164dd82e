"""A synthetic loan portfolio, generated as plain row tuples ready for bulk loading.

Each loan has its own `random.Random` seeded from (seed, loan index), so a seed always gives the
same portfolio. No clock is read: the history runs up to `as_of`. Balances at the start of the
history window come from amortizing the note from origination; every month after that goes
through `LedgerBook` with the production posting rules, so the loan's final balances are
exactly what its ledger sums to.

Borrower behaviours and their shares (tuned so about three loans in four are current, as in a
typical agency portfolio; FHA loans default more often):
- on_time: pays each month around the due date, some by autopay, a few with extra principal;
- chronic_late: pays every month after the grace period (17th-25th), so a late charge each time;
- partial: sends part of the installment; the rest waits in suspense, and they fall behind;
- nsf: a payment comes back unpaid; some make it good, some stay one installment behind;
- cured: missed two or three installments, then paid everything past due;
- delinquent: stopped paying, in a days-past-due band (1-29, 30-59, 60-89, 90-119, 120+).
"""

import bisect
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, localcontext

from borrowers import posting
from borrowers.demo import catalog
from borrowers.demo.history import LEDGER_COLUMNS, LedgerBook
from borrowers.states import foreclosure_type_for_state
from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months, months_between
from workouts.domain.money import ZERO, to_cents

GRACE_DAYS = 15  # Lossmit default (domain.md section 1)
NSF_FEE = Decimal("25.00")  # returned-payment fee, a common note and state-law figure
ON_TIME_HISTORY_MONTHS = 6
TROUBLED_HISTORY_MONTHS = 12
MIN_REMAINING_MONTHS = 24  # no loan in the demo is about to mature

BORROWER_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "ssn_last4",
    "preferred_language",
    "mailing_address1",
    "mailing_address2",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "created_at",
)
PHONE_COLUMNS = ("id", "borrower_id", "number", "kind", "consent_to_call", "is_primary")
PROPERTY_COLUMNS = ("id", "address1", "address2", "city", "state", "zip_code", "occupancy")
VALUATION_COLUMNS = ("id", "property_id", "kind", "value", "valued_on", "source")
LOAN_COLUMNS = (
    "id",
    "loan_number",
    "borrower_id",
    "co_borrower_id",
    "property_id",
    "investor",
    "program",
    "lien_position",
    "origination_date",
    "original_balance",
    "note_rate",
    "original_term_months",
    "remaining_term_months",
    "first_payment_date",
    "maturity_date",
    "monthly_pi",
    "monthly_escrow",
    "principal_balance",
    "escrow_balance",
    "suspense_balance",
    "late_charges_outstanding",
    "fees_outstanding",
    "deferred_principal",
    "next_due_date",
    "status",
    "foreclosure_type",
    "grace_days",
    "late_charge_pct",
    "assigned_to_id",
    "created_at",
    "updated_at",
)

# (table, columns) in the order rows must be loaded when foreign keys are checked at once.
TABLES = (
    ("borrowers_borrower", BORROWER_COLUMNS),
    ("borrowers_phone", PHONE_COLUMNS),
    ("borrowers_property", PROPERTY_COLUMNS),
    ("borrowers_valuation", VALUATION_COLUMNS),
    ("borrowers_loan", LOAN_COLUMNS),
    ("borrowers_ledgertransaction", LEDGER_COLUMNS),
)

BUCKETS = ("current", "1-29", "30-59", "60-89", "90-119", "120+")
BUCKET_RANGES = {"1-29": (1, 29), "30-59": (30, 59), "60-89": (60, 89), "90-119": (90, 119), "120+": (120, 540)}

INVESTORS = (("FNMA", 36), ("FHLMC", 25), ("FHA", 20), ("VA", 8), ("PORTFOLIO", 11))
PROGRAM_BY_INVESTOR = {
    "FNMA": "GSE_FLEX",
    "FHLMC": "GSE_FLEX",
    "FHA": "FHA_HAMP",
    "VA": "HAMP_31",
    "PORTFOLIO": "PORTFOLIO",
}

# Behaviour weights (per cent). Delinquent bands are split out so the summary can be steered.
_BEHAVIOURS = ("on_time", "chronic_late", "partial", "nsf", "cured", "1-29", "30-59", "60-89", "90-119", "120+")
_WEIGHTS = (70.0, 5.0, 3.0, 2.5, 3.0, 3.5, 5.0, 3.0, 2.0, 3.0)
_FHA_WEIGHTS = (60.0, 6.0, 4.0, 3.0, 4.0, 4.5, 6.5, 4.5, 3.0, 4.5)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _picker(pairs):
    values = [v for v, _ in pairs]
    cum = _cumulative([w for _, w in pairs])
    top = cum[-1]

    def pick(rng: random.Random):
        return values[bisect.bisect_right(cum, rng.random() * top)]

    return pick


_pick_investor = _picker(INVESTORS)
_pick_state = _picker([(code, data[0]) for code, data in catalog.STATES.items()])
_pick_vintage = _picker(list(catalog.VINTAGE_WEIGHTS.items()))
_pick_channel = _picker(catalog.PAYMENT_CHANNELS)
_pick_language = _picker(catalog.LANGUAGE_WEIGHTS)
_pick_language_heavy = _picker([(code, w * (2.5 if code == "es" else 1.0)) for code, w in catalog.LANGUAGE_WEIGHTS])
_pick_behaviour = _picker(list(zip(_BEHAVIOURS, _WEIGHTS, strict=True)))
_pick_behaviour_fha = _picker(list(zip(_BEHAVIOURS, _FHA_WEIGHTS, strict=True)))
_pick_term = _picker([(360, 82), (180, 12), (240, 6)])
_RATE_STEP = Decimal("0.125")
_TAX = {code: (float(d[2]) / 100, float(d[3]) / 100) for code, d in catalog.STATES.items()}


def _shift(day: date, months: int) -> date:
    """`day` moved by whole months; only for days 1-28, which exist in every month (faster
    than add_months, and the demo's due days are the 1st and the 15th)."""
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


def days_past_due(next_due: date, as_of: date) -> int:
    """Reg X: days from the oldest unpaid installment's due date (domain.md section 1)."""
    return max((as_of - next_due).days, 0)


def bucket_of(dpd: int) -> str:
    if dpd <= 0:
        return "current"
    if dpd < 30:
        return "1-29"
    if dpd < 60:
        return "30-59"
    if dpd < 90:
        return "60-89"
    if dpd < 120:
        return "90-119"
    return "120+"


def scheduled_balance(original: Decimal, rate_pct: Decimal, pi: Decimal, paid: int) -> Decimal:
    """Principal left after `paid` level installments (closed form, rounded once)."""
    if paid <= 0:
        return original
    with localcontext(prec=40):
        r = rate_pct / 1200
        growth = (1 + r) ** paid
        balance = original * growth - pi * (growth - 1) / r
    return max(to_cents(balance), ZERO)


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@dataclass
class Chunk:
    """Rows for a run of loans, one list per table, in `TABLES` order, plus what they hold."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {table: [] for table, _ in TABLES})
    buckets: Counter = field(default_factory=Counter)
    behaviours: Counter = field(default_factory=Counter)
    loans: int = 0


@dataclass(frozen=True)
class Specialist:
    user_id: int
    languages: tuple[str, ...]


class PortfolioGenerator:
    """Generates loans `index` 0..n-1 for one seed; ids continue from `next_ids` per table."""

    def __init__(
        self,
        *,
        seed: int,
        as_of: date,
        next_ids: dict[str, int],
        specialists: Sequence[Specialist],
        stamp: Callable[[date], str],
        now: str,
    ):
        self.seed = seed
        self.as_of = as_of
        self.ids = dict(next_ids)
        self.specialists = list(specialists)
        self.spanish = [s for s in self.specialists if "es" in s.languages] or self.specialists
        self.stamp = stamp
        self.now = now
        # Loan numbers: ten digits from a seed-chosen start, so different seeds do not overlap.
        self.number_base = random.Random(seed).randrange(1_000_000_000, 8_000_000_000, 1000)
        self.hpi_now = catalog.HPI_BY_YEAR.get(as_of.year, 1.0)

    def _next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def chunk(self, start: int, stop: int) -> Chunk:
        out = Chunk()
        for index in range(start, stop):
            self._loan(index, out)
        out.loans = stop - start
        return out

    # -- one loan -----------------------------------------------------------------------------

    def _loan(self, index: int, out: Chunk) -> None:
        rng = random.Random((self.seed << 24) ^ index)
        as_of = self.as_of
        rows = out.rows

        investor = _pick_investor(rng)
        state_code = _pick_state(rng)
        _, value_k, _, _, cities = catalog.STATES[state_code]
        lien = 2 if investor == "PORTFOLIO" and rng.random() < 0.08 else 1
        if investor in ("FHA", "VA"):
            occupancy = "owner"
        else:
            roll = rng.random()
            occupancy = "owner" if roll < 0.86 else ("second_home" if roll < 0.91 else "investment")
        behaviour = (_pick_behaviour_fha if investor == "FHA" else _pick_behaviour)(rng)
        on_time = behaviour == "on_time"

        # Due dates and the history window: H due dates ending with the last one on or before as_of.
        due_day = 1 if rng.random() < 0.92 else 15
        last_due = self._last_due(due_day)
        if behaviour in BUCKET_RANGES and not self._band_dues(last_due, behaviour)[0]:
            # No installment due on this day is that far behind today (as of Mar 31, a note due
            # on the 1st is 30, 58, 89 or 120 days behind, never 90-119): due on the 15th it is.
            due_day = 16 - due_day
            last_due = self._last_due(due_day)
        history = ON_TIME_HISTORY_MONTHS if on_time else TROUBLED_HISTORY_MONTHS
        window_start = add_months(last_due, -(history - 1), day=due_day)
        boarded_on = add_months(window_start, -1, day=due_day) + timedelta(days=5)

        # Note terms.
        term = rng.choice((180, 240)) if lien == 2 else _pick_term(rng)
        year = _pick_vintage(rng)
        originated = date(year, rng.randint(1, 12), rng.randint(1, 28))
        latest = add_months(window_start, -3)
        if originated > latest:
            originated = latest - timedelta(days=rng.randrange(0, 330))
            year = originated.year
        first_payment = add_months(date(originated.year, originated.month, 1), 2, day=due_day)
        if months_between(first_payment, last_due) + MIN_REMAINING_MONTHS > term:
            term = 360
        rate = catalog.RATE_BY_YEAR.get(year, "6.50")
        rate_f = float(rate) + rng.gauss(0, 0.3) + (-0.6 if term == 180 else -0.3 if term == 240 else 0.0)
        rate_f += 0.25 if investor == "PORTFOLIO" else (-0.1 if investor in ("FHA", "VA") else 0.0)
        rate_f += 2.0 if lien == 2 else 0.0
        note_rate = (Decimal(f"{rate_f:.4f}") / _RATE_STEP).quantize(Decimal(1)) * _RATE_STEP
        note_rate = min(max(note_rate, catalog.RATE_MIN), catalog.RATE_MAX).quantize(Decimal("0.001"))

        value_now = value_k * 1000 * rng.lognormvariate(0, 0.35)
        value_then = round(
            value_now * catalog.HPI_BY_YEAR.get(year, 1.0) / self.hpi_now * rng.lognormvariate(0, 0.05), -3
        )
        value_then = max(value_then, 40_000.0)
        if lien == 2:
            ltv = rng.uniform(0.10, 0.25)
        elif investor == "FHA":
            ltv = 0.965
        elif investor == "VA":
            ltv = 1.0 if rng.random() < 0.7 else rng.uniform(0.85, 0.98)
        elif investor == "PORTFOLIO":
            ltv = rng.uniform(0.5, 0.8)
        else:
            ltv = rng.choice((0.8, 0.8, 0.8, 0.75, 0.9, 0.95, 0.97, rng.uniform(0.45, 0.8)))
        original_balance = Decimal(max(int(round(value_then * ltv, -2)), 25_000)).quantize(Decimal("0.01"))
        monthly_pi = monthly_payment(original_balance, note_rate, term)
        late_pct = Decimal("4.000") if investor in ("FHA", "VA") or rng.random() < 0.5 else Decimal("5.000")

        escrowed = lien == 1 and not (investor in ("FNMA", "FHLMC", "PORTFOLIO") and ltv <= 0.8 and rng.random() < 0.3)
        tax_rate, ins_rate = _TAX[state_code]
        annual_tax = value_now * tax_rate * rng.uniform(0.8, 1.2) if escrowed else 0.0
        annual_ins = max(value_now * ins_rate * rng.uniform(0.8, 1.3), 600.0) if escrowed else 0.0
        monthly_escrow = _money((annual_tax + annual_ins) / 12)

        # Where the borrower stands at the start of the window.
        target_due = None
        if behaviour in BUCKET_RANGES:
            target_due = self._due_for_band(rng, last_due, due_day, behaviour)
        opening_due = target_due if target_due is not None and target_due < window_start else window_start
        paid = months_between(first_payment, opening_due)
        state = posting.LoanState(
            principal=scheduled_balance(original_balance, note_rate, monthly_pi, paid),
            escrow=_money(float(monthly_escrow) * rng.uniform(1.5, 6.0)) if escrowed else ZERO,
            suspense=ZERO,
            late_charges=ZERO,
            fees=ZERO,
            next_due_date=opening_due,
            remaining_term_months=term - paid,
            note_rate=note_rate,
            monthly_pi=monthly_pi,
            monthly_escrow=monthly_escrow,
            due_day=due_day,
            grace_days=GRACE_DAYS,
            late_charge_pct=late_pct,
        )
        # A loan boarded already behind carries the prior servicer's late charges.
        prior_charged = set()
        due = opening_due
        while due < window_start and due + timedelta(days=GRACE_DAYS) < boarded_on:
            prior_charged.add(due)
            due = add_months(due, 1, day=due_day)
        if prior_charged:
            state = replace(state, late_charges=posting.late_charge_amount(state) * len(prior_charged))

        loan_id = self._next_id("borrowers_loan")
        book = LedgerBook(
            loan_id=loan_id, first_id=self.ids["borrowers_ledgertransaction"], state=state, stamp=self.stamp
        )
        book.open(boarded_on, assessed_before=prior_charged)
        self._history(rng, book, behaviour, state_code, window_start, last_due, due_day, target_due, boarded_on)
        book.assess_late_charges(as_of)
        self.ids["borrowers_ledgertransaction"] = book.next_id
        rows["borrowers_ledgertransaction"].extend(book.rows)
        final = book.state

        dpd = days_past_due(final.next_due_date, as_of)
        bucket = bucket_of(dpd)
        out.buckets[bucket] += 1
        out.behaviours[behaviour] += 1

        # Property, valuations, borrowers.
        city, zip3, area = rng.choice(cities)
        property_id = self._next_id("borrowers_property")
        address1 = f"{rng.randint(10, 9899)} {rng.choice(catalog.STREETS)} {rng.choice(catalog.STREET_SUFFIXES)}"
        address2 = (
            f"{rng.choice(catalog.UNIT_PREFIXES)} {rng.randint(1, 40)}{rng.choice('ABCD')}"
            if rng.random() < 0.1
            else ""
        )
        zip_code = f"{zip3}{rng.randrange(100):02d}"
        rows["borrowers_property"].append((property_id, address1, address2, city, state_code, zip_code, occupancy))
        valuations = rows["borrowers_valuation"]
        valuations.append(
            (
                self._next_id("borrowers_valuation"),
                property_id,
                "origination",
                _money(value_then),
                originated - timedelta(days=rng.randint(10, 45)),
                rng.choice(catalog.APPRAISERS),
            )
        )
        valuations.append(
            (
                self._next_id("borrowers_valuation"),
                property_id,
                "avm",
                _money(round(value_now * rng.lognormvariate(0, 0.04), -2)),
                as_of - timedelta(days=rng.randint(5, 120)),
                rng.choice(catalog.AVM_VENDORS),
            )
        )
        if dpd >= 60:
            valuations.append(
                (
                    self._next_id("borrowers_valuation"),
                    property_id,
                    "bpo",
                    _money(round(value_now * rng.uniform(0.88, 1.02), -3)),
                    as_of - timedelta(days=rng.randint(3, 40)),
                    rng.choice(catalog.BPO_VENDORS),
                )
            )

        language = (_pick_language_heavy if state_code in catalog.SPANISH_HEAVY_STATES else _pick_language)(rng)
        if occupancy == "owner":
            mailing = (address1, address2, city, state_code, zip_code)
        else:
            m_state = _pick_state(rng)
            m_city, m_zip3, _ = rng.choice(catalog.STATES[m_state][4])
            mailing = (
                f"{rng.randint(10, 9899)} {rng.choice(catalog.STREETS)} {rng.choice(catalog.STREET_SUFFIXES)}",
                "",
                m_city,
                m_state,
                f"{m_zip3}{rng.randrange(100):02d}",
            )
        borrower_id = self._borrower(rng, rows, language, None, mailing, area, boarded_on)
        co_borrower_id = None
        if lien == 1 and rng.random() < 0.35:
            co_borrower_id = self._borrower(
                rng, rows, language, rows["borrowers_borrower"][-1][2], mailing, area, boarded_on
            )

        assigned = None
        if self.specialists and (dpd > 0 or not on_time):
            pool = self.spanish if language == "es" else self.specialists
            assigned = rng.choice(pool).user_id

        number = f"{self.number_base + index * 7 + rng.randrange(7):010d}"
        maturity = add_months(first_payment, term - 1, day=due_day)
        rows["borrowers_loan"].append(
            (
                loan_id,
                number,
                borrower_id,
                co_borrower_id,
                property_id,
                investor,
                PROGRAM_BY_INVESTOR[investor],
                lien,
                originated,
                original_balance,
                note_rate,
                term,
                final.remaining_term_months,
                first_payment,
                maturity,
                monthly_pi,
                monthly_escrow,
                final.principal,
                final.escrow,
                final.suspense,
                final.late_charges,
                final.fees,
                final.deferred,
                final.next_due_date,
                "active",
                foreclosure_type_for_state(state_code),
                GRACE_DAYS,
                late_pct,
                assigned,
                self.stamp(boarded_on),
                self.now,
            )
        )

    def _last_due(self, due_day: int) -> date:
        """The latest installment due on `due_day` on or before as_of."""
        last_due = date(self.as_of.year, self.as_of.month, due_day)
        return _shift(last_due, -1) if last_due > self.as_of else last_due

    def _band_dues(self, last_due: date, band: str) -> tuple[list[date], date]:
        """Due dates (newest first) whose days past due today fall in `band`, and the nearest one."""
        lo, hi = BUCKET_RANGES[band]
        inside, nearest, best = [], last_due, 10**6
        for back in range(20):
            due = _shift(last_due, -back)
            dpd = (self.as_of - due).days
            if lo <= dpd <= hi:
                inside.append(due)
            distance = lo - dpd if dpd < lo else dpd - hi
            if distance < best:
                nearest, best = due, distance
        return inside, nearest

    def _due_for_band(self, rng: random.Random, last_due: date, due_day: int, band: str) -> date:
        """An installment due date whose days past due today falls in `band` (nearest if none)."""
        inside, nearest = self._band_dues(last_due, band)
        if not inside:
            return nearest
        # Deep delinquencies thin out: most 120+ loans are four to eight months behind.
        return inside[min(int(rng.expovariate(0.35)), len(inside) - 1)] if band == "120+" else rng.choice(inside)

    def _history(
        self,
        rng: random.Random,
        book: LedgerBook,
        behaviour: str,
        state_code: str,
        window_start: date,
        last_due: date,
        due_day: int,
        target_due: date | None,
        boarded_on: date,
    ) -> None:
        """Builds the events of the window in date order and runs them through the book."""
        as_of = self.as_of
        state = book.state
        installment = state.installment
        events: list[tuple] = []  # (date, order, kind, payload)

        # Escrow disbursements: county taxes in the state's tax months, insurance once a year.
        if state.monthly_escrow > 0:
            taxes_paid = catalog.TAX_MONTHS.get(state_code, catalog.DEFAULT_TAX_MONTHS)
            yearly_tax = float(state.monthly_escrow) * 12 * rng.uniform(0.55, 0.75)
            insurance = _money(float(state.monthly_escrow) * 12 - yearly_tax)
            tax_bill = _money(yearly_tax / len(taxes_paid))
            insurance_month = rng.randint(1, 12)
            month = date(boarded_on.year, boarded_on.month, 1)
            while month <= as_of:
                if month.month in taxes_paid:
                    paid_on = month.replace(day=10)
                    if boarded_on < paid_on <= as_of:
                        events.append((paid_on, 0, "disburse", (tax_bill, "County property tax")))
                if month.month == insurance_month:
                    paid_on = month.replace(day=20)
                    if boarded_on < paid_on <= as_of:
                        events.append((paid_on, 0, "disburse", (insurance, "Hazard insurance premium")))
                month = _shift(month, 1)

        channel = _pick_channel(rng)
        dues = []
        due = window_start
        next_after_last = _shift(last_due, 1)
        while due <= next_after_last:
            dues.append(due)
            due = _shift(due, 1)

        def pay(on: date, amount, tag: str = "") -> None:
            if boarded_on < on <= as_of:
                ref = (
                    f"{channel} {rng.randrange(10**6, 10**7)}"
                    if channel != "Check"
                    else f"Check {rng.randint(1001, 9999)}"
                )
                events.append((on, 1, "pay", (amount, ref, tag)))

        if behaviour == "on_time" or behaviour == "nsf" or behaviour == "cured":
            autopay = channel == "ACH" and rng.random() < 0.7
            base = 0 if autopay else rng.choice((-7, -5, -3, -2, -1, 0, 0, 1, 2, 3, 5, 7, 10))
            extra = _money(rng.choice((50, 100, 100, 200, 250, 500))) if rng.random() < 0.08 else ZERO
            if extra:
                base = min(base, -3)  # extra principal only curtails when the installment is paid early
            skip: set[date] = set()
            cure_on = None
            if behaviour == "cured":
                missed = rng.choice((2, 3))
                cure_index = len(dues) - 2 - rng.randint(1, 3)
                skip = set(dues[cure_index - missed : cure_index])
                cure_on = dues[cure_index] + timedelta(days=rng.randint(0, 12))
            for due in dues:
                if due in skip:
                    continue
                if cure_on is not None and due == dues[cure_index]:
                    pay(cure_on, "catch_up")
                    continue
                offset = base if autopay else base + rng.randint(-2, 2)
                if not autopay and rng.random() < 0.03:
                    offset = rng.randint(17, 24)  # the odd late month
                pay(due + timedelta(days=offset), installment + extra)
            if behaviour == "nsf":
                self._nsf_events(rng, events, installment, as_of)
        elif behaviour == "chronic_late":
            for due in dues:
                pay(due + timedelta(days=rng.randint(17, 25)), installment)
        elif behaviour == "partial":
            share = rng.uniform(0.45, 0.9)
            for due in dues:
                roll = rng.random()
                if roll < 0.12:
                    continue
                amount = installment * 2 if roll > 0.92 else to_cents(installment * Decimal(f"{share:.3f}"))
                pay(due + timedelta(days=rng.randint(0, 20)), amount)
        else:  # stopped paying at target_due
            for due in dues:
                if due >= target_due:
                    break
                pay(due + timedelta(days=rng.randint(-3, 8)), installment)
            if rng.random() < 0.3:
                # A good-faith partial payment after falling behind: too little to apply.
                part = to_cents(installment * Decimal(f"{rng.uniform(0.2, 0.8):.3f}"))
                pay(as_of - timedelta(days=rng.randint(3, 50)), part, tag="partial")

        events.sort(key=lambda e: (e[0], e[1]))
        payments: dict[str, object] = {}
        for on, _, kind, payload in events:
            if kind == "disburse":
                book.assess_late_charges(on)
                book.disburse_escrow(payload[0], on, payload[1])
            elif kind == "pay":
                amount, ref, tag = payload
                if amount == "catch_up":
                    amount = book.past_due_amount(on)
                elif tag == "partial":
                    amount = min(amount, installment - book.state.suspense - Decimal("0.01"))
                if amount <= 0:
                    continue
                entry = book.receive(amount, on, ref)
                if entry is not None and tag:
                    payments[tag] = entry
            elif kind == "return":
                target = payments.get("nsf")
                if target is not None:
                    book.assess_late_charges(on)
                    book.return_payment(target, on, payload)
                    if rng.random() < 0.6:
                        book.assess_fee(NSF_FEE, on, "Returned payment fee")

    def _nsf_events(self, rng: random.Random, events: list[tuple], installment: Decimal, as_of: date) -> None:
        """Turns one of the regular payments into a returned one, with what follows."""
        candidates = [i for i, e in enumerate(events) if e[2] == "pay" and e[0] <= as_of - timedelta(days=4)]
        if not candidates:
            return
        index = rng.choice(candidates[-6:])
        on, order, kind, (amount, ref, _) = events[index]
        events[index] = (on, order, kind, (amount, ref, "nsf"))
        returned_on = min(on + timedelta(days=rng.randint(4, 12)), as_of)
        if rng.random() < 0.35 and (returned_on - on).days >= 2:
            # A second, good payment arrived before the return: it is reversed and reapplied.
            extra = _money(rng.choice((100, 150, 200, 300)))
            events.append((on + timedelta(days=1), 1, "pay", (extra, "Online extra payment", "")))
        reason = rng.choice(("NSF", "R01 Insufficient funds", "R09 Uncollected funds", "Returned check"))
        events.append((returned_on, 2, "return", reason))
        if rng.random() < 0.6:
            make_good = returned_on + timedelta(days=rng.randint(1, 9))
            if make_good <= as_of:
                events.append((make_good, 3, "pay", ("catch_up", f"Certified funds {rng.randint(1000, 9999)}", "")))

    def _borrower(
        self,
        rng: random.Random,
        rows: dict[str, list[tuple]],
        language: str,
        spouse_last: str | None,
        mailing: tuple[str, str, str, str, str],
        area: str,
        boarded_on: date,
    ) -> int:
        if language == "es":
            first, last = rng.choice(catalog.SPANISH_FIRST_NAMES), rng.choice(catalog.SPANISH_LAST_NAMES)
        elif language in catalog.LANGUAGE_NAMES:
            firsts, lasts = catalog.LANGUAGE_NAMES[language]
            first, last = rng.choice(firsts), rng.choice(lasts)
        else:
            first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
        if spouse_last and rng.random() < 0.7:
            last = spouse_last
        borrower_id = self._next_id("borrowers_borrower")
        email = ""
        if rng.random() < 0.92:
            handle = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
            email = f"{handle}{rng.randrange(1, 1000)}@example.{rng.choice(('com', 'net', 'org'))}"
        rows["borrowers_borrower"].append(
            (
                borrower_id,
                first,
                last,
                email,
                f"{rng.randrange(1, 10000):04d}",
                language,
                *mailing,
                self.stamp(boarded_on),
            )
        )
        phones = rows["borrowers_phone"]
        mobile = rng.random() < 0.88
        phones.append(
            (
                self._next_id("borrowers_phone"),
                borrower_id,
                f"{area}-555-{rng.randrange(10000):04d}",
                "mobile" if mobile else "home",
                rng.random() < (0.8 if mobile else 0.95),
                True,
            )
        )
        if rng.random() < 0.35:
            phones.append(
                (
                    self._next_id("borrowers_phone"),
                    borrower_id,
                    f"{area}-555-{rng.randrange(10000):04d}",
                    rng.choice(("home", "work")),
                    rng.random() < 0.6,
                    False,
                )
            )
        return borrower_id
