"""A year of the desk's conversations, written the way the desk writes them.

Each conversation is first planned (channel, topic, customer, agent, how it ends) with the
seeded random, so that customers can be created dated before their first contact. Then
every first message is received in batches through `receive_many`, and each conversation
is played step by step: the acknowledgement, triage, a note, the answer, the customer
writing back, the solution. Customer messages go through `receive`, everything agents did
through the conversation actions, dated in the past with their `at=` arguments; replies are
recorded with `log_past_reply` (or `log_contact` for a call we made), which queue no mail.
"""

import contextlib
import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation

from helpline.channels.email import acknowledge
from helpline.conversations import actions
from helpline.conversations.models import (
    Channel,
    Conversation,
    Direction,
    Message,
    MessageKind,
    Priority,
    Status,
)
from helpline.conversations.receive import Inbound, receive_many
from helpline.conversations.verbs import Verb
from helpline.core.models import Location, Role, User
from helpline.customers.models import IdentityKind
from helpline.demo.customers import People, Person
from helpline.demo.organisation import CARE, SHOP_DOMAIN, WORKSHOP, Organisation
from helpline.demo.texts import (
    CHANNEL_WEIGHTS,
    EXTRA_TAGS,
    GENERIC,
    NOTES,
    PRODUCTS,
    TOPIC_TAGS,
    TOPIC_WEIGHTS,
    TOPICS,
    bounce_text,
    money,
)

BATCH = 500  # first messages received at once
RECENT_SHARE = 0.03  # of the conversations, started in the last four days
BOUNCE_ERROR = "550 5.1.1 The email account that you tried to reach does not exist"
# How an answer comes back: a web form is answered by email, a visit by a call.
REPLY_CHANNEL = {Channel.WEB: Channel.EMAIL, Channel.WALK_IN: Channel.PHONE}


@dataclass
class Plan:
    """One conversation, decided before anything is written."""

    person: Person
    channel: str
    location: Location
    at: datetime
    topic: str
    fill: dict
    agent: User
    status: str  # how it ends
    priority: str
    team_name: str
    subject: str
    text: str
    conversation: Conversation | None = None
    first: Message | None = None
    messages: list = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.person.language

    @property
    def words(self) -> dict:
        return GENERIC[self.language]


