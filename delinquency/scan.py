# ruff: noqa: S608 -- the SQL here is built from table names and constants; values travel as parameters.
"""The nightly delinquency scan, set-based.

The active loans are split into id ranges ("chunks"). Each chunk is a handful of SQL statements
in one transaction, each touching every loan of the range at once, never a query per loan:

1. promises kept or broken, judged by posted payments;
2. bucket events for loans whose bucket changed (entered, rolled forward, improved, cured);
3. each loan's status (days past due, MBA, OTS, bucket) and early-warning flags, upserted;
4. open tasks cancelled for loans that cured, closed, or went under a hold;
5. new call tasks (Reg X live contact and written notice, broken promises, trial payments past
   due, early warning), inserted with ON CONFLICT DO NOTHING behind NOT EXISTS guards.

A chunk reads only the loan rows and their own history, so it is idempotent: running it again
for the same business date changes nothing, and a failed chunk can be retried alone.
`scan_finish` then assigns the new tasks and records the ScanRun.

The status arithmetic is delinquency/status.py turned into SQL: with as_of fixed for the whole
scan, "installments after the oldest unpaid one due on or before L" is the month distance from
the oldest unpaid due date to L, less one when the due day is later than L's day (and L is not
its month's last day). See `status.installments_following_on_or_before`.
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from accounts.models import Profile
from accounts.roles import Role
from borrowers.models import LedgerTransaction, Loan
from delinquency.models import BucketEvent, CallTask, Hold, LoanDelinquency, Promise, ScanRun
from delinquency.sql import Dialect, current_dialect
from delinquency.status import LIVE_CONTACT_DAYS, MBA, WRITTEN_NOTICE_DAYS, WRITTEN_NOTICE_INTERVAL_DAYS, Bucket
from workouts.domain.dates import add_business_days
from workouts.models import LossMitCase, TrialPayment, Workout

logger = logging.getLogger(__name__)

CHUNK_SIZE = 20_000  # loan ids per chunk: a few seconds of SQL, small enough to retry alone
# A promise is judged this many days after its date, so a payment in the mail still counts.
PROMISE_GRACE_DAYS = 3
# Early warning (domain.md section 5): weights of each flag, summed and capped at 100.
RISK_WEIGHTS = {
    "nsf": 30,
    "first_payment": 30,
    "broken_promise": 25,
    "rolled_forward": 20,
    "drift": 15,
    "suspense": 15,
    "payment_shock": 15,
}
NSF_LOOKBACK_DAYS = 90
BROKEN_PROMISE_LOOKBACK_DAYS = 60
ROLL_LOOKBACK_DAYS = 30
PAYMENT_SHOCK_PCT = 10
# Current loans at or above this score go on the watchlist and get an outreach call.
WATCHLIST_SCORE = 40
EARLY_WARNING_DUE_BUSINESS_DAYS = 5
EARLY_WARNING_REPEAT_DAYS = 30  # one outreach a month at most for the same loan
# A scan still "running" after this long is presumed dead; its business date may be rescanned.
STALE_RUN = timedelta(hours=6)
MAX_CATCH_UP_DAYS = 7


class ScanLocked(Exception):
    """Another scan for the same business date is running."""


def convention() -> str:
    return getattr(settings, "DELINQUENCY_STATUS_CONVENTION", MBA)


def default_business_date(now=None) -> date:
    """The business date a scan covers: the last complete day in the servicer's time zone
    (the 01:30 run on Nov 28 ages loans as of the end of Nov 27)."""
    return timezone.localdate(now) - timedelta(days=1)


@dataclass(frozen=True)
class Chunk:
    lo: int
    hi: int  # exclusive


def chunks_for_active_loans(size: int | None = None) -> list[Chunk]:
    """Id ranges covering every active loan (a range may be sparse; that is fine)."""
    size = size or CHUNK_SIZE
    bounds = Loan.objects.filter(status=Loan.Status.ACTIVE).aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    return [Chunk(lo, min(lo + size, bounds["hi"] + 1)) for lo in range(bounds["lo"], bounds["hi"] + 1, size)]


# --- SQL -------------------------------------------------------------------------------------

T_LOAN = Loan._meta.db_table
T_LEDGER = LedgerTransaction._meta.db_table
T_LD = LoanDelinquency._meta.db_table
T_EVENT = BucketEvent._meta.db_table
T_HOLD = Hold._meta.db_table
T_PROMISE = Promise._meta.db_table
T_TASK = CallTask._meta.db_table
T_TRIAL = TrialPayment._meta.db_table
T_WORKOUT = Workout._meta.db_table
T_CASE = LossMitCase._meta.db_table


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _hold_active(d: Dialect, kinds, loan_col: str = "l.id") -> str:
    return (
        f"EXISTS (SELECT 1 FROM {T_HOLD} h WHERE h.loan_id = {loan_col} AND h.kind IN {_in(kinds)}"
        f" AND h.start_date <= {d.date('as_of')} AND (h.end_date IS NULL OR h.end_date >= {d.date('as_of')}))"
    )


def holds_sql(d: Dialect) -> str:
    """Per loan of the chunk with a hold in force on as_of: which kinds (one pass over holds)."""

    def has(kinds) -> str:
        return f"MAX(CASE WHEN h.kind IN {_in(kinds)} THEN 1 ELSE 0 END)"

    return f"""
        SELECT h.loan_id, {has([Hold.Kind.REO])} AS reo, {has([Hold.Kind.BANKRUPTCY])} AS bankruptcy,
               {has([Hold.Kind.FORECLOSURE])} AS foreclosure, {has(Hold.NO_TASK_KINDS)} AS no_tasks
        FROM {T_HOLD} h
        WHERE h.loan_id >= %(lo)s AND h.loan_id < %(hi)s AND h.start_date <= {d.date("as_of")}
          AND (h.end_date IS NULL OR h.end_date >= {d.date("as_of")})
        GROUP BY h.loan_id
    """


def _bucket_rank(expr: str) -> str:
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in Bucket.RANK.items())
    return f"(CASE {expr} {whens} ELSE 0 END)"


def scan_params(as_of: date, chunk: Chunk) -> dict:
    """Constants of the scan, computed once in Python so the SQL stays arithmetic."""

    def month_facts(day: date, prefix: str) -> dict:
        first_prev = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        return {
            f"{prefix}_y": day.year,
            f"{prefix}_m": day.month,
            f"{prefix}_d": day.day,
            f"{prefix}_dim": calendar.monthrange(day.year, day.month)[1],
            f"{prefix}_first": day.replace(day=1).isoformat(),
            f"{prefix}_prev_first": first_prev.isoformat(),
            f"{prefix}_prev_dim": calendar.monthrange(first_prev.year, first_prev.month)[1],
        }

    return {
        "as_of": as_of.isoformat(),
        "lo": chunk.lo,
        "hi": chunk.hi,
        **month_facts(as_of, "x"),  # OTS counts following due dates up to as_of
        **month_facts(as_of + timedelta(days=1), "x1"),  # MBA up to the day after
        "promise_grace": PROMISE_GRACE_DAYS,
        "ew_due": add_business_days(as_of, EARLY_WARNING_DUE_BUSINESS_DAYS).isoformat(),
        "now": timezone.now().isoformat(),
    }


def _installments_after(d: Dialect, prefix: str) -> str:
    """SQL for status.installments_following_on_or_before with L = the `prefix` date."""
    months = f"((%({prefix}_y)s - {d.year('l.next_due_date')}) * 12 + (%({prefix}_m)s - {d.month('l.next_due_date')}))"
    ahead = (
        f"(CASE WHEN {d.day('l.first_payment_date')} > %({prefix}_d)s AND %({prefix}_d)s < %({prefix}_dim)s"
        f" THEN 1 ELSE 0 END)"
    )
    return d.greatest("0", f"{months} - {ahead}")


def status_sql(d: Dialect) -> str:
    """One row per active loan of the chunk: status numbers, bucket and the latest due date."""
    count_x = _installments_after(d, "x")
    due_day = d.day("l.first_payment_date")
    latest_due = (
        f"CASE WHEN {count_x} = 0 THEN l.next_due_date"
        f" WHEN {due_day} > %(x_d)s AND %(x_d)s < %(x_dim)s"
        f" THEN {d.add_days(d.date('x_prev_first'), d.least(due_day, '%(x_prev_dim)s') + ' - 1')}"
        f" ELSE {d.add_days(d.date('x_first'), d.least(due_day, '%(x_dim)s') + ' - 1')} END"
    )
    inner = f"""
        SELECT l.id AS loan_id, l.next_due_date, l.first_payment_date, l.grace_days, l.suspense_balance,
               l.monthly_pi + l.monthly_escrow AS installment,
               {d.greatest("0", d.days_between(d.date("as_of"), "l.next_due_date"))} AS dpd,
               30 * {_installments_after(d, "x1")} AS mba,
               30 * {count_x} AS ots,
               {latest_due} AS latest_due,
               CASE WHEN hs.reo = 1 THEN '{Bucket.REO}' WHEN hs.bankruptcy = 1 THEN '{Bucket.BANKRUPTCY}'
                    WHEN hs.foreclosure = 1 THEN '{Bucket.FORECLOSURE}' ELSE NULL END AS special,
               COALESCE(hs.no_tasks, 0) AS no_tasks
        FROM {T_LOAN} l
        LEFT JOIN ({holds_sql(d)}) hs ON hs.loan_id = l.id
        WHERE l.id >= %(lo)s AND l.id < %(hi)s AND l.status = 'active'
        {d.materialize()}
    """
    status_col = "s.mba" if convention() == MBA else "s.ots"
    days = f"(CASE WHEN {status_col} = 0 THEN {d.least('s.dpd', '29')} ELSE {status_col} END)"
    bucket = (
        f"COALESCE(s.special, CASE WHEN {days} <= 0 THEN '{Bucket.CURRENT}' WHEN {days} < 30 THEN '{Bucket.D1_29}'"
        f" WHEN {days} < 60 THEN '{Bucket.D30_59}' WHEN {days} < 90 THEN '{Bucket.D60_89}'"
        f" WHEN {days} < 120 THEN '{Bucket.D90_119}' ELSE '{Bucket.D120_PLUS}' END)"
    )
    return f"SELECT s.*, {bucket} AS bucket FROM ({inner}) s"


def _promises_sql(d: Dialect) -> list[str]:
    window_end = d.least(d.add_days(f"{T_PROMISE}.promised_date", "%(promise_grace)s"), d.date("as_of"))
    paid = f"""
        FROM {T_LEDGER} t WHERE t.loan_id = {T_PROMISE}.loan_id AND t.kind = 'payment'
          AND t.effective_date >= {T_PROMISE}.created_on AND t.effective_date <= {window_end}
          AND NOT EXISTS (SELECT 1 FROM {T_LEDGER} r WHERE r.reversal_of_id = t.id)
    """
    in_chunk = f"status = 'open' AND loan_id >= %(lo)s AND loan_id < %(hi)s AND created_on <= {d.date('as_of')}"
    return [
        f"""UPDATE {T_PROMISE} SET status = 'kept', resolved_on = (SELECT MAX(t.effective_date) {paid})
            WHERE {in_chunk} AND (SELECT COALESCE(SUM(t.amount), 0) {paid}) >= {T_PROMISE}.amount""",
        f"""UPDATE {T_PROMISE} SET status = 'broken',
                   resolved_on = {d.add_days("promised_date", "%(promise_grace)s + 1")}
            WHERE {in_chunk} AND {d.add_days("promised_date", "%(promise_grace)s")} < {d.date("as_of")}""",
    ]


def _events_sql(d: Dialect) -> str:
    old = f"COALESCE(o.bucket, '{Bucket.CURRENT}')"
    kind = (
        f"CASE WHEN b.bucket = '{Bucket.CURRENT}' THEN 'cured' WHEN {old} = '{Bucket.CURRENT}' THEN 'entered'"
        f" WHEN {_bucket_rank('b.bucket')} > {_bucket_rank(old)} THEN 'rolled_forward' ELSE 'improved' END"
    )
    return f"""
        INSERT INTO {T_EVENT} (loan_id, date, from_bucket, to_bucket, kind)
        SELECT b.loan_id, {d.date("as_of")}, {old}, b.bucket, {kind}
        FROM ({status_sql(d)}) b
        LEFT JOIN {T_LD} o ON o.loan_id = b.loan_id AND o.loan_id >= %(lo)s AND o.loan_id < %(hi)s
        WHERE b.bucket <> {old} AND (o.business_date IS NULL OR o.business_date < {d.date("as_of")})
        ON CONFLICT (loan_id, date) DO NOTHING
    """


def _flags_sql(d: Dialect) -> str:
    """Per loan of the chunk: status plus each early-warning flag (1/0) and its message parts."""
    as_of = d.date("as_of")
    nsf = f"""
        SELECT t.loan_id, MAX(t.effective_date) AS last_nsf FROM {T_LEDGER} t
        WHERE t.loan_id >= %(lo)s AND t.loan_id < %(hi)s AND t.kind = 'nsf_reversal'
          AND t.effective_date > {d.add_days(as_of, -NSF_LOOKBACK_DAYS)} AND t.effective_date <= {as_of}
        GROUP BY t.loan_id
    """
    ranked = f"""
        SELECT t.loan_id, t.amount, {d.days_between("t.effective_date", "t.installment_due_date")} AS late,
               ROW_NUMBER() OVER (PARTITION BY t.loan_id ORDER BY t.installment_due_date DESC, t.seq DESC) AS rn
        FROM {T_LEDGER} t
        WHERE t.loan_id >= %(lo)s AND t.loan_id < %(hi)s AND t.kind = 'installment'
          AND t.installment_due_date > {d.add_days(as_of, -200)} AND t.effective_date <= {as_of}
          AND t.id NOT IN (SELECT r.reversal_of_id FROM {T_LEDGER} r
                           WHERE r.loan_id >= %(lo)s AND r.loan_id < %(hi)s AND r.reversal_of_id IS NOT NULL)
    """
    inst = f"""
        SELECT q.loan_id, MAX(CASE WHEN q.rn = 1 THEN q.late END) AS l1, MAX(CASE WHEN q.rn = 2 THEN q.late END) AS l2,
               MAX(CASE WHEN q.rn = 3 THEN q.late END) AS l3, MAX(CASE WHEN q.rn = 1 THEN q.amount END) AS last_amount
        FROM ({ranked}) q WHERE q.rn <= 3 GROUP BY q.loan_id
    """
    # Per-loan lookups are joins on derived tables restricted to the chunk's id range, so the
    # planner never scans a whole million-row table for each chunk.
    broken = f"""
        SELECT p.loan_id FROM {T_PROMISE} p
        WHERE p.loan_id >= %(lo)s AND p.loan_id < %(hi)s AND p.status = 'broken'
          AND p.resolved_on > {d.add_days(as_of, -BROKEN_PROMISE_LOOKBACK_DAYS)} AND p.resolved_on <= {as_of}
        GROUP BY p.loan_id
    """
    rolled = f"""
        SELECT e.loan_id FROM {T_EVENT} e
        WHERE e.loan_id >= %(lo)s AND e.loan_id < %(hi)s AND e.kind = 'rolled_forward'
          AND e.date > {d.add_days(as_of, -ROLL_LOOKBACK_DAYS)} AND e.date <= {as_of}
        GROUP BY e.loan_id
    """
    return f"""
        SELECT b.*, n.last_nsf, i.l1, i.l2, i.l3, i.last_amount,
          CASE WHEN b.suspense_balance > 0 THEN 1 ELSE 0 END AS f_suspense,
          CASE WHEN n.last_nsf IS NOT NULL THEN 1 ELSE 0 END AS f_nsf,
          CASE WHEN i.l3 IS NOT NULL AND i.l1 > i.l2 AND i.l2 > i.l3 AND i.l1 > 0 THEN 1 ELSE 0 END AS f_drift,
          CASE WHEN b.next_due_date = b.first_payment_date AND b.dpd > b.grace_days THEN 1 ELSE 0 END AS f_first,
          CASE WHEN bp.loan_id IS NOT NULL THEN 1 ELSE 0 END AS f_promise,
          CASE WHEN i.last_amount > 0 AND b.installment * 100 >= i.last_amount * {100 + PAYMENT_SHOCK_PCT}
               THEN 1 ELSE 0 END AS f_shock,
          CASE WHEN ro.loan_id IS NOT NULL THEN 1 ELSE 0 END AS f_rolled
        FROM ({status_sql(d)}) b
        LEFT JOIN ({nsf}) n ON n.loan_id = b.loan_id
        LEFT JOIN ({inst}) i ON i.loan_id = b.loan_id
        LEFT JOIN ({broken}) bp ON bp.loan_id = b.loan_id
        LEFT JOIN ({rolled}) ro ON ro.loan_id = b.loan_id
        {d.materialize()}
    """


def _reason(code: str, message_sql: str) -> str:
    return f"""'{{"code": "{code}", "message": "' || {message_sql} || '"}},'"""


def _upsert_sql(d: Dialect) -> str:
    as_of = d.date("as_of")
    w = RISK_WEIGHTS
    score = " + ".join(
        f"{flag} * {w[code]}"
        for flag, code in [
            ("f.f_nsf", "nsf"),
            ("f.f_first", "first_payment"),
            ("f.f_promise", "broken_promise"),
            ("f.f_rolled", "rolled_forward"),
            ("f.f_drift", "drift"),
            ("f.f_suspense", "suspense"),
            ("f.f_shock", "payment_shock"),
        ]
    )
    pct = "CAST(ROUND((f.installment - f.last_amount) * 100 / f.last_amount) AS INTEGER)"
    parts = [
        ("f.f_nsf", _reason("nsf", f"'NSF ' || {d.text(d.days_between(as_of, 'f.last_nsf'))} || ' days ago'")),
        (
            "f.f_first",
            _reason("first_payment", "'Missed the first payment, due ' || " + d.text("f.first_payment_date")),
        ),
        ("f.f_promise", _reason("broken_promise", "'Broke a promise to pay'")),
        ("f.f_rolled", _reason("rolled_forward", "'Rolled forward a bucket'")),
        (
            "f.f_drift",
            _reason(
                "drift",
                f"'Paying later each month (' || {d.text('f.l3')} || ', ' || {d.text('f.l2')} || ', '"
                f" || {d.text('f.l1')} || ' days after the due date)'",
            ),
        ),
        (
            "f.f_suspense",
            _reason("suspense", f"'Partial payment of ' || {d.money_text('f.suspense_balance')} || ' in suspense'"),
        ),
        (
            "f.f_shock",
            _reason(
                "payment_shock",
                f"'Payment up ' || {d.text(pct)} || '%% (' || {d.money_text('f.last_amount')} || ' to '"
                f" || {d.money_text('f.installment')} || ')'",
            ),
        ),
    ]
    reasons = " || ".join(f"(CASE WHEN {flag} = 1 THEN {text} ELSE '' END)" for flag, text in parts)
    reasons = d.json(f"'[' || RTRIM({reasons}, ',') || ']'")
    return f"""
        INSERT INTO {T_LD} (loan_id, business_date, next_due_date, days_past_due, mba_status, ots_status, bucket,
                            risk_score, risk_reasons)
        SELECT f.loan_id, {as_of}, f.next_due_date, f.dpd, f.mba, f.ots, f.bucket, {d.least("100", score)}, {reasons}
        FROM ({_flags_sql(d)}) f
        WHERE 1 = 1
        ON CONFLICT (loan_id) DO UPDATE SET
            business_date = excluded.business_date, next_due_date = excluded.next_due_date,
            days_past_due = excluded.days_past_due, mba_status = excluded.mba_status,
            ots_status = excluded.ots_status, bucket = excluded.bucket,
            risk_score = excluded.risk_score, risk_reasons = excluded.risk_reasons
        WHERE excluded.business_date >= {T_LD}.business_date
    """


def _cancel_sql(d: Dialect) -> list[str]:
    as_of = d.date("as_of")
    open_in_chunk = "status = 'open' AND loan_id >= %(lo)s AND loan_id < %(hi)s"
    set_cancel = f"UPDATE {T_TASK} SET status = 'cancelled', closed_at = %(now)s"
    loan = f"SELECT 1 FROM {T_LOAN} l WHERE l.id = {T_TASK}.loan_id AND l.id >= %(lo)s AND l.id < %(hi)s"
    return [
        # Paid off, liquidated or charged off: nothing left to call about.
        f"{set_cancel}, cancel_reason = 'loan_closed' WHERE {open_in_chunk}"
        f" AND EXISTS ({loan} AND l.status <> 'active')",
        # Under a hold that stops collection activity.
        f"{set_cancel}, cancel_reason = 'hold' WHERE {open_in_chunk} AND EXISTS ({loan} AND "
        f"{_hold_active(d, Hold.NO_TASK_KINDS)})",
        # Cured: nothing past due any more; the delinquency calls stop (the payment service does
        # this the same day too, see services.tasks_cancel_for_cured_loan).
        f"{set_cancel}, cancel_reason = 'cured' WHERE {open_in_chunk} AND reason IN {_in(CallTask.DELINQUENCY_REASONS)}"
        f" AND EXISTS ({loan} AND l.next_due_date >= {as_of})",
    ]


def _task_insert(d: Dialect, select: str) -> str:
    return f"""
        INSERT INTO {T_TASK} (loan_id, reason, due_by, business_date, promise_id, status, cancel_reason, note,
                              created_at)
        {select}
        ON CONFLICT (loan_id, reason, due_by) WHERE status = 'open' DO NOTHING
    """


def _tasks_sql(d: Dialect) -> list[str]:
    as_of = d.date("as_of")
    # Reg X cycles: the first one opens when the oldest installment is past its grace days, each
    # later one on its due date while the loan is still delinquent.
    cycle_open = "(s.latest_due > s.next_due_date OR s.dpd > s.grace_days)"
    delinquent = f"s.dpd > 0 AND s.no_tasks = 0 AND {cycle_open}"

    def not_already(reason: str, due: str, window: str | None = None) -> str:
        due_cond = f"t.due_by > {d.add_days(due, -WRITTEN_NOTICE_INTERVAL_DAYS)}" if window else f"t.due_by = {due}"
        return (
            f"NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = s.loan_id AND t.reason = '{reason}'"
            f" AND t.status IN ('open', 'done') AND {due_cond})"
        )

    live_due = d.add_days("s.latest_due", LIVE_CONTACT_DAYS)
    notice_due = d.add_days("s.latest_due", WRITTEN_NOTICE_DAYS)
    live = f"""
        SELECT s.loan_id, 'regx_live_contact', {live_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM ({status_sql(d)}) s
        WHERE {delinquent} AND {not_already("regx_live_contact", live_due)}
    """
    notice = f"""
        SELECT s.loan_id, 'regx_written_notice', {notice_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM ({status_sql(d)}) s
        WHERE {delinquent} AND {not_already("regx_written_notice", notice_due, window="180")}
    """
    broken = f"""
        SELECT p.loan_id, 'broken_promise', p.resolved_on, {as_of}, p.id, 'open', '', '', %(now)s
        FROM {T_PROMISE} p JOIN {T_LOAN} l ON l.id = p.loan_id
        WHERE p.loan_id >= %(lo)s AND p.loan_id < %(hi)s AND p.status = 'broken'
          AND p.resolved_on <= {as_of} AND p.resolved_on > {d.add_days(as_of, -7)}
          AND l.status = 'active' AND l.next_due_date < {as_of}
          AND NOT {_hold_active(d, Hold.NO_TASK_KINDS)}
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.promise_id = p.id AND t.status IN ('open', 'done'))
    """
    early = f"""
        SELECT ld.loan_id, 'early_warning', {d.date("ew_due")}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {T_LD} ld JOIN {T_LOAN} l ON l.id = ld.loan_id
        WHERE ld.loan_id >= %(lo)s AND ld.loan_id < %(hi)s AND ld.business_date = {as_of}
          AND ld.risk_score >= {WATCHLIST_SCORE} AND ld.mba_status = 0 AND l.status = 'active'
          AND NOT {_hold_active(d, Hold.NO_TASK_KINDS)}
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = ld.loan_id AND t.status = 'open')
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = ld.loan_id AND t.reason = 'early_warning'
                          AND t.status IN ('open', 'done')
                          AND t.business_date > {d.add_days(as_of, -EARLY_WARNING_REPEAT_DAYS)})
    """
    # A trial payment past its due date and still unpaid can be saved until its month ends (the
    # trial fails then, workouts/services/trials.py): call before that day.
    trial_due = d.month_end("tp.due_date")
    trial = f"""
        SELECT c.loan_id, 'missed_trial_payment', {trial_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {T_TRIAL} tp JOIN {T_WORKOUT} w ON w.id = tp.workout_id JOIN {T_CASE} c ON c.id = w.case_id
        JOIN {T_LOAN} l ON l.id = c.loan_id
        WHERE c.loan_id >= %(lo)s AND c.loan_id < %(hi)s AND w.status = 'trial' AND tp.status = 'scheduled'
          AND tp.due_date < {as_of} AND {trial_due} >= {as_of} AND l.status = 'active'
          AND NOT {_hold_active(d, Hold.NO_TASK_KINDS)}
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = c.loan_id AND t.reason = 'missed_trial_payment'
                          AND t.status IN ('open', 'done') AND t.due_by = {trial_due})
    """
    return [_task_insert(d, q) for q in (live, notice, broken, trial, early)]


def chunk_statements(d: Dialect) -> list[tuple[str, str]]:
    """The chunk's statements in order, each with a name for timing and errors."""
    return [
        *(("promises", sql) for sql in _promises_sql(d)),
        ("bucket_events", _events_sql(d)),
        ("status", _upsert_sql(d)),
        *(("cancel", sql) for sql in _cancel_sql(d)),
        *(("tasks", sql) for sql in _tasks_sql(d)),
    ]


