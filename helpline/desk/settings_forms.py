"""The settings area's forms: they read what the admin typed; the actions judge it."""

import re
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from django import forms
from holidays.registry import COUNTRIES

from helpline.conversations.models import Channel, Priority
from helpline.core.actions import holiday_countries
from helpline.core.models import Location, Mailbox, MailboxDelivery, Role, Team, User
from helpline.customers.models import Language
from helpline.desk.forms import AsciiNumbers
from helpline.feedback.models import Kind as SurveyKind
from helpline.hours.models import MIDNIGHT, Weekday
from helpline.webhooks.models import WebhookEvent

HOURS_HELP = "Like 09:00–17:30; two spans as 09:00–12:30, 13:30–17:00; empty: closed."
SPAN = re.compile(
    r"^(\d{1,2})(?:[:.](\d{2}))?\s*(?:-|–|—|to)\s*(\d{1,2})(?:[:.](\d{2}))?$", re.ASCII
)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    return [(zone, zone.replace("_", " ")) for zone in zones]


@cache
def country_choices() -> list[tuple[str, str]]:
    names = {
        entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
        for entry in COUNTRIES.values()
        if len(entry[1]) == 2
    }
    known = holiday_countries()
    countries = sorted(
        ((code, f"{names.get(code, code)} ({code})") for code in known), key=_by_name
    )
    return [("", "No public holidays"), *countries]


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1]


def _clock(hours: str, minutes: str | None, *, closing: bool) -> time:
    hour, minute = int(hours), int(minutes or 0)
    if closing and hour == 24 and minute == 0:
        return MIDNIGHT
    if hour > 23 or minute > 59:
        raise forms.ValidationError(f"{hours}:{minutes or '00'} is not a time of day.")
    return time(hour, minute)


def parse_day(text: str) -> list[tuple[time, time]]:
    """Text like "09:00–12:30, 13:30–17:00" as [(opens, closes), …]; 24:00 ends the day."""
    spans = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text or ""))):
        match = SPAN.match(part)
        if not match:
            raise forms.ValidationError(
                f"“{part}” is not a span of hours. Write it like 09:00–17:30."
            )
        opens = _clock(match[1], match[2], closing=False)
        closes = _clock(match[3], match[4], closing=True)
        spans.append((opens, closes))
    return spans


def format_day(spans) -> str:
    def clock(value: time, closing: bool) -> str:
        return "24:00" if closing and value == MIDNIGHT else f"{value:%H:%M}"

    return ", ".join(f"{clock(opens, False)}–{clock(closes, True)}" for opens, closes in spans)


def day_field_name(weekday: int) -> str:
    return f"hours_{Weekday(weekday).name.lower()}"


class LocationForm(AsciiNumbers, forms.Form):
    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A location needs a name."}
    )
    timezone = forms.ChoiceField(label="Time zone", initial="UTC")
    country = forms.ChoiceField(label="Country (for public holidays)", required=False)
    region = forms.CharField(
        max_length=10,
        required=False,
        label="Region",
        help_text="A state or province whose own holidays apply, like BY for Bavaria.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = timezone_choices()
        current = self.initial.get("timezone")
        if current and current not in dict(zones):  # an older name, like "GMT", stays choosable
            zones = [(current, current), *zones]
        self.fields["timezone"].choices = zones
        self.fields["country"].choices = country_choices()
        for weekday in Weekday:
            self.fields[day_field_name(weekday)] = forms.CharField(
                required=False,
                max_length=200,
                label=weekday.label,
                widget=forms.TextInput(attrs={"placeholder": "Closed", "autocomplete": "off"}),
            )

    def day_fields(self):
        return [self[day_field_name(weekday)] for weekday in Weekday]

    def clean(self):
        data = super().clean()
        self.intervals, self.interval_fields = [], []
        for weekday in Weekday:
            name = day_field_name(weekday)
            try:
                spans = parse_day(data.get(name, ""))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
                continue
            for opens, closes in spans:
                self.intervals.append((int(weekday), opens, closes))
                self.interval_fields.append(name)
        return data

    def location_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "timezone", "country", "region")}

    def field_of(self, action_field: str) -> str:
        """The form field an action's "intervals.N.opens" blames."""
        match = re.match(r"intervals\.(\d+)\.", action_field or "")
        if match and int(match[1]) < len(self.interval_fields):
            return self.interval_fields[int(match[1])]
        return action_field


class LocationsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Locations")
        super().__init__(
            Location.objects.order_by("name"), widget=forms.CheckboxSelectMultiple, **kwargs
        )


class AgentForm(AsciiNumbers, forms.Form):
    """Someone who works the desk; the email is asked only when inviting."""

    email = forms.CharField(
        max_length=254,
        label="Email",
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
        error_messages={"required": "An invitation needs an email address."},
        help_text="The invitation goes here; it is also how they sign in.",
    )
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.AGENT,
        label="Role",
        help_text="Agents work the conversations of their locations; managers also set "
        "their hours; admins see everything and change these settings.",
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="May sign in",
        help_text="Off: the account is kept, but can no longer sign in.",
    )

    def __init__(self, *args, inviting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locations"] = LocationsField(
            help_text="The conversations they see and work on. Admins see every location."
        )
        if inviting:
            del self.fields["is_active"]
        else:
            del self.fields["email"]

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "email"}


def people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class TeamForm(AsciiNumbers, forms.Form):
    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A team needs a name."}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = forms.ModelChoiceField(
            Location.objects.order_by("name"),
            required=False,
            label="Location",
            empty_label="Any location",
        )
        self.fields["lead"] = PersonChoice(
            people(), required=False, label="Lead", empty_label="No lead"
        )
        self.fields["members"] = PeopleChoice(
            people(), required=False, label="Members", widget=forms.CheckboxSelectMultiple
        )


def _minutes(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        label=label,
        help_text=help_text,
        error_messages={"invalid": "Write a whole number of minutes, like 240."},
    )