class History:
    def __init__(self, rng: random.Random, now: datetime, org: Organisation, people: People):
        self.rng = rng
        self.now = now
        self.org = org
        self.people = people
        self.messages = 0
        self.ids = 0

    # Planning ------------------------------------------------------------------

    def plan(self, people: list[Person], count: int) -> list[Plan]:
        """`count` conversations; a few customers contact the shop often, most once or twice."""
        if not people:
            return []
        weights = [self.rng.paretovariate(1.3) for _ in people]
        return [self._plan(p) for p in self.rng.choices(people, weights=weights, k=count)]

    def _plan(self, person: Person) -> Plan:
        rng = self.rng
        channel = self._pick_channel(person)
        location = person.location
        if rng.random() < 0.08:
            location = rng.choice(self.org.locations)  # a visit to another store
        at = self._started_at(location, channel)
        if person.first_contact is None or at < person.first_contact:
            person.first_contact = at
        if channel == Channel.CHAT:
            self.people.chat_visitor(person)
        topic = rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
        lang = person.language
        subjects, bodies, _ = TOPICS[topic][lang]
        fill = {
            "first": person.first,
            "order": f"{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}",
            "product": rng.choice(PRODUCTS[lang]),
            "days": rng.randint(3, 14),
            "amount": money(lang, rng.choice([19, 49, 89, 129, 249, 399, 649])),
        }
        agents = self.org.agents_at(location)
        agent = rng.choice([a for a in agents if a.role == Role.AGENT] or agents)
        fill["agent"] = agent.first_name
        status = self._status_for(self.now - at)
        if topic == "praise" and status in (Status.OPEN, Status.PENDING):
            status = Status.SOLVED
        priority = Priority.NORMAL
        if topic == "complaint":
            priority = rng.choices([Priority.HIGH, Priority.URGENT, Priority.NORMAL], [5, 1, 4])[0]
        elif rng.random() < 0.15:
            priority = rng.choice([Priority.LOW, Priority.LOW, Priority.HIGH])
        text = rng.choice(bodies).format(**fill)
        if channel == Channel.PHONE:
            text = GENERIC[lang]["call"] + text
        elif channel == Channel.WALK_IN:
            text = GENERIC[lang]["walk_in"] + text
        return Plan(
            person=person,
            channel=channel,
            location=location,
            at=at,
            topic=topic,
            fill=fill,
            agent=agent,
            status=status,
            priority=priority,
            team_name=WORKSHOP if topic == "repair" else CARE,
            subject=rng.choice(subjects).format(**fill),
            text=text,
        )

    def _pick_channel(self, person: Person) -> str:
        usable = []
        for channel, weight in CHANNEL_WEIGHTS:
            if channel in (Channel.EMAIL, Channel.WEB) and not person.email:
                continue
            if channel in (Channel.PHONE, Channel.SMS) and not person.phone:
                continue
            usable.append((channel, weight))
        return self.rng.choices([c for c, _ in usable], weights=[w for _, w in usable])[0]

    def _started_at(self, location: Location, channel: str) -> datetime:
        """A moment in the last year, in business hours at the location; busier lately."""
        rng = self.rng
        while True:
            # Volume grows over the year: more conversations in recent months, and
            # whatever the demo's size, a few days' work still in hand.
            days_ago = int(365 * (1 - rng.random() ** (1 / 3)))
            if rng.random() < RECENT_SHARE:
                days_ago = rng.randrange(4)
            local_day = (self.now - timedelta(days=days_ago)).astimezone(
                ZoneInfo(location.timezone)
            )
            weekday = local_day.weekday()
            if weekday == 6 and (channel == Channel.WALK_IN or rng.random() < 0.8):
                continue
            if weekday == 5 and rng.random() < 0.4:
                continue
            hour = rng.choices(range(8, 20), weights=[3, 6, 8, 8, 7, 6, 7, 7, 6, 5, 3, 2])[0]
            if channel in (Channel.EMAIL, Channel.WEB) and rng.random() < 0.15:
                hour = rng.choice([6, 7, 20, 21, 22, 23])  # people write in the evening
            local = local_day.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            at = local.astimezone(ZoneInfo("UTC"))
            if at < self.now - timedelta(minutes=5):
                return at

    def _status_for(self, age: timedelta) -> str:
        """How a conversation of this age stands today: the open work is recent (a desk that
        keeps up answers within days), the rest was solved and, after a few days, closed."""
        hours = age.total_seconds() / 3600
        if hours < 24:
            choices = [(Status.NEW, 40), (Status.OPEN, 30), (Status.PENDING, 10)]
            choices.append((Status.SOLVED, 20))
        elif hours < 4 * 24:
            choices = [(Status.NEW, 2), (Status.OPEN, 15), (Status.PENDING, 25)]
            choices.append((Status.SOLVED, 58))
        elif hours < 14 * 24:
            choices = [(Status.OPEN, 2), (Status.PENDING, 10), (Status.SOLVED, 50)]
            choices.append((Status.CLOSED, 35))
        else:
            choices = [(Status.SOLVED, 8), (Status.CLOSED, 92)]
        return self.rng.choices([s for s, _ in choices], weights=[w for _, w in choices])[0]

    # Playing -------------------------------------------------------------------

    def play(self, plans: list[Plan]) -> None:
        """Receive every first message (in batches), then play each conversation on."""
        for start in range(0, len(plans), BATCH):
            batch = plans[start : start + BATCH]
            received = receive_many([self._first_message(plan) for plan in batch])
            for plan, result in zip(batch, received, strict=True):
                plan.first, plan.conversation = result.message, result.message.conversation
            self.messages += len(batch)
        # Played side by side: each stops where the customer (or a robot) writes, and what
        # they all write then is received in one batch.
        waiting = [(_Conversation(self, plan).play(), None) for plan in plans]
        while waiting:
            writing = []
            for conversation, received in waiting:
                with contextlib.suppress(StopIteration):
                    writing.append((conversation, conversation.send(received)))
            waiting = []
            for start in range(0, len(writing), BATCH):
                batch = writing[start : start + BATCH]
                received = receive_many([inbound for _, inbound in batch])
                waiting += [(c, r.message) for (c, _), r in zip(batch, received, strict=True)]
                self.messages += len(batch)

    def _first_message(self, plan: Plan) -> Inbound:
        logged_by = plan.agent if plan.channel in (Channel.PHONE, Channel.WALK_IN) else None
        kind, value = self.identity(plan.person, plan.channel)
        external_id = self.message_id(value.rsplit("@", 1)[-1]) if plan.channel == "email" else ""
        mailbox = None
        if plan.channel in (Channel.EMAIL, Channel.WEB):
            mailbox = self.org.mailboxes[plan.location.pk]
        return Inbound(
            channel=plan.channel,
            identity_kind=kind,
            identity_value=value,
            subject=plan.subject,
            text=plan.text,
            external_id=external_id,
            mailbox=mailbox,
            location=plan.location,
            team=self.org.teams[plan.team_name],
            logged_by=logged_by,
            helped_after_seconds=self.helped_after(plan.channel, logged_by),
            received_at=plan.at,
            meta={"language": plan.language},
        )

    # Shared by the steps ---------------------------------------------------------

    def identity(self, person: Person, channel: str) -> tuple[str, str]:
        """How the customer reaches us on the channel: (identity kind, value)."""
        if channel in (Channel.EMAIL, Channel.WEB):
            return IdentityKind.EMAIL, person.email
        if channel in (Channel.PHONE, Channel.SMS):
            return IdentityKind.PHONE, person.phone
        if channel == Channel.CHAT:
            return IdentityKind.CHAT, person.chat
        if person.email:  # walk-in: whatever we know them by
            return IdentityKind.EMAIL, person.email
        return IdentityKind.PHONE, person.phone

    def message_id(self, domain: str) -> str:
        self.ids += 1
        return f"{self.rng.getrandbits(64):016x}.{self.ids}@{domain}"

    def after(self, at: datetime, median_hours: float) -> datetime:
        """A later moment, lognormally distributed around the median, before now."""
        gap = timedelta(hours=self.rng.lognormvariate(math.log(median_hours), 1.0))
        room = self.now - at
        if gap >= room:
            gap = room * self.rng.uniform(0.2, 0.8)
        return at + gap

    def helped_after(self, channel: str, logged_by: User | None) -> int | None:
        """Most agents logging a call or a visit say how long the customer waited: a few
        minutes on hold, longer in the queue at the counter."""
        if logged_by is None or self.rng.random() < 0.2:
            return None
        median_minutes = 6 if channel == Channel.WALK_IN else 2
        return round(60 * self.rng.lognormvariate(math.log(median_minutes), 0.8))


