"""Guardrails on flattering numbers: patterns that make a period's figures look better than
the service was, each with the conversations behind it (the reports' drill-down, figure
"guardrail", kind = the flag's key).

They are flags to look at, not verdicts: a reassignment after a bad rating may be the right
thing to do; the page says what was seen and lets people judge.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from helpline.conversations.models import Conversation
from helpline.conversations.verbs import Verb
from helpline.core.models import Activity
from helpline.reports import figures
from helpline.reports.figures import Filters

SOON = timedelta(days=7)
# An agent whose solved conversations are surveyed at less than this share of everyone's
# rate, with at least LEFT_OUT_MIN of them solved, is flagged.
LEFT_OUT_RATIO = 0.5
LEFT_OUT_MIN = 10
SETTING_VERBS = {
    "sla_policy.created": "created an SLA policy",
    "sla_policy.updated": "changed an SLA policy",
    "sla_policy.deleted": "deleted an SLA policy",
    "location.hours_set": "set the opening hours",
    "location.closure_added": "added a closure",
    "location.closure_removed": "removed a closure",
}


@dataclass
class Flag:
    key: str
    title: str
    explanation: str
    count: int
    drill: dict | None = None  # the conversations behind it
    changes: list[tuple] = field(default_factory=list)  # (when, who, what): the settings


def _bad_answers(f: Filters) -> QuerySet:
    from helpline.feedback.models import BAD_UP_TO, Kind

    return figures._answers(f).filter(score__lte=BAD_UP_TO[Kind.CSAT], conversation__isnull=False)


def reassigned_after_bad_rating(f: Filters) -> QuerySet:
    """Conversations reassigned within 7 days after the customer rated them badly."""
    rows = []
    for conversation_id, answered_at in _bad_answers(f).values_list(
        "conversation_id", "answered_at"
    ):
        rows.append((conversation_id, answered_at))
    ids = [
        cid
        for cid, at in rows
        if Activity.objects.filter(
            subject_type="conversation",
            subject_id=cid,
            verb=Verb.ASSIGNED,
            created_at__gte=at,
            created_at__lt=at + SOON,
        ).exists()
    ]
    return Conversation.objects.filter(pk__in=ids).values("pk")


def solved_then_reopened(f: Filters) -> QuerySet:
    """Solved in the period and reopened: the resolution clock stood still while solved."""
    return f.solved().filter(reopened=True).values("conversation_id")


def _surveyed(f: Filters) -> QuerySet:
    from helpline.feedback.models import Survey

    surveys = Survey.objects.filter(conversation_id=OuterRef("conversation_id"))
    return f.solved().annotate(surveyed=Exists(surveys))


def left_out_agents(f: Filters) -> list[tuple]:
    """(agent id, solved, surveyed) of the agents whose conversations are surveyed at less
    than half the overall rate."""
    per_agent = list(
        _surveyed(f)
        .filter(assignee__isnull=False)
        .values("assignee_id")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(surveyed=True)))
        .values_list("assignee_id", "n", "k")
        .order_by()
    )
    solved = sum(n for _, n, _ in per_agent)
    surveyed = sum(k for _, _, k in per_agent)
    if not solved or not surveyed:
        return []
    overall = surveyed / solved
    return [
        (agent, n, k)
        for agent, n, k in per_agent
        if n >= LEFT_OUT_MIN and k / n < LEFT_OUT_RATIO * overall
    ]


def left_out(f: Filters) -> QuerySet:
    agents = [agent for agent, _, _ in left_out_agents(f)]
    return _surveyed(f).filter(assignee_id__in=agents, surveyed=False).values("conversation_id")


def settings_changed(f: Filters) -> list[Activity]:
    since, until = figures._period(f)
    rows = Activity.objects.filter(
        verb__in=list(SETTING_VERBS), created_at__gte=since, created_at__lt=until
    ).select_related("actor")
    if f.location is not None:
        rows = rows.filter(
            Q(subject_type="slapolicy") | Q(subject_type="location", subject_id=f.location.pk)
        )
    elif f.scope.location_ids is not None:
        rows = rows.filter(
            Q(subject_type="slapolicy")
            | Q(subject_type="location", subject_id__in=f.scope.location_ids)
        )
    return list(rows.order_by("created_at"))


CONVERSATIONS = {
    "reassigned": reassigned_after_bad_rating,
    "reopened": solved_then_reopened,
    "left_out": left_out,
}


def conversations(f: Filters, kind: str) -> QuerySet:
    return CONVERSATIONS[kind](f)


def flags(f: Filters) -> list[Flag]:
    changed = settings_changed(f)
    return [
        Flag(
            "reassigned",
            "Reassigned soon after a bad rating",
            "Conversations the customer rated 1 or 2 that were assigned to someone else "
            "within 7 days: the rating stays with whoever had it when it came, but the next "
            "one may not.",
            reassigned_after_bad_rating(f).count(),
            {"figure": "guardrail", "kind": "reassigned"},
        ),
        Flag(
            "reopened",
            "Solved, then reopened",
            "Conversations solved in the period and reopened later: solving stops the "
            "resolution clock, so solving too early makes resolution look faster.",
            solved_then_reopened(f).count(),
            {"figure": "guardrail", "kind": "reopened"},
        ),
        Flag(
            "left_out",
            "Left out of surveys",
            "Solved conversations of agents whose customers are surveyed at less than half "
            "everyone's rate (at least 10 solved): fewer surveys, fewer bad answers.",
            left_out(f).count(),
            {"figure": "guardrail", "kind": "left_out"},
        ),
        Flag(
            "scanners",
            "Answers recorded by link scanners",
            "None can be: opening a survey link (as mail security scanners do) never records "
            "an answer; only a person's click on a score on the page does.",
            0,
        ),
        Flag(
            "settings",
            "Service levels or opening hours changed in the period",
            "Figures before and after a change are measured against different targets or hours.",
            len(changed),
            changes=[
                (a.created_at, str(a.actor or "system"), SETTING_VERBS.get(a.verb, a.verb))
                for a in changed
            ],
        ),
    ]
