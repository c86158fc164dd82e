"""`seed_demo`: the demo users, and a portfolio if the database has no loans yet.

Speed (issue 2: 100,000 loans in under a minute on PostgreSQL with two cores): nothing goes
through the ORM per loan. Rows are generated as tuples in chunks; on PostgreSQL, worker
processes generate chunks while this process streams finished ones into COPY from a thread,
so Python and the database work at the same time. Foreign keys are checked per COPY statement
(SET CONSTRAINTS ALL IMMEDIATE) so that work also overlaps generation instead of piling up at
commit. Everything happens in one transaction: a failed seed leaves nothing behind.

Once the loans are in, the same transaction opens the demo's loss mitigation pipeline through
the workout services (workouts/demo.py): a handful of cases and workouts, so every role has
work on the first login.
"""

import multiprocessing
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import Role
from borrowers.demo import loader
from borrowers.demo.portfolio import BUCKETS, TABLES, PortfolioGenerator, Specialist
from borrowers.demo.users import DEMO_USERS, ensure_demo_users
from borrowers.models import Loan
from workouts.demo import PipelineResult, pipeline_seed

CHUNK_LOANS = 1000
PARALLEL_FROM_LOANS = 5000  # below this, starting worker processes costs more than it saves


@dataclass
class SeedResult:
    created: bool
    loans: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    buckets: Counter = field(default_factory=Counter)
    behaviours: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    workers: int = 0
    existing_loans: int = 0
    # Wall seconds per phase: users, generate_and_load, checks (foreign keys, sequences,
    # statistics), pipeline (loss mitigation cases and workouts).
    phases: dict[str, float] = field(default_factory=dict)
    pipeline: PipelineResult | None = None


def default_workers(loans: int) -> int:
    if connection.vendor != "postgresql" or loans < PARALLEL_FROM_LOANS:
        return 0
    return max(min(os.cpu_count() or 1, 4), 1)


