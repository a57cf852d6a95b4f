"""Callbacks and appointments for the desk bench's data, so the Promises report has work to do.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline_bench \\
        .venv/bin/python bench/promises_data.py     # after bench/desk_data.py
    HELPLINE_DATA_DIR=… .venv/bin/python bench/promises_data.py

`desk_data.py` writes conversations and messages only. This adds, seeded (the same seed
gives the same rows), to the database it left:

  * a callback for 40% of phone conversations (about 56,000 at 1,000,000): due 15 minutes
    to 4 hours after the call, tried one to four times by an agent of its location; 85%
    of those that were tried reached the customer (on their last try), the rest failed
    ("never connected"); the last two days' are partly still open; at most one open
    callback per customer, as the desk keeps it;
  * an appointment for 3% of all conversations (about 30,000): in store or a booked call,
    one to ten days after the conversation began, half an hour long, with an agent of its
    location; past ones attended (80%), missed by the customer (12%), missed by us (3%) or
    cancelled (5%), future ones booked.

Rows are written with `bulk_create`, like a fixture (no actions, no activity log), and
replace earlier ones (both tables are emptied first). Prints one JSON object.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")

CALLBACK_SHARE = 0.40  # of phone conversations
APPOINTMENT_SHARE = 0.03  # of all conversations
REACHED_SHARE = 0.85
OUTCOMES = [("attended", 80), ("missed", 12), ("missed_by_us", 3), ("cancelled", 5)]
BATCH = 5_000


def pick(rng: random.Random, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from helpline.appointments.models import Appointment
    from helpline.callbacks.models import Callback, CallbackAttempt
    from helpline.conversations.models import Conversation
    from helpline.core.models import User

    rng = random.Random(args.seed)
    started = time.perf_counter()
    agents = defaultdict(list)
    for user_id, location_id in User.locations.through.objects.values_list(
        "user_id", "location_id"
    ):
        agents[location_id].append(user_id)
    now = (
        Conversation.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    ) or timezone.now()

    with transaction.atomic():
        CallbackAttempt.objects.all().delete()
        Callback.objects.all().delete()
        Appointment.objects.all().delete()

        callbacks, appointments = [], []
        tries = 0
        open_customers: set[int] = set()
        counts = defaultdict(int)
        rows = Conversation.objects.values_list(
            "id", "customer_id", "location_id", "created_at", "channel"
        ).order_by("id")
        for conversation_id, customer_id, location_id, created, channel in rows.iterator(
            chunk_size=20_000
        ):
            staff = agents.get(location_id) or [None]
            if channel == "phone" and rng.random() < CALLBACK_SHARE:
                due = created + timedelta(minutes=rng.randint(15, 240))
                recent = now - created < timedelta(days=2)
                still_open = recent and rng.random() < 0.5 and customer_id not in open_customers
                number = f"+4420{customer_id:08d}"
                callback = Callback(
                    customer_id=customer_id,
                    conversation_id=conversation_id,
                    location_id=location_id,
                    phone_number=number,
                    reason=rng.choice(["missed_call", "abandoned_call", "voicemail", "requested"]),
                    due_at=due,
                    max_attempts=4,
                    assignee_id=rng.choice(staff),
                    created_at=created,
                )
                attempts = 0 if still_open and rng.random() < 0.6 else rng.randint(1, 4)
                reached = attempts > 0 and not still_open and rng.random() < REACHED_SHARE
                at = due + timedelta(minutes=rng.randint(0, 90))
                planned = []
                for n in range(attempts):
                    last = n == attempts - 1
                    outcome = (
                        "reached"
                        if reached and last
                        else rng.choice(["no_answer", "busy", "left_message"])
                    )
                    planned.append((outcome, at))
                    at += timedelta(minutes=rng.randint(30, 240))
                if still_open:
                    callback.status = "open"
                    callback.attempts = attempts
                    open_customers.add(customer_id)
                elif reached:
                    callback.status = "done"
                    callback.attempts = attempts - 1
                    callback.closed_at = planned[-1][1]
                else:
                    callback.status = "failed"
                    callback.attempts = max(attempts, 1)
                    callback.closed_at = planned[-1][1] if planned else due
                    callback.closed_reason = "Not reached in its tries"
                callbacks.append((callback, planned, rng.choice(staff)))
                counts[f"callbacks_{callback.status}"] += 1
            if rng.random() < APPOINTMENT_SHARE and location_id:
                starts = created + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
                status = pick(rng, OUTCOMES) if starts < now else "booked"
                kind = "in_store" if rng.random() < 0.6 else "callback"
                appointments.append(
                    Appointment(
                        customer_id=customer_id,
                        conversation_id=conversation_id,
                        location_id=location_id,
                        kind=kind,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=30),
                        agent_id=rng.choice(staff),
                        phone_number=f"+4420{customer_id:08d}" if kind == "callback" else "",
                        status=status,
                        created_at=created,
                        outcome_at=None if status == "booked" else starts + timedelta(minutes=30),
                        uid=f"bench-{conversation_id}@helpline.invalid",
                    )
                )
                counts[f"appointments_{status}"] += 1
            if len(callbacks) >= BATCH:
                tries += _write_callbacks(Callback, CallbackAttempt, callbacks)
                callbacks = []
            if len(appointments) >= BATCH:
                Appointment.objects.bulk_create(appointments)
                appointments = []
        tries += _write_callbacks(Callback, CallbackAttempt, callbacks)
        Appointment.objects.bulk_create(appointments)

    print(
        json.dumps(
            {
                "callbacks": Callback.objects.count(),
                "callback_tries": tries,
                "appointments": Appointment.objects.count(),
                "by_status": dict(sorted(counts.items())),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


def _write_callbacks(Callback, CallbackAttempt, batch) -> int:
    made = Callback.objects.bulk_create([callback for callback, _, _ in batch])
    attempts = [
        CallbackAttempt(callback_id=callback.pk, agent_id=agent, outcome=outcome, at=at)
        for callback, (_, planned, agent) in zip(made, batch, strict=True)
        for outcome, at in planned
    ]
    CallbackAttempt.objects.bulk_create(attempts)
    return len(attempts)


if __name__ == "__main__":
    main()
