"""The one filter of every report page and API endpoint: read, checked, and scoped to
what the viewer may see (errors by field)."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from helpline.conversations.models import Channel, Tag
from helpline.core.models import Location, Role, Team, User
from helpline.reports.figures import Filters, Scope

DEFAULT_DAYS = 28
LONGEST_DAYS = 366 * 2
FIELDS = ("start", "end", "location", "team", "agent", "channel", "tag")


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    location = forms.ModelChoiceField(
        Location.objects.none(), required=False, empty_label="All locations"
    )
    team = forms.ModelChoiceField(Team.objects.none(), required=False, empty_label="All teams")
    agent = forms.ModelChoiceField(User.objects.none(), required=False, empty_label="All agents")
    channel = forms.ChoiceField(choices=[("", "All channels"), *Channel.choices], required=False)
    tag = forms.ChoiceField(choices=[("", "All tags")], required=False)

    def __init__(self, user: User, data=None):
        # Always bound: no parameters at all is the default period, and valid; the date
        # fields then show that period.
        data = data.copy() if data is not None else {}
        end = timezone.localdate()
        for name, value in (("end", end), ("start", end - timedelta(days=DEFAULT_DAYS - 1))):
            if not data.get(name):
                data[name] = value.isoformat()
        super().__init__(data)
        self.user = user
        self.scope = Scope.of(user)
        locations = Location.objects.order_by("name")
        if self.scope.location_ids is not None:
            locations = locations.filter(pk__in=self.scope.location_ids)
        self.fields["location"].queryset = locations
        teams = Team.objects.order_by("name")
        if self.scope.location_ids is not None:
            teams = teams.filter(
                Q(location__isnull=True) | Q(location_id__in=self.scope.location_ids)
            )
        self.fields["team"].queryset = teams
        agents = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        if self.scope.agent_id is not None:
            agents = agents.filter(pk=self.scope.agent_id)
        elif self.scope.location_ids is not None:
            agents = agents.filter(
                Q(role=Role.ADMIN) | Q(locations__in=self.scope.location_ids)
            ).distinct()
        self.fields["agent"].queryset = agents
        self.fields["agent"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["tag"].choices = [("", "All tags")] + [
            (name, name) for name in Tag.objects.order_by("name").values_list("name", flat=True)
        ]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if "start" in self.errors or "end" in self.errors:
            return data
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", "The start must be on or before the end.")
        elif (end - start).days >= LONGEST_DAYS:
            self.add_error("start", f"Choose at most {LONGEST_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The checked filters (call after is_valid); an invalid form gives the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        return Filters(
            start=start,
            end=end,
            scope=self.scope,
            location=data.get("location"),
            team=data.get("team"),
            agent=data.get("agent"),
            channel=data.get("channel") or "",
            tag=data.get("tag") or "",
        )

    def query_string(self) -> str:
        """The filters as given, to carry into drill-down, CSV and chart links."""
        from urllib.parse import urlencode

        return urlencode([(k, self.data.get(k)) for k in FIELDS if self.data.get(k)])


class SelfAssessmentForm(forms.ModelForm):
    """A person's estimates about their team, in the customers' units."""

    class Meta:
        from helpline.reports.models import SelfAssessment

        model = SelfAssessment
        fields = [
            "csat_share",
            "first_reply_hours",
            "callback_reach_share",
            "first_contact_share",
            "recovery_share",
            "rating_responsiveness",
            "rating_promises",
            "rating_first_time",
            "rating_courtesy",
            "rating_recovery",
        ]

    def clean(self):
        data = super().clean()
        for name in ("csat_share", "callback_reach_share", "first_contact_share", "recovery_share"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 100:
                self.add_error(name, "A share between 0 and 100 %.")
        hours = data.get("first_reply_hours")
        if hours is not None and hours < 0:
            self.add_error("first_reply_hours", "Hours cannot be negative.")
        return data
