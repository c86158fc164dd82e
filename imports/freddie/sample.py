"""Sample files in the Freddie Mac loan-level layout, with invented loans (for tests and demos)."""

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

from workouts.domain.amortization import monthly_payment, split_installment
from workouts.domain.dates import add_months, months_between
from workouts.domain.money import ZERO, to_cents

# The mix of loan histories, cycled by loan index so every file of 12+ loans has each one.
MIX = (
    "current",
    "current",
    "current",
    "dq1",
    "dq2",
    "dq3plus",
    "prepaid",
    "reo",
    "unknown",
    "modified",
    "deferral",
    "disaster",
)
_STATES = (
    ("GA", "303"),
    ("TX", "750"),
    ("CA", "900"),
    ("FL", "331"),
    ("NY", "100"),
    ("NJ", "070"),
    ("IL", "606"),
    ("AZ", "850"),
    ("WA", "980"),
    ("OH", "430"),
    ("PA", "191"),
    ("NC", "275"),
)
DEFAULT_END_PERIOD = date(2025, 6, 1)


def _yyyymm(day: date | None) -> str:
    return day.strftime("%Y%m") if day else ""


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _balances(upb: Decimal, rate: Decimal, payment: Decimal, installments: int) -> list[Decimal]:
    """Scheduled balance after 0, 1, ... installments, as the servicer would amortise them."""
    out = [upb]
    for _ in range(installments):
        out.append(out[-1] - split_installment(out[-1], rate, payment).principal)
    return out


def generate_sample(
    *, loans: int, seed: int, end_period: date = DEFAULT_END_PERIOD
) -> tuple[list[str], list[str], dict[str, str]]:
    """Origination lines, performance lines (no line breaks) and each loan's mix category.

    Deterministic for a seed. Every loan has monthly records from its first payment month to
    `end_period` (or its zero balance month); categories follow MIX by loan index.
    """
    rng = random.Random(seed)
    orig_lines: list[str] = []
    perf_lines: list[str] = []
    categories: dict[str, str] = {}
    for index in range(loans):
        category = MIX[index % len(MIX)]
        age = rng.randint(18, 48)
        fpd = add_months(end_period, -age, day=1)
        noted = add_months(fpd, -1, day=1)
        seq = f"F{noted.year % 100:02d}Q{(noted.month - 1) // 3 + 1}{index + 1:07d}"
        categories[seq] = category
        state, zip3 = _STATES[rng.randrange(len(_STATES))]
        upb = Decimal(rng.randrange(80, 760) * 1000)
        rate = Decimal("2.750") + Decimal("0.125") * rng.randrange(0, 37)
        term = 180 if rng.random() < 0.15 else 360
        maturity = add_months(fpd, term - 1, day=1)
        ltv = rng.randint(55, 97)
        occupancy = rng.choices("PSI", weights=(85, 5, 10))[0]
        payment = monthly_payment(upb, rate, term)
        orig_lines.append(
            "|".join(
                [
                    str(rng.randint(620, 820)),
                    _yyyymm(fpd),
                    rng.choice("YN"),
                    _yyyymm(maturity),
                    rng.choice(["", "12060", "26420", "31080", "33100", "35620"]),
                    "25" if ltv > 80 else "0",
                    "1",
                    occupancy,
                    str(ltv),
                    str(rng.randint(18, 50)),
                    str(upb),
                    str(ltv),
                    f"{rate:.3f}",
                    rng.choice("RBC"),
                    "N",
                    "FRM",
                    state,
                    rng.choice(["SF", "PU", "CO"]),
                    f"{zip3}00",
                    seq,
                    rng.choice("PCN"),
                    str(term),
                    rng.choice("12"),
                    "Other sellers",
                    "Other servicers",
                    "",
                    "",
                    "9",
                    "",
                    "2",
                    "N",
                    "7" if ltv > 80 else "9",
                ]
            )
        )
        perf_lines.extend(_history(rng, category, seq, fpd, end_period, maturity, upb, rate, payment, ltv))
    return orig_lines, perf_lines, categories


