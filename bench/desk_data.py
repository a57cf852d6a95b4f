"""A big, realistic desk for the desk bench: customers, conversations and messages, fast.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline_bench \\
        .venv/bin/python bench/desk_data.py          # 1,000,000 conversations, 5,000,000 messages
    HELPLINE_DATA_DIR=$(mktemp -d) .venv/bin/python bench/desk_data.py   # SQLite: 100,000

The database is created fresh (PostgreSQL: dropped and created again, so its
name must contain "bench"; SQLite: the file must not exist yet, or pass
--replace) and migrated, then filled:

  * 10 locations in 4 countries, 2 teams and a mailbox each, 50 agents serving one
    or two locations (among them `bench-agent`, who serves Manchester and Munich),
    an admin `bench-admin`; password of all: bench-password;
  * customers (0.3 per conversation), each with an email and a mobile number
    (E.164, of the home location's country) as identities;
  * conversations over three years, ever more of them (twice as many a day at the end
    as at the start): ~90% closed, ~7% solved, ~3% new, open or pending, by age
    (STATUS_BY_AGE: recent work is in progress, and a backlog stays open); open work
    mostly assigned to agents of its location, `waiting_since` set where the customer
    waits on us;
    ~25% carry one or two tags;
  * messages (--messages-per on average per conversation; a new conversation has one
    or two) in English built from a vocabulary, about 200 characters each;
    one word, "kettle", is in about 1% of them and nowhere else (the rare-word search).

The same seed and --anchor (the "now" of the data, default today 00:00 UTC)
give the same data. This is a fixture loader: it writes rows directly, without the
domain actions and the activity log (unlike helpline/demo, which plays its history
through them).

PostgreSQL: the large tables are filled with COPY … FREEZE (so no vacuum is
needed for the visibility map) with their indexes, unique constraints and
foreign keys dropped, which are then put back (two at a time) and the
database ANALYZEd. SQLite: executemany in one transaction per table, the same
dropping of indexes, and the FTS5 search index rebuilt at the end.

Prints one JSON object: what was loaded and how long each phase took.
"""

import argparse
import bisect
import heapq
import json
import math
import os
import random
import sys
import threading
import time
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from queue import Empty, Queue
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DAY = 86_400
SPAN_DAYS = 3 * 365
PASSWORD = "bench-password"
RARE_WORD = "kettle"
RARE_SHARE = 0.01  # of messages

LOCATIONS = [
    # name, timezone, country, share of the conversations (%)
    ("London", "Europe/London", "GB", 20),
    ("Manchester", "Europe/London", "GB", 14),
    ("Berlin", "Europe/Berlin", "DE", 13),
    ("Madrid", "Europe/Madrid", "ES", 11),
    ("Munich", "Europe/Berlin", "DE", 10),
    ("Paris", "Europe/Paris", "FR", 9),
    ("Barcelona", "Europe/Madrid", "ES", 8),
    ("Hamburg", "Europe/Berlin", "DE", 6),
    ("Lyon", "Europe/Paris", "FR", 5),
    ("Birmingham", "Europe/London", "GB", 4),
]
BENCH_AGENT_LOCATIONS = ("Manchester", "Munich")
AGENTS = 50
# E.164 mobile ranges: prefix and how many digits follow it.
MOBILE = {"GB": ("+447", 9), "DE": ("+49151", 8), "ES": ("+346", 8), "FR": ("+336", 8)}

# The status of a conversation by its age: (up to this many days old, weights of the statuses).
# Recent work is still being done; older work is closed, but for a backlog that stays open.
STATUS_BY_AGE = [
    (1, {"new": 40, "open": 30, "pending": 10, "solved": 20}),
    (7, {"new": 10, "open": 30, "pending": 20, "solved": 40}),
    (30, {"new": 3, "open": 12, "pending": 12, "solved": 73}),
    (180, {"new": 0.6, "open": 4, "pending": 4, "solved": 20, "closed": 71.4}),
    (SPAN_DAYS, {"open": 0.4, "pending": 0.4, "solved": 2, "closed": 97.2}),
]
GROWTH = 1.0  # the desk gets this much busier over the span (today: twice the first day)
ASSIGNED_SHARE = {"new": 0.15, "open": 0.65, "pending": 0.97, "solved": 0.97, "closed": 0.97}
OPEN_WAITING_SHARE = 0.8  # open conversations whose last word is the customer's
CHANNELS = [("email", 50), ("phone", 14), ("chat", 14), ("web", 10), ("sms", 7), ("walk_in", 5)]
PRIORITIES = [("normal", 80), ("high", 12), ("low", 5), ("urgent", 3)]
TAGS = [
    "warranty", "refund", "vip", "callback", "repeat-contact", "loan-device", "delivery",
    "damaged", "complaint", "invoice", "spare-part", "collection", "b2b", "press",
    "data-recovery", "insurance", "trade-in", "recall", "accessibility", "escalated",
]  # fmt: skip
TAGGED_SHARE = 0.25
NOTE_SHARE = 0.06
MENTION_SHARE = 0.6  # of messages after the first that name the conversation's product

