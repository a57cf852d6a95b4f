"""`helpline demo`: load the demo dataset (once per database)."""

from django.core.management.base import BaseCommand

from helpline.demo.load import DEMO_PASSWORD, DemoAlreadyLoaded, load_demo

# --size presets; the default is the full demo.
SIZES = {"small": (40, 120), "medium": (200, 1000), "full": (500, 3000)}


class Command(BaseCommand):
    help = "Generate a realistic demo dataset: locations, agents, customers and a year of history."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="full")
        parser.add_argument("--customers", type=int, help="number of customers (overrides --size)")
        parser.add_argument("--conversations", type=int, help="number of conversations")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, size, customers, conversations, seed, **options):
        default_customers, default_conversations = SIZES[size]
        try:
            summary = load_demo(
                customers=default_customers if customers is None else customers,
                conversations=default_conversations if conversations is None else conversations,
                seed=seed,
            )
        except DemoAlreadyLoaded:
            self.stdout.write("A demo dataset is already loaded; nothing to do.")
            return
        counts = ", ".join(f"{n} {name}" for name, n in summary.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {summary.seconds:.1f}s: {counts}."))
        self.stdout.write(f"Demo agents (password for all: {DEMO_PASSWORD}):")
        for username, role, locations in summary.agents:
            self.stdout.write(f"  {username:<8} {role:<8} {locations}")
