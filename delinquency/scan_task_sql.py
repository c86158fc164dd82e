# ruff: noqa: S608 -- the SQL here is built from table names and constants; values travel as parameters.
"""The scan's task SQL: open tasks cancelled when their reason went away, and new call tasks
queued, each statement set-based over the chunk.

Inserts use ON CONFLICT DO NOTHING behind NOT EXISTS guards, so a rerun for the same business
date adds nothing; they read the chunk's status rows (STATUS_TABLE: active loans only, with the
no-task hold flag) instead of joining loans and holds again.

Case deadlines (loss mitigation, Reg X 1024.41): a call before the date by which the borrower
must act, for three kinds of case deadline:

- case_documents: an incomplete application whose acknowledgment went out; the missing
  documents are due by the date the acknowledgment gave (letters.dates.documents_due_date);
- offer_acceptance: a workout offered and not yet answered, before offer_expires_on;
- appeal_window: a denial with an appeal right and no appeal filed, before appeal_deadline.

Each is queued once the deadline is CASE_DEADLINE_LOOKAHEAD_DAYS away or nearer, due
CASE_DEADLINE_LEAD_BUSINESS_DAYS business days before it (never before the next business day,
never after the deadline); cancelled when the case no longer needs it (documents complete, offer
answered, appeal filed, case closed, deadline passed).
"""

from datetime import date, timedelta

from delinquency.models import CallTask
from delinquency.scan_status_sql import (
    STATUS_TABLE,
    T_LD,
    T_LOAN,
    T_PROMISE,
    T_TASK,
    WATCHLIST_SCORE,
    sql_in,
)
from delinquency.sql import Dialect
from delinquency.status import LIVE_CONTACT_DAYS, WRITTEN_NOTICE_DAYS, WRITTEN_NOTICE_INTERVAL_DAYS
from letters.dates import (
    DELINQUENCY_MILESTONE_DAYS,
    DOCUMENTS_DUE_DAYS,
    DOCUMENTS_DUE_MIN_DAYS,
    SALE_MILESTONES_DAYS,
)
from workouts.domain.dates import add_business_days, is_business_day
from workouts.models import Appeal, CaseDocument, LossMitCase, TrialPayment, Workout

EARLY_WARNING_DUE_BUSINESS_DAYS = 5
EARLY_WARNING_REPEAT_DAYS = 30  # one outreach a month at most for the same loan
# A case-deadline call is queued when the deadline is this many days away or nearer...
CASE_DEADLINE_LOOKAHEAD_DAYS = 14
# ...and due this many business days before the deadline, leaving time to act on the call.
CASE_DEADLINE_LEAD_BUSINESS_DAYS = 3

T_TRIAL = TrialPayment._meta.db_table
T_WORKOUT = Workout._meta.db_table
T_CASE = LossMitCase._meta.db_table
T_DOC = CaseDocument._meta.db_table
T_APPEAL = Appeal._meta.db_table
CASE_FINAL = sql_in(LossMitCase.FINAL_STATUSES)
# The NOT EXISTS guards look only at the chunk's own tasks: a bounded set the planner can hash,
# however large the task table (and however stale its statistics) is.
IN_CHUNK = "t.loan_id >= %(lo)s AND t.loan_id < %(hi)s"


def subtract_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current -= timedelta(days=1)
        if is_business_day(current):
            days -= 1
    return current


def case_deadline_due(as_of: date, deadline: date) -> date:
    """When the call about a case deadline is due: CASE_DEADLINE_LEAD_BUSINESS_DAYS business days
    before the deadline, but not before the next business day after the scan's date, and not
    after the deadline itself."""
    earliest = add_business_days(as_of, 1)
    return min(deadline, max(subtract_business_days(deadline, CASE_DEADLINE_LEAD_BUSINESS_DAYS), earliest))


