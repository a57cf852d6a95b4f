"""`helpline create-token USERNAME [--name N]`: print a new API key for an agent."""

from django.core.management.base import BaseCommand, CommandError

from helpline.core.models import User
from helpline.core.tokens import issue_token


class Command(BaseCommand):
    help = "Create an API token for an agent and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active")
        self.stdout.write(issue_token(user, name))
