"""GET /healthz: is the database answering, and is the broker reachable?"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    failing = [name for name, status in checks.items() if status.startswith("error")]
    body = {"status": "fail" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
