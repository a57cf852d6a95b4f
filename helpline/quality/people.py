"""Whose QA and growth record a person sees, in one place.

* Everyone sees their own: their reviews, coaching, goals, trainings, timeline.
* A manager sees those of the agents they manage: agents who serve one of the manager's
  locations, or who are members of a team the manager leads or that sits at one of the
  manager's locations. A manager does not see another manager's record.
* Admins see everyone's.
* Nobody else: an agent opening another agent's record gets 404, as for anything else
  they may not see.

Reviewing, holding a coaching session and editing the scorecard are for managers (of that
agent) and admins; an agent who sees the record but may not do that gets 403.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from helpline.core.models import Role, Team, User


def may_review(user: User) -> bool:
    """Reviewers: managers and admins (the scorecard's editors too)."""
    return user.is_active and (user.sees_everything or user.role == Role.MANAGER)


def managed_by(user: User) -> QuerySet[User]:
    """The people whose record this user may see as their manager (not themselves)."""
    if user.sees_everything:
        return User.objects.exclude(pk=user.pk)
    if user.role != Role.MANAGER:
        return User.objects.none()
    locations = user.location_ids()
    teams = Team.objects.filter(Q(lead=user) | Q(location_id__in=locations)).values("pk")
    return (
        User.objects.filter(role=Role.AGENT)
        .filter(Q(locations__in=locations) | Q(teams__in=teams))
        .exclude(pk=user.pk)
        .distinct()
    )


def manages(user: User, agent: User) -> bool:
    if user.pk == agent.pk:
        return False
    return user.sees_everything or managed_by(user).filter(pk=agent.pk).exists()


def sees_record_of(user: User, agent: User) -> bool:
    return user.pk == agent.pk or manages(user, agent)


def visible_agent_ids(user: User) -> QuerySet:
    """Ids of the people whose record the user sees (themselves included), as a subquery."""
    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=managed_by(user).values("pk"))).values("pk")


def get_agent_for(user: User, pk: int) -> User:
    agent = User.objects.filter(pk=pk).first()
    if agent is None or not sees_record_of(user, agent):
        raise Http404("No such agent")
    return agent
