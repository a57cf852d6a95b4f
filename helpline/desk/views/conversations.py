"""The conversation page: the thread, the customer beside it, and the work on it.

Every change is a POST to its own URL that calls one domain action and
redirects back; a refused one shows the page again with the error beside its
field and everything the agent typed still in place.
"""

from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from helpline.access import (
    CustomerAccess,
    customer_access,
    get_conversation_for,
    identities_seen_by,
    notes_seen_by,
)
from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.channels.email import outbox
from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions, canned, outgoing
from helpline.conversations.models import (
    Attachment,
    CannedReply,
    Channel,
    Conversation,
    Message,
    Priority,
    Status,
)
from helpline.conversations.receive import IncomingAttachment
from helpline.core import windows
from helpline.core.errors import ActionError
from helpline.core.models import Location, Mailbox, Team, User
from helpline.core.params import is_id, optional_id, parse_int, parse_moment
from helpline.customers.models import Customer, IdentityKind
from helpline.desk import times
from helpline.desk.blank import Blank
from helpline.realtime import presence
from helpline.sla.display import sla_view
from helpline.timeaudit import actions as timeaudit_actions

TIMELINE_LENGTH = 20
CONTACT_CHANNELS = [
    (value, label) for value, label in Channel.choices if value in actions.LOGGABLE_CHANNELS
]
CONTACT_NAMES = {Channel.PHONE: "Phone call", Channel.WALK_IN: "Visit"}
# One open callback per number, so a customer rarely has more; the worklist has them all.
SIDE_CALLBACKS = 10
# The composer's "Send and …" buttons: the status the reply moves the conversation to.
THEN = {"solve": Status.SOLVED, "pending": Status.PENDING}
ADDRESS_LABELS = [("to", "To"), ("cc", "Cc"), ("bcc", "Bcc")]
MAIL_FIELDS = ["to", "cc", "bcc", "files"]  # a refusal of these is shown next to its field


def _conversations():
    # Five joins, not seven: with the customer's location and the SLA policy as well,
    # PostgreSQL spent ten times longer planning the query than running it. The page takes
    # the customer's location from the conversation's when they are one (see _page).
    return Conversation.objects.select_related(
        "customer", "location", "team", "assignee", "mailbox"
    ).prefetch_related("tags")


def _thread(conversation: Conversation, after: int = 0) -> list[Message]:
    """Every message (or those after the id `after`), oldest first, each with its wait and
    attachments: two queries for any length."""
    thread = list(
        Message.objects.filter(conversation=conversation, pk__gt=after)
        .select_related("author", "identity", "wait", "insight__theme")
        .order_by("created_at", "id")
    )
    # An identity's customer is nearly always the conversation's, already loaded: one join
    # fewer to plan (PostgreSQL planned this query for longer than it ran it).
    others = {m.identity.customer_id for m in thread if m.identity} - {conversation.customer_id}
    customers = Customer.objects.in_bulk(others) if others else {}
    customers[conversation.customer_id] = conversation.customer
    for message in thread:
        if message.identity:
            message.identity.customer = customers[message.identity.customer_id]
    attachments = defaultdict(list)
    files = Attachment.objects.filter(message__conversation=conversation, message__pk__gt=after)
    for attachment in files.order_by("id"):
        attachments[attachment.message_id].append(attachment)
    for message in thread:
        message.attachment_list = attachments[message.pk]
    return thread


def _timeline(user: User, conversation: Conversation) -> list[Conversation]:
    """The customer's latest conversations on every channel, as far as the agent may see."""
    return list(
        Conversation.objects.visible_to(user)
        .filter(customer_id=conversation.customer_id)
        .select_related("location")
        .order_by("-last_message_at", "-id")[:TIMELINE_LENGTH]
    )


def _canned_replies(user: User, conversation: Conversation) -> list[dict]:
    values = canned.placeholder_values(conversation.customer, user, conversation)
    return [
        {"id": reply.pk, "title": reply.title, "text": canned.render(reply.body, values)}
        for reply in CannedReply.objects.visible_to(user)
    ]


def _open_callbacks(user: User, conversation: Conversation) -> list[Callback]:
    """The customer's callbacks still to make, at the agent's locations, soonest first."""
    return list(
        Callback.objects.visible_to(user)
        .filter(customer_id=conversation.customer_id, status=CallbackStatus.OPEN)
        .select_related("location")
        .order_by("due_at", "id")[:SIDE_CALLBACKS]
    )


def _zone(location: Location | None) -> ZoneInfo:
    return ZoneInfo(location.timezone) if location else ZoneInfo("UTC")


