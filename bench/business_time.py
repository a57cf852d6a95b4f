"""Business-time arithmetic of helpline.hours.calendar, measured in-process.

    .venv/bin/python bench/business_time.py [--pairs 1000000] [--seed 7]

A realistic calendar: Europe/London, Mon–Fri 09:00–12:30 and 13:30–18:00, Sat 10:00–16:00,
the public holidays of England (from the `holidays` package), and a few closures. Then,
after working out the years involved (timed apart, as `warmup_s`):

  elapsed_per_s   calendar.elapsed(start, end) of --pairs random pairs: start anywhere in
                  2025–2026 to the second, end 0–30 days later
  add_per_s       calendar.add(start, duration) of --pairs random pairs: the same starts,
                  durations of 0–40 business hours, to the minute

The pairs are made before timing. Prints one JSON object.
"""

import argparse
import json
import random
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpline.hours.calendar import BusinessCalendar  # noqa: E402
from helpline.hours.public_holidays import holidays_in  # noqa: E402

LONDON_CLOSURES = [
    ("2025-01-06T08:00:00+00:00", "2025-01-06T13:00:00+00:00"),  # stocktaking
    ("2025-10-14T15:00:00+01:00", "2025-10-16T12:00:00+01:00"),  # a storm
    ("2026-03-27T00:00:00+00:00", "2026-03-30T00:00:00+01:00"),  # refit, over the DST change
    ("2026-12-24T14:00:00+00:00", "2026-12-24T18:00:00+00:00"),  # Christmas Eve, early close
]


def realistic_calendar() -> BusinessCalendar:
    weekdays = [(day, time(9), time(12, 30)) for day in range(5)]
    afternoons = [(day, time(13, 30), time(18)) for day in range(5)]
    saturday = [(5, time(10), time(16))]
    closures = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in LONDON_CLOSURES]
    return BusinessCalendar(
        "Europe/London",
        weekdays + afternoons + saturday,
        holidays=lambda year: holidays_in("GB", "ENG", year),
        closures=closures,
    )


def random_starts(rng: random.Random, count: int) -> list[datetime]:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    seconds = 2 * 365 * 86400
    return [base + timedelta(seconds=rng.randrange(seconds)) for _ in range(count)]


def timed(function, pairs) -> float:
    began = clock.perf_counter()
    for first, second in pairs:
        function(first, second)
    return clock.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    starts = random_starts(rng, args.pairs)
    spans = [start + timedelta(seconds=rng.randrange(30 * 86400)) for start in starts]
    durations = [timedelta(minutes=rng.randrange(40 * 60)) for _ in starts]
    calendar = realistic_calendar()

    began = clock.perf_counter()
    calendar.elapsed(datetime(2024, 12, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC))
    warmup = clock.perf_counter() - began

    elapsed_s = timed(calendar.elapsed, zip(starts, spans, strict=True))
    add_s = timed(calendar.add, zip(starts, durations, strict=True))
    print(
        json.dumps(
            {
                "pairs": args.pairs,
                "warmup_s": round(warmup, 3),
                "elapsed_per_s": round(args.pairs / elapsed_s),
                "add_per_s": round(args.pairs / add_s),
                "elapsed_total_s": round(elapsed_s, 3),
                "add_total_s": round(add_s, 3),
                "total_s": round(warmup + elapsed_s + add_s, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
