"""Who sees whose time: an agent their own; a manager the agents and teams of their
locations; an admin everyone's. Anything else does not exist for them (404)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from helpline.core.models import Location, Team, User


def agents_seen_by(user: User) -> QuerySet:
    if user.sees_everything:
        return User.objects.all()
    if user.role == "manager":
        return User.objects.filter(Q(pk=user.pk) | Q(locations__in=user.location_ids())).distinct()
    return User.objects.filter(pk=user.pk)


def teams_seen_by(user: User) -> QuerySet:
    if user.sees_everything:
        return Team.objects.all()
    if user.role == "manager":
        return Team.objects.filter(location_id__in=user.location_ids())
    return Team.objects.none()


def locations_seen_by(user: User) -> QuerySet:
    if user.sees_everything:
        return Location.objects.all()
    if user.role == "manager":
        return Location.objects.filter(pk__in=user.location_ids())
    return Location.objects.none()


def get_agent_for(user: User, pk: int) -> User:
    agent = agents_seen_by(user).filter(pk=pk).first()
    if agent is None:
        raise Http404("No such agent")
    return agent


def get_team_for(user: User, pk: int) -> Team:
    team = teams_seen_by(user).filter(pk=pk).first()
    if team is None:
        raise Http404("No such team")
    return team


def get_location_for(user: User, pk: int) -> Location:
    location = locations_seen_by(user).filter(pk=pk).first()
    if location is None:
        raise Http404("No such location")
    return location


def team_agent_ids(team: Team) -> list[int]:
    return list(team.members.values_list("pk", flat=True))


def location_agent_ids(location: Location) -> list[int]:
    return list(location.agents.values_list("pk", flat=True))
