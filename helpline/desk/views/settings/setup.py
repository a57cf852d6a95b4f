"""The first-run checklist: what a new desk needs, done or not, each step linking to its page."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from helpline.conversations.models import CannedReply
from helpline.core.models import Location, Mailbox, Role, Team, User
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.feedback.models import SurveyPolicy
from helpline.hours.models import OpeningHours
from helpline.recovery.models import RootCause
from helpline.sla.models import SlaPolicy


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    why: str
    done: bool
    url: str
    optional: bool = False


def steps() -> list[Step]:
    """In the order a new desk needs them: nothing can be taken in without a location."""
    return [
        Step(
            "location",
            "Add a location",
            "Every conversation belongs to a location: its time zone and public holidays "
            "set the service clocks.",
            Location.objects.exists(),
            reverse("settings:location-new"),
        ),
        Step(
            "hours",
            "Set opening hours",
            "Service targets count only the hours you are open.",
            OpeningHours.objects.exists(),
            reverse("settings:locations"),
        ),
        Step(
            "mailboxes",
            "Connect a mailbox",
            "Your support address, fetched over IMAP or delivered by your mail server; "
            "test the connection there.",
            Mailbox.objects.exists(),
            reverse("settings:mailboxes"),
        ),
        Step(
            "teams",
            "Form teams",
            "Group agents; a mailbox or a conversation can be handed to a team.",
            Team.objects.exists(),
            reverse("settings:teams"),
            optional=True,
        ),
        Step(
            "agents",
            "Invite your agents",
            "Each gets an email to choose a password, and sees the conversations of "
            "their locations.",
            User.objects.exclude(role=Role.ADMIN).exists(),
            reverse("settings:agents"),
        ),
        Step(
            "sla",
            "Set a service level",
            "How soon customers hear back and are helped, counted in opening hours; the "
            "inbox warns before a target is missed.",
            SlaPolicy.objects.exists(),
            reverse("settings:sla"),
        ),
        Step(
            "surveys",
            "Decide who gets a survey",
            "A survey policy says which solved conversations are followed by a CSAT, NPS or "
            "CES question, and when.",
            SurveyPolicy.objects.exists(),
            reverse("settings:survey-policies"),
            optional=True,
        ),
        Step(
            "root-causes",
            "List the root causes",
            "Why customers were let down: an agent chooses one to close a recovery case; "
            "the recovery rules say what opens one.",
            RootCause.objects.exists(),
            reverse("settings:root-causes"),
            optional=True,
        ),
        Step(
            "canned",
            "Write a few canned replies",
            "Ready answers to the questions you hear every day, inserted with one click.",
            CannedReply.objects.exists(),
            reverse("settings:canned"),
            optional=True,
        ),
    ]


def needs_setup() -> bool:
    """A desk without a location cannot take a conversation: its admin starts on the checklist."""
    return not Location.objects.exists()


@admin_only
@require_http_methods(["GET", "HEAD"])
def checklist(request):
    all_steps = steps()
    required = [step for step in all_steps if not step.optional]
    context = settings_context(
        "setup",
        steps=all_steps,
        done=sum(step.done for step in required),
        total=len(required),
    )
    return render(request, "desk/settings/setup.html", context)


urlpatterns = [
    path("", checklist, name="setup"),
]
