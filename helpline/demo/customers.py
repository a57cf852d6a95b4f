"""The demo's customers: who they are, where they live, how to reach them.

People are planned first (names, addresses, numbers) and created once the history knows
when each first got in touch, through `customers.actions.create_customer`, dated then.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers

from helpline.core.models import Location
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, Identity, IdentityKind

CUSTOMER_DOMAINS = ["example.com", "example.org", "example.net"]

LANGUAGE_OF = {"GB": "en", "DE": "de", "ES": "es", "FR": "fr"}
# Where a location's customers come from.
COUNTRY_MIX = {
    "GB": [("GB", 80), ("FR", 10), ("ES", 5), ("DE", 5)],
    "DE": [("DE", 80), ("FR", 10), ("GB", 10)],
    "ES": [("ES", 80), ("FR", 10), ("GB", 10)],
}

NAMES = {
    "GB": (
        "Oliver Amelia Harry Isla George Ava Noah Mia Jack Grace Leo Emily Arthur Sophie "
        "Thomas Chloe William Ruby Charlie Lily",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright "
        "Thompson Evans Walker White Roberts Green Hall Wood Clarke",
    ),
    "DE": (
        "Lukas Anna Leon Lea Finn Hannah Paul Emma Jonas Mia Felix Lena Maximilian Sophie "
        "Elias Marie Ben Laura Noah Clara",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger",
    ),
    "ES": (
        "Hugo Lucía Martín Sofía Pablo María Daniel Paula Alejandro Julia Álvaro Carmen "
        "Diego Elena Javier Marta Adrián Laura Mateo Alba",
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres",
    ),
    "FR": (
        "Gabriel Louise Raphaël Jade Léo Ambre Arthur Alice Louis Emma Jules Chloé Hugo Léa "
        "Adam Inès Lucas Manon Nathan Camille",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier",
    ),
}


@dataclass
class Person:
    name: str
    first: str
    location: Location
    country: str
    language: str
    email: str = ""
    phone: str = ""
    chat: str = ""  # a chat visitor id, once they chatted
    first_contact: datetime | None = None
    customer: Customer | None = None


class People:
    """Plans people with unique addresses and numbers, then creates them as customers."""

    def __init__(self, rng: random.Random, locations: list[Location]):
        self.rng = rng
        self.locations = locations
        self.used: set[str] = set(Identity.objects.values_list("value", flat=True))

    def plan(self, count: int) -> list[Person]:
        return [self._person() for _ in range(count)]

    def create(self, people: list[Person], now: datetime) -> None:
        """Each a customer, known a little before they first got in touch."""
        for person in people:
            first = person.first_contact or now - timedelta(days=self.rng.randint(1, 365))
            identities = [(IdentityKind.EMAIL, person.email)] if person.email else []
            if person.phone:
                identities.append((IdentityKind.PHONE, person.phone))
            if person.chat:
                identities.append((IdentityKind.CHAT, person.chat))
            person.customer = customer_actions.create_customer(
                None,
                name=person.name,
                location=person.location,
                identities=identities,
                language=person.language,
                at=first - timedelta(minutes=self.rng.randint(0, 60 * 24 * 30)),
            )

    def chat_visitor(self, person: Person) -> str:
        if not person.chat:
            person.chat = f"visitor-{self.rng.getrandbits(48):012x}"
        return person.chat

    def _person(self) -> Person:
        rng = self.rng
        location = rng.choices(self.locations, weights=[45, 30, 25])[0]
        mix = COUNTRY_MIX[location.country]
        country = rng.choices([c for c, _ in mix], weights=[w for _, w in mix])[0]
        firsts, lasts = NAMES[country]
        first, last = rng.choice(firsts.split()), rng.choice(lasts.split())
        person = Person(f"{first} {last}", first, location, country, LANGUAGE_OF[country])
        shape = rng.random()
        if shape < 0.85:
            person.email = self._email(first, last)
        if shape > 0.45 or not person.email:
            person.phone = self._phone(country)
        return person

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        domain = self.rng.choice(CUSTOMER_DOMAINS)
        candidate = f"{base}@{domain}"
        while candidate in self.used:
            candidate = f"{base}{self.rng.randint(2, 999)}@{domain}"
        self.used.add(candidate)
        return candidate

    def _phone(self, country: str) -> str:
        """A valid mobile number of the country, in E.164 (random subscriber digits)."""
        kind = phonenumbers.PhoneNumberType.MOBILE
        if self.rng.random() < 0.2:
            kind = phonenumbers.PhoneNumberType.FIXED_LINE
        example = phonenumbers.example_number_for_type(country, kind)
        digits = str(example.national_number)
        while True:
            national = digits[:3] + "".join(self.rng.choice("0123456789") for _ in digits[3:])
            number = phonenumbers.parse(f"+{example.country_code}{national}")
            if not phonenumbers.is_valid_number(number):
                continue
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if value not in self.used:
                self.used.add(value)
                return value


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")
