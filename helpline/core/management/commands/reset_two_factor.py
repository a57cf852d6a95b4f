"""`helpline reset-two-factor USERNAME`: remove someone's authenticator and recovery codes."""

from django.core.management.base import BaseCommand, CommandError

from helpline.core import twofactor
from helpline.core.models import User


class Command(BaseCommand):
    help = (
        "Turn off someone's two-factor sign-in (a lost phone, no recovery codes, no admin who "
        "can sign in): they sign in with their password, and set it up again if required."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        twofactor.reset(None, user)
        self.stdout.write(f"Two-factor sign-in of {username} is reset.")