def scan_chunk(*, as_of: date, lo: int, hi: int) -> int:
    """Scan loans with ids in [lo, hi) as of `as_of`, in one transaction. Idempotent.

    Returns the number of active loans scanned.
    """
    d = current_dialect()
    params = scan_params(as_of, Chunk(lo, hi))
    with transaction.atomic(), connection.cursor() as cursor:
        if d.pg:
            # The statements are cheap per row but their cost estimates are large; compiling them
            # with JIT took longer than running them (3.8 s of 4.3 s per 10k loans, measured).
            cursor.execute("SET LOCAL jit = off")
        for _name, sql in chunk_statements(d):
            cursor.execute(sql, params)
        return Loan.objects.filter(id__gte=lo, id__lt=hi, status=Loan.Status.ACTIVE).count()


# --- run bookkeeping -------------------------------------------------------------------------


def scan_claim(*, as_of: date, chunks_total: int = 0, now=None) -> ScanRun:
    """Take the business date's lock: its ScanRun row, set running. Raise ScanLocked if another
    scan of that date is running (and not stale)."""
    now = now or timezone.now()
    with transaction.atomic():
        run, created = ScanRun.objects.select_for_update().get_or_create(
            business_date=as_of, defaults={"started_at": now, "status": ScanRun.Status.RUNNING}
        )
        if not created and run.status == ScanRun.Status.RUNNING and now - run.started_at < STALE_RUN:
            raise ScanLocked(f"A scan for {as_of.isoformat()} has been running since {run.started_at:%H:%M}.")
        run.status = ScanRun.Status.RUNNING
        run.started_at = now
        run.finished_at = None
        run.chunks_total = chunks_total
        run.chunks_done = 0
        run.loans_scanned = 0
        run.failures = []
        run.save()
    return run