class _Conversation:
    """One planned conversation played on from its first message, one named step at a time."""

    def __init__(self, history: History, plan: Plan):
        self.history = history
        self.rng = history.rng
        self.plan = plan
        self.conversation = plan.conversation
        self.agent = plan.agent
        self.clock = plan.at
        self.thread_key = plan.first.external_id
        reply_channel = REPLY_CHANNEL.get(plan.channel, plan.channel)
        if reply_channel == Channel.PHONE and not plan.person.phone:
            reply_channel = Channel.EMAIL
        self.reply_channel = reply_channel

    def play(self) -> Generator[Inbound, Message, None]:
        """The steps in order; it yields each message the customer or a robot writes, to be
        received with others, and goes on with the message stored."""
        status = self.plan.status
        self.acknowledge()
        handled = status != Status.NEW or self.rng.random() < 0.4
        if handled:
            self.triage()
        else:
            self.prioritise(None, self.plan.at)
        if status == Status.NEW or not handled:
            return  # nobody has answered yet
        self.maybe_note()
        if status == Status.OPEN and self.rng.random() < 0.4:
            self.set_status(self.agent, Status.OPEN, self.clock)  # still waiting for an answer
            return
        reply = yield from self.answer()
        if status == Status.PENDING:
            self.set_status(self.agent, Status.PENDING, reply.created_at)
            return
        if status == Status.OPEN or self.rng.random() < 0.3:
            followup = self.rng.choice(self.plan.words["followup"])
            yield from self.customer_writes(reply, followup, 20)
            if status == Status.OPEN:
                return
            self.answer_again()
        if self.rng.random() < 0.35:
            thanks = self.rng.choice(self.plan.words["thanks"])
            yield from self.customer_writes(self.last_reply, thanks, 12)
        self.solve(close=status == Status.CLOSED)

    # The steps -------------------------------------------------------------------

    def acknowledge(self) -> None:
        """A conversation that came in through a mailbox is acknowledged within seconds."""
        if self.conversation.mailbox_id is None:
            return
        at = self.plan.at + timedelta(seconds=self.rng.randint(2, 40))
        if at >= self.history.now:
            return
        with translation.override(self.plan.person.language):
            text = acknowledge.text(self.plan.person.first, self.conversation.token)
        actions.send_automatic_reply(
            self.conversation,
            text,
            "",  # sent long ago: nothing to queue
            verb=Verb.ACKNOWLEDGED,
            meta={"automatic": acknowledge.ACKNOWLEDGEMENT},
            at=at,
        )
        self.history.messages += 1

    def triage(self) -> None:
        """Assigned and tagged, usually soon after it arrives; an urgent one marked so."""
        rng, plan, org = self.rng, self.plan, self.history.org
        self.clock = self.history.after(self.clock, 0.5)
        assigner = rng.choice([self.agent, org.agents[1], org.agents[2]])
        actions.assign(
            assigner,
            self.conversation,
            assignee=self.agent,
            team=org.teams[plan.team_name],
            at=self.clock,
        )
        tags = list(TOPIC_TAGS[plan.topic])
        if rng.random() < 0.25:
            tags.append(rng.choice(EXTRA_TAGS))
        actions.set_tags(self.agent, self.conversation, tags, at=self.clock)
        self.prioritise(self.agent, self.clock)

    def prioritise(self, actor: User | None, at: datetime) -> None:
        if self.plan.priority != Priority.NORMAL:
            actions.set_priority(actor, self.conversation, self.plan.priority, at=at)

    def maybe_note(self) -> None:
        if self.rng.random() < 0.18:
            self.clock = self.history.after(self.clock, 2)
            actions.add_note(self.agent, self.conversation, self.rng.choice(NOTES), at=self.clock)
            self.history.messages += 1

    def answer(self) -> Generator[Inbound, Message, Message]:
        """The first answer, sooner for a high priority; now and then an email bounces or
        the customer is away."""
        median = 3 if self.plan.priority in (Priority.HIGH, Priority.URGENT) else 8
        self.clock = self.history.after(self.clock, median)
        _, _, replies = TOPICS[self.plan.topic][self.plan.language]
        reply = self.reply(self.rng.choice(replies).format(**self.plan.fill))
        if self.reply_channel == Channel.EMAIL:
            if self.rng.random() < 0.015:
                yield from self.bounce(reply)
            elif self.plan.person.email and self.rng.random() < 0.03:
                yield from self.out_of_office()
        return reply

    def answer_again(self) -> Message:
        median = 3 if self.plan.priority in (Priority.HIGH, Priority.URGENT) else 8
        self.clock = self.history.after(self.clock, median)
        return self.reply(self.plan.words["update"].format(**self.plan.fill))

    def reply(self, text: str) -> Message:
        """A reply on the reply channel: an email, a text or chat message, or a call we made."""
        if self.reply_channel == Channel.PHONE:
            reply = actions.log_contact(
                self.agent,
                self.conversation,
                channel=Channel.PHONE,
                text=text,
                direction=Direction.OUTBOUND,
                at=self.clock,
            )
        else:
            email = self.reply_channel == Channel.EMAIL
            reply = actions.log_past_reply(
                self.agent,
                self.conversation,
                text,
                at=self.clock,
                channel=self.reply_channel,
                external_id=self.history.message_id(SHOP_DOMAIN) if email else "",
                thread_key=self.thread_key,
            )
        self.last_reply = reply
        self.history.messages += 1
        return reply

    def bounce(self, reply: Message) -> Generator[Inbound, Message, None]:
        self.clock = self.history.after(self.clock, 0.05)
        bounce = yield from self.robot(MessageKind.BOUNCE, "", bounce_text(self.plan.person.email))
        actions.mark_undelivered(reply, BOUNCE_ERROR, evidence=bounce, at=self.clock)

    def out_of_office(self) -> Generator[Inbound, Message, None]:
        self.clock = self.history.after(self.clock, 0.02)
        back = (self.clock + timedelta(days=7)).date().isoformat()
        yield from self.robot(
            MessageKind.AUTO_REPLY, self.plan.person.email, self.plan.words["ooo"].format(date=back)
        )

    def robot(self, kind: str, address: str, text: str) -> Generator[Inbound, Message, Message]:
        domain = address.rsplit("@", 1)[-1] if address else "mx.example.net"
        return (
            yield Inbound(
                channel=Channel.EMAIL,
                identity_kind=IdentityKind.EMAIL if address else "",
                identity_value=address,
                subject=self.conversation.subject,
                text=text,
                kind=kind,
                external_id=self.history.message_id(domain),
                thread_key=self.thread_key,
                conversation=self.conversation,
                received_at=self.clock,
            )
        )

    def customer_writes(
        self, quoted: Message, text: str, median_hours: float
    ) -> Generator[Inbound, Message, Message]:
        """The customer answers on the channel the agent used; by email, quoting the reply."""
        self.clock = self.history.after(self.clock, median_hours)
        plan, channel, logged_by = self.plan, quoted.channel, None
        if channel == Channel.PHONE:
            text = plan.words["call"] + text
            logged_by = quoted.author
        kind, value = self.history.identity(plan.person, channel)
        full_text, external_id = text, ""
        if channel == Channel.EMAIL:
            external_id = self.history.message_id(value.rsplit("@", 1)[-1])
            mailbox = self.conversation.mailbox
            who = mailbox.from_header if mailbox else quoted.author.get_full_name()
            when = quoted.created_at.strftime("%Y-%m-%d %H:%M")
            quote = "\n".join(f"> {line}" if line else ">" for line in quoted.text.splitlines())
            full_text = f"{text}\n\n{plan.words['quote'].format(date=when, who=who)}\n{quote}\n"
        return (
            yield Inbound(
                channel=channel,
                identity_kind=kind,
                identity_value=value,
                subject=self.conversation.subject,
                text=text,
                full_text=full_text,
                external_id=external_id,
                thread_ids=(quoted.external_id,) if quoted.external_id else (),
                thread_key=self.thread_key if channel == Channel.EMAIL else "",
                conversation=self.conversation,
                logged_by=logged_by,
                helped_after_seconds=self.history.helped_after(channel, logged_by),
                received_at=self.clock,
                meta={"language": plan.language},
            )
        )

    def solve(self, *, close: bool) -> None:
        self.clock = self.history.after(self.clock, 4)
        self.set_status(self.agent, Status.SOLVED, self.clock)
        if close:
            self.set_status(None, Status.CLOSED, self.history.after(self.clock, 24 * 5))

    def set_status(self, actor: User | None, status: str, at: datetime) -> None:
        actions.set_status(actor, self.conversation, status, at=at)
