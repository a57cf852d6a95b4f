"""State changes of the organisation's people. Every one is logged in the activity log."""

import secrets
from zoneinfo import available_timezones

import holidays
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from helpline.core import events, staff_mail
from helpline.core.activity import record
from helpline.core.addresses import InvalidAddress, one_address, one_line
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.models import (
    EventDelivery,
    Location,
    Mailbox,
    MailboxDelivery,
    Role,
    StaffEmail,
    Team,
    User,
    is_time_zone,
)
from helpline.core.verbs import Verb

DEFAULT_ADMIN_EMAIL = "admin@localhost"
MAX_SIGNATURE_CHARS = 2000


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


# The organisation's setup: locations, teams, mailboxes and the people who work the desk.
# Only admins change it; each function checks that, so no caller can forget.


def may_configure(user: User | None) -> bool:
    return user is None or user.sees_everything


def _require_admin(actor: User | None) -> None:
    if not may_configure(actor):
        raise PermissionError("only an admin changes the desk's setup")


def _text(values: dict, name: str, max_length: int, *, required: str = "") -> None:
    """Strip `values[name]` in place; an ActionError if it is missing (when required) or long."""
    if name not in values:
        return
    value = (values[name] or "").strip()
    if required and not value:
        raise ActionError(required, name)
    if len(value) > max_length:
        raise ActionError(f"at most {max_length} characters", name)
    if "\x00" in value:
        raise ActionError("may not contain NUL characters", name)
    values[name] = value


def _unique(model, field: str, value, exclude_pk, message: str) -> None:
    if model.objects.filter(**{f"{field}__iexact": value}).exclude(pk=exclude_pk).exists():
        raise ActionError(message, field)


def _changes(row, values: dict) -> dict:
    """{field: [before, after]} of what `values` changes on `row`, as plain values."""

    def plain(value):
        return getattr(value, "pk", value)

    return {
        name: [plain(getattr(row, name)), plain(value)]
        for name, value in values.items()
        if plain(getattr(row, name)) != plain(value)
    }


# Locations ------------------------------------------------------------------------------

LOCATION_FIELDS = ("name", "timezone", "country", "region")


def holiday_countries() -> dict[str, list[str]]:
    """{ISO code: its region codes} of every country whose public holidays are known."""
    return {
        code: list(regions)
        for code, regions in holidays.list_supported_countries().items()
        if len(code) == 2
    }


def clean_location(values: dict, exclude_pk=None) -> dict:
    """Checked location values; an ActionError names the field to blame."""
    refuse_unknown(values, LOCATION_FIELDS)
    cleaned = dict(values)
    _text(cleaned, "name", 200, required="A location needs a name.")
    if "name" in cleaned:
        _unique(Location, "name", cleaned["name"], exclude_pk, "Another location has this name.")
    if "timezone" in cleaned:
        zone = (cleaned["timezone"] or "").strip()
        if zone not in available_timezones():
            raise ActionError("Choose a time zone from the list, like Europe/London.", "timezone")
        cleaned["timezone"] = zone
    country = (cleaned.get("country") or "").strip().upper()
    region = (cleaned.get("region") or "").strip().upper()
    if "country" in cleaned:
        if country and country not in holiday_countries():
            raise ActionError("No public holidays are known for this country.", "country")
        cleaned["country"] = country
    if "region" in cleaned:
        regions = holiday_countries().get(country, [])
        if region and not country:
            raise ActionError("Choose the country first; a region belongs to one.", "region")
        if region and region not in {r.upper() for r in regions}:
            known = ", ".join(regions[:12]) + (" …" if len(regions) > 12 else "")
            hint = f" Known regions: {known}." if regions else " It has no regions."
            raise ActionError(f"Not a region of {country}.{hint}", "region")
        cleaned["region"] = next((r for r in regions if r.upper() == region), region)
    return cleaned


@transaction.atomic
def create_location(actor: User | None, **values) -> Location:
    _require_admin(actor)
    values = clean_location({"timezone": "UTC", "country": "", "region": "", **values})
    if not values.get("name"):
        raise ActionError("A location needs a name.", "name")
    location = Location.objects.create(**values)
    record(actor, Verb.LOCATION_CREATED, location, **values)
    return location


