"""Writing the activity log. Only domain actions call this."""

from datetime import datetime

from django.utils import timezone

from helpline.core.models import Activity


def record(actor, verb: str, subject, *, at: datetime | None = None, **data) -> Activity:
    """One activity row; `at` dates it in the past, for history recorded after the fact."""
    return Activity.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        data=data,
        created_at=at or timezone.now(),
    )


def record_many(entries) -> None:
    """Several rows at once: (actor, verb, subject, data) each; subjects must be saved."""
    Activity.objects.bulk_create(
        [
            Activity(
                actor=actor if getattr(actor, "pk", None) else None,
                verb=verb,
                subject_type=subject._meta.model_name,
                subject_id=subject.pk,
                data=data,
            )
            for actor, verb, subject, data in entries
        ]
    )