def case_deadline_params(as_of: date) -> dict:
    """The due-by date for each deadline the lookahead can reach, as parameters (cd_k: deadline
    as_of + k, cdue_k: its call's due date), so the SQL maps deadlines to due dates in a CASE."""
    params = {}
    for k in range(1, CASE_DEADLINE_LOOKAHEAD_DAYS + 1):
        deadline = as_of + timedelta(days=k)
        params[f"cd_{k}"] = deadline.isoformat()
        params[f"cdue_{k}"] = case_deadline_due(as_of, deadline).isoformat()
    return params


def _due_for_deadline(d: Dialect, deadline: str) -> str:
    whens = " ".join(
        f"WHEN {d.date(f'cd_{k}')} THEN {d.date(f'cdue_{k}')}" for k in range(1, CASE_DEADLINE_LOOKAHEAD_DAYS + 1)
    )
    return f"(CASE {deadline} {whens} END)"


def _documents_deadline(d: Dialect) -> str:
    """letters.dates.documents_due_date in SQL: the earliest of 30 days after the acknowledgment,
    the 120th day of delinquency and 90 and 38 days before a scheduled sale, counting only those
    after the acknowledgment, and never earlier than 7 days after it."""
    sent = "c.acknowledgment_sent_on"
    first = d.add_days(sent, str(DOCUMENTS_DUE_DAYS))
    candidates = [d.add_days("l.next_due_date", str(DELINQUENCY_MILESTONE_DAYS))]
    candidates += [d.add_days("c.foreclosure_sale_date", str(-days)) for days in SALE_MILESTONES_DAYS]
    ahead = [f"(CASE WHEN {c} > {sent} THEN {c} ELSE {first} END)" for c in candidates]
    return d.greatest(d.least(first, *ahead), d.add_days(sent, str(DOCUMENTS_DUE_MIN_DAYS)))


def case_needs_sql(d: Dialect) -> dict[str, str]:
    """Per case-deadline reason: a query of (loan_id, deadline, since, note) for every loan of the
    chunk whose active case needs that call, whatever the deadline's distance. `since` is when
    the need began: a task queued on or after it already covers it."""
    active_case = f"c.status NOT IN {CASE_FINAL} AND c.loan_id >= %(lo)s AND c.loan_id < %(hi)s"
    documents = _documents_deadline(d)
    return {
        CallTask.Reason.CASE_DOCUMENTS: f"""
            SELECT c.loan_id, {documents} AS deadline, c.acknowledgment_sent_on AS since,
                   'Missing documents due ' || {d.text(documents)} AS note
            FROM {T_CASE} c JOIN {T_LOAN} l ON l.id = c.loan_id
            WHERE {active_case} AND c.application_complete_on IS NULL AND c.acknowledgment_sent_on IS NOT NULL
              AND EXISTS (SELECT 1 FROM {T_DOC} doc WHERE doc.case_id = c.id AND doc.required
                          AND doc.received_on IS NULL)
        """,
        CallTask.Reason.OFFER_ACCEPTANCE: f"""
            SELECT c.loan_id, w.offer_expires_on AS deadline, w.offered_on AS since,
                   'Offer to accept by ' || {d.text("w.offer_expires_on")} AS note
            FROM {T_CASE} c JOIN {T_WORKOUT} w ON w.case_id = c.id
            WHERE {active_case} AND w.status = '{Workout.Status.OFFERED}' AND w.offer_expires_on IS NOT NULL
        """,
        CallTask.Reason.APPEAL_WINDOW: f"""
            SELECT c.loan_id, w.appeal_deadline AS deadline, w.denial_notice_on AS since,
                   'Appeal window closes ' || {d.text("w.appeal_deadline")} AS note
            FROM {T_CASE} c JOIN {T_WORKOUT} w ON w.case_id = c.id
            WHERE {active_case} AND w.status = '{Workout.Status.DENIED}' AND w.appeal_deadline IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM {T_APPEAL} a WHERE a.workout_id = w.id)
        """,
    }