def _page(request, conversation: Conversation, *, form="", error=None, status=200):
    """The page; after a refused action, `form` names the one to show `error` and the input in."""
    user = request.user
    customer = conversation.customer
    if customer.location_id == conversation.location_id:
        customer.location = conversation.location
    thread = _thread(conversation)
    # A customer shared with this location shows only what it received (helpline.access).
    identities = list(identities_seen_by(user, customer).order_by("kind", "id"))
    customer_full = customer_access(user, customer) == CustomerAccess.FULL
    zone = _zone(conversation.location)
    canned_replies = _canned_replies(user, conversation)
    typed = Blank({form: request.POST} if form else {})
    if not form and request.GET.get("canned"):  # inserting a canned reply without JavaScript
        chosen = next((c for c in canned_replies if str(c["id"]) == request.GET["canned"]), None)
        if chosen:
            typed = Blank({"reply": Blank({"text": chosen["text"]})})
    mailboxes = [] if conversation.mailbox_id else list(actions.reply_mailboxes(conversation))
    forwarding = _forwarding(request, thread, form)
    # What the composer shows (size limit, signature) is for the mailbox the mail will go from:
    # the conversation's, or else the one first in the choice.
    sending_mailbox = conversation.mailbox or next(iter(mailboxes), None)
    context = {
        "conversation": conversation,
        "sla": sla_view(conversation),
        "tags": [tag.name for tag in conversation.tags.all()],
        "thread": thread,
        "latest_message_id": max((m.pk for m in thread), default=0),
        "customer": customer,
        "identities": identities,
        "phone_numbers": [i.value for i in identities if i.kind == IdentityKind.PHONE],
        "open_callbacks": _open_callbacks(user, conversation),
        "callback_zone": zone.key,
        "callback_min": timezone.localtime(timezone.now(), zone).strftime("%Y-%m-%dT%H:%M"),
        "customer_full": customer_full,
        "customer_notes": list(notes_seen_by(user, customer).select_related("author")),
        "timeline": _timeline(user, conversation),
        "reply_to": actions.reply_address(conversation, thread=thread),
        "known_addresses": [i.value for i in identities if i.kind == IdentityKind.EMAIL],
        "sending_mailbox": sending_mailbox,
        "attachment_limit": outgoing.attachment_limit(sending_mailbox),
        "note_limit": outgoing.attachment_limit(conversation.mailbox),
        "default_limit": outgoing.attachment_limit(None),
        "signatures": outgoing.signatures(user, sending_mailbox),
        "forwarding": forwarding,
        "address_labels": ADDRESS_LABELS,
        "mail_fields": MAIL_FIELDS,
        "open_form": request.GET.get("open", ""),
        "mailboxes": mailboxes,
        "default_from": settings.DEFAULT_FROM_EMAIL,
        "agents": list(actions.agents_serving(conversation).order_by("first_name", "username")),
        "teams": list(actions.teams_serving(conversation).order_by("name")),
        "statuses": Status.choices,
        "pending_until_text": _pending_until_text(conversation),
        "pending_until_value": (
            timezone.localtime(conversation.pending_until, zone).strftime("%Y-%m-%dT%H:%M")
            if conversation.pending_until
            else ""
        ),
        "priorities": Priority.choices,
        "contact_channels": CONTACT_CHANNELS,
        "canned_replies": canned_replies,
        "canned_texts": {str(c["id"]): c["text"] for c in canned_replies},
        "errors": Blank({form: error} if error else {}),
        "typed": typed,
        # A few heartbeats per expiry, so that one lost request does not drop the agent.
        "heartbeat_ms": presence.expiry_seconds() * 1000 // 3,
    }
    return render(request, "desk/conversation.html", context, status=status)


def _forwarding(request, thread: list[Message], form: str) -> Message | None:
    """The message the agent chose to forward (`?forward=id`, or the refused forward form's)."""
    chosen = request.POST.get("message", "") if form == "forward" else request.GET.get("forward")
    return next((m for m in thread if str(m.pk) == chosen and actions.forwardable(m)), None)


def _back(conversation: Conversation, message: Message | None = None):
    url = reverse("desk:conversation", args=[conversation.pk])
    return redirect(f"{url}#message-{message.pk}" if message else url)


def _perform(request, pk: int, form: str, act):
    """Run `act(conversation)`, which returns (success text, message to show or None)."""
    conversation = get_conversation_for(request.user, pk, _conversations())
    try:
        success, shown = act(conversation)
    except ActionError as error:
        return _page(request, conversation, form=form, error=error, status=400)
    messages.success(request, success)
    return _back(shown.conversation if shown else conversation, shown)


