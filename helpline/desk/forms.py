"""The desk's forms: they read and keep what the agent typed; the actions judge it.

Forms only check what a page needs (a field is filled in, a choice is one offered);
whether an address is valid or already someone's is the domain's word, added to the
form with `refuse` so it shows next to the field it names.
"""

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from helpline.access import CustomerAccess, customer_access
from helpline.conversations.models import Channel
from helpline.core.errors import ActionError
from helpline.core.models import Location, Team, User
from helpline.core.params import is_id
from helpline.customers.actions import IdentityTaken, resolve_merged
from helpline.customers.models import (
    Customer,
    CustomField,
    CustomFieldKind,
    IdentityKind,
    Language,
)

# A person at the desk or on the phone is the common case, so those come first.
CHANNEL_CHOICES = [
    (channel, Channel(channel).label)
    for channel in (
        Channel.PHONE,
        Channel.WALK_IN,
        Channel.EMAIL,
        Channel.WEB,
        Channel.CHAT,
        Channel.SMS,
    )
]
# Plain text inputs: the browser's own checks would stop an address before the domain
# could say what is wrong with it, in its own words, next to the field.
EMAIL_INPUT = forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"})
PHONE_INPUT = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})
NOT_OFFERED = "Choose one of the options offered."
IDENTITY_CHOICES = [(IdentityKind.EMAIL, "Email"), (IdentityKind.PHONE, "Phone")]