def scan_record_failure(*, as_of: date, where: str, error: str) -> None:
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().filter(business_date=as_of).first()
        if run is None:
            return
        run.failures = [*run.failures, {"where": where, "error": error[:500]}]
        run.status = ScanRun.Status.FAILED
        run.finished_at = timezone.now()
        run.save(update_fields=["failures", "status", "finished_at"])


def _specialists() -> list[dict]:
    rows = (
        Profile.objects.filter(user__is_active=True, is_active_for_assignment=True, user__groups__name=Role.SPECIALIST)
        .annotate(open_loans=Count("user__loans", filter=Q(user__loans__status=Loan.Status.ACTIVE), distinct=True))
        .values("user_id", "capacity", "languages", "open_loans")
        .order_by("user_id")
    )
    return [
        {
            "user_id": r["user_id"],
            "spare": r["capacity"] - r["open_loans"],
            "languages": {c.strip() for c in r["languages"].split(",") if c.strip()},
        }
        for r in rows
    ]


def tasks_assign() -> int:
    """Give every open task an owner. Continuity (Reg X 1024.40): the specialist assigned to
    the loan keeps it. A loan with no (active) assignee goes to the active specialist with the
    most spare capacity (capacity - active loans), speaking the borrower's language when it is
    not English and someone does; the loan is assigned to them too, so later tasks follow.
    Returns the number of tasks whose owner changed.
    """
    orphan_loans = list(
        Loan.objects.filter(call_tasks__status=CallTask.Status.OPEN)
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to__is_active=False))
        .values_list("id", "borrower__preferred_language")
        .distinct()
        .order_by("id")
    )
    if orphan_loans:
        people = _specialists()
        picks: dict[int, list[int]] = {}
        for loan_id, language in orphan_loans:
            pool = people
            if language and language != "en":
                pool = [p for p in people if language in p["languages"]] or people
            if not pool:
                break
            best = max(pool, key=lambda p: (p["spare"], -p["user_id"]))
            best["spare"] -= 1
            picks.setdefault(best["user_id"], []).append(loan_id)
        for user_id, loan_ids in picks.items():
            for start in range(0, len(loan_ids), 5000):
                Loan.objects.filter(id__in=loan_ids[start : start + 5000]).update(assigned_to_id=user_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {T_TASK}
                SET assigned_to_id = (SELECT l.assigned_to_id FROM {T_LOAN} l WHERE l.id = {T_TASK}.loan_id)
                WHERE status = 'open' AND EXISTS (
                    SELECT 1 FROM {T_LOAN} l WHERE l.id = {T_TASK}.loan_id AND l.assigned_to_id IS NOT NULL
                    AND ({T_TASK}.assigned_to_id IS NULL OR {T_TASK}.assigned_to_id <> l.assigned_to_id))"""
        )
        changed = max(cursor.rowcount, 0)
    return changed


def scan_finish(*, as_of: date, loans_scanned: int, chunks_done: int) -> ScanRun:
    """Assign tasks and record the run's counts. Safe to repeat."""
    assigned = tasks_assign()
    buckets = dict(
        LoanDelinquency.objects.filter(business_date=as_of, loan__status=Loan.Status.ACTIVE)
        .values_list("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reasons = dict(
        CallTask.objects.filter(business_date=as_of).values_list("reason").annotate(n=Count("pk")).order_by()
    )
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(business_date=as_of)
        run.bucket_counts = {name: buckets.get(name, 0) for name in Bucket.ALL if buckets.get(name)}
        run.task_counts = {name: reasons[name] for name in CallTask.Reason.values if name in reasons}
        run.loans_scanned = loans_scanned
        run.chunks_done = chunks_done
        run.tasks_assigned = assigned
        run.status = ScanRun.Status.FAILED if run.failures else ScanRun.Status.DONE
        run.finished_at = timezone.now()
        run.save()
    logger.info("Delinquency scan %s: %s loans, tasks %s", as_of, loans_scanned, run.task_counts)
    return run


def run_scan(*, as_of: date, progress=None, chunk_size: int | None = None) -> ScanRun:
    """The whole scan in this process (the management command and tests): claim, chunks, finish."""
    chunks = chunks_for_active_loans(chunk_size)
    scan_claim(as_of=as_of, chunks_total=len(chunks))
    total = 0
    try:
        for chunk in chunks:
            total += scan_chunk(as_of=as_of, lo=chunk.lo, hi=chunk.hi)
            if progress is not None:
                progress(chunk)
    except Exception as exc:
        scan_record_failure(as_of=as_of, where="chunk", error=repr(exc))
        raise
    return scan_finish(as_of=as_of, loans_scanned=total, chunks_done=len(chunks))


def dates_to_scan(target: date) -> list[date]:
    """Business dates the nightly run covers: every date since the last completed scan through
    `target` (a missed night is caught up), at most MAX_CATCH_UP_DAYS of them."""
    last = ScanRun.objects.filter(status=ScanRun.Status.DONE, business_date__lte=target).aggregate(
        m=Max("business_date")
    )["m"]
    if last is None or last >= target:
        return [] if last == target else [target]
    start = max(last + timedelta(days=1), target - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [start + timedelta(days=i) for i in range((target - start).days + 1)]
