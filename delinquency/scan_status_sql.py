# ruff: noqa: S608 -- the SQL here is built from table names and constants; values travel as parameters.
"""The scan's status SQL: each loan's days past due, MBA and OTS status, bucket and holds, the
promises judged, the bucket events and the early-warning flags behind the risk score.

A chunk computes the status once, into a temporary table (STATUS_TABLE, one row per active loan
of the chunk); the bucket events, the status upsert and the Reg X task inserts all read it.

The status arithmetic is delinquency/status.py turned into SQL: with as_of fixed for the whole
scan, "installments after the oldest unpaid one due on or before L" is the month distance from
the oldest unpaid due date to L, less one when the due day is later than L's day (and L is not
its month's last day). See `status.installments_following_on_or_before`.
"""

from django.conf import settings

from borrowers.models import LedgerTransaction, Loan
from delinquency.models import BucketEvent, CallTask, Hold, LoanDelinquency, Promise
from delinquency.sql import Dialect
from delinquency.status import MBA, Bucket

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
# Installments looked at for the "paying later each month" and payment-shock flags.
INSTALLMENT_LOOKBACK_DAYS = 200
# Current loans at or above this score go on the watchlist and get an outreach call.
WATCHLIST_SCORE = 40

T_LOAN = Loan._meta.db_table
T_LEDGER = LedgerTransaction._meta.db_table
T_LD = LoanDelinquency._meta.db_table
T_EVENT = BucketEvent._meta.db_table
T_HOLD = Hold._meta.db_table
T_PROMISE = Promise._meta.db_table
T_TASK = CallTask._meta.db_table
# The chunk's status rows, computed once per chunk (see status_table_sql).
STATUS_TABLE = "scan_chunk_status"


def convention() -> str:
    return getattr(settings, "DELINQUENCY_STATUS_CONVENTION", MBA)


def sql_in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def hold_active(d: Dialect, kinds, loan_col: str = "l.id") -> str:
    return (
        f"EXISTS (SELECT 1 FROM {T_HOLD} h WHERE h.loan_id = {loan_col} AND h.kind IN {sql_in(kinds)}"
        f" AND h.start_date <= {d.date('as_of')} AND (h.end_date IS NULL OR h.end_date >= {d.date('as_of')}))"
    )


def holds_sql(d: Dialect) -> str:
    """Per loan of the chunk with a hold in force on as_of: which kinds (one pass over holds)."""

    def has(kinds) -> str:
        return f"MAX(CASE WHEN h.kind IN {sql_in(kinds)} THEN 1 ELSE 0 END)"

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


def status_table_sql(d: Dialect) -> list[str]:
    """Compute the chunk's status rows once, into STATUS_TABLE: the events, the upsert and the
    Reg X task inserts read it instead of recomputing the holds join and the date arithmetic."""
    create = (
        f"CREATE TEMPORARY TABLE {STATUS_TABLE} ON COMMIT DROP AS {status_sql(d)}"
        if d.pg
        else f"CREATE TEMPORARY TABLE {STATUS_TABLE} AS {status_sql(d)}"
    )
    # Keyed by loan: the cancellations look rows up one open task at a time.
    index = f"CREATE UNIQUE INDEX {STATUS_TABLE}_loan ON {STATUS_TABLE} (loan_id)"
    return [drop_status_table_sql(), create, index]


def drop_status_table_sql() -> str:
    # Tests run each chunk inside an outer transaction (and SQLite has no ON COMMIT DROP), so the
    # chunk drops its table itself.
    return f"DROP TABLE IF EXISTS {STATUS_TABLE}"


def promises_sql(d: Dialect) -> list[str]:
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


def events_sql(d: Dialect) -> str:
    old = f"COALESCE(o.bucket, '{Bucket.CURRENT}')"
    kind = (
        f"CASE WHEN b.bucket = '{Bucket.CURRENT}' THEN 'cured' WHEN {old} = '{Bucket.CURRENT}' THEN 'entered'"
        f" WHEN {_bucket_rank('b.bucket')} > {_bucket_rank(old)} THEN 'rolled_forward' ELSE 'improved' END"
    )
    return f"""
        INSERT INTO {T_EVENT} (loan_id, date, from_bucket, to_bucket, kind)
        SELECT b.loan_id, {d.date("as_of")}, {old}, b.bucket, {kind}
        FROM {STATUS_TABLE} b
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
          AND t.installment_due_date > {d.add_days(as_of, -INSTALLMENT_LOOKBACK_DAYS)} AND t.effective_date <= {as_of}
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
          CASE WHEN i.l3 IS NOT NULL AND i.l1 > i.l2 AND i.l2 > i.l3 AND i.l1 > 0 THEN 1 ELSE 0 END
            AS f_drift,
          CASE WHEN b.next_due_date = b.first_payment_date AND b.dpd > b.grace_days THEN 1 ELSE 0 END AS f_first,
          CASE WHEN bp.loan_id IS NOT NULL THEN 1 ELSE 0 END AS f_promise,
          CASE WHEN i.last_amount > 0 AND b.installment * 100 >= i.last_amount * {100 + PAYMENT_SHOCK_PCT}
               THEN 1 ELSE 0 END AS f_shock,
          CASE WHEN ro.loan_id IS NOT NULL THEN 1 ELSE 0 END AS f_rolled
        FROM {STATUS_TABLE} b
        LEFT JOIN ({nsf}) n ON n.loan_id = b.loan_id
        LEFT JOIN ({inst}) i ON i.loan_id = b.loan_id
        LEFT JOIN ({broken}) bp ON bp.loan_id = b.loan_id
        LEFT JOIN ({rolled}) ro ON ro.loan_id = b.loan_id
        {d.materialize()}
    """


def _reason(code: str, message_sql: str) -> str:
    return f"""'{{"code": "{code}", "message": "' || {message_sql} || '"}},'"""


def upsert_sql(d: Dialect) -> str:
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