def _history(rng, category, seq, fpd, end, maturity, upb, rate, payment, ltv) -> list[str]:
    """One loan's monthly performance records for its mix category."""
    behind = {"dq1": 1, "dq2": 2, "dq3plus": rng.randint(3, 6), "reo": 14, "modified": 5, "deferral": 2}.get(
        category, 0
    )
    if category == "disaster":
        behind = 2
    stop = add_months(end, -behind, day=1)  # last installment paid
    last = end
    if category == "prepaid":
        last = add_months(end, -rng.randint(2, 6), day=1)
    schedule = _balances(upb, rate, payment, months_between(fpd, end) + 1)
    lines = []
    period = fpd
    while period <= last:
        ddlpi = min(period, stop) if behind else period
        paid = months_between(fpd, ddlpi) + 1
        balance = schedule[paid]
        status = str(months_between(ddlpi, period))
        row = {
            "upb": balance,
            "status": status,
            "mod": "",
            "zb": "",
            "zb_date": None,
            "rate": rate,
            "nib": ZERO,
            "ddlpi": ddlpi,
            "deferral": "",
            "disaster": "",
            "removal": None,
            "accrued": to_cents(balance * rate / 1200 * int(status)) if int(status) else None,
            "step": "",
            "remaining": months_between(period, maturity),
            "mod_cost": None,
            "cum_mod_cost": None,
        }
        if period == last:
            _final(category, row, period, schedule, fpd, stop)
        elif category == "disaster" and period > stop:
            row["disaster"] = "Y"
            row["status"] = "0"  # relief reporting: the file holds the status while disaster-affected
        lines.append(_perf_line(seq, period, fpd, row, ltv))
        period = add_months(period, 1, day=1)
    return lines


def _final(category, row, period, schedule, fpd, stop) -> None:
    if category == "prepaid":
        row.update(zb="01", zb_date=period, removal=row["upb"], upb=ZERO, status="0", accrued=None)
    elif category == "reo":
        row["status"] = "RA"
    elif category == "unknown":
        row["status"] = "XX"
    elif category == "disaster":
        row["disaster"] = "Y"
        row["status"] = "0"
    elif category == "modified":
        # Arrears (the missed interest) capitalised, rate cut, term to 480 months, part of the
        # balance forborne; re-aged to current, while the file still shows the pre-mod count.
        missed = months_between(stop, period)
        arrears = to_cents(row["upb"] * row["rate"] / 1200 * missed)
        new_upb = row["upb"] + arrears
        row.update(
            upb=new_upb,
            mod="Y",
            step="N",
            rate=max(row["rate"] - Decimal("1.500"), Decimal("2.000")),
            nib=to_cents(new_upb * Decimal("0.10")),
            ddlpi=period,
            remaining=480,
            accrued=None,
            mod_cost=to_cents(arrears / 4),
            cum_mod_cost=to_cents(arrears / 4),
        )
    elif category == "deferral":
        # The missed installments' principal moves to the non-interest-bearing balance and the
        # loan is brought current; the file shows the count from before the deferral.
        paid = months_between(fpd, stop) + 1
        missed = months_between(stop, period)
        row.update(
            deferral="Y",
            nib=schedule[paid] - schedule[paid + missed],
            ddlpi=period,
            accrued=None,
        )


def _perf_line(seq, period, fpd, row, ltv) -> str:
    upb = row["upb"]
    return "|".join(
        [
            seq,
            _yyyymm(period),
            _money(upb),
            row["status"],
            str(months_between(fpd, period) + 1),
            str(row["remaining"]),
            "",
            row["mod"],
            row["zb"],
            _yyyymm(row["zb_date"]),
            f"{row['rate']:.3f}",
            _money(row["nib"]),
            _yyyymm(row["ddlpi"]),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            _money(row["cum_mod_cost"]),
            row["step"],
            row["deferral"],
            str(max(ltv - months_between(fpd, period) // 6, 1)) if upb else "",
            _money(row["removal"]),
            _money(row["accrued"]),
            row["disaster"],
            "",
            _money(row["mod_cost"]),
            _money(upb - row["nib"]),
        ]
    )


def write_sample(out_dir: Path, *, loans: int, seed: int, end_period: date = DEFAULT_END_PERIOD) -> tuple[Path, Path]:
    """Write sample_orig.txt and sample_svcg.txt (Freddie Mac's own file names) to `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    orig_lines, perf_lines, _ = generate_sample(loans=loans, seed=seed, end_period=end_period)
    orig_path, perf_path = out_dir / "sample_orig.txt", out_dir / "sample_svcg.txt"
    orig_path.write_text("".join(f"{line}\n" for line in orig_lines), encoding="utf-8")
    perf_path.write_text("".join(f"{line}\n" for line in perf_lines), encoding="utf-8")
    return orig_path, perf_path
