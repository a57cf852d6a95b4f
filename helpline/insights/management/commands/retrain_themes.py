"""`helpline retrain-themes`: learn the themes again now (the beat does it daily)."""

from django.core.management.base import BaseCommand

from helpline.insights import actions, themes


class Command(BaseCommand):
    help = "Learn the themes again from what customers wrote; renamed themes keep their names."

    def add_arguments(self, parser):
        parser.add_argument(
            "--themes", dest="count", type=int, default=None, help="How many (default: by size)"
        )

    def handle(self, *args, count: int | None = None, **options):
        model = actions.retrain(k=count)
        if model is None:
            self.stdout.write(
                f"Too little text to learn themes from (fewer than {themes.MIN_DOCUMENTS})."
            )
            return
        count = model.themes.filter(merged_into__isnull=True).count()
        self.stdout.write(f"{count} themes from {model.documents} texts ({model.method}).")
