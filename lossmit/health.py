"""GET /healthz: is the database answering, is the broker reachable, and is the nightly scan
keeping up?

Status codes: 503 only when this web process cannot do its job (the database, or the broker that
queues its tasks, does not answer); docker-compose's web health check reads that. A failed or
overdue scan is a problem of the worker and beat, not of the web process: restarting the web
container would not fix it, so it answers 200 with "status": "degraded", "degraded": ["scan"] and
a `scan` section (last run, the business date that should be scanned by now, the problem) that
a monitor can alert on.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from delinquency.selectors_schedule import scan_health

BROKER_TIMEOUT_SECONDS = 2


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any driver failure means unhealthy; the type is what we report
        return f"error: {type(exc).__name__}"


def _broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "eager"  # no broker configured: tasks run in-process, nothing to reach
    try:
        import redis

        redis.Redis.from_url(
            url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
        ).ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _scan() -> tuple[str, dict | None]:
    try:
        section = scan_health()
    except Exception as exc:  # the probe must answer even if this read breaks
        return f"error: {type(exc).__name__}", None
    problem = section["problem"]
    return ("ok" if problem is None else f"warn: {problem}"), section


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    scan_section = None
    if checks["database"] == "ok":  # without a database there is no scan history to read
        checks["scan"], scan_section = _scan()
    failing = [name for name in ("database", "broker") if checks[name].startswith("error")]
    degraded = [name for name in ("scan",) if name in checks and checks[name] != "ok"]
    body = {"status": "fail" if failing else "degraded" if degraded else "ok", "checks": checks}
    if scan_section is not None:
        body["scan"] = scan_section
    if failing:
        body["failing"] = failing
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=503 if failing else 200)
