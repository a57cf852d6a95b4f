"""Changing service level policies, and reading the desk notifications escalation sends.

The API, the admin and the desk call these.
"""

import logging

from django.db import transaction
from django.utils import timezone

from helpline.conversations.models import Channel, Priority
from helpline.core.activity import record
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.models import Location, Team, User
from helpline.core.values import optional_choice, required_text, rows_by_id
from helpline.sla.models import MAX_CHAT_SECONDS, MAX_TARGET_MINUTES, Notification, SlaPolicy
from helpline.sla.verbs import Verb

log = logging.getLogger(__name__)

TARGETS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
FIELDS = (
    "name",
    "position",
    "priority",
    "channel",
    "location",
    *TARGETS,
    "chat_first_response_seconds",
    "warn_at_percent",
    "raise_priority_to",
    "reassign_to_team",
)


def may_manage_policies(user: User | None) -> bool:
    return user is None or user.sees_everything


def _require_admin(actor: User | None) -> None:
    if not may_manage_policies(actor):
        raise PermissionError("only an admin changes service level policies")


def clean(values: dict) -> dict:
    """Checked policy values; an ActionError names the field to blame."""
    refuse_unknown(values, FIELDS)
    cleaned = dict(values)
    required_text(cleaned, "name", "a policy needs a name")
    for name, choices in (
        ("priority", Priority.values),
        ("channel", Channel.values),
        ("raise_priority_to", Priority.values),
    ):
        optional_choice(cleaned, name, choices)
    for name in TARGETS:
        value = cleaned.get(name)
        if value is not None and not 1 <= value <= MAX_TARGET_MINUTES:
            raise ActionError(f"between 1 and {MAX_TARGET_MINUTES} minutes, or empty", name)
    chat_seconds = cleaned.get("chat_first_response_seconds")
    if chat_seconds is not None and not 1 <= chat_seconds <= MAX_CHAT_SECONDS:
        raise ActionError(
            f"between 1 and {MAX_CHAT_SECONDS} seconds, or empty", "chat_first_response_seconds"
        )
    for name in ("position", "warn_at_percent"):
        if name in cleaned and cleaned[name] is None:
            raise ActionError("give a number", name)
    if "warn_at_percent" in cleaned and not 0 <= cleaned["warn_at_percent"] <= 99:
        raise ActionError("between 0 (no warning) and 99", "warn_at_percent")
    if "position" in cleaned and cleaned["position"] < 0:
        raise ActionError("0 or more", "position")
    rows_by_id(cleaned, {"location": Location, "reassign_to_team": Team})
    return cleaned


@transaction.atomic
def create_policy(actor: User | None, **values) -> SlaPolicy:
    _require_admin(actor)
    values = clean(values)
    if not values.get("name"):
        raise ActionError("a policy needs a name", "name")
    policy = SlaPolicy.objects.create(**values)
    record(actor, Verb.POLICY_CREATED, policy, **policy_values(policy))
    _refresh_clocks_after_commit()
    return policy


@transaction.atomic
def update_policy(actor: User | None, policy: SlaPolicy, **changes) -> SlaPolicy:
    _require_admin(actor)
    changes = clean(changes)
    before = policy_values(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    record(actor, Verb.POLICY_UPDATED, policy, before=before, after=policy_values(policy))
    _refresh_clocks_after_commit()
    return policy


@transaction.atomic
def delete_policy(actor: User | None, policy: SlaPolicy) -> None:
    _require_admin(actor)
    record(actor, Verb.POLICY_DELETED, policy, **policy_values(policy))
    policy.delete()
    _refresh_clocks_after_commit()


def policy_values(policy: SlaPolicy) -> dict:
    """The policy as the fields an action takes (ids for rows): logged, and a form's initial."""
    return {
        name: getattr(policy, f"{name}_id" if name in ("location", "reassign_to_team") else name)
        for name in FIELDS
    }


def _refresh_clocks_after_commit() -> None:
    """Every open conversation may now match another policy: recompute them in the worker."""

    def enqueue():
        from helpline.sla.tasks import refresh_all_clocks

        try:
            refresh_all_clocks.delay()
        except Exception:  # the broker is down: clocks catch up as conversations change
            log.exception("could not enqueue the refresh of SLA clocks")

    transaction.on_commit(enqueue)


# Desk notifications ---------------------------------------------------------------------

NOTIFICATION_READ, NOTIFICATIONS_ALL_READ = Verb.NOTIFICATION_READ, Verb.NOTIFICATIONS_ALL_READ


def _require_addressee(user: User, notification: Notification) -> None:
    if notification.user_id != user.pk:
        raise PermissionError("a notification is read by the person it was sent to")


@transaction.atomic
def mark_read(user: User, notification: Notification) -> Notification:
    """The addressee has seen it; a notification read before keeps its first read time."""
    _require_addressee(user, notification)
    now = timezone.now()
    # Conditional, so that two tabs opening it at once log one read.
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
        record(user, NOTIFICATION_READ, notification, conversation_id=notification.conversation_id)
    elif notification.read_at is None:
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(user: User) -> int:
    """Every unread notification of `user` read at once; how many there were."""
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        record(user, NOTIFICATIONS_ALL_READ, user, count=changed)
    return changed
