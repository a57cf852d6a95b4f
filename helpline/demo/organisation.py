"""The demo shop's organisation: three locations, eight staff, two teams, three mailboxes.

Locations, users, teams and mailboxes have no domain actions (an admin sets them up in the
Django admin), so these are the demo's only direct writes; each is a handful of rows.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

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
    return Organisation(locations, agents, teams, mailboxes, serves)


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
