"""Background work of insights. Safe to run twice: a training replaces the one before."""

from celery import shared_task

from helpline.insights import actions


@shared_task
def retrain_themes() -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): learn the themes again from the latest texts."""
    model = actions.retrain()
    if model is None:
        return {"trained": False}
    return {"trained": True, "model_id": model.pk, "documents": model.documents}