def seed_demo(
    *,
    loans: int,
    seed: int,
    as_of: date | None = None,
    workers: int | None = None,
    chunk_loans: int = CHUNK_LOANS,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Ensure the demo users; then, only if there are no loans, generate `loans` loans and
    open the loss mitigation pipeline on them (workouts/demo.py).

    Deterministic for (`loans`, `seed`, `as_of`): same loan numbers, balances and ledgers,
    whatever the number of workers, and the same cases and workouts on the same loans.
    `as_of` defaults to today; histories end there.
    """
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        users = ensure_demo_users()
        loader.lock_tables()
        if Loan.objects.exists():
            existing = Loan.objects.count()
            return SeedResult(created=False, existing_loans=existing, seconds=time.perf_counter() - started)
        users_done = time.perf_counter()
        specialists = [
            Specialist(users[spec.username].pk, tuple(spec.languages.split(",")))
            for spec in DEMO_USERS
            if spec.role == Role.SPECIALIST
        ]
        bases = loader.next_ids()
        stamper = loader.Stamper(connection.vendor)
        formatters = loader.Formatters()
        params = {
            "seed": seed,
            "as_of": as_of,
            "specialists": specialists,
            "stamp": stamper,
            "now": stamper.text(timezone.now()),
        }
        chunks = [(start, min(start + chunk_loans, loans)) for start in range(0, loans, chunk_loans)]
        workers = default_workers(loans) if workers is None else workers
        result = SeedResult(created=True, loans=loans, workers=workers if connection.vendor == "postgresql" else 0)
        result.phases["users"] = users_done - started
        if connection.vendor != "postgresql":
            _load_sqlite(params, bases, chunks, formatters, result, progress)
            result.phases["generate_and_load"] = time.perf_counter() - users_done
        else:
            set_based_checks = loader.skip_row_foreign_key_checks()
            if not set_based_checks:
                _constraints("IMMEDIATE")  # check each chunk as it lands, overlapping generation
            if result.workers:
                _load_postgres_parallel(params, bases, chunks, formatters, result, progress)
            else:
                _load_postgres(params, bases, chunks, formatters, result, progress)
            loaded = time.perf_counter()
            result.phases["generate_and_load"] = loaded - users_done
            if set_based_checks:
                loader.restore_row_foreign_key_checks()
                loader.check_foreign_keys(bases)
            else:
                _constraints("DEFERRED")
            loader.advance_sequences()
            loader.analyze()
            result.phases["checks"] = time.perf_counter() - loaded
        # The workout services write through the ORM: after the sequences moved past the
        # loaded ids, in the same transaction, so a failure here leaves no portfolio either.
        loaded = time.perf_counter()
        result.pipeline = pipeline_seed(as_of=as_of, loans=loans)
        result.phases["pipeline"] = time.perf_counter() - loaded
    result.seconds = time.perf_counter() - started
    return result


def _tally(result: SeedResult, counts: dict[str, int], buckets: Counter, behaviours: Counter) -> None:
    for table, count in counts.items():
        result.rows[table] = result.rows.get(table, 0) + count
    result.buckets.update(buckets)
    result.behaviours.update(behaviours)


def _load_sqlite(params, bases, chunks, formatters, result, progress) -> None:
    generator = PortfolioGenerator(next_ids=bases, **params)
    for start, stop in chunks:
        chunk = generator.chunk(start, stop)
        loader.insert_rows(formatters, chunk.rows)
        _tally(result, {t: len(r) for t, r in chunk.rows.items()}, chunk.buckets, chunk.behaviours)
        if progress:
            progress(stop - start)


class _CopyThread(threading.Thread):
    """Streams chunks into COPY in order while the main thread (or workers) generate more."""

    def __init__(self, formatters: loader.Formatters):
        super().__init__(name="seed_demo-copy", daemon=True)
        self.formatters = formatters
        self.inbox: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        # The thread writes on this process's open transaction: the DB-API connection itself.
        self.raw = connection.connection

    def run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while (texts := self.inbox.get()) is not None:
                    loader.copy_chunk(cursor, self.formatters, texts)
        except BaseException as exc:  # handed to the main thread, which raises it
            self.error = exc
            while self.inbox.get() is not None:  # drain so the producer never blocks
                pass

    def put(self, texts) -> None:
        if self.error is not None:
            raise self.error
        self.inbox.put(texts)

    def finish(self) -> None:
        self.inbox.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def _constraints(mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {mode}")


def _load_postgres(params, bases, chunks, formatters, result, progress) -> None:
    generator = PortfolioGenerator(next_ids=bases, **params)
    zero = dict.fromkeys(bases, 0)
    copier = _CopyThread(formatters)
    copier.start()
    try:
        for start, stop in chunks:
            chunk = generator.chunk(start, stop)
            copier.put(formatters.copy_text(chunk.rows, zero))
            _tally(result, {t: len(r) for t, r in chunk.rows.items()}, chunk.buckets, chunk.behaviours)
            if progress:
                progress(stop - start)
    finally:
        copier.finish()


def _worker(number, workers, params, chunks, formatters, inbox, outbox) -> None:
    """Generates chunks number, number + workers, ... with chunk-local ids; once the main
    process says where each chunk's ids start, formats it as COPY text and sends it back."""
    generator = PortfolioGenerator(next_ids=dict.fromkeys((t for t, _ in TABLES), 0), **params)
    try:
        for index in range(number, len(chunks), workers):
            start, stop = chunks[index]
            generator.ids = dict.fromkeys(generator.ids, 0)
            chunk = generator.chunk(start, stop)
            counts = {t: len(r) for t, r in chunk.rows.items()}
            outbox.put(("counts", index, counts, chunk.buckets, chunk.behaviours))
            bases = inbox.get()
            outbox.put(("text", index, formatters.copy_text(chunk.rows, bases)))
    except BaseException as exc:
        outbox.put(("error", number, repr(exc)))


def _load_postgres_parallel(params, bases, chunks, formatters, result, progress) -> None:
    context = multiprocessing.get_context("fork")  # workers inherit the loaded Django setup
    workers = min(result.workers, len(chunks))
    inboxes = [context.Queue() for _ in range(workers)]
    outbox = context.Queue()
    # Start the workers before the copy thread: forking a process with running threads is unsafe.
    processes = [
        context.Process(target=_worker, args=(n, workers, params, chunks, formatters, inboxes[n], outbox), daemon=True)
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    copier = _CopyThread(formatters)
    copier.start()
    counts: dict[int, dict] = {}
    texts: dict[int, dict] = {}
    next_base, next_copy, running = 0, 0, dict(bases)
    try:
        while next_copy < len(chunks):
            try:
                message = outbox.get(timeout=5)
            except queue.Empty:
                if any(not p.is_alive() for p in processes) and outbox.empty():
                    raise RuntimeError("a seed_demo worker died") from None
                continue
            kind, index = message[0], message[1]
            if kind == "error":
                raise RuntimeError(f"seed_demo worker {index} failed: {message[2]}")
            if kind == "counts":
                counts[index] = message[2]
                _tally(result, message[2], message[3], message[4])
                while next_base in counts:  # ids are handed out strictly in chunk order
                    inboxes[next_base % workers].put(dict(running))
                    for table, count in counts.pop(next_base).items():
                        running[table] += count
                    next_base += 1
            else:
                texts[index] = message[2]
                while next_copy in texts:
                    copier.put(texts.pop(next_copy))
                    start, stop = chunks[next_copy]
                    if progress:
                        progress(stop - start)
                    next_copy += 1
    finally:
        for process in processes:
            if process.is_alive() and next_copy < len(chunks):
                process.terminate()
            process.join(timeout=10)
        copier.finish()


def summary_lines(result: SeedResult, as_of: date) -> list[str]:
    total = sum(result.buckets.values()) or 1
    lines = [f"Loans by days past due as of {as_of.isoformat()}:"]
    for bucket in BUCKETS:
        count = result.buckets.get(bucket, 0)
        lines.append(f"  {bucket:>8}: {count:>8,}  ({100 * count / total:5.1f}%)")
    if result.behaviours:
        lines.append("Borrower behaviours: " + ", ".join(f"{k} {v:,}" for k, v in result.behaviours.most_common()))
    lines.append("Rows written:")
    for table, _ in TABLES:
        lines.append(f"  {table:<28} {result.rows.get(table, 0):>10,}")
    if result.pipeline is not None:
        lines.extend(result.pipeline.summary_lines())
    return lines