@login_required
@require_GET
def conversation_page(request, pk: int):
    return _page(request, get_conversation_for(request.user, pk, _conversations()))


@login_required
@require_POST
def reply(request, pk: int):
    """Send a reply; "Send and solve" and "Send and set pending" move the conversation on too."""

    def act(conversation):
        mailbox = _posted_mailbox(request.POST.get("mailbox", ""))
        then = THEN.get(request.POST.get("then", ""))
        message = actions.reply(
            request.user,
            conversation,
            request.POST.get("text", ""),
            mailbox=mailbox,
            to=request.POST.get("to"),
            cc=outgoing.split_addresses(request.POST.get("cc", "")),
            bcc=outgoing.split_addresses(request.POST.get("bcc", "")),
            files=_posted_files(request),
            then_status=then,
        )
        # The composer's measure of the time spent writing it (desk/composer_time.js).
        timeaudit_actions.record_composing(
            request.user, message, request.POST.get("composing_seconds")
        )
        said = f"Reply to {message.outbound.to[0]} queued for sending."
        if then is not None:
            said = f"{said} Status: {message.conversation.get_status_display()}."
        return said, message

    return _perform(request, pk, "reply", act)


@login_required
@require_POST
def forward(request, pk: int):
    def act(conversation):
        value = request.POST.get("message", "")
        original = conversation.messages.filter(pk=value).first() if is_id(value) else None
        if original is None:
            raise ActionError("Choose a message of this conversation to forward.", "message")
        message = actions.forward(
            request.user,
            original,
            request.POST.get("to", ""),
            text=request.POST.get("text", ""),
            cc=outgoing.split_addresses(request.POST.get("cc", "")),
            bcc=outgoing.split_addresses(request.POST.get("bcc", "")),
            files=_posted_files(request),
        )
        return f"Forward to {message.outbound.to[0]} queued for sending.", message

    return _perform(request, pk, "forward", act)


def _posted_files(request) -> list[IncomingAttachment]:
    """The uploaded files, read once they fit in the largest mail the desk takes at all; the
    action judges them against the mailbox's own limit."""
    uploads = request.FILES.getlist("files")
    total = sum(upload.size or 0 for upload in uploads)
    if total > settings.HELPLINE_MAX_EMAIL_BYTES:
        raise ActionError(
            f"The files come to {filesizeformat(total)}; at most "
            f"{filesizeformat(settings.HELPLINE_MAX_EMAIL_BYTES)} can be sent at all.",
            "files",
        )
    return [
        IncomingAttachment(upload.name or "", upload.content_type or "", upload.read())
        for upload in uploads
    ]


def _posted_mailbox(value: str) -> Mailbox | None:
    if not value:
        return None
    mailbox = Mailbox.objects.filter(pk=value).first() if is_id(value) else None
    if mailbox is None:
        raise ActionError("no such mailbox", "mailbox")
    return mailbox


@login_required
@require_POST
def add_note(request, pk: int):
    def act(conversation):
        note = actions.add_note(
            request.user,
            conversation,
            request.POST.get("text", ""),
            files=_posted_files(request),
        )
        return "Note added.", note

    return _perform(request, pk, "note", act)


@login_required
@require_POST
def log_contact(request, pk: int):
    def act(conversation):
        message = actions.log_contact(
            request.user,
            conversation,
            channel=request.POST.get("channel", ""),
            text=request.POST.get("text", ""),
            direction=request.POST.get("direction", ""),
            waited_minutes=_posted_minutes(request.POST.get("waited_minutes", "")),
            talked_minutes=_posted_minutes(
                request.POST.get("talked_minutes", ""), "talked_minutes", "how long it took"
            ),
        )
        logged = f"{CONTACT_NAMES.get(message.channel, 'Contact')} logged"
        if message.conversation_id != conversation.pk:
            return f"{logged} as a follow-up: #{conversation.pk} was closed.", message
        return f"{logged}.", message

    return _perform(request, pk, "log", act)


@login_required
@require_POST
def call_back(request, pk: int):
    """Put a call back to the customer on the worklist, at a time or as soon as we are open."""

    def act(conversation):
        number = _posted_number(request.POST)
        asked_at = _posted_due_at(request.POST.get("due_at", ""), conversation.location)
        started = timezone.now()
        callback = callback_actions.create_callback(
            request.user,
            conversation.customer,
            number,
            Reason.REQUESTED,
            due_at=asked_at,
            conversation=conversation,
        )
        return _callback_said(callback, asked_at, already=callback.created_at < started), None

    return _perform(request, pk, "callback", act)


