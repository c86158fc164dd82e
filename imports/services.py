"""Loading files: servicing tapes and the Freddie Mac loan-level dataset.

Every load is all or nothing. The whole file is checked first and every bad row is reported
with its line number; a clean file is then applied in one transaction, chunk by chunk with a
few set-based queries per chunk (imports/upsert.py). Each load is logged as an ImportRun, and a
run that applied or was rejected gets exactly one audit record summarising its counts.
"""

import hashlib
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from imports import freddie
from imports.models import ImportRun
from imports.tape import RowError, check_tape
from imports.tape_fast import apply_tape, check_tape_fast
from imports.upsert import NEW, UNCHANGED, UPDATED, ChunkContext, LoanInput, upsert_chunk
from lossmit.errors import DomainError

CHUNK_SIZE = 2000
# PostgreSQL loads tapes set-based (imports/tape_fast.py); bench/tape.py turns this off to
# time the per-row path against it in the same run.
TAPE_SET_BASED = True
PREVIEW_ROWS = 20

# progress(phase, rows): phase "check" while reading the file, "apply" while loading it.
Progress = Callable[[str, int], None]


def _no_progress(phase: str, rows: int) -> None:
    return None


def file_sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _chunks(records: Iterable[LoanInput], size: int) -> Iterator[list[LoanInput]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Spool:
    """Typed records from the checking pass, kept in a temporary file chunk by chunk so a
    million-row tape is parsed once and never held in memory whole. Only this process writes
    and reads the file, so unpickling it is safe."""

    def __init__(self, handle):
        self.handle = handle
        self.pending: list[LoanInput] = []

    def add(self, record: LoanInput) -> None:
        self.pending.append(record)
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            pickle.dump(self.pending, self.handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.pending = []

    def records(self) -> Iterator[LoanInput]:
        self.flush()
        self.handle.seek(0)
        while True:
            try:
                chunk = pickle.load(self.handle)  # noqa: S301 - our own temporary file
            except EOFError:
                return
            yield from chunk


def _store_errors(run: ImportRun, errors: list[RowError]) -> None:
    run.error_count = len(errors)
    run.errors = [error.as_dict() for error in errors[: ImportRun.ERRORS_KEPT]]


def _finish(run: ImportRun, status: str, *, actor, action: str, note: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.save()
    if status in (ImportRun.Status.APPLIED, ImportRun.Status.REJECTED):
        audit_record(actor=actor, action=action, obj=run, after=run.counts, note=note)


def _apply(
    records: Iterable[LoanInput], run: ImportRun, ctx: ChunkContext, *, write: bool, progress: Progress
) -> dict[str, str]:
    """Upsert every record chunk by chunk; count the actions on the run. Returns each loan's action."""
    counts: Counter[str] = Counter()
    actions: dict[str, str] = {}
    preview: list[dict] = []
    for chunk in _chunks(records, CHUNK_SIZE):
        chunk_actions = upsert_chunk(chunk, ctx=ctx, write=write)
        counts.update(chunk_actions)
        for record, action in zip(chunk, chunk_actions, strict=True):
            actions[record.loan_number] = action
            if len(preview) < PREVIEW_ROWS:
                preview.append(_preview_row(record, action))
        progress("apply", len(chunk))
    run.rows_new, run.rows_updated, run.rows_unchanged = counts[NEW], counts[UPDATED], counts[UNCHANGED]
    run.ledger_rows = ctx.ledger_rows
    run.preview = preview
    return actions


def _preview_row(record: LoanInput, action: str) -> dict:
    return {
        "line": record.line,
        "loan_number": record.loan_number,
        "action": action,
        "borrower": f"{record.borrower['first_name']} {record.borrower['last_name']}",
        "investor": record.loan["investor"],
        "principal_balance": str(record.principal_balance),
        "next_due_date": record.loan["next_due_date"].isoformat(),
        "property_state": record.property["state"],
    }


# --------------------------------------------------------------------------- servicing tape


def tape_import(
    *,
    path: Path,
    file_name: str = "",
    actor=None,
    dry_run: bool = False,
    run: ImportRun | None = None,
    progress: Progress = _no_progress,
) -> ImportRun:
    """Check a servicing tape and, when clean and not `dry_run`, apply it.

    Preconditions: `path` is readable. With `run`, a previewed upload is being confirmed: the
    file must still have the checksum it had at preview. Side effects: an ImportRun (the given
    one, or a new one) records the outcome; when applied, borrowers, properties, loans and
    ledger rows are created or adjusted in one transaction with one audit record; when rejected,
    nothing but the run and its audit record is written. A dry run only classifies rows.
    """
    path = Path(path)
    sha = file_sha256(path)
    if run is None:
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.TAPE,
            file_name=file_name or path.name,
            sha256=sha,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    elif run.sha256 != sha:
        raise DomainError("file_changed", "The file changed since it was previewed; upload it again.")
    elif run.status != ImportRun.Status.PREVIEWED:
        raise DomainError("not_previewed", f"This run is {run.get_status_display().lower()}; it cannot be applied.")

    if TAPE_SET_BASED and connection.vendor == "postgresql":
        return _tape_fast(path, run, actor=actor, dry_run=dry_run, progress=progress)
    with tempfile.TemporaryFile() as handle:
        spool = _Spool(handle)
        check = check_tape(path, on_row=lambda n: progress("check", n), keep=spool.add)
        return _tape_apply(run, check, spool, actor=actor, dry_run=dry_run, progress=progress)


def _tape_rejected(run: ImportRun, check, *, actor) -> ImportRun:
    _finish(
        run,
        ImportRun.Status.REJECTED,
        actor=actor,
        action="import.tape.rejected",
        note=f"Tape {run.file_name} rejected: {len(check.errors)} error(s) in {check.rows} row(s); nothing loaded",
    )
    return run


def _tape_applied(run: ImportRun, *, actor) -> None:
    _finish(
        run,
        ImportRun.Status.APPLIED,
        actor=actor,
        action="import.tape",
        note=(
            f"Tape {run.file_name}: {run.rows_total} row(s), {run.rows_new} new, {run.rows_updated} updated, "
            f"{run.rows_unchanged} unchanged, {run.ledger_rows} ledger row(s)"
        ),
    )


def _tape_apply(run: ImportRun, check, spool: _Spool, *, actor, dry_run: bool, progress: Progress) -> ImportRun:
    run.rows_total = check.rows
    _store_errors(run, check.errors)
    if not check.ok:
        return _tape_rejected(run, check, actor=actor)

    ctx = ChunkContext(actor=actor, effective_date=timezone.localdate(), reference=f"tape run {run.pk}")
    if dry_run:
        _apply(spool.records(), run, ctx, write=False, progress=progress)
        _finish(run, ImportRun.Status.PREVIEWED, actor=actor, action="", note="")
        return run
    with transaction.atomic():
        _apply(spool.records(), run, ctx, write=True, progress=progress)
        _tape_applied(run, actor=actor)
    return run


def _tape_fast(path: Path, run: ImportRun, *, actor, dry_run: bool, progress: Progress) -> ImportRun:
    """PostgreSQL: the same checks, outcome and records as the per-row path, set-based
    (imports/tape_fast.py)."""
    check = check_tape_fast(path, on_row=lambda n: progress("check", n))
    run.rows_total = check.rows
    _store_errors(run, check.errors)
    if not check.ok:
        check.spool.close()
        return _tape_rejected(run, check, actor=actor)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        applied = apply_tape(
            check,
            write=not dry_run,
            actor_id=actor_id,
            effective_date=timezone.localdate(),
            reference=f"tape run {run.pk}",
            now=timezone.now(),
            preview_rows=PREVIEW_ROWS,
            progress=lambda n: progress("apply", n),
        )
        counts = applied.counts
        run.rows_new, run.rows_updated, run.rows_unchanged = counts[NEW], counts[UPDATED], counts[UNCHANGED]
        run.ledger_rows = applied.ledger_rows
        run.preview = applied.preview
        if dry_run:
            transaction.set_rollback(True)  # classified only: drop the staging tables, write nothing
        else:
            _tape_applied(run, actor=actor)
    if dry_run:
        _finish(run, ImportRun.Status.PREVIEWED, actor=actor, action="", note="")
    return run


# --------------------------------------------------------------------------- Freddie Mac dataset


def freddie_import(
    *,
    orig_path: Path,
    perf_path: Path,
    actor=None,
    as_of: date | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> tuple[ImportRun, list[freddie.Agreement]]:
    """Load an origination file and its performance file, and compare MBA statuses.

    Each loan is boarded (or updated) from its origination record and its latest performance
    record on or before `as_of` (default: the latest in the file). Returns the run and, for every
    loan, how our MBA count (Lossmit's rule applied to the next due date we loaded) compares
    with the file's status column. Side effects as `tape_import`: all or nothing, one
    transaction, one audit record; the run's `report` keeps the totals and the exceptions.
    """
    orig_path, perf_path = Path(orig_path), Path(perf_path)
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.FREDDIE,
        file_name=f"{orig_path.name} + {perf_path.name}"[:255],
        sha256=file_sha256(orig_path, perf_path),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    data = freddie.read_files(orig_path, perf_path, as_of=as_of, on_row=lambda n: progress("check", n))
    run.rows_total = len(data.originations)
    _store_errors(run, data.errors)
    if data.errors:
        _finish(
            run,
            ImportRun.Status.REJECTED,
            actor=actor,
            action="import.freddie.rejected",
            note=f"Freddie Mac files {run.file_name} rejected: {len(data.errors)} error(s); nothing loaded",
        )
        return run, []

    records = [
        freddie.loan_input(orig, data.latest.get(seq), data.lines[seq]) for seq, orig in data.originations.items()
    ]
    agreements = [
        freddie.agreement(r.loan_number, data.latest.get(r.loan_number), r.loan["next_due_date"]) for r in records
    ]
    run.report = agreement_report(agreements)
    effective = as_of or (freddie.end_of_month(data.last_period) if data.last_period else timezone.localdate())
    ctx = ChunkContext(actor=actor, effective_date=effective, reference=f"freddie run {run.pk}")
    if dry_run:
        _apply(records, run, ctx, write=False, progress=progress)
        _finish(run, ImportRun.Status.PREVIEWED, actor=actor, action="", note="")
        return run, agreements
    with transaction.atomic():
        _apply(records, run, ctx, write=True, progress=progress)
        totals = run.report["totals"]
        _finish(
            run,
            ImportRun.Status.APPLIED,
            actor=actor,
            action="import.freddie",
            note=(
                f"Freddie Mac {run.file_name}: {run.rows_total} loan(s), {run.rows_new} new, {run.rows_updated} "
                f"updated, {run.rows_unchanged} unchanged; MBA status {totals[freddie.AGREE]} agree, "
                f"{totals[freddie.EXPLAINED]} explained, {totals[freddie.DISAGREE]} disagree"
            ),
        )
    return run, agreements


def agreement_report(agreements: list[freddie.Agreement]) -> dict:
    """Totals by outcome and by reason, and every loan that does not simply agree."""
    outcomes = Counter(a.outcome for a in agreements)
    totals = {
        "loans": len(agreements),
        **{key: outcomes[key] for key in (freddie.AGREE, freddie.EXPLAINED, freddie.DISAGREE, freddie.NO_DATA)},
    }
    return {
        "totals": totals,
        "reasons": dict(sorted(Counter(a.reason for a in agreements if a.reason).items())),
        "exceptions": [a.as_dict() for a in agreements if a.outcome != freddie.AGREE],
    }
