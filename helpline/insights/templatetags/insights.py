from django import template

from helpline.insights import sentiment

register = template.Library()


@register.filter
def sentiment_label(compound) -> str:
    """positive, negative, neutral or unknown, for a stored compound score."""
    return sentiment.label(compound)