def _posted_number(posted) -> str:
    """A number typed in wins over the one chosen from the customer's."""
    number = posted.get("other_number", "").strip() or posted.get("phone_number", "").strip()
    if not number:
        raise ActionError("choose one of the customer's numbers or type one", "phone_number")
    return number


def _posted_wall_clock(value: str, location: Location | None, field: str) -> datetime | None:
    """A browser's datetime-local value, read on the location's wall clock; None when empty.
    Only compared until its window is checked: in UTC, 9999-12-31T23:59 west of Greenwich
    overflows."""
    if not value.strip():
        return None
    try:
        local = parse_moment(value, field, lambda moment, _: moment, aware=False)
    except ActionError:
        raise ActionError("give a date and a time, e.g. 2026-03-02T14:30", field) from None
    if local.tzinfo is not None:  # datetime-local never sends an offset; the API does
        raise ActionError("give the time without a UTC offset", field)
    return local.replace(tzinfo=_zone(location))


def _posted_due_at(value: str, location: Location | None) -> datetime | None:
    """A callback's time on the location's wall clock; empty is now."""
    due_at = _posted_wall_clock(value, location, "due_at")
    if due_at is None:
        return None
    # Minute precision: the minute it is now still counts as now.
    if due_at < timezone.now().replace(second=0, microsecond=0):
        raise ActionError(
            "that time has passed; leave it empty to call as soon as possible", "due_at"
        )
    return windows.check_due(due_at).astimezone(UTC)


def _callback_said(callback: Callback, asked_at: datetime | None, *, already: bool):
    when = times.plain(callback.due_at, callback.location)
    worklist = reverse("desk:callbacks") + f"#callback-{callback.pk}"
    if already:
        return format_html(
            'Already on the worklist: {} is due {}. <a href="{}">See the worklist</a>.',
            callback.phone_number,
            when,
            worklist,
        )
    moved = (
        " (the first opening hour after the time asked)"
        if asked_at and callback.due_at > asked_at
        else ""
    )
    return format_html(
        'Call back {} at {}{}. <a href="{}">See the worklist</a>.',
        callback.phone_number,
        when,
        moved,
        worklist,
    )


def _posted_minutes(
    value: str, field: str = actions.WAITED, what: str = "the waiting time"
) -> int | None:
    if not value.strip():
        return None
    try:  # the action says the range; this only keeps the number one a database holds
        return parse_int(value, field, low=-(2**31), high=2**31)
    except ActionError:
        raise ActionError(f"give {what} in whole minutes", field) from None


@login_required
@require_POST
def assign(request, pk: int):
    def act(conversation):
        assignee = _posted_assignee(request)
        team = _posted_team(request.POST.get("team", ""))
        actions.assign(request.user, conversation, assignee=assignee, team=team)
        who = _name(assignee) if assignee else "nobody"
        team_text = f" in team {conversation.team}" if conversation.team else ""
        return f"Assigned to {who}{team_text}.", None

    return _perform(request, pk, "assign", act)


def _posted_assignee(request) -> User | None:
    value = request.POST.get("assignee", "")
    if value == "me":
        return request.user
    if not value:
        return None
    agent = User.objects.filter(pk=value, is_active=True).first() if is_id(value) else None
    if agent is None:
        raise ActionError("no such agent", "assignee")
    return agent


def _posted_team(value: str) -> Team | None:
    """The team to move to; None keeps the current one (a team is changed, never removed)."""
    if not value:
        return None
    team = Team.objects.filter(pk=value).first() if is_id(value) else None
    if team is None:
        raise ActionError("no such team", "team")
    return team


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@login_required
@require_POST
def update(request, pk: int):
    def act(conversation):
        posted = {
            name: request.POST[name] for name in ("status", "priority") if name in request.POST
        }
        until = _posted_pending_until(request.POST, conversation)
        changes = {
            name: value for name, value in posted.items() if value != getattr(conversation, name)
        }
        if posted.get("status") == Status.PENDING and until != conversation.pending_until:
            changes["status"] = Status.PENDING
        if not changes:
            return "Nothing changed.", None
        if "status" in changes:
            conversation = actions.set_status(
                request.user, conversation, changes["status"], pending_until=until
            )
        if "priority" in changes:
            conversation = actions.set_priority(request.user, conversation, changes["priority"])
        shown = [
            f"{name.capitalize()}: {getattr(conversation, f'get_{name}_display')()}"
            for name in changes
        ]
        if "status" in changes and conversation.pending_until:
            shown.append(f"it reopens {_pending_until_text(conversation)}")
        return f"{'; '.join(shown)}.", None

    return _perform(request, pk, "update", act)