class DeskBoundField(forms.BoundField):
    """A field that, when it is the form's first one in error, takes the focus on load: the
    browser scrolls the agent to it, with or without JavaScript."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and first_invalid(self.form) == self.name:
            attrs["autofocus"] = True
        return attrs


def first_invalid(form: forms.Form) -> str | None:
    return next((name for name in form.fields if name in form.errors), None)


# Fields that read a number, in the end with int() or Decimal(): both read "１" and "١٢" as
# 1 and 12, so a number typed (or forged) in other digits would name another row.
NUMBER_FIELDS = (
    forms.IntegerField,
    forms.DecimalField,
    forms.FloatField,
    forms.ModelChoiceField,  # and ModelMultipleChoiceField
    forms.TypedChoiceField,
    forms.TypedMultipleChoiceField,
)
ASCII_DIGITS_ONLY = "Use the digits 0 to 9."


class AsciiNumbers:
    """A form whose numbers and choices of rows are written in the digits 0 to 9: any other
    digit in such a field is its error (helpline.core.params does the same for ids in links).
    A row's id beyond what the database holds is refused before any query is made with it
    (SQLite cannot even compare it: a 500)."""

    def full_clean(self) -> None:
        form: forms.Form = self  # type: ignore[assignment]
        refused = self._refused_numbers() if form.is_bound else {}
        if refused:  # cleaned as if left empty, then given the reason
            form.data = form.data.copy()
            for name in refused:
                form.data.pop(form.add_prefix(name), None)
        super().full_clean()  # type: ignore[misc]
        for name, reason in refused.items():
            form.cleaned_data.pop(name, None)
            form._errors[name] = form.error_class([reason])

    def _refused_numbers(self) -> dict[str, str]:
        form: forms.Form = self  # type: ignore[assignment]
        refused = {}
        for name, field in form.fields.items():
            if not isinstance(field, NUMBER_FIELDS):
                continue
            raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
            values = [v for v in (raw if isinstance(raw, list | tuple) else [raw]) if v]
            if any(isinstance(v, str) and not_ascii_digits(v) for v in values):
                refused[name] = ASCII_DIGITS_ONLY
            elif isinstance(field, forms.ModelChoiceField) and any(
                isinstance(v, str) and v.isascii() and v.isdigit() and not is_id(v) for v in values
            ):
                refused[name] = NOT_OFFERED
        return refused


def not_ascii_digits(text: str) -> bool:
    """Whether `text` holds a digit other than 0 to 9 ("²", "１", "١")."""
    return any(c.isdigit() and not "0" <= c <= "9" for c in text)


class DeskForm(AsciiNumbers, forms.Form):
    """Every desk form: its errors show next to their fields (desk/customer_field.html and
    desk/_field_error.html), and the first field in error takes the focus."""

    bound_field_class = DeskBoundField


def served_locations(user: User):
    locations = Location.objects.order_by("name")
    if user.sees_everything:
        return locations
    return locations.filter(pk__in=user.location_ids())


def refuse(
    form: forms.Form,
    error: ActionError,
    fields: dict[str, str] | None = None,
    *,
    user: User | None = None,
    customer: Customer | None = None,
) -> None:
    """Show an action's refusal next to the field it blames (or above the form).

    An address or number that is someone else's says whose, when `user` may see them, with
    a merge offered when the form is about `customer`.
    """
    field = (fields or {}).get(error.field, error.field)
    text = str(error)
    if isinstance(error, IdentityTaken) and user is not None:
        text = taken_by(user, error, customer)
    form.add_error(field if field in form.fields else None, text)


def taken_by(user: User, error: IdentityTaken, customer: Customer | None = None) -> str:
    """Whose the address or number is, as far as `user` may know: a link to a customer they
    may see (and a merge with `customer`), else only that it is at another location."""
    owner = None
    if error.owner_id is not None:
        owner = Customer.objects.filter(pk=error.owner_id).first()
    if owner is not None and owner.merged_into_id:
        owner = resolve_merged(owner)
    access = customer_access(user, owner) if owner is not None else None
    if owner is None or access is None:
        # Nothing about who or where: the same words for any customer the user may not see.
        return (
            f"{error.value} is already in use. An admin can tell whose it is, and merge "
            "them if they are the same person."
        )
    if customer is not None and owner.pk == customer.pk:
        return f"{error.value} is already this customer's."
    profile = reverse("desk:customer", args=[owner.pk])
    if access is CustomerAccess.SHARED:  # their name and conversations here, nothing to merge
        return format_html(
            '{} already belongs to <a href="{}" class="owner">{}</a>, a customer of another '
            "location.",
            error.value,
            profile,
            owner,
        )
    if customer is None:
        return format_html(
            '{} already belongs to <a href="{}" class="owner">{}</a>. '
            '<a href="{}">Start a conversation with them</a> instead?',
            error.value,
            profile,
            owner,
            reverse("desk:conversation-new") + f"?customer={owner.pk}",
        )
    merge = reverse("desk:customer-merge", args=[customer.pk]) + f"?other={owner.pk}"
    return format_html(
        '{} already belongs to <a href="{}" class="owner">{}</a>. '
        'If they are the same person, <a href="{}" class="merge-offer">merge them</a>.',
        error.value,
        profile,
        owner,
        merge,
    )


class LocationField(forms.ModelChoiceField):
    """The locations the agent serves; only an admin may leave a customer without one."""

    def __init__(self, user: User, **kwargs):
        kwargs.setdefault("label", "Location")
        super().__init__(
            served_locations(user),
            required=not user.sees_everything,
            empty_label="No location" if user.sees_everything else "Choose a location",
            error_messages={"required": "Choose a location.", "invalid_choice": NOT_OFFERED},
            **kwargs,
        )


def identities_of(data: dict) -> list[tuple[str, str]]:
    """The (kind, value) pairs of a form's email and phone fields that were filled in."""
    return [
        (kind, data[kind].strip())
        for kind in (IdentityKind.EMAIL, IdentityKind.PHONE)
        if data.get(kind, "").strip()
    ]


def _only_location(user: User) -> Location | None:
    served = list(served_locations(user)[:2])
    return served[0] if len(served) == 1 else None


class CustomerForm(DeskForm):
    """A new customer: a name, and how to reach them."""

    name = forms.CharField(max_length=200, label="Name")
    email = forms.CharField(max_length=320, required=False, label="Email", widget=EMAIL_INPUT)
    phone = forms.CharField(max_length=64, required=False, label="Phone", widget=PHONE_INPUT)

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = LocationField(user, initial=_only_location(user))
        self.fields["name"].error_messages["required"] = "A customer needs a name."

    def identities(self) -> list[tuple[str, str]]:
        return identities_of(self.cleaned_data)


LANGUAGE_CHOICES = [("", "Detect from their messages"), *Language.choices]


