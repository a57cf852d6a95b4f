"""The demo shop's organisation: three locations, eight staff, two teams, three mailboxes.

Locations, users, teams and mailboxes have no domain actions (an admin sets them up in the
Django admin), so these are the demo's only direct writes; each is a handful of rows.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password

from helpline.channels.chat.actions import create_widget as create_chat_widget
from helpline.channels.chat.models import ChatWidget
from helpline.conversations.actions import create_canned_reply
from helpline.core.models import Location, Mailbox, Role, Team, User

DEMO_PASSWORD = "helpline-demo"  # every demo agent's password; printed by the commands
SHOP_DOMAIN = "fixwell.example"

LOCATIONS = [
    # name, timezone, country, language
    ("London Covent Garden", "Europe/London", "GB", "en"),
    ("Berlin Mitte", "Europe/Berlin", "DE", "de"),
    ("Madrid Centro", "Europe/Madrid", "ES", "es"),
]

AGENTS = [
    # username, first, last, role, location indexes
    ("olivia", "Olivia", "Bennett", Role.ADMIN, [0, 1, 2]),
    ("markus", "Markus", "Weber", Role.MANAGER, [1]),
    ("lucia", "Lucía", "Fernández", Role.MANAGER, [2, 0]),
    ("james", "James", "Carter", Role.AGENT, [0]),
    ("priya", "Priya", "Shah", Role.AGENT, [0, 1]),
    ("jonas", "Jonas", "Becker", Role.AGENT, [1]),
    ("carmen", "Carmen", "Ruiz", Role.AGENT, [2]),
    ("amelie", "Amélie", "Laurent", Role.AGENT, [1, 2]),
]

CARE, WORKSHOP = "Customer care", "Workshop"

MAILBOXES = [
    # address, display name, location index
    (f"help@{SHOP_DOMAIN}", "Fixwell Customer Care", 0),
    (f"hilfe@{SHOP_DOMAIN}", "Fixwell Kundenservice", 1),
    (f"ayuda@{SHOP_DOMAIN}", "Fixwell Atención al cliente", 2),
]


@dataclass
class Organisation:
    locations: list[Location]
    agents: list[User]
    teams: dict[str, Team]
    mailboxes: dict[int, Mailbox]  # by location id
    serves: dict[int, set[int]] = field(default_factory=dict)  # agent id -> location ids

    def agents_at(self, location: Location) -> list[User]:
        return [a for a in self.agents if location.pk in self.serves[a.pk]]


CANNED_REPLIES = [
    # country of the store it is for ("" for every store), title, body
    (
        "",
        "Order: where is it",
        "Hello {{customer.first_name}},\n\nthank you for asking. Your parcel left our "
        "warehouse and is on its way; the carrier's tracking link is in your dispatch "
        "email. If it has not arrived in three working days, reply here and we will "
        "send a new one.\n\nBest regards,\n{{agent.first_name}}",
    ),
    (
        "",
        "Return: how it works",
        "Hello {{customer.first_name}},\n\nyou can return anything within 30 days. "
        "Bring it to any of our stores, or reply to this email and we will send you a "
        "free return label. The refund reaches your account within five working days "
        "of our receiving it.\n\nBest regards,\n{{agent.first_name}}",
    ),
    (
        "",
        "Repair: booked in",
        "Hello {{customer.first_name}},\n\nyour repair is booked in under "
        "#{{conversation.id}}. Our workshop usually needs five working days; we will "
        "call you as soon as it is ready.\n\nBest regards,\n{{agent.first_name}}",
    ),
    (
        "",
        "Sorry: we got it wrong",
        "Hello {{customer.first_name}},\n\nI am sorry: this should not have happened. "
        "I have taken this on myself and will call you today to put it right.\n\n"
        "{{agent.name}}",
    ),
    (
        "DE",
        "Rücksendung: so geht's",
        "Hallo {{customer.first_name}},\n\nSie können alles innerhalb von 30 Tagen "
        "zurückgeben: in jeder unserer Filialen oder mit einem kostenlosen Rücksendeetikett, "
        "das wir Ihnen gern schicken.\n\nViele Grüße\n{{agent.first_name}}",
    ),
    (
        "ES",
        "Devolución: cómo funciona",
        "Hola {{customer.first_name}}:\n\npuede devolver cualquier artículo en un plazo "
        "de 30 días, en cualquiera de nuestras tiendas o con una etiqueta de devolución "
        "gratuita que le enviamos.\n\nUn saludo,\n{{agent.first_name}}",
    ),
]


def organise(now: datetime) -> Organisation:
    locations = [_location(name, tz, country) for name, tz, country, _ in LOCATIONS]
    agents, serves = _staff(locations, now)
    teams = _teams(agents)
    mailboxes = {}
    for address, name, index in MAILBOXES:
        mailbox, _ = Mailbox.objects.get_or_create(
            address=address,
            defaults={"name": name, "location": locations[index], "team": teams[CARE]},
        )
        mailboxes[locations[index].pk] = mailbox
    _canned_replies(locations)
    _chat_widget(locations[0], mailboxes.get(locations[0].pk))
    return Organisation(locations, agents, teams, mailboxes, serves)


def _chat_widget(location: Location, mailbox: Mailbox | None) -> None:
    """A chat widget for the first store, which pages of the desk's own site may embed."""
    if ChatWidget.objects.filter(location=location).exists():
        return
    site = urlsplit(settings.SITE_URL)
    create_chat_widget(
        None,
        name=f"{location.name} website",
        location=location,
        mailbox=mailbox,
        origins=f"{site.scheme}://{site.netloc}",
    )


def _canned_replies(locations: list[Location]) -> None:
    """The answers a team writes every day, for everyone and in each store's language."""
    by_country = {location.country: location for location in locations}
    for country, title, body in CANNED_REPLIES:
        location = by_country.get(country) if country else None
        if country and location is None:
            continue
        create_canned_reply(None, title=title, body=body, location=location)


def _location(name: str, tz: str, country: str) -> Location:
    location, _ = Location.objects.get_or_create(
        name=name, defaults={"timezone": tz, "country": country}
    )
    return location


def _staff(locations: list[Location], now: datetime) -> tuple[list[User], dict[int, set[int]]]:
    password = make_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose
    agents, serves = [], {}
    for username, first, last, role, location_indexes in AGENTS:
        user = User.objects.create(
            username=username,
            email=f"{username}@{SHOP_DOMAIN}",
            first_name=first,
            last_name=last,
            role=role,
            is_staff=role in (Role.ADMIN, Role.MANAGER),
            is_superuser=role == Role.ADMIN,
            password=password,
            date_joined=now - timedelta(days=400),
        )
        user.locations.set([locations[i] for i in location_indexes])
        serves[user.pk] = {locations[i].pk for i in location_indexes}
        agents.append(user)
    return agents, serves


def _teams(agents: list[User]) -> dict[str, Team]:
    care, _ = Team.objects.get_or_create(name=CARE)
    workshop, _ = Team.objects.get_or_create(name=WORKSHOP)
    care.lead = agents[2]
    care.save(update_fields=["lead"])
    care.members.set([a for a in agents if a.role != Role.ADMIN])
    workshop.lead = agents[1]
    workshop.save(update_fields=["lead"])
    workshop.members.set([agents[1], agents[4], agents[5], agents[6]])
    return {CARE: care, WORKSHOP: workshop}