def _posted_pending_until(posted, conversation: Conversation) -> datetime | None:
    """The "Pending until" posted with status pending; the field means nothing otherwise."""
    if posted.get("status") != Status.PENDING:
        return None
    until = _posted_wall_clock(
        posted.get("pending_until", ""), conversation.location, "pending_until"
    )
    if until is not None:
        windows.check_pending_until(until)
    kept = conversation.pending_until
    if until and kept and until == kept.replace(second=0, microsecond=0):
        return kept  # the form shows minutes: the same minute is the moment already set
    return until


def _pending_until_text(conversation: Conversation) -> str:
    """When a pending conversation reopens itself, on the viewer's clock."""
    if conversation.pending_until is None:
        return ""
    return times.plain(conversation.pending_until, conversation.location)


@login_required
@require_POST
def set_tags(request, pk: int):
    def act(conversation):
        names = request.POST.get("tags", "").split(",")
        actions.set_tags(request.user, conversation, names)
        return "Tags saved.", None

    return _perform(request, pk, "tags", act)


@login_required
@require_POST
def retry_delivery(request, pk: int, message_pk: int):
    """Send a reply that failed for good again, through the outbox."""
    conversation = get_conversation_for(request.user, pk, _conversations())
    outbound = OutboundEmail.objects.filter(
        message_id=message_pk, message__conversation=conversation
    ).first()
    if outbound is None:
        raise Http404("No such mail")
    try:
        outbox.retry(request.user, outbound)
    except ActionError as exc:
        messages.error(request, f"Not retried: {exc}.")
    else:
        messages.success(request, f"Sending to {', '.join(outbound.to)} again.")
    return _back(conversation, outbound.message)


@login_required
@require_POST
def heartbeat(request, pk: int):
    """Presence: record that this agent is here (or leaving); answer who else is, and the
    latest message, so the page can offer to reload."""
    conversation = get_conversation_for(request.user, pk)
    if request.POST.get("leaving"):
        presence.leave(conversation.pk, request.user)
    else:
        presence.beat(conversation.pk, request.user, typing=request.POST.get("typing") == "1")
    latest = conversation.messages.aggregate(latest=Max("id"))["latest"] or 0
    return JsonResponse(
        {
            "others": [p.as_json() for p in presence.others(conversation.pk, request.user)],
            "latest_message_id": latest,
        }
    )


@login_required
@require_GET
def new_messages(request, pk: int):
    """The messages after `?after=<id>`, rendered as the thread's rows: what a live page
    appends when the desk's socket says there is something new, or when it comes back."""
    conversation = get_conversation_for(request.user, pk, _conversations())
    after = optional_id(request.GET.get("after"), "after") or 0
    thread = _thread(conversation, after)
    customer = conversation.customer
    rows = "".join(
        render_to_string(
            "desk/_message.html",
            {"message": message, "conversation": conversation, "customer": customer},
            request=request,
        )
        for message in thread
    )
    return JsonResponse(
        {
            "rows": rows,
            "ids": [m.pk for m in thread],
            "latest": max([after, *(m.pk for m in thread)]),
        }
    )


urlpatterns = [
    path("conversations/<int:pk>/", conversation_page, name="conversation"),
    path("conversations/<int:pk>/messages/", new_messages, name="conversation-messages"),
    path("conversations/<int:pk>/reply/", reply, name="conversation-reply"),
    path("conversations/<int:pk>/forward/", forward, name="conversation-forward"),
    path("conversations/<int:pk>/note/", add_note, name="conversation-note"),
    path("conversations/<int:pk>/log-contact/", log_contact, name="conversation-log-contact"),
    path("conversations/<int:pk>/call-back/", call_back, name="conversation-call-back"),
    path("conversations/<int:pk>/assign/", assign, name="conversation-assign"),
    path("conversations/<int:pk>/update/", update, name="conversation-update"),
    path("conversations/<int:pk>/tags/", set_tags, name="conversation-tags"),
    path("conversations/<int:pk>/presence/", heartbeat, name="conversation-presence"),
    path(
        "conversations/<int:pk>/messages/<int:message_pk>/retry/",
        retry_delivery,
        name="conversation-retry-delivery",
    ),
]