class SlaPolicyForm(AsciiNumbers, forms.Form):
    """A service level policy; its targets count business minutes (opening hours only)."""

    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A policy needs a name."}
    )
    first_response_minutes = _minutes(
        "First response within (minutes)",
        "Business minutes, counted only while the location is open: 240 is four open "
        "hours. Empty: no target.",
    )
    next_response_minutes = _minutes("Every later response within (minutes)", "Empty: no target.")
    resolution_minutes = _minutes(
        "Solved within (minutes)", "Time waiting for the customer is not counted. Empty: no target."
    )
    chat_first_response_seconds = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 3600,
        label="A chat's first answer within (seconds)",
        help_text="Chats only, counted while the location is open. Empty: the first response "
        "target above applies.",
        error_messages={"invalid": "Write a whole number of seconds, like 60."},
    )
    warn_at_percent = forms.IntegerField(
        min_value=0,
        max_value=99,
        initial=80,
        label="Warn at (% of the target)",
        help_text="Tell the agents when this share of the time has passed; 0: no warning.",
        error_messages={"required": "Give a share from 0 to 99."},
    )
    priority = forms.ChoiceField(
        choices=[("", "Any priority"), *Priority.choices], required=False, label="For priority"
    )
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False, label="For channel"
    )
    raise_priority_to = forms.ChoiceField(
        choices=[("", "Leave it"), *Priority.choices],
        required=False,
        label="On a warning or breach, raise the priority to",
    )
    position = forms.IntegerField(
        min_value=0,
        initial=0,
        label="Order",
        help_text="When several policies match a conversation, the lowest number wins.",
        error_messages={"required": "Give a number, 0 or more."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = forms.ModelChoiceField(
            Location.objects.order_by("name"),
            required=False,
            label="For location",
            empty_label="Any location",
        )
        self.fields["reassign_to_team"] = forms.ModelChoiceField(
            Team.objects.order_by("name"),
            required=False,
            label="On a warning or breach, hand it to team",
            empty_label="Keep it where it is",
        )


class CannedReplyForm(AsciiNumbers, forms.Form):
    title = forms.CharField(
        max_length=200,
        label="Title",
        help_text="What agents pick it by, like “Refund on its way”.",
        error_messages={"required": "A canned reply needs a title agents pick it by."},
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Text",
        help_text="Placeholders filled in when inserted: {{customer.first_name}}, "
        "{{customer.name}}, {{agent.first_name}}, {{agent.name}}, {{conversation.id}}, "
        "{{conversation.subject}}.",
        error_messages={"required": "Write the text agents insert."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = forms.ModelChoiceField(
            Location.objects.order_by("name"),
            required=False,
            label="For location",
            empty_label="Everyone",
        )


class MailboxForm(AsciiNumbers, forms.Form):
    address = forms.CharField(
        max_length=254,
        label="Address",
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
        help_text="The support address customers write to, like support@yourshop.com.",
        error_messages={"required": "A mailbox needs its email address."},
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label="Name shown on replies",
        help_text="Like “Harbour Shop Support”.",
    )
    delivery = forms.ChoiceField(
        choices=MailboxDelivery.choices,
        label="How mail arrives",
        initial=MailboxDelivery.IMAP,
        widget=forms.RadioSelect,
    )
    imap_host = forms.CharField(
        max_length=255,
        required=False,
        label="IMAP server",
        help_text="Needed when polled over IMAP, like imap.yourshop.com.",
    )
    imap_port = forms.IntegerField(
        initial=993,
        label="Port",
        error_messages={
            "required": "Give the port: 993 with SSL, 143 without.",
            "invalid": "A port is a number, like 993.",
        },
    )
    imap_ssl = forms.BooleanField(required=False, initial=True, label="Use SSL")
    imap_user = forms.CharField(
        max_length=255, required=False, label="User name", help_text="Empty: the address."
    )
    imap_password = forms.CharField(
        required=False,
        label="Password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_folder = forms.CharField(max_length=255, initial="INBOX", label="Folder")
    send_acknowledgement = forms.BooleanField(
        required=False,
        initial=True,
        label="Confirm receipt",
        help_text="Tell the customer their new conversation arrived.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["imap_password"].help_text = (
            "Stored encrypted. Leave empty to keep the current one." if editing else ""
        )
        self.fields["imap_folder"].error_messages["required"] = (
            "Name the folder to fetch, usually INBOX."
        )
        self.fields["location"] = forms.ModelChoiceField(
            Location.objects.order_by("name"),
            required=False,
            label="Location",
            empty_label="No location",
            help_text="Conversations from this address belong here.",
        )
        self.fields["team"] = forms.ModelChoiceField(
            Team.objects.order_by("name"), required=False, label="Team", empty_label="No team"
        )


class WebhookForm(forms.Form):
    """An outbound webhook: where events are POSTed, and which ones."""

    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A webhook needs a name."}
    )
    url = forms.CharField(
        max_length=2000,
        label="URL",
        help_text="Each event is POSTed here as signed JSON. Use https:// in production; "
        "redirects are not followed.",
        error_messages={"required": "A webhook needs a URL."},
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="A disabled webhook is sent nothing; what was queued for it fails.",
    )


class SurveyPolicyForm(AsciiNumbers, forms.Form):
    """A survey policy: which solved conversations are surveyed, with what and when."""

    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A policy needs a name."}
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")
    kind = forms.ChoiceField(choices=SurveyKind.choices, initial=SurveyKind.CSAT, label="Ask")
    delay_minutes = forms.IntegerField(
        min_value=0,
        initial=60,
        label="Send after (minutes)",
        help_text="Business minutes after the conversation is solved.",
        error_messages={"required": "Give a number of minutes, 0 or more."},
    )
    every_days = forms.IntegerField(
        min_value=0,
        initial=14,
        label="Ask one customer at most every (days)",
        help_text="0: every time.",
        error_messages={"required": "Give a number of days, 0 or more."},
    )
    reminder_after_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60,
        label="Remind after (days)",
        help_text="Once, without an answer; empty: no reminder.",
    )
    language = forms.ChoiceField(
        choices=[("", "The customer's"), *Language.choices], required=False, label="Language"
    )
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False, label="For channel"
    )
    position = forms.IntegerField(
        min_value=0,
        initial=0,
        label="Order",
        help_text="The first active policy that matches a solved conversation applies.",
        error_messages={"required": "Give a number, 0 or more."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = forms.ModelChoiceField(
            Location.objects.order_by("name"),
            required=False,
            label="For location",
            empty_label="Any location",
        )
        self.fields["mailbox"] = forms.ModelChoiceField(
            Mailbox.objects.order_by("name"),
            required=False,
            label="For mailbox",
            empty_label="Any mailbox",
        )


# What each recovery rule's switch and threshold are called on the page.
RULE_LABELS = {
    "csat_at_most": "CSAT score at most (1–5)",
    "nps_at_most": "NPS score at most (0–10)",
    "ces_at_most": "CES score at most (1–7)",
    "compound_at_most": "Sentiment at most (−1 to 1)",
    "long_wait_minutes": "Waiting longer than (minutes)",
    "repeat_days": "Within (days)",
    "first_touch_minutes": "First touch within (minutes)",
    "next_step_minutes": "Next step within (minutes)",
    "answer_days": "Wait for the follow-up answer (days)",
}
# Each rule's switch, with the threshold it uses (if any), in the page's order.
RULES = [
    ("low_csat", "csat_at_most"),
    ("low_nps", "nps_at_most"),
    ("low_ces", "ces_at_most"),
    ("negative_message", "compound_at_most"),
    ("sla_breach", None),
    ("long_wait", "long_wait_minutes"),
    ("repeat_contact", "repeat_days"),
    ("callback_failed", None),
    ("appointment_missed", None),
]
CASE_TIMES = ("first_touch_minutes", "next_step_minutes", "answer_days")


class RecoveryRulesForm(AsciiNumbers, forms.Form):
    """One location's recovery rules (or those of every other location): the model's own
    limits check each threshold, and set_rules checks them again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.core.validators import MaxValueValidator, MinValueValidator
        from django.db import models

        from helpline.recovery.models import RecoveryRules, TriggerKind

        for model_field in RecoveryRules._meta.concrete_fields:
            name = model_field.name
            if name in ("id", "location"):
                continue
            if isinstance(model_field, models.BooleanField):
                self.fields[name] = forms.BooleanField(
                    required=False, label=TriggerKind(name).label
                )
                continue
            limits = {"min_value": 0}
            for validator in model_field.validators:
                if isinstance(validator, MinValueValidator):
                    limits["min_value"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    limits["max_value"] = validator.limit_value
            common = {
                "label": RULE_LABELS[name],
                "help_text": model_field.help_text,
                "error_messages": {"required": "Give a value."},
                **limits,
            }
            if isinstance(model_field, models.DecimalField):
                self.fields[name] = forms.DecimalField(
                    max_digits=model_field.max_digits,
                    decimal_places=model_field.decimal_places,
                    **common,
                )
            else:
                self.fields[name] = forms.IntegerField(**common)

    def rules(self):
        """(switch, threshold) bound fields, in the page's order."""
        return [(self[switch], self[limit] if limit else None) for switch, limit in RULES]

    def case_times(self):
        return [self[name] for name in CASE_TIMES]


class RootCauseForm(AsciiNumbers, forms.Form):
    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A root cause needs a name."}
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description"
    )
    position = forms.IntegerField(
        min_value=0,
        initial=0,
        label="Order",
        help_text="The list when closing a case is in this order, then by name.",
        error_messages={"required": "Give a number, 0 or more."},
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        label="Offered when closing a case",
        help_text="Untick to retire it: cases closed with it keep it.",
    )


class ChatWidgetForm(AsciiNumbers, forms.Form):
    """A chat widget: its location, the mailbox that answers offline messages, and the sites
    allowed to embed it."""

    name = forms.CharField(
        max_length=200, label="Name", error_messages={"required": "A widget needs a name."}
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.order_by("name"),
        label="Location",
        help_text="Its chats go to this location's agents.",
        error_messages={"required": "Choose the location whose agents take its chats."},
    )
    mailbox = forms.ModelChoiceField(
        queryset=Mailbox.objects.order_by("address"),
        required=False,
        label="Mailbox",
        help_text="A message left while nobody is online is answered by email from it.",
    )
    origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Allowed sites",
        help_text="One origin a line, e.g. https://shop.example.com. Only pages of these "
        "sites may open a chat.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")


class ChatLimitForm(AsciiNumbers, forms.Form):
    chat_limit = forms.IntegerField(
        min_value=0,
        max_value=20,
        label="Chats at once",
        error_messages={"required": "Give a number of chats, 0 to 20."},
    )
