"""The desk's survey pieces, each one include in a shared desk template: the surveys and
answers of a conversation (with the agent's prediction tap once it is solved), and a
customer's opt-out and score history."""

from django import template

from helpline.feedback import figures
from helpline.feedback.models import Answer, OptOut, Prediction, Survey, scale

register = template.Library()


@register.inclusion_tag("feedback/_conversation.html", takes_context=True)
def conversation_surveys(context, conversation):
    user = context.get("user")
    surveys = list(
        Survey.objects.filter(conversation=conversation)
        .exclude(purpose="kiosk")
        .select_related("answer")
        .order_by("-created_at", "-id")[:10]
    )
    solved = conversation.status in ("solved", "closed")
    predicted = None
    if solved and user is not None and conversation.solved_at:
        predicted = (
            Prediction.objects.filter(
                conversation=conversation, agent=user, created_at__gte=conversation.solved_at
            )
            .order_by("-created_at")
            .first()
        )
    kind = surveys[0].kind if surveys else "csat"
    live = conversation.channel in ("phone", "walk_in")
    return {
        "conversation": conversation,
        "surveys": surveys,
        "ask_prediction": solved and predicted is None,
        "predicted": predicted,
        "prediction_scale": list(scale(kind)),
        "prediction_kind": kind,
        "live": live,
        # Asked only where the page offers to send one: elsewhere a survey not sent says why.
        "opted_out": live and OptOut.objects.filter(customer_id=conversation.customer_id).exists(),
        "csrf_token": context.get("csrf_token"),
        "errors": context.get("errors", {}),
    }


@register.inclusion_tag("feedback/_customer.html")
def customer_scores(customer):
    answers = list(Answer.objects.filter(customer=customer).order_by("-answered_at", "-id")[:20])
    return {
        "answers": answers,
        "opt_out": OptOut.objects.filter(customer=customer).first(),
    }


@register.simple_tag
def survey_scores(rows) -> dict:
    """{conversation id: its latest answer} for a page of inbox rows, in one query."""
    ids = [getattr(row, "pk", row) for row in rows]
    return figures.latest_answers(ids)


@register.filter
def answer_of(scores: dict, conversation_id):
    return scores.get(conversation_id) if scores else None
