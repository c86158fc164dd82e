"""A Celery worker for the worker-kill test, run as its own process:

    python -m tests.reliability.worker_main

SLOW_CHUNK_SECONDS makes each scan chunk wait before it works, so the test can kill the worker
while a chunk is in flight (its message delivered, not yet acknowledged: acks_late).
VISIBILITY_TIMEOUT shortens how long Redis keeps such a message invisible, so the restarted
worker takes it back within seconds instead of the default hour.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lossmit.settings")
django.setup()

from delinquency import scan  # noqa: E402 -- after django.setup()
from lossmit.celery import app  # noqa: E402

SLOW = float(os.environ.get("SLOW_CHUNK_SECONDS", "0"))
VISIBILITY = os.environ.get("VISIBILITY_TIMEOUT")

if SLOW:
    real_chunk = scan.scan_chunk

    def slow_chunk(**kwargs):
        time.sleep(SLOW)
        return real_chunk(**kwargs)

    scan.scan_chunk = slow_chunk

if VISIBILITY:
    app.conf.broker_transport_options = {
        "visibility_timeout": int(VISIBILITY),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if __name__ == "__main__":
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip"])