PRODUCTS = [
    "laptop", "washing machine", "coffee machine", "headphones", "phone", "e-bike",
    "dishwasher", "vacuum cleaner", "tablet", "printer", "fridge", "toaster", "microwave",
    "television", "camera", "smartwatch", "router", "speaker", "hair dryer", "blender",
    "electric toothbrush", "games console", "monitor", "oven", "heater",
]  # fmt: skip
PROBLEMS = [
    "stopped working", "makes a loud rattling noise", "does not switch on any more",
    "keeps turning itself off", "smells of burning plastic", "leaks water onto the counter",
    "gets very hot", "shows a blinking error light", "has a cracked housing",
    "arrived with a part missing", "charges very slowly", "switches off after a minute",
    "trips the fuse in the kitchen", "has a loose cable", "beeps all the time",
]  # fmt: skip
PARTS = [
    "filter", "charger", "power cable", "lid", "seal", "battery", "remote control", "hose",
    "belt", "button", "display", "base station", "heating element", "thermostat",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = ["January", "March", "April", "June", "August", "October", "November", "December"]

INBOUND_ABOUT = [
    "My {product} {problem} since {weekday}.",
    "The {product} I bought from you {n} weeks ago {problem}.",
    "I brought my {product} in for repair on {weekday} and now it {problem} again.",
    "Can you tell me whether the {product} is still under warranty? It {problem}.",
    "I would like to return the {product} from order {order} because it {problem}.",
    "Is there any news on the repair of my {product}? The reference is {ref}.",
    "The replacement {product} came today but it {problem} as well.",
    "Could I bring the {product} to the shop on {weekday} afternoon?",
    "How much would it cost to repair a {product} that {problem}?",
    "Do you have a spare {part} for the {product} in stock?",
]
INBOUND_OTHER = [
    "I have already tried switching it off and on again.",
    "I have attached a photo of the receipt.",
    "Please call me back, I am at home all day {weekday}.",
    "This is the {nth} time I am writing about this.",
    "I paid {price} euros for it, so I expected better.",
    "My neighbour had the same problem last {month}.",
    "I would prefer a refund if the repair takes more than a week.",
    "The courier left a card but I was at work.",
    "Can I pick it up on {weekday} after {hour} o'clock?",
    "Thank you for your quick help last time.",
    "I still have the original box and all the accessories.",
    "Please let me know what else you need from me.",
    "Your website still shows the same status as on {weekday}.",
    "I need it back before the weekend if at all possible.",
    "The order number is {order}.",
]
OUTBOUND_ABOUT = [
    "Thank you for getting in touch about your {product}.",
    "Our technician has looked at the {product} and found a faulty {part}.",
    "The {product} is covered by the warranty, so the repair is free of charge.",
    "A new {part} for your {product} is ordered and should arrive by {weekday}.",
    "Your {product} is repaired and ready to be picked up at the shop.",
    "Please send us the serial number of the {product}; it is on the label underneath.",
    "A courier will collect the {product} from you on {weekday}.",
    "I am sorry that the {product} {problem}; we will of course take care of it.",
]
OUTBOUND_OTHER = [
    "Your reference number is {ref}.",
    "You will get a text message as soon as there is news.",
    "The refund of {price} euros will reach your account within five working days.",
    "Our shop is open from 9 to 18 on weekdays and from 10 to 16 on Saturdays.",
    "Please bring the receipt or the order confirmation with you.",
    "Let me know if there is anything else I can do for you.",
    "I have added a note to your file so that my colleagues know.",
    "We are sorry for the trouble and thank you for your patience.",
]
NOTE_ABOUT = [
    "Second contact about the same {product}.",
    "Workshop says the {product} needs a new {part}.",
    "Customer will bring the {product} in on {weekday}.",
]
NOTE_OTHER = [
    "Customer called, wants an update by {weekday}.",
    "Checked with the workshop: the {part} is on back order.",
    "Warranty confirmed, bought in {month}.",
    "Offered a loan device, customer declined.",
    "Refund approved by the manager.",
]
SUBJECTS = [
    "{Product} {problem}",
    "Repair of my {product}",
    "Question about my {product}",
    "{Product} under warranty?",
    "{Product} from order {order}",
]
SUBJECTS_OTHER = ["Return of order {order}", "Repair {ref}", "Order {order}", "Invoice question"]
GREETINGS = ["Hello,", "Hi,", "Good morning,", "Dear Fixwell team,", "Hello there,"]
SIGN_OFFS = ["Thanks,", "Best regards,", "Kind regards,", "Thank you,", "Cheers,"]


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


class Vocabulary:
    """Pools of filled-in sentences; a message is a few of them, picked at random."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.products = [*PRODUCTS, RARE_WORD]
        self.rare = len(PRODUCTS)  # index of the rare word among the products
        self.inbound_about = [self._fill_all(INBOUND_ABOUT, p, 120) for p in self.products]
        self.outbound_about = [self._fill_all(OUTBOUND_ABOUT, p, 60) for p in self.products]
        self.note_about = [self._fill_all(NOTE_ABOUT, p, 12) for p in self.products]
        self.subjects = [self._fill_all(SUBJECTS, p, 40) for p in self.products]
        self.inbound_other = self._fill_all(INBOUND_OTHER, None, 600)
        self.outbound_other = self._fill_all(OUTBOUND_OTHER, None, 300)
        self.note_other = self._fill_all(NOTE_OTHER, None, 100)
        self.subjects_other = self._fill_all(SUBJECTS_OTHER, None, 300)
        for pool in (self.inbound_other, self.outbound_other, self.note_other):
            assert not any(RARE_WORD in s for s in pool)
        for pools in (self.inbound_about, self.outbound_about, self.note_about, self.subjects):
            assert not any(RARE_WORD in s for pool in pools[: self.rare] for s in pool)

    def _fill_all(self, templates, product, count):
        return [self._fill(self.rng.choice(templates), product) for _ in range(count)]

    def _fill(self, template: str, product: str | None) -> str:
        rng = self.rng
        text = template.format(
            product=product,
            Product=(product or "").capitalize(),
            problem=rng.choice(PROBLEMS),
            part=rng.choice(PARTS),
            weekday=rng.choice(WEEKDAYS),
            month=rng.choice(MONTHS),
            n=rng.randint(2, 9),
            nth=rng.choice(["second", "third", "fourth"]),
            price=rng.randrange(19, 900),
            hour=rng.randint(9, 17),
            order=f"FW-{rng.randrange(100000, 999999)}",
            ref=f"R{rng.randrange(10000, 99999)}",
        )
        assert "\t" not in text and "\\" not in text
        return text


# -- the organisation ---------------------------------------------------------


class Organisation:
    """Locations, teams, mailboxes, agents and tags, saved with the ORM (they are few)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.location_ids = list(range(1, len(LOCATIONS) + 1))
        self.location_weights = [share for *_, share in LOCATIONS]
        self.country = {i: LOCATIONS[i - 1][2] for i in self.location_ids}
        self.teams_of = {i: [2 * i - 1, 2 * i] for i in self.location_ids}
        self.mailbox_of = {i: i for i in self.location_ids}
        self.tag_ids = list(range(1, len(TAGS) + 1))
        self.agents_of: dict[int, list[int]] = {i: [] for i in self.location_ids}
        self.agent_first_name: dict[int, str] = {}
        self.users = []  # (id, username, first, last, role, location ids)

    def plan(self) -> None:
        rng = self.rng
        by_name = {name: i for i, (name, *_) in enumerate(LOCATIONS, start=1)}
        people = [("bench-admin", "Alex", "Admin", "admin", self.location_ids)]
        bench_locations = [by_name[name] for name in BENCH_AGENT_LOCATIONS]
        people.append(("bench-agent", "Sam", "Bench", "agent", bench_locations))
        # The rest of the agents in proportion to each location's work, some serving two.
        for n in range(AGENTS - 1):
            home = rng.choices(self.location_ids, self.location_weights)[0]
            served = [home]
            if rng.random() < 0.3:
                other = rng.choice(self.location_ids)
                if other != home:
                    served.append(other)
            role = "manager" if n < 6 else "agent"
            first = rng.choice(["Kim", "Jo", "Ali", "Eva", "Tom", "Ana", "Ben", "Mia", "Luc"])
            people.append((f"agent{n + 1:02d}", first, f"Agent{n + 1}", role, served))
        for user_id, (username, first, last, role, served) in enumerate(people, start=1):
            self.users.append((user_id, username, first, last, role, served))
            self.agent_first_name[user_id] = first
            if role != "admin":
                for location in served:
                    self.agents_of[location].append(user_id)
        for location in self.location_ids:  # nobody left without an agent
            if not self.agents_of[location]:
                self.agents_of[location].append(len(self.users))

    def save(self) -> None:
        from django.contrib.auth.hashers import make_password

        from helpline.conversations.models import Tag
        from helpline.core.models import Location, Mailbox, Team, User

        Location.objects.bulk_create(
            Location(id=i, name=name, timezone=tz, country=country)
            for i, (name, tz, country, _) in enumerate(LOCATIONS, start=1)
        )
        Team.objects.bulk_create(
            Team(id=team_id, name=f"{LOCATIONS[i - 1][0]} {kind}", location_id=i)
            for i, team_ids in self.teams_of.items()
            for team_id, kind in zip(team_ids, ("care", "workshop"), strict=True)
        )
        Mailbox.objects.bulk_create(
            Mailbox(
                id=mailbox_id,
                address=f"{LOCATIONS[i - 1][0].lower()}@fixwell.example",
                name=f"Fixwell {LOCATIONS[i - 1][0]}",
                location_id=i,
                team_id=self.teams_of[i][0],
            )
            for i, mailbox_id in self.mailbox_of.items()
        )
        password = make_password(PASSWORD)
        joined = datetime(2020, 1, 1, tzinfo=UTC)
        User.objects.bulk_create(
            User(
                id=user_id,
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@fixwell.example",
                role=role,
                is_staff=role == "admin",
                password=password,
                date_joined=joined,
            )
            for user_id, username, first, last, role, _ in self.users
        )
        User.locations.through.objects.bulk_create(
            User.locations.through(user_id=user_id, location_id=location)
            for user_id, *_, served in self.users
            for location in served
        )
        Team.members.through.objects.bulk_create(
            Team.members.through(user_id=user_id, team_id=self.teams_of[served[0]][n % 2])
            for n, (user_id, *_, role, served) in enumerate(self.users)
            if role != "admin"
        )
        Tag.objects.bulk_create(
            Tag(id=i, name=name) for i, name in zip(self.tag_ids, TAGS, strict=True)
        )


# -- the big tables -------------------------------------------------------------


def ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Generator:
    """Rows of the big tables through the given emit functions: messages in id order,
    a conversation with its last message (so in the order of their latest activity).

    Timestamps are epoch seconds turned into text by `stamp`; message text goes
    through `text` (COPY escapes newlines). Message ids follow creation time
    across conversations, as they would on a live desk, not one conversation's
    messages after another's.
    """

    def __init__(self, seed, anchor, conversations, customers, messages_per, org, stamp, text):
        self.seed = seed
        self.theme_ids: list[int] = []  # by product, for Voice
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.start = anchor - SPAN_DAYS * DAY
        self.conversations = conversations
        self.customers = customers
        self.messages_per = messages_per
        self.org = org
        self.stamp = stamp
        self.text = text
        self.vocabulary = Vocabulary(self.rng)
        # Each customer has identities 2c-1 (email) and 2c (phone).
        self.customer_times: dict[int, list[int]] = {i: [] for i in org.location_ids}
        self.customer_ids: dict[int, list[int]] = {i: [] for i in org.location_ids}
        self.first_names: list[str] = [""]
        self.counts = {"status": {}, "rare_word_messages": 0, "waiting": 0, "tags": 0}
        self.voice: Voice | None = None  # what customers said, when wanted

    def listen(self, emit: dict) -> None:
        """Write what customers said too (Voice), through these emit functions by table."""
        self.voice = Voice(self.seed, self.anchor, self.stamp, self.text, self.theme_ids, emit)

    # Customers and identities --------------------------------------------------

    def customer_rows(self, emit_customer, emit_identity) -> None:
        from helpline.customers.models import reversed_digits
        from helpline.demo.customers import NAMES

        rng, org, stamp = self.rng, self.org, self.stamp
        names = {c: (first.split(), last.split()) for c, (first, last) in NAMES.items()}
        # Customers arrive over the span (and a month before it), ids in order of arrival.
        first_arrival = self.start - 30 * DAY
        times = sorted(rng.randrange(first_arrival, self.anchor) for _ in range(self.customers))
        for customer_id, created in enumerate(times, start=1):
            location = rng.choices(org.location_ids, org.location_weights)[0]
            country = org.country[location]
            firsts, lasts = names[country]
            first, last = rng.choice(firsts), rng.choice(lasts)
            self.first_names.append(first)
            self.customer_times[location].append(created)
            self.customer_ids[location].append(customer_id)
            at = stamp(created)
            language = COUNTRY_LANGUAGE.get(country, "")
            emit_customer((customer_id, f"{first} {last}", location, None, at, at, None, language))
            email = f"{ascii_lower(first)}.{ascii_lower(last)}.{customer_id}@example.com"
            emit_identity((2 * customer_id - 1, customer_id, "email", email, at, ""))
            phone = phone_of(country, customer_id)
            digits = reversed_digits("phone", phone)
            emit_identity((2 * customer_id, customer_id, "phone", phone, at, digits))

    # Conversations and messages ------------------------------------------------

    def conversation_rows(self, emit_conversation, emit_message, emit_tag) -> None:
        rng = self.rng
        plan = sorted(self._conversation_plan())
        new = sum(1 for _, status in plan if status == "new")  # these have 1.25 on average
        others = max(len(plan) - new, 1)
        self._extra = max((self.messages_per * len(plan) - 1.25 * new) / others - 2, 0.05)
        pending: list[tuple] = []  # a heap of messages not yet written: (time, seq, …)
        self._next_message_id = 1
        self._roots: dict[int, str] = {}
        self._emit_message = emit_message
        self._emit_conversation = emit_conversation
        # A conversation's row waits for its last message, whose start is its preview.
        self._unwritten: dict[int, tuple] = {}
        seq = 0
        tag_id = 1
        for conversation_id, (created, status) in enumerate(plan, start=1):
            while pending and pending[0][0] < created:
                self._write_message(heapq.heappop(pending))
            row, messages = self._conversation(conversation_id, created, status)
            self._unwritten[conversation_id] = row
            for message in messages:
                seq += 1
                heapq.heappush(pending, (message[0], seq, *message[1:]))
            if rng.random() < TAGGED_SHARE:
                for tag in rng.sample(self.org.tag_ids, 1 if rng.random() < 0.7 else 2):
                    emit_tag((tag_id, conversation_id, tag))
                    tag_id += 1
        while pending:
            self._write_message(heapq.heappop(pending))
        self.counts["tags"] = tag_id - 1
        self.counts["messages"] = self._next_message_id - 1

    def _conversation_plan(self):
        """(created, status) of every conversation, arriving ever more often over the span."""
        rng, span = self.rng, self.anchor - self.start
        for _ in range(self.conversations):
            # Inverse of the CDF of a density growing linearly by GROWTH over the span.
            u = rng.random()
            x = (math.sqrt(1 + GROWTH * (2 + GROWTH) * u) - 1) / GROWTH
            created = self.start + int(x * span)
            age_days = (self.anchor - created) / DAY
            weights = next(w for most, w in STATUS_BY_AGE if age_days <= most)
            yield created, rng.choices(list(weights), list(weights.values()))[0]

    def _message_count(self, status: str) -> int:
        if status == "new":
            return 1 if self.rng.random() < 0.75 else 2
        # Two or more: 2 + an exponential; `self._extra` (its mean) makes the overall mean right.
        scale = 1 / math.log(1 + 1 / self._extra)
        return min(2 + int(self.rng.expovariate(1 / scale)), 60)

    def _conversation(self, conversation_id: int, created: int, status: str):
        rng, org, vocabulary = self.rng, self.org, self.vocabulary
        location = rng.choices(org.location_ids, org.location_weights)[0]
        times, ids = self.customer_times[location], self.customer_ids[location]
        known = bisect.bisect_right(times, created) or 1
        customer = ids[int(rng.random() * known)]
        channel = weighted(rng, CHANNELS)
        product = vocabulary.rare if rng.random() < self._rare_conversation_share() else None
        if product is None:
            product = int(rng.random() * vocabulary.rare)
        assignee = None
        if rng.random() < ASSIGNED_SHARE[status]:
            assignee = rng.choice(org.agents_of[location])
        directions = self._directions(self._message_count(status), status)
        stamps = self._times(created, directions)
        if channel in ("email", "web"):
            identity = 2 * customer - 1
        elif channel in ("phone", "sms"):
            identity = 2 * customer
        else:
            identity = None
        reply_channel = "email" if channel == "web" else channel
        first = self.first_names[customer]
        messages = []
        for n, (at, direction) in enumerate(zip(stamps, directions, strict=True)):
            mentions = n == 0 or rng.random() < MENTION_SHARE
            author = None
            if direction != "inbound":
                author = assignee or rng.choice(org.agents_of[location])
            messages.append(
                (
                    at,
                    conversation_id,
                    channel if direction == "inbound" else reply_channel,
                    direction,
                    author,
                    identity if direction == "inbound" else None,
                    product if mentions else None,
                    first,
                    n == len(directions) - 1,
                )
            )
        inbound = [at for at, d in zip(stamps, directions, strict=True) if d == "inbound"]
        outbound = [at for at, d in zip(stamps, directions, strict=True) if d == "outbound"]
        waiting_since = None
        if status in ("new", "open") and directions[-1] == "inbound":
            answered = outbound[-1] if outbound else -1
            waiting_since = min(at for at in inbound if at > answered)
            self.counts["waiting"] += 1
        last = stamps[-1]
        solved_at = None
        updated = last
        if status in ("solved", "closed"):
            solved_at = min(last + rng.randrange(300, 7200), self.anchor)
            updated = solved_at
            if status == "closed":
                updated = min(solved_at + 4 * DAY, self.anchor)
        if rng.random() < 0.3 or product == vocabulary.rare:
            subject = rng.choice(vocabulary.subjects[product])
        else:
            subject = rng.choice(vocabulary.subjects_other)
        stamp = self.stamp
        row = (
            conversation_id,
            subject,
            status,
            weighted(rng, PRIORITIES),
            channel,
            customer,
            location,
            rng.choice(org.teams_of[location]) if rng.random() < 0.9 else None,
            assignee,
            org.mailbox_of[location] if channel == "email" else None,
            stamp(created),
            stamp(updated),
            stamp(outbound[0]) if outbound else None,
            stamp(inbound[-1]) if inbound else None,
            stamp(waiting_since) if waiting_since is not None else None,
            stamp(last),
            stamp(solved_at) if solved_at is not None else None,
            *NO_SLA_CLOCKS,
        )
        self.counts["status"][status] = self.counts["status"].get(status, 0) + 1
        if self.voice is not None:
            self.voice.conversation(row, product, solved_at)
        return row, messages

    def _rare_conversation_share(self) -> float:
        # The rare word is the product of this share of conversations; the first message
        # names it, and MENTION_SHARE of the others do.
        mean = self.messages_per
        return RARE_SHARE * mean / (1 + (mean - 1) * MENTION_SHARE)

    def _directions(self, count: int, status: str) -> list[str]:
        rng = self.rng
        if status == "new":
            return ["inbound"] * count
        directions = ["inbound"]
        for _ in range(count - 1):
            if rng.random() < NOTE_SHARE:
                directions.append("note")
            elif rng.random() < 0.15:
                directions.append(directions[-1] if directions[-1] != "note" else "inbound")
            else:
                previous = next(d for d in reversed(directions) if d != "note")
                directions.append("outbound" if previous == "inbound" else "inbound")
        waits = status == "open" and rng.random() < OPEN_WAITING_SHARE
        directions[-1] = "inbound" if waits else "outbound"
        return directions

    def _times(self, created: int, directions: list[str]) -> list[int]:
        rng = self.rng
        mean_gap = {"inbound": 20 * 3600, "outbound": 5 * 3600, "note": 3600}
        gaps = [int(rng.expovariate(1 / mean_gap[d])) + 30 for d in directions[1:]]
        room = (self.anchor - created) * 0.9
        total = sum(gaps)
        if total > room:
            gaps = [int(gap * room / total) for gap in gaps]
        stamps = [created]
        for gap in gaps:
            stamps.append(stamps[-1] + gap)
        return stamps

    def _write_message(self, item) -> None:
        at, _, conversation_id, channel, direction, author, identity, product, first, last = item
        rng, vocabulary = self.rng, self.vocabulary
        message_id = self._next_message_id
        self._next_message_id += 1
        if direction == "inbound":
            parts = [vocabulary.inbound_about[product]] if product is not None else []
            parts += [vocabulary.inbound_other] * (1 if parts and rng.random() < 0.5 else 2)
            body = " ".join(pool[int(rng.random() * len(pool))] for pool in parts)
            if channel in ("chat", "sms"):
                text = body
            else:
                text = f"{rng.choice(GREETINGS)}\n\n{body}\n\n{rng.choice(SIGN_OFFS)}\n{first}"
        elif direction == "outbound":
            parts = [vocabulary.outbound_about[product]] if product is not None else []
            parts += [vocabulary.outbound_other] * (1 if parts else 2)
            body = " ".join(pool[int(rng.random() * len(pool))] for pool in parts)
            agent = self.org.agent_first_name[author]
            text = f"Hello {first},\n\n{body}\n\nBest regards,\n{agent}"
        else:
            pool = vocabulary.note_about[product] if product is not None else vocabulary.note_other
            text = pool[int(rng.random() * len(pool))]
        if product == vocabulary.rare:
            self.counts["rare_word_messages"] += 1
        if self.voice is not None and direction == "inbound":
            self.voice.message(message_id, conversation_id, at, last)
        elif self.voice is not None and last:
            self.voice.of.pop(conversation_id, None)
        external_id = thread_key = delivery = ""
        if channel == "email" and direction != "note":
            if direction == "inbound":
                external_id = f"{message_id}.{conversation_id}@mail.example.com"
            else:
                external_id = f"{message_id}.reply@fixwell.example"
                delivery = "sent"
            root = self._roots.setdefault(conversation_id, external_id)
            thread_key = root if direction == "inbound" else ""
        elif direction == "outbound" and channel == "sms":
            delivery = "sent"
        if last:
            self._roots.pop(conversation_id, None)
            row = self._unwritten.pop(conversation_id)
            self._emit_conversation((*row, self.text(preview_of(text)), None))
        text = self.text(text)
        self._emit_message(
            (
                message_id,
                conversation_id,
                channel,
                direction,
                "normal",
                author,
                identity,
                text,
                text,
                "",
                external_id,
                thread_key,
                "{}",
                delivery,
                "",
                self.stamp(at),
            )
        )


class Voice:
    """What the customers said, beside the history (issue #13's "What customers say"):

    * a contact survey for SURVEYED_SHARE of the conversations solved (NPS after a visit,
      CES after a call, CSAT otherwise, as the demo's policies), sent an hour after the
      solving; ANSWERED_SHARE of them answered within hours to days, mostly well (SCORES),
      COMMENT_SHARE of the answers with a comment;
    * a text per customer message (and per comment): its sentiment (UNKNOWN_SHARE in a
      language no model reads, the rest by BANDS) and, for THEMED_SHARE, the theme of the
      conversation's product (a theme per product);
    * a recovery case for RECOVERY_SHARE of the bad answers (one open case per customer at
      most), closed days later with an outcome (OUTCOMES), or still open near the end.

    Its own random stream: the rest of the data is the same with or without it.
    """

    SURVEYED_SHARE = 0.6
    ANSWERED_SHARE = 0.25
    WITHDRAWN_SHARE = 0.03
    COMMENT_SHARE = 0.3
    UNKNOWN_SHARE = 0.05
    BANDS = [("negative", 30), ("neutral", 25), ("positive", 45)]
    THEMED_SHARE = 0.9
    RECOVERY_SHARE = 0.8
    OUTCOMES = [("recovered", 50), ("not_recovered", 25), ("unknown", 25)]
    SCORES = {
        "csat": [(1, 5), (2, 5), (3, 10), (4, 30), (5, 50)],
        "nps": [(s, 4) for s in range(7)] + [(7, 14), (8, 14), (9, 22), (10, 22)],
        "ces": [(1, 4), (2, 5), (3, 8), (4, 13), (5, 20), (6, 25), (7, 25)],
    }
    BAD_UP_TO = {"csat": 2, "nps": 6, "ces": 3}
    COMMENTS = {
        True: ["The repair took far too long.", "Nobody called me back.", "Still no refund."],
        False: ["Quick and friendly, thank you!", "Sorted in one call.", "Very helpful."],
    }
    TABLES = ("feedback_survey", "feedback_answer", "insights_text", "recovery_recoverycase")

    def __init__(self, seed, anchor, stamp, text, theme_of_product: list[int], emit: dict):
        self.rng = random.Random(seed * 7919 + 13)
        self.anchor, self.stamp, self.text = anchor, stamp, text
        self.theme_of_product = theme_of_product
        self.emit = emit  # table → emit function
        self.ids = dict.fromkeys(self.TABLES, 0)
        self.of: dict[int, tuple] = {}  # conversation → (customer, location, product)
        self.open_customers: set[int] = set()
        self.model = "vaderSentiment 3.3.2"

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def conversation(self, row: tuple, product: int, solved_at: int | None) -> None:
        cid, channel, customer, location, team, assignee = (
            row[0], row[4], row[5], row[6], row[7], row[8],
        )  # fmt: skip
        self.of[cid] = (customer, location, product)
        rng, stamp = self.rng, self.stamp
        sent = solved_at + 3600 if solved_at is not None else None
        if sent is None or sent >= self.anchor or rng.random() >= self.SURVEYED_SHARE:
            return
        kind = {"walk_in": "nps", "phone": "ces"}.get(channel, "csat")
        answered = rng.random() < self.ANSWERED_SHARE
        answered_at = min(self.anchor - 1, sent + int(rng.expovariate(1 / (8 * 3600))))
        withdrawn = not answered and rng.random() < self.WITHDRAWN_SHARE
        status = "answered" if answered else "withdrawn" if withdrawn else "sent"
        survey = self._next("feedback_survey")
        self.emit["feedback_survey"](
            (
                survey, kind, "contact", status, f"solved:{cid}:{solved_at}", None, customer,
                cid, location, None, "", "", None, stamp(sent), stamp(sent), None, None,
                stamp(sent + 86400) if withdrawn else None, "", None, stamp(solved_at),
            )
        )  # fmt: skip
        if not answered:
            return
        score = weighted(rng, self.SCORES[kind])
        bad = score <= self.BAD_UP_TO[kind]
        comment = rng.choice(self.COMMENTS[bad]) if rng.random() < self.COMMENT_SHARE else ""
        answer = self._next("feedback_answer")
        self.emit["feedback_answer"](
            (
                answer, survey, kind, score, self.text(comment), customer, cid, location,
                assignee, team, stamp(answered_at), None, 0,
            )
        )  # fmt: skip
        if comment:
            self._text("survey_answer", answer, None, cid, customer, location, answered_at,
                       product, comment)  # fmt: skip
        if bad and rng.random() < self.RECOVERY_SHARE and customer not in self.open_customers:
            self._case(cid, customer, location, assignee, kind, answered_at)

    def _case(self, cid, customer, location, owner, kind, opened) -> None:
        rng, stamp = self.rng, self.stamp
        closed = opened + int(rng.uniform(1, 12) * 86400)
        case = self._next("recovery_recoverycase")
        if closed >= self.anchor:
            self.open_customers.add(customer)
            status, outcome, outcome_at, score, closed_at = "open", "", None, None, None
        else:
            status, closed_at = "closed", stamp(closed)
            outcome = weighted(self.rng, self.OUTCOMES)
            if outcome != "unknown" and closed + 14 * 86400 > self.anchor and rng.random() < 0.5:
                outcome = "waiting"
            outcome_at = stamp(closed + 2 * 86400) if outcome != "waiting" else None
            good = weighted(rng, self.SCORES[kind][-2:])
            bad = weighted(rng, self.SCORES[kind][:2])
            score = {"recovered": good, "not_recovered": bad}.get(outcome)
            if closed + 2 * 86400 >= self.anchor:
                outcome_at = None
        self.emit["recovery_recoverycase"](
            (
                case, customer, cid, location, owner, status, stamp(opened),
                stamp(opened + 4 * 3600), stamp(opened + 2 * 3600), closed_at,
                owner if closed_at else None, None, "", kind, outcome, outcome_at, score,
            )
        )  # fmt: skip

    def message(self, message_id: int, cid: int, at: int, last: bool) -> None:
        customer, location, product = self.of[cid]
        if last:
            del self.of[cid]
        self._text("message", message_id, message_id, cid, customer, location, at, product, "")

    def _text(self, source, source_id, message, cid, customer, location, at, product, comment):
        rng = self.rng
        compound = None
        if rng.random() >= self.UNKNOWN_SHARE:
            band = weighted(rng, self.BANDS)
            low, high = {"negative": (-0.95, -0.05), "neutral": (-0.04, 0.04)}.get(
                band, (0.05, 0.95)
            )
            compound = round(rng.uniform(low, high), 4)
        theme = self.theme_of_product[product] if rng.random() < self.THEMED_SHARE else None
        stamp = self.stamp(at)
        self.emit["insights_text"](
            (
                self._next("insights_text"), source, source_id, message, self.text(comment),
                cid, customer, location, stamp, "en" if compound is not None else "unknown",
                compound, self.model, stamp, theme,
                round(rng.uniform(0.2, 0.9), 3) if theme else None, None,
            )
        )  # fmt: skip

    @staticmethod
    def create_themes(products: list[str], anchor: int) -> list[int]:
        """A theme per product, as a training would find them; their ids by product."""
        from helpline.insights.models import Theme

        at = datetime.fromtimestamp(anchor - 30 * DAY, UTC)
        themes = Theme.objects.bulk_create(
            [
                Theme(name=f"{p} · repair · broken", terms=[p, "repair", "broken"], created_at=at)
                for p in products
            ]
        )
        return [theme.pk for theme in themes]


def preview_of(text: str) -> str:
    from helpline.conversations.models import preview_of

    return preview_of(text)


def phone_of(country: str, customer_id: int) -> str:
    """A distinct, possible mobile number per customer: the id scrambled by an odd multiplier."""
    prefix, digits = MOBILE[country]
    space = 10**digits
    return f"{prefix}{(customer_id * 2_654_435_761 + 12_345) % space:0{digits}d}"


# sla_policy_id … sla_next_check_at: no policy, clocks stopped.
NO_SLA_CLOCKS = (None, None, None, 0, None, None, None)

COUNTRY_LANGUAGE = {"GB": "en", "DE": "de", "ES": "es", "FR": "fr"}

# The columns of each big table, in the order Generator emits them (checked against the models).
COLUMNS = {
    "customers_customer": (
        "id", "name", "location_id", "merged_into_id", "created_at", "updated_at",
        "company_id", "language",
    ),
    "customers_identity": ("id", "customer_id", "kind", "value", "created_at", "digits_reversed"),
    "conversations_conversation": (
        "id", "subject", "status", "priority", "channel", "customer_id", "location_id", "team_id",
        "assignee_id", "mailbox_id", "created_at", "updated_at", "first_response_at",
        "last_customer_message_at", "waiting_since", "last_message_at", "solved_at",
        # SLA clocks start empty: bench/sla.py gives the open conversations a policy.
        "sla_policy_id", "response_due_at", "resolution_due_at", "resolution_paused_seconds",
        "paused_at", "sla_due_at", "sla_next_check_at",
        "preview",  # of the last message, so its row is written with that message
        "pending_until",
    ),
    "conversations_conversation_tags": ("id", "conversation_id", "tag_id"),
    "conversations_message": (
        "id", "conversation_id", "channel", "direction", "kind", "author_id", "identity_id",
        "text", "full_text", "html", "external_id", "thread_key", "meta", "delivery",
        "delivery_error", "created_at",
    ),
    # What customers said (Voice).
    "feedback_survey": (
        "id", "kind", "purpose", "status", "cause", "policy_id", "customer_id",
        "conversation_id", "location_id", "recovery_case_id", "language", "recipient",
        "requested_by_id", "due_at", "sent_at", "remind_at", "reminded_at", "withdrawn_at",
        "not_sent_because", "message_id", "created_at",
    ),
    "feedback_answer": (
        "id", "survey_id", "kind", "score", "comment", "customer_id", "conversation_id",
        "location_id", "agent_id", "team_id", "answered_at", "changed_at", "changes",
    ),
    "insights_text": (
        "id", "source", "source_id", "message_id", "comment", "conversation_id", "customer_id",
        "location_id", "written_at", "language", "compound", "model", "scored_at", "theme_id",
        "theme_similarity", "theme_set_by_id",
    ),
    "recovery_recoverycase": (
        "id", "customer_id", "conversation_id", "location_id", "owner_id", "status",
        "opened_at", "due_at", "first_touched_at", "closed_at", "closed_by_id",
        "root_cause_id", "what_changed", "follow_up_kind", "outcome", "outcome_at",
        "outcome_score",
    ),
}  # fmt: skip


def check_columns() -> None:
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in COLUMNS:
            actual = {field.column for field in model._meta.concrete_fields}
            if actual != set(COLUMNS[table]):
                raise SystemExit(
                    f"{table} has columns {sorted(actual)}; bench/desk_data.py writes "
                    f"{sorted(COLUMNS[table])}: update COLUMNS and the Generator"
                )


# -- PostgreSQL ------------------------------------------------------------------


def pg_stamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def pg_text(text: str) -> str:
    return text.replace("\n", "\\n")  # the vocabulary has no tab or backslash


class CopyStream:
    """One COPY … FROM STDIN (FREEZE) into an emptied table, on its own connection."""

    def __init__(self, url: str, table: str):
        import psycopg

        self.table = table
        self.conn = psycopg.connect(url)
        self.conn.execute("SET synchronous_commit = off")
        self.conn.execute(f"TRUNCATE {table}")  # FREEZE needs the table emptied in this transaction
        columns = ", ".join(COLUMNS[table])
        self.cursor = self.conn.cursor()
        self._copy_cm = self.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FREEZE)")
        self.copy = self._copy_cm.__enter__()
        self.lines: list[str] = []
        self.rows = 0

    def emit(self, row) -> None:
        self.lines.append("\t".join(["\\N" if v is None else str(v) for v in row]))
        if len(self.lines) >= 4000:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("\n".join(self.lines) + "\n")
            self.rows += len(self.lines)
            self.lines = []

    def close(self) -> int:
        self.flush()
        self._copy_cm.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()
        return self.rows


