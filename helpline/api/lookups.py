"""Turning ids in a request into objects, naming the field when one is unknown."""

from helpline.api.errors import FieldError
from helpline.core.models import Location, Team, User
from helpline.customers.models import Customer


def location(user: User, pk: int | None, field: str = "location_id") -> Location | None:
    """A location the agent serves (any, for an admin)."""
    if pk is None:
        return None
    found = Location.objects.filter(pk=pk).first()
    if found is None or not user.serves(found.pk):
        raise FieldError(field, "no such location among those you serve")
    return found


def team(pk: int | None, field: str = "team_id") -> Team | None:
    if pk is None:
        return None
    found = Team.objects.filter(pk=pk).first()
    if found is None:
        raise FieldError(field, "no such team")
    return found


def agent(pk: int | None, field: str = "assignee_id") -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise FieldError(field, "no such agent")
    return found


def customer(user: User, pk: int, field: str = "customer_id") -> Customer:
    found = Customer.objects.visible_to(user).filter(pk=pk).select_related("location").first()
    if found is None:
        raise FieldError(field, "no such customer")
    return found
