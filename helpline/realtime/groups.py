"""The channel layer's groups: who receives a push.

A conversation's events go to its location's group and to `everything`, which admins
join; one without a location is for admins only (`User.serves`, the rule of
`Conversation.objects.visible_to`), so its `location.none` group has nobody in it. Each
person also has a group of their own.
"""

from helpline.core.models import User

EVERYTHING = "helpline.everything"


def location(location_id: int | None) -> str:
    return f"helpline.location.{'none' if location_id is None else location_id}"


def person(user_id: int) -> str:
    return f"helpline.user.{user_id}"


def of_conversation(location_id: int | None) -> list[str]:
    """Where an event of a conversation at this location goes."""
    return [location(location_id), EVERYTHING]


def for_user(user: User) -> set[str]:
    """The groups a signed-in person's desk socket joins: what they may see, and their own."""
    if user.sees_everything:
        return {EVERYTHING, person(user.pk)}
    served = {location(location_id) for location_id in user.location_ids()}
    return served | {person(user.pk)}
