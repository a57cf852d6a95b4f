"""The demo's sentiment and themes: every customer message of the history read, then themes
learned from them, as the worker and the daily training would have done by now."""

from helpline.conversations.models import Direction, Message, MessageKind
from helpline.insights import actions


def play() -> dict:
    ids = Message.objects.filter(
        direction=Direction.INBOUND, kind=MessageKind.NORMAL, author__isnull=True
    ).values_list("pk", flat=True)
    read = sum(actions.analyse_message(pk) is not None for pk in ids.iterator())
    model = actions.retrain()
    themes = model.themes.filter(merged_into__isnull=True).count() if model else 0
    return {"texts read": read, "themes": themes}