class CustomerDetailsForm(DeskForm):
    name = forms.CharField(max_length=200, label="Name")
    company = forms.CharField(
        max_length=200,
        required=False,
        label="Company",
        help_text="An existing company, or a new name to add one.",
        widget=forms.TextInput(attrs={"list": "company-names", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        choices=LANGUAGE_CHOICES,
        required=False,
        label="Language for mail",
        help_text="Acknowledgements and appointment mails are written in it.",
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = LocationField(user)
        self.fields["name"].error_messages["required"] = "A customer needs a name."
        self.order_fields(["name", "location", "company", "language"])


class IdentityForm(DeskForm):
    kind = forms.ChoiceField(choices=IDENTITY_CHOICES, label="Kind")
    value = forms.CharField(max_length=320, label="Email address or phone number")


class CustomerNoteForm(DeskForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].error_messages["required"] = "A note needs text."


class EraseCustomerForm(DeskForm):
    """Erasing a customer asks for their name typed again (helpline.customers.privacy)."""

    confirm = forms.CharField(max_length=300, label="Type the customer's name to confirm")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].error_messages["required"] = "Type the customer's name."


class NewConversationForm(DeskForm):
    """A call, a walk-in or a message that reached an agent directly.

    Without a chosen customer, the name, email and phone describe a new one.
    """

    channel = forms.ChoiceField(choices=CHANNEL_CHOICES, label="Channel")
    subject = forms.CharField(max_length=998, required=False, label="Subject")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label="What they said"
    )
    waited_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        label="Waited (minutes)",
        help_text="A call or a visit: how long they waited to be helped, in the queue or on hold.",
        error_messages={
            "invalid": "Give the waiting time in whole minutes.",
            "min_value": "A wait cannot be less than 0 minutes.",
        },
    )
    name = forms.CharField(max_length=200, required=False, label="Name")
    email = forms.CharField(max_length=320, required=False, label="Email", widget=EMAIL_INPUT)
    phone = forms.CharField(max_length=64, required=False, label="Phone", widget=PHONE_INPUT)

    def __init__(self, user: User, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if customer is None:
            self.fields["name"].required = True
            self.fields["name"].error_messages["required"] = (
                "Name the new customer, or choose an existing one."
            )
        initial_location = customer.location if customer and customer.location_id else None
        self.fields["location"] = forms.ModelChoiceField(
            served_locations(user),
            label="Location",
            empty_label="Choose a location",
            initial=initial_location or _only_location(user),
            error_messages={
                "required": "Choose the location the customer contacted.",
                "invalid_choice": NOT_OFFERED,
            },
        )
        self.fields["team"] = forms.ModelChoiceField(
            Team.objects.order_by("name"), required=False, label="Team", empty_label="No team"
        )

    def clean(self):
        data = super().clean()
        if not data.get("subject") and not data.get("text"):
            self.add_error("text", "Write what it is about: a subject or what they said.")
        return data

    def identities(self) -> list[tuple[str, str]]:
        return identities_of(self.cleaned_data)


def custom_field_name(field: CustomField) -> str:
    return f"field_{field.key}"


class CustomValuesForm(AsciiNumbers, forms.Form):
    """One input per custom field, of its kind; the domain checks the values."""

    def __init__(self, fields: list[CustomField], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_fields = {custom_field_name(f): f for f in fields}
        for name, field in self.custom_fields.items():
            self.fields[name] = _input_for(field)

    def values(self) -> dict[str, str]:
        return {f.key: self.cleaned_data[name] for name, f in self.custom_fields.items()}


def _input_for(field: CustomField) -> forms.Field:
    common = {"label": field.label, "required": False}
    if field.kind == CustomFieldKind.CHOICE:
        options = [("", "—"), *[(option, option) for option in field.choices]]
        return forms.ChoiceField(choices=options, **common)
    # Plain text inputs that the domain reads: a bad number or date is its word, not the
    # browser's, and a value no longer among a field's options is kept as it was.
    attrs = {
        CustomFieldKind.NUMBER: {"inputmode": "decimal"},
        CustomFieldKind.DATE: {"type": "date"},
    }.get(field.kind, {})
    return forms.CharField(max_length=500, widget=forms.TextInput(attrs=attrs), **common)


class CustomFieldForm(AsciiNumbers, forms.Form):
    """A custom field's definition; the key and kind are fixed once it exists."""

    label = forms.CharField(max_length=100, label="Label")
    key = forms.CharField(
        max_length=50,
        label="Key",
        help_text="Its name in the API and filters: lower-case letters, digits and _.",
    )
    kind = forms.ChoiceField(choices=CustomFieldKind.choices, label="Kind")
    choices = forms.CharField(
        required=False,
        label="Options",
        help_text="Choice fields: one option per line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, existing: CustomField | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if existing is not None:
            del self.fields["key"], self.fields["kind"]

    def options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