# Why a case-deadline task is cancelled once its case no longer needs it (and still has an
# active case): the deadline's own resolution.
CASE_RESOLVED = {
    CallTask.Reason.CASE_DOCUMENTS: "documents_received",
    CallTask.Reason.OFFER_ACCEPTANCE: "offer_answered",
    CallTask.Reason.APPEAL_WINDOW: "appeal_filed",
}


def cancel_sql(d: Dialect) -> list[str]:
    as_of = d.date("as_of")
    open_in_chunk = "status = 'open' AND loan_id >= %(lo)s AND loan_id < %(hi)s"
    set_cancel = f"UPDATE {T_TASK} SET status = 'cancelled', closed_at = %(now)s"

    def status_row(cond: str = "") -> str:
        return f"EXISTS (SELECT 1 FROM {STATUS_TABLE} s WHERE s.loan_id = {T_TASK}.loan_id{cond})"

    # One pass over the chunk's open tasks, first reason that applies wins:
    # - loan_closed: paid off, liquidated or charged off (no status row: not active);
    # - hold: under a hold that stops collection activity;
    # - cured: nothing past due any more, the delinquency calls stop (the payment service does
    #   this the same day too, see services.tasks_cancel_for_cured_loan).
    under_hold = status_row(" AND s.no_tasks = 1")
    cured = f"reason IN {sql_in(CallTask.DELINQUENCY_REASONS)} AND {status_row(f' AND s.next_due_date >= {as_of}')}"
    statements = [
        f"{set_cancel}, cancel_reason = CASE WHEN NOT {status_row()} THEN 'loan_closed'"
        f" WHEN {under_hold} THEN 'hold' ELSE 'cured' END"
        f" WHERE {open_in_chunk} AND (NOT {status_row()} OR {under_hold} OR ({cured}))"
    ]
    # Case deadlines the case no longer needs a call about.
    for reason, needs in case_needs_sql(d).items():
        mine = f"SELECT 1 FROM ({needs}) n WHERE n.loan_id = {T_TASK}.loan_id"
        has_case = f"SELECT 1 FROM {T_CASE} c WHERE c.loan_id = {T_TASK}.loan_id AND c.status NOT IN {CASE_FINAL}"
        statements.append(
            f"{set_cancel}, cancel_reason = CASE WHEN EXISTS ({mine}) THEN 'deadline_passed'"
            f" WHEN EXISTS ({has_case}) THEN '{CASE_RESOLVED[reason]}' ELSE 'case_closed' END"
            f" WHERE {open_in_chunk} AND reason = '{reason}' AND NOT EXISTS ({mine} AND n.deadline > {as_of})"
        )
    return statements


def _task_insert(select: str) -> str:
    return f"""
        INSERT INTO {T_TASK} (loan_id, reason, due_by, business_date, promise_id, status, cancel_reason, note,
                              created_at)
        {select}
        ON CONFLICT (loan_id, reason, due_by) WHERE status = 'open' DO NOTHING
    """


