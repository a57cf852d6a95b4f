"""State changes of the organisation's people. Every one is logged in the activity log."""

import secrets

from django.db import transaction

from helpline.core import events
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import EventDelivery, Role, User, is_time_zone
from helpline.core.verbs import Verb

DEFAULT_ADMIN_EMAIL = "admin@localhost"


@transaction.atomic
def create_first_admin(email: str = "", password: str = "") -> tuple[str, str | None] | None:
    """The first admin when there is no user yet: (username, generated password or None).

    The username is the email. Without a password one is generated and
    returned, to be shown once.
    """
    if User.objects.exists():
        return None
    email = email.strip() or DEFAULT_ADMIN_EMAIL
    generated = None if password else secrets.token_urlsafe(12)
    user = User.objects.create_superuser(email, email, password or generated, role=Role.ADMIN)
    record(None, Verb.USER_CREATED, user, role=Role.ADMIN, first_admin=True)
    return email, generated


@transaction.atomic
def run_deliveries_again(actor: User, deliveries) -> int:
    """Someone asks for event deliveries (failed ones, usually) to be tried again from scratch."""
    ids = list(deliveries.values_list("pk", flat=True))
    count = events.DELIVERIES.again(EventDelivery.objects.filter(pk__in=ids))
    for pk in ids:
        record(actor, Verb.EVENT_REDELIVERED, EventDelivery(pk=pk))
    transaction.on_commit(lambda: events.enqueue(ids))
    return count


@transaction.atomic
def set_time_zone(actor: User, user: User, name: str) -> User:
    """The zone the desk shows `user` every time in; empty follows their first location."""
    name = name.strip()
    if name and not is_time_zone(name):
        raise ActionError("choose a time zone from the list", "time_zone")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.time_zone == name:
        return user
    before = user.time_zone
    user.time_zone = name
    user.save(update_fields=["time_zone"])
    record(actor, Verb.TIME_ZONE_CHOSEN, user, before=before, after=name)
    return user
