from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue a new API token for USERNAME (replacing any previous one). Prints the token last."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        token = api_token_issue(actor=None, user=user)
        # The contract (api-contract.md): the token is the last word of the output.
        self.stdout.write(f"API token for {username}: {token.key}")