class PostgresLoader:
    stamp = staticmethod(pg_stamp)
    text = staticmethod(pg_text)

    def __init__(self, url: str):
        import psycopg

        self.url = url
        self.psycopg = psycopg
        self.restore: list[tuple[str, str]] = []  # (kind, SQL)

    @staticmethod
    def create_database(url: str) -> None:
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(f"refusing to drop and create database {name!r}: not a bench database")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def _admin(self):
        conn = self.psycopg.connect(self.url, autocommit=True)
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        return conn

    def prepare(self) -> None:
        """Drop the big tables' indexes, unique constraints and foreign keys; remember them."""
        tables = list(COLUMNS)
        with self._admin() as conn:
            foreign_keys = conn.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                FROM pg_constraint WHERE contype = 'f'
                AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))
                ORDER BY 1, 2""",
                [tables, tables],
            ).fetchall()
            uniques = conn.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)
                ORDER BY 1, 2""",
                [tables],
            ).fetchall()
            indexes = conn.execute(
                """SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
                          pg_get_indexdef(i.indexrelid)
                FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s)
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                                WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
                ORDER BY 1, 2""",
                [tables],
            ).fetchall()
            for table, name, _ in foreign_keys:
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            for table, name, _ in uniques:
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            for _, name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
        self.restore = [("index", definition) for _, _, definition in indexes]
        self.restore += [
            ("index", f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            for table, name, definition in uniques
        ]
        self.foreign_keys = [
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
            for table, name, definition in foreign_keys
        ]

    def load(self, generator: Generator) -> dict:
        customers = CopyStream(self.url, "customers_customer")
        identities = CopyStream(self.url, "customers_identity")
        generator.customer_rows(customers.emit, identities.emit)
        counts = {"customers": customers.close(), "identities": identities.close()}
        conversations = CopyStream(self.url, "conversations_conversation")
        messages = CopyStream(self.url, "conversations_message")
        voice = {table: CopyStream(self.url, table) for table in Voice.TABLES}
        generator.listen({table: stream.emit for table, stream in voice.items()})
        tags: list[tuple] = []
        generator.conversation_rows(conversations.emit, messages.emit, tags.append)
        counts["conversations"] = conversations.close()
        counts["messages"] = messages.close()
        counts.update({table: stream.close() for table, stream in voice.items()})
        tagged = CopyStream(self.url, "conversations_conversation_tags")
        for row in tags:
            tagged.emit(row)
        counts["conversation_tags"] = tagged.close()
        return counts

    def finish(self, timings: dict) -> None:
        # The message text's GIN index takes longest: start it first, beside the rest.
        indexes = sorted(self.restore, key=lambda item: "gin" not in item[1].lower())
        started = time.perf_counter()
        self._run_in_parallel([sql for _, sql in indexes])
        timings["indexes_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        self._run_in_parallel(self.foreign_keys)
        timings["foreign_keys_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        self._reset_sequences()
        self._run_in_parallel([f"ANALYZE {table}" for table in COLUMNS] + ["ANALYZE"])
        timings["analyze_s"] = round(time.perf_counter() - started, 1)

    def _run_in_parallel(self, statements: list[str], workers: int = 2) -> None:
        queue: Queue = Queue()
        for sql in statements:
            queue.put(sql)
        errors = []

        def work():
            with self._admin() as conn:
                while True:
                    try:
                        sql = queue.get_nowait()
                    except Empty:
                        return
                    try:
                        conn.execute(sql)
                    except Exception as exc:  # reported after the others finished
                        errors.append(f"{sql}: {exc}")

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise SystemExit("restoring failed:\n" + "\n".join(errors))

    @staticmethod
    def _reset_sequences() -> None:
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(
            no_style(), apps.get_models(include_auto_created=True)
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def describe(self) -> dict:
        with self._admin() as conn:
            version = conn.execute("SELECT current_setting('server_version')").fetchone()[0]
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            tables = conn.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
                [list(COLUMNS)],
            ).fetchall()
        return {
            "vendor": "postgresql",
            "version": version,
            "size_mb": round(size / 2**20),
            "table_mb": {name: round(size / 2**20) for name, size in sorted(tables)},
        }


# -- SQLite -----------------------------------------------------------------------


def sqlite_stamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))  # as Django writes them


class Batches:
    def __init__(self, cursor, table: str, size: int = 20_000):
        columns = COLUMNS[table]
        self.sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        self.cursor = cursor
        self.size = size
        self.rows: list[tuple] = []
        self.count = 0

    def emit(self, row) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> int:
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []
        return self.count


class SqliteLoader:
    stamp = staticmethod(sqlite_stamp)
    text = staticmethod(lambda text: text)

    def prepare(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.raw = connection.connection
        tables = list(COLUMNS)
        marks = ", ".join("?" * len(tables))
        found = self.raw.execute(
            f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        ).fetchall()
        self.restore = found
        for kind, name, _ in found:
            self.raw.execute(f"DROP {kind.upper()} {name}")
        # Deferred foreign keys would look up children through the indexes just dropped;
        # the generator's rows are consistent by construction (checked in finish()).
        self.raw.execute("PRAGMA foreign_keys = OFF")
        self.raw.execute("PRAGMA synchronous = OFF")
        self.raw.execute("PRAGMA cache_size = -400000")

    def load(self, generator: Generator) -> dict:
        cursor = self.raw.cursor()
        counts = {}
        with self._transaction():
            customers = Batches(cursor, "customers_customer")
            identities = Batches(cursor, "customers_identity")
            generator.customer_rows(customers.emit, identities.emit)
            counts["customers"], counts["identities"] = customers.flush(), identities.flush()
        with self._transaction():
            conversations = Batches(cursor, "conversations_conversation")
            messages = Batches(cursor, "conversations_message")
            tags = Batches(cursor, "conversations_conversation_tags")
            voice = {table: Batches(cursor, table) for table in Voice.TABLES}
            generator.listen({table: batch.emit for table, batch in voice.items()})
            generator.conversation_rows(conversations.emit, messages.emit, tags.emit)
            counts["conversations"] = conversations.flush()
            counts["messages"] = messages.flush()
            counts["conversation_tags"] = tags.flush()
            counts.update({table: batch.flush() for table, batch in voice.items()})
        return counts

    def _transaction(self):
        raw = self.raw

        class Transaction:
            def __enter__(self):
                raw.execute("BEGIN")

            def __exit__(self, kind, *_):
                raw.execute("COMMIT" if kind is None else "ROLLBACK")

        return Transaction()

    def finish(self, timings: dict) -> None:
        from django.db import connection

        from helpline.search import backends

        started = time.perf_counter()
        for kind, _, sql in self.restore:
            if kind == "index":
                self.raw.execute(sql)
        timings["indexes_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        backends.Sqlite.ensure(connection)  # puts back the search triggers, rebuilds FTS
        present = {
            name
            for (name,) in self.raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        for kind, name, sql in self.restore:
            if kind == "trigger" and name not in present:
                self.raw.execute(sql)
        timings["search_index_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        self.raw.execute("PRAGMA foreign_keys = ON")
        broken = self.raw.execute("PRAGMA foreign_key_check").fetchmany(5)
        if broken:
            raise SystemExit(f"foreign keys broken: {broken}")
        timings["foreign_keys_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        self.raw.execute("ANALYZE")
        self.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timings["analyze_s"] = round(time.perf_counter() - started, 1)

    def describe(self) -> dict:
        import sqlite3

        from django.db import connection

        path = Path(connection.settings_dict["NAME"])
        return {
            "vendor": "sqlite",
            "version": sqlite3.sqlite_version,
            "path": str(path),
            "size_mb": round(path.stat().st_size / 2**20),
        }


# -- main ---------------------------------------------------------------------------


def database_url(args) -> str:
    if args.database_url:
        return args.database_url
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if not os.environ.get("HELPLINE_DATA_DIR"):
        raise SystemExit("set DATABASE_URL, --database-url or HELPLINE_DATA_DIR (a fresh folder)")
    data = Path(os.environ["HELPLINE_DATA_DIR"]).resolve()
    return f"sqlite:///{data / 'helpline.sqlite3'}"


def fresh_sqlite(url: str, replace: bool) -> None:
    path = Path(urlsplit(url).path)
    if url.startswith("sqlite:////"):
        path = Path("/" + urlsplit(url).path.lstrip("/"))
    if path.exists():
        if not replace:
            raise SystemExit(f"{path} exists: pass --replace to start again from nothing")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="default: DATABASE_URL, else SQLite in HELPLINE_DATA_DIR"
    )
    parser.add_argument("--conversations", type=int, help="default 1,000,000 (SQLite 100,000)")
    parser.add_argument("--messages-per", type=float, default=5.0, help="mean per conversation")
    parser.add_argument("--customers", type=int, help="default 0.3 per conversation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor", type=date.fromisoformat, help="the data's today (YYYY-MM-DD)")
    parser.add_argument("--replace", action="store_true", help="SQLite: replace an existing file")
    args = parser.parse_args()

    url = database_url(args)
    postgres = url.startswith(("postgres://", "postgresql://"))
    conversations = args.conversations or (1_000_000 if postgres else 100_000)
    customers = args.customers or max(conversations * 3 // 10, 10)
    anchor_day = args.anchor or datetime.now(UTC).date()
    anchor = int(
        datetime(anchor_day.year, anchor_day.month, anchor_day.day, tzinfo=UTC).timestamp()
    )

    started = time.perf_counter()
    timings = {}
    if postgres:
        PostgresLoader.create_database(url)
    else:
        fresh_sqlite(url, args.replace)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    check_columns()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - started, 1)

    loader = PostgresLoader(url) if postgres else SqliteLoader()
    org = Organisation(random.Random(args.seed))
    org.plan()
    org.save()
    phase = time.perf_counter()
    loader.prepare()
    generator = Generator(
        args.seed,
        anchor,
        conversations,
        customers,
        args.messages_per,
        org,
        loader.stamp,
        loader.text,
    )
    generator.theme_ids = Voice.create_themes(generator.vocabulary.products, anchor)
    counts = loader.load(generator)
    timings["load_s"] = round(time.perf_counter() - phase, 1)
    loader.finish(timings)
    timings["total_s"] = round(time.perf_counter() - started, 1)
    counts.update(
        locations=len(LOCATIONS),
        teams=2 * len(LOCATIONS),
        users=len(org.users),
        tags=len(TAGS),
    )
    stats = generator.counts
    print(
        json.dumps(
            {
                "database": loader.describe(),
                "seed": args.seed,
                "anchor": anchor_day.isoformat(),
                "loaded": counts,
                "statuses": dict(sorted(stats["status"].items())),
                "open_waiting": stats["waiting"],
                "rare_word": RARE_WORD,
                "rare_word_messages": stats["rare_word_messages"],
                "rare_word_share": round(
                    stats["rare_word_messages"] / max(counts["messages"], 1), 4
                ),
                "seconds": timings,
                "cpus": os.cpu_count(),
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
