from celery import shared_task

from audit.purge import purge_expired


@shared_task(name="audit.purge_expired")
def purge_expired_nightly() -> dict[str, int]:
    counts = purge_expired()
    return {"idempotency_keys": counts.idempotency_keys, "tape_uploads": counts.tape_uploads}