def tasks_sql(d: Dialect) -> list[str]:
    as_of = d.date("as_of")
    # Reg X cycles: the first one opens when the oldest installment is past its grace days, each
    # later one on its due date while the loan is still delinquent.
    cycle_open = "(s.latest_due > s.next_due_date OR s.dpd > s.grace_days)"
    delinquent = f"s.dpd > 0 AND s.no_tasks = 0 AND {cycle_open}"

    def not_already(reason: str, due: str, window: str | None = None) -> str:
        due_cond = f"t.due_by > {d.add_days(due, -WRITTEN_NOTICE_INTERVAL_DAYS)}" if window else f"t.due_by = {due}"
        return (
            f"NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = s.loan_id AND {IN_CHUNK} AND t.reason = '{reason}'"
            f" AND t.status IN ('open', 'done') AND {due_cond})"
        )

    live_due = d.add_days("s.latest_due", LIVE_CONTACT_DAYS)
    notice_due = d.add_days("s.latest_due", WRITTEN_NOTICE_DAYS)
    live = f"""
        SELECT s.loan_id, 'regx_live_contact', {live_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {STATUS_TABLE} s
        WHERE {delinquent} AND {not_already("regx_live_contact", live_due)}
    """
    notice = f"""
        SELECT s.loan_id, 'regx_written_notice', {notice_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {STATUS_TABLE} s
        WHERE {delinquent} AND {not_already("regx_written_notice", notice_due, window="180")}
    """
    broken = f"""
        SELECT p.loan_id, 'broken_promise', p.resolved_on, {as_of}, p.id, 'open', '', '', %(now)s
        FROM {T_PROMISE} p JOIN {STATUS_TABLE} s ON s.loan_id = p.loan_id
        WHERE p.loan_id >= %(lo)s AND p.loan_id < %(hi)s AND p.status = 'broken'
          AND p.resolved_on <= {as_of} AND p.resolved_on > {d.add_days(as_of, -7)}
          AND s.next_due_date < {as_of} AND s.no_tasks = 0
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.promise_id = p.id AND {IN_CHUNK}
                          AND t.status IN ('open', 'done'))
    """
    # A trial payment past its due date and still unpaid can be saved until its month ends (the
    # trial fails then, workouts/services/trials.py): call before that day.
    trial_due = d.month_end("tp.due_date")
    trial = f"""
        SELECT c.loan_id, 'missed_trial_payment', {trial_due}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {T_TRIAL} tp JOIN {T_WORKOUT} w ON w.id = tp.workout_id JOIN {T_CASE} c ON c.id = w.case_id
        JOIN {STATUS_TABLE} s ON s.loan_id = c.loan_id
        WHERE c.loan_id >= %(lo)s AND c.loan_id < %(hi)s AND w.status = 'trial' AND tp.status = 'scheduled'
          AND tp.due_date < {as_of} AND {trial_due} >= {as_of} AND s.no_tasks = 0
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = c.loan_id AND {IN_CHUNK}
                          AND t.reason = 'missed_trial_payment'
                          AND t.status IN ('open', 'done') AND t.due_by = {trial_due})
    """
    cases = []
    for reason, needs in case_needs_sql(d).items():
        cases.append(f"""
            SELECT n.loan_id, '{reason}', {_due_for_deadline(d, "n.deadline")}, {as_of}, NULL, 'open', '', n.note,
                   %(now)s
            FROM ({needs}) n JOIN {STATUS_TABLE} s ON s.loan_id = n.loan_id
            WHERE s.no_tasks = 0 AND n.deadline > {as_of}
              AND n.deadline <= {d.add_days(as_of, CASE_DEADLINE_LOOKAHEAD_DAYS)}
              AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = n.loan_id AND {IN_CHUNK}
                              AND t.reason = '{reason}'
                              AND t.status IN ('open', 'done') AND t.business_date >= n.since)
        """)
    early = f"""
        SELECT ld.loan_id, 'early_warning', {d.date("ew_due")}, {as_of}, NULL, 'open', '', '', %(now)s
        FROM {T_LD} ld JOIN {STATUS_TABLE} s ON s.loan_id = ld.loan_id
        WHERE ld.loan_id >= %(lo)s AND ld.loan_id < %(hi)s AND ld.business_date = {as_of}
          AND ld.risk_score >= {WATCHLIST_SCORE} AND ld.mba_status = 0 AND s.no_tasks = 0
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = ld.loan_id AND {IN_CHUNK} AND t.status = 'open')
          AND NOT EXISTS (SELECT 1 FROM {T_TASK} t WHERE t.loan_id = ld.loan_id AND {IN_CHUNK}
                          AND t.reason = 'early_warning'
                          AND t.status IN ('open', 'done')
                          AND t.business_date > {d.add_days(as_of, -EARLY_WARNING_REPEAT_DAYS)})
    """
    return [_task_insert(q) for q in (live, notice, broken, trial, *cases, early)]