@transaction.atomic
def update_location(actor: User | None, location: Location, **changes) -> Location:
    _require_admin(actor)
    location = Location.objects.select_for_update().get(pk=location.pk)
    changes = clean_location(changes, exclude_pk=location.pk)
    changed = _changes(location, changes)
    if changed:
        for name, value in changes.items():
            setattr(location, name, value)
        location.save()
        record(actor, Verb.LOCATION_UPDATED, location, changed=changed)
    return location


# People ---------------------------------------------------------------------------------

INVITATION_SUBJECT = "You are invited to the Helpline desk"


def _clean_person(values: dict) -> dict:
    cleaned = dict(values)
    _text(cleaned, "first_name", 150)
    _text(cleaned, "last_name", 150)
    if "role" in cleaned and cleaned["role"] not in Role.values:
        raise ActionError(f"must be one of {', '.join(Role.values)}", "role")
    if "locations" in cleaned:
        wanted = {getattr(location, "pk", location) for location in cleaned["locations"]}
        found = list(Location.objects.filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise ActionError("no such location", "locations")
        cleaned["locations"] = found
    return cleaned


def _clean_email(email: str, exclude_pk=None) -> str:
    email = (email or "").strip()
    if not email:
        raise ActionError("An invitation needs an email address.", "email")
    try:
        email = one_address(email)
    except InvalidAddress as exc:
        raise ActionError(str(exc), "email") from None
    taken = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if taken.exclude(pk=exclude_pk).exists():
        raise ActionError("Someone here already has this email address.", "email")
    return email


@transaction.atomic
def invite_agent(
    actor: User | None,
    email: str,
    *,
    role: str = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    locations=(),
) -> User:
    """A new person of the desk, without a password: the invitation mail's link sets one."""
    _require_admin(actor)
    email = _clean_email(email)
    values = _clean_person(
        {"role": role, "first_name": first_name, "last_name": last_name, "locations": locations}
    )
    locations = values.pop("locations")
    user = User.objects.create_user(email.lower(), email, None, **values)
    user.locations.set(locations)
    record(
        actor,
        Verb.USER_INVITED,
        user,
        email=email,
        role=user.role,
        locations=[location.pk for location in locations],
    )
    _queue_invitation(actor, user)
    return user


@transaction.atomic
def send_invitation_again(actor: User | None, user: User) -> None:
    """Another invitation, for someone who has not chosen a password yet (the link expired)."""
    _require_admin(actor)
    if user.has_usable_password():
        raise ActionError(f"{user.email} has chosen a password already.", "email")
    record(actor, Verb.USER_INVITED, user, email=user.email, again=True)
    _queue_invitation(actor, user)


def _queue_invitation(actor: User | None, user: User) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse(
        "desk:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    who = (actor.get_full_name() or actor.email) if actor else "Your admin"
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    body = (
        f"{who} invited you to the Helpline desk.\n\n"
        f"Choose your password here, within {days} day{'s' if days != 1 else ''}:\n{link}\n\n"
        f"Then sign in with your email address, {user.email}.\n"
    )
    staff_mail.queue(user, INVITATION_SUBJECT, body)


@transaction.atomic
def mail_password_reset(user: User, subject: str, body: str) -> None:
    """Queue the password-reset mail someone asked for `user`. The worker sends it, so the
    request answers as fast for an agent's address as for a stranger's."""
    staff_mail.queue(user, subject, body)
    record(None, Verb.PASSWORD_RESET_MAILED, user)


@transaction.atomic
def update_agent(actor: User | None, user: User, **changes) -> User:
    """Change a person's names, role, locations, or whether they may sign in."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    refuse_unknown(changes, {"first_name", "last_name", "role", "locations", "is_active"})
    changes = _clean_person(changes)
    if actor is not None and actor.pk == user.pk:
        if changes.get("is_active") is False:
            raise ActionError("You cannot switch off your own account.", "is_active")
        if changes.get("role", Role.ADMIN) != Role.ADMIN and not user.is_superuser:
            raise ActionError("You cannot take away your own admin role.", "role")
    locations = changes.pop("locations", None)
    changed = _changes(user, changes)
    for name, value in changes.items():
        setattr(user, name, value)
    if changed:
        user.save(update_fields=list(changes))
    if locations is not None:
        before = sorted(user.locations.values_list("pk", flat=True))
        after = sorted(location.pk for location in locations)
        if before != after:
            user.locations.set(locations)
            changed["locations"] = [before, after]
    if changed:
        record(actor, Verb.USER_UPDATED, user, changed=changed)
        events.publish(
            events.EventName.USER_UPDATED,
            user_id=user.pk,
            actor_id=getattr(actor, "pk", None),
            changed=sorted(changed),
        )
    return user


# Teams ----------------------------------------------------------------------------------

TEAM_FIELDS = ("name", "location", "lead", "members")


def clean_team(values: dict, exclude_pk=None) -> dict:
    refuse_unknown(values, TEAM_FIELDS)
    cleaned = dict(values)
    _text(cleaned, "name", 200, required="A team needs a name.")
    if "name" in cleaned:
        _unique(Team, "name", cleaned["name"], exclude_pk, "Another team has this name.")
    if isinstance(cleaned.get("location"), int):
        cleaned["location"] = Location.objects.filter(pk=cleaned["location"]).first()
        if cleaned["location"] is None:
            raise ActionError("no such location", "location")
    if isinstance(cleaned.get("lead"), int):
        cleaned["lead"] = User.objects.filter(pk=cleaned["lead"]).first()
        if cleaned["lead"] is None:
            raise ActionError("no such person", "lead")
    if "members" in cleaned:
        wanted = {getattr(member, "pk", member) for member in cleaned["members"]}
        found = list(User.objects.filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise ActionError("no such person", "members")
        cleaned["members"] = found
    return cleaned


@transaction.atomic
def create_team(actor: User | None, **values) -> Team:
    _require_admin(actor)
    values = clean_team({"name": "", **values})
    members = values.pop("members", [])
    team = Team.objects.create(**values)
    team.members.set(members)
    record(
        actor,
        Verb.TEAM_CREATED,
        team,
        name=team.name,
        location=team.location_id,
        lead=team.lead_id,
        members=sorted(member.pk for member in members),
    )
    return team


@transaction.atomic
def update_team(actor: User | None, team: Team, **changes) -> Team:
    _require_admin(actor)
    team = Team.objects.select_for_update().get(pk=team.pk)
    changes = clean_team(changes, exclude_pk=team.pk)
    members = changes.pop("members", None)
    changed = _changes(team, changes)
    if changed:
        for name, value in changes.items():
            setattr(team, name, value)
        team.save()
    if members is not None:
        before = sorted(team.members.values_list("pk", flat=True))
        after = sorted(member.pk for member in members)
        if before != after:
            team.members.set(members)
            changed["members"] = [before, after]
    if changed:
        record(actor, Verb.TEAM_UPDATED, team, changed=changed)
    return team


# Mailboxes ------------------------------------------------------------------------------

MAILBOX_FIELDS = (
    "address",
    "name",
    "location",
    "team",
    "delivery",
    "send_acknowledgement",
    "active",
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_user",
    "imap_folder",
)


def clean_mailbox(values: dict, mailbox: Mailbox | None = None) -> dict:
    """Checked mailbox values (with `imap_password`, stored encrypted, kept when empty)."""
    refuse_unknown(values, {*MAILBOX_FIELDS, "imap_password"})
    cleaned = dict(values)
    if "address" in cleaned:
        address = (cleaned["address"] or "").strip()
        if not address:
            raise ActionError("A mailbox needs its email address.", "address")
        try:
            address = one_address(address)
        except InvalidAddress as exc:
            raise ActionError(str(exc), "address") from None
        exclude = mailbox.pk if mailbox else None
        _unique(Mailbox, "address", address, exclude, "Another mailbox has this address.")
        cleaned["address"] = address
    _text(cleaned, "name", 200)
    if "name" in cleaned:  # the display name of every mail's From: one line
        cleaned["name"] = one_line(cleaned["name"], 200)
    _text(cleaned, "imap_host", 255)
    _text(cleaned, "imap_user", 255)
    _text(cleaned, "imap_folder", 255)
    if "delivery" in cleaned and cleaned["delivery"] not in MailboxDelivery.values:
        raise ActionError(f"must be one of {', '.join(MailboxDelivery.values)}", "delivery")
    if "imap_port" in cleaned and not 1 <= (cleaned["imap_port"] or 0) <= 65535:
        raise ActionError(
            "A port is a number from 1 to 65535 (993 with SSL, 143 without).", "imap_port"
        )
    merged = {**_mailbox_values(mailbox), **cleaned}
    if merged.get("delivery") == MailboxDelivery.IMAP:
        if not merged.get("imap_host"):
            raise ActionError("Mail is fetched over IMAP: name the IMAP server.", "imap_host")
        if not merged.get("imap_folder"):
            raise ActionError("Name the folder to fetch, usually INBOX.", "imap_folder")
        has_password = cleaned.get("imap_password") or (mailbox and mailbox.imap_password_encrypted)
        if not has_password:
            raise ActionError("Give the IMAP password.", "imap_password")
    return cleaned


def _mailbox_values(mailbox: Mailbox | None) -> dict:
    if mailbox is None:
        return {"delivery": MailboxDelivery.PUSH, "imap_folder": "INBOX"}
    return {name: getattr(mailbox, name) for name in MAILBOX_FIELDS}


@transaction.atomic
def create_mailbox(actor: User | None, **values) -> Mailbox:
    _require_admin(actor)
    values = clean_mailbox(values)
    if not values.get("address"):
        raise ActionError("A mailbox needs its email address.", "address")
    password = values.pop("imap_password", "")
    mailbox = Mailbox(**values)
    if password:
        mailbox.set_imap_password(password)
    mailbox.save()
    shown = {name: getattr(getattr(mailbox, name), "pk", getattr(mailbox, name)) for name in values}
    record(actor, Verb.MAILBOX_CREATED, mailbox, **shown, imap_password_set=bool(password))
    return mailbox


@transaction.atomic
def update_mailbox(actor: User | None, mailbox: Mailbox, **changes) -> Mailbox:
    _require_admin(actor)
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    changes = clean_mailbox(changes, mailbox)
    password = changes.pop("imap_password", "")
    changed = _changes(mailbox, changes)
    for name, value in changes.items():
        setattr(mailbox, name, value)
    if password:
        mailbox.set_imap_password(password)
        changed["imap_password"] = "changed"  # never the password itself
    if changed:
        mailbox.save()
        record(actor, Verb.MAILBOX_UPDATED, mailbox, changed=changed)
    return mailbox


@transaction.atomic
def send_staff_email_again(actor: User | None, mails) -> int:
    """Someone asks for mail to our people (failed, usually) to be tried again from scratch."""
    ids = list(mails.values_list("pk", flat=True))
    count = staff_mail.STAFF_MAIL.again(StaffEmail.objects.filter(pk__in=ids))
    for pk in ids:
        record(actor, Verb.STAFF_EMAIL_RETRIED, StaffEmail(pk=pk))
    transaction.on_commit(lambda: staff_mail.enqueue_many(ids))
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


@transaction.atomic
def set_signature(actor: User, agent: User, text: str) -> User:
    """The lines added below the agent's mail; each agent sets their own."""
    if actor.pk != agent.pk and not actor.sees_everything:
        raise ActionError("only the agent themselves or an admin may change a signature")
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if len(text) > MAX_SIGNATURE_CHARS:
        raise ActionError(f"A signature has at most {MAX_SIGNATURE_CHARS} characters.", "signature")
    locked = User.objects.select_for_update().get(pk=agent.pk)
    if text != locked.signature:
        locked.signature = text
        locked.save(update_fields=["signature"])
        record(actor, Verb.SIGNATURE_CHANGED, locked)
    agent.signature = text  # the caller's copy signs what it sends next
    return locked
