"""Reliability tests: concurrency and faults, on PostgreSQL only.

SQLite has no row locks (select_for_update is a no-op there) and serialises every writer on one
file lock, so the races these tests provoke cannot happen on it; they skip with that reason.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and concurrent transactions need PostgreSQL (SQLite serialises writers and ignores FOR UPDATE)",
)

THREAD_JOIN_SECONDS = 15


def run_concurrently(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run each call in its own thread (so its own database connection), all released at once
    by a barrier. Returns, per call in order, ("ok", value) or ("error", exception). Each
    thread closes its connection, so the test database can be flushed and dropped."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any] | None] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=THREAD_JOIN_SECONDS)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # the outcome is what the test asserts on
            outcomes[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_JOIN_SECONDS)
        assert not thread.is_alive(), "a thread is stuck (deadlock?)"
    return outcomes  # type: ignore[return-value]


class Overlap:
    """Wrap a function so each caller sleeps `pause` seconds after it returns: called right after
    a service takes its row lock, it holds the lock long enough for the other thread to arrive
    and wait on it (without the lock, both would read the same state)."""

    def __init__(self, target: Callable, pause: float = 0.3):
        self.target = target
        self.pause = pause
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        result = self.target(*args, **kwargs)
        with self._lock:
            self.calls += 1
        threading.Event().wait(self.pause)
        return result


def forget_celery_connections() -> None:
    """Drop the Celery app's cached broker pool and result backend so the next use reads the
    configuration again. kombu keeps broker pools in a process-wide registry keyed by URL:
    closing the app's pool without clearing the registry would hand every later publish a
    closed pool."""
    from kombu import pools as kombu_pools

    from lossmit.celery import app as celery_app

    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)
