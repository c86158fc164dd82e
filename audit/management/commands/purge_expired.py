"""python manage.py purge_expired: delete expired idempotency keys and unconfirmed tape
uploads (audit/purge.py); the nightly beat entry runs the same service."""

from django.core.management.base import BaseCommand

from audit.purge import purge_expired


class Command(BaseCommand):
    help = "Delete idempotency keys and previewed-but-unapplied tape uploads past their retention."

    def handle(self, *args, **options):
        counts = purge_expired()
        self.stdout.write(
            f"Purged {counts.idempotency_keys} idempotency key(s) and {counts.tape_uploads} unconfirmed tape upload(s)."
        )
