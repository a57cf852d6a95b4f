"""Who gets what, for every route of the desk and the API, every role and location.

A conversation and its customer live at North Street. An admin, North Street's
manager and North Street's agent may see and work on them; South Mall's agent
and an agent with no location get 404 for every one of their URLs (never 403:
what you may not see does not exist), and lists and searches never show them.
Signed out, the desk sends you to sign in and the API answers 401.

Every route must appear in ROUTES: a new view without an entry fails
test_every_route_is_in_the_matrix.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from helpline.appointments.actions import book as book_appointment
from helpline.callbacks.actions import create_callback, record_attempt
from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations.actions import reply
from helpline.conversations.models import CannedReply
from helpline.conversations.receive import IncomingAttachment
from helpline.core import twofactor
from helpline.core.events import deliver_due
from helpline.core.models import Role, Team, User
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from helpline.desk.actions import save_view
from helpline.desk.inbox import Filters
from helpline.hours.actions import add_closure
from helpline.insights import actions as insights_actions
from helpline.insights.models import Text, Theme
from helpline.recovery import actions as recovery_actions
from helpline.recovery.models import RootCause
from helpline.sla.models import Notification, SlaPolicy
from helpline.timeaudit.actions import log_time
from helpline.webhooks.actions import create_webhook
from helpline.webhooks.models import WebhookDelivery
from tests.desk.conftest import write_in
from tests.totp import totp

pytestmark = pytest.mark.django_db

ALLOWED = {"admin", "manager_north", "agent_north"}
DENIED = {"agent_south", "agent_nowhere"}
MARKER = "Matrixkettle"  # in the conversation's subject and text, and the customer's name
QUERY = MARKER.lower()  # searched for; pages echo the query, so they are told apart by case
NOTIFIED = "agent_north"  # the addressee of the notification the "own" routes name


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # formatted with the world's ids
    # "object": 404 unless allowed; "reference": the body names a North Street object, which
    # for others is a field that names nothing (400, the same as an id that never existed);
    # "list": shown only to the allowed; "any": the same for everyone signed in;
    # "admin": names no object of a location, and only admins may (403 for anyone else);
    # "manage": a North Street setting: admins and its managers may, its agent gets 403,
    # and for everyone else it does not exist (404).
    # "settings": a page of the desk's settings: admins may (the page, or a redirect after
    # saving), anyone else gets 403.
    # "managers": names no object of a location (a theme): admins and managers may, anyone
    # else gets 403.
    # "managed": a location's figures (the time audit): admins and its managers may, and for
    # everyone else, its agents included, they do not exist (404).
    # "own": names NOTIFIED's own notification, saved view or time entry: only she may, and for
    # anyone else, admins included, it does not exist (404); "self": touches only the signed-in
    # user's own things, so everyone signed in may (the page, or a redirect back to it).
    scope: str
    data: dict | None = None
    api: bool = False


class CalendarUpload:
    """An .ics file the matrix can post again and again (the test client reads it each time)."""

    name = "calendar.ics"
    content_type = "text/calendar"

    def read(self) -> bytes:
        return (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//matrix//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:matrix@test\r\nSUMMARY:Sync\r\nDTSTART:20260105T100000Z\r\n"
            b"DTEND:20260105T103000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )


# A valid recovery rules form: every threshold given, each rule on.
RECOVERY_RULES = {
    "low_csat": "on",
    "csat_at_most": "2",
    "low_nps": "on",
    "nps_at_most": "6",
    "low_ces": "on",
    "ces_at_most": "3",
    "negative_message": "on",
    "compound_at_most": "-0.6",
    "sla_breach": "on",
    "long_wait": "on",
    "long_wait_minutes": "240",
    "repeat_contact": "on",
    "repeat_days": "7",
    "callback_failed": "on",
    "appointment_missed": "on",
    "first_touch_minutes": "240",
    "next_step_minutes": "480",
    "answer_days": "14",
}

ROUTES = {
    # The desk
    "desk:inbox": Route("GET", "/", "list"),
    "desk:inbox-updates": Route("GET", "/inbox/updates/", "list"),
    "desk:inbox-bulk": Route(
        "POST", "/inbox/bulk/", "object", {"ids": "{conversation}", "action": "solve"}
    ),
    "desk:saved-view-save": Route(
        "POST", "/inbox/views/", "self", {"name": "Mine", "view": "mine"}
    ),
    "desk:saved-view-delete": Route("POST", "/inbox/views/{saved_view}/delete/", "own", {}),
    "desk:search": Route("GET", f"/search/?q={QUERY}", "list"),
    "desk:customers": Route("GET", f"/customers/?q={QUERY}", "list"),
    "desk:customer-new": Route("GET", "/customers/new/", "any"),
    "desk:conversation-new": Route("GET", "/conversations/new/?customer={customer}", "object"),
    "desk:conversation": Route("GET", "/conversations/{conversation}/", "object"),
    "desk:conversation-reply": Route(
        "POST", "/conversations/{conversation}/reply/", "object", {"text": "On its way"}
    ),
    "desk:conversation-forward": Route(
        "POST",
        "/conversations/{conversation}/forward/",
        "object",
        {"message": "{message}", "to": "supplier@example.org"},
    ),
    "desk:signature": Route("POST", "/account/signature/", "self", {"signature": "Nora"}),
    "desk:conversation-note": Route(
        "POST", "/conversations/{conversation}/note/", "object", {"text": "Called DHL"}
    ),
    "desk:conversation-log-contact": Route(
        "POST",
        "/conversations/{conversation}/log-contact/",
        "object",
        {"channel": "phone", "direction": "inbound", "text": "She called"},
    ),
    "desk:conversation-call-back": Route(
        "POST",
        "/conversations/{conversation}/call-back/",
        "object",
        {"phone_number": "+447700900456", "due_at": ""},
    ),
    "desk:conversation-assign": Route(
        "POST", "/conversations/{conversation}/assign/", "object", {"assignee": "me"}
    ),
    "desk:conversation-update": Route(
        "POST", "/conversations/{conversation}/update/", "object", {"status": "solved"}
    ),
    "desk:conversation-tags": Route(
        "POST", "/conversations/{conversation}/tags/", "object", {"tags": "refund"}
    ),
    "desk:conversation-retry-delivery": Route(
        "POST", "/conversations/{conversation}/messages/{failed_message}/retry/", "object", {}
    ),
    "desk:conversation-messages": Route("GET", "/conversations/{conversation}/messages/", "object"),
    "desk:conversation-presence": Route(
        "POST", "/conversations/{conversation}/presence/", "object", {"typing": "1"}
    ),
    # A chat's agent side: its conversation's people only.
    "desk:chat-online": Route("POST", "/chat/online/", "self", {}),
    "desk:chat-say": Route(
        "POST", "/conversations/{chat}/chat/say/", "object", {"text": "Hello", "id": "m9"}
    ),
    "desk:chat-end": Route("POST", "/conversations/{chat}/chat/end/", "object", {}),
    "desk:chat-block": Route("POST", "/conversations/{chat}/chat/block/", "object", {}),
    "desk:chat-typing": Route(
        "POST", "/conversations/{chat}/chat/typing/", "object", {"typing": "1"}
    ),
    "desk:chat-messages": Route("GET", "/conversations/{chat}/chat/messages/?after=0", "object"),
    "desk:customer": Route("GET", "/customers/{customer}/", "object"),
    "desk:customer-note": Route(
        "POST", "/customers/{customer}/notes/", "object", {"body": "Prefers phone"}
    ),
    "desk:customer-edit": Route("GET", "/customers/{customer}/edit/", "object"),
    "desk:customer-identity-remove": Route(
        "POST", "/customers/{customer}/identities/{identity}/remove/", "object", {}
    ),
    # Companies are shared; their page lists only the customers the agent may see.
    "desk:companies": Route("GET", "/companies/", "any"),
    "desk:company": Route("GET", "/companies/{company}/", "list"),
    "desk:custom-fields": Route("GET", "/customers/fields/", "admin"),
    "desk:custom-field": Route("GET", "/customers/fields/{field}/", "admin"),
    "desk:custom-field-delete": Route("POST", "/customers/fields/{field}/delete/", "admin", {}),
    "desk:customer-merge": Route("GET", "/customers/{customer}/merge/?other={other}", "object"),
    # A customer's data on request: admins only, 403 for anyone else (before any lookup).
    "desk:customer-export": Route("GET", "/customers/{customer}/export/", "admin"),
    "desk:customer-erase": Route(
        "POST", "/customers/{customer}/erase/", "admin", {"confirm": f"Maria {MARKER}"}
    ),
    "desk:customer-unmerge": Route(
        "POST", "/customers/{merged_into}/merges/{merge}/undo/", "object", {}
    ),
    "desk:callbacks": Route("GET", "/callbacks/", "list"),
    "desk:callback-attempt": Route(
        "POST", "/callbacks/{callback}/attempt/", "object", {"outcome": "no_answer"}
    ),
    "desk:callback-queue-again": Route(
        "POST", "/callbacks/{failed_callback}/queue-again/", "object", {}
    ),
    "desk:callback-dismiss": Route(
        "POST", "/callbacks/{failed_callback}/dismiss/", "object", {"reason": "Wrote in"}
    ),
    "desk:appointments": Route("GET", "/appointments/", "list"),
    "desk:appointment-new": Route("GET", "/appointments/new/?customer={customer}", "object"),
    "desk:appointment-outcome": Route(
        "POST", "/appointments/{appointment}/outcome/", "object", {"outcome": "attended"}
    ),
    "desk:appointment-cancel": Route(
        "POST", "/appointments/{appointment}/cancel/", "object", {"reason": "Not needed"}
    ),
    "desk:recovery": Route("GET", "/recovery/", "list"),
    "desk:recovery-report": Route("GET", "/recovery/report/", "list"),
    "desk:recovery-case": Route("GET", "/recovery/{recovery_case}/", "object"),
    "desk:recovery-step": Route(
        "POST", "/recovery/{recovery_case}/step/", "object", {"step": "acknowledge"}
    ),
    "desk:recovery-close": Route(
        "POST",
        "/recovery/{acknowledged_case}/close/",
        "object",
        {"root_cause": "{root_cause}", "what_changed": "New courier"},
    ),
    "desk:notifications": Route("GET", "/notifications/", "list"),
    "desk:notification-read": Route("POST", "/notifications/{notification}/read/", "own", {}),
    "desk:notifications-read-all": Route("POST", "/notifications/read-all/", "self", {}),
    "desk:my-settings": Route("POST", "/me/", "self", {"time_zone": "Europe/Berlin"}),
    # Two-factor sign-in: each person's own. NOTIFIED is setting it up (the world started it),
    # so only she has a QR code to see; the right code turns it on for her, and for the others,
    # who have nothing to confirm or turn off, the page says so (a redirect back to it).
    "desk:two-factor": Route("GET", "/me/two-factor/", "self"),
    "desk:two-factor-start": Route("POST", "/me/two-factor/start/", "self", {}),
    "desk:two-factor-confirm": Route("POST", "/me/two-factor/confirm/", "self", {"code": "{totp}"}),
    "desk:two-factor-disable": Route(
        "POST", "/me/two-factor/disable/", "self", {"password": "pw", "code": "123456"}
    ),
    "desk:two-factor-qr": Route("GET", "/me/two-factor/qr.svg", "own"),
    "attachment-download": Route("GET", "/attachments/{attachment}/", "object"),
    # The API
    "api:list_conversations": Route("GET", "/api/conversations", "list", api=True),
    "api:get_conversation": Route("GET", "/api/conversations/{conversation}", "object", api=True),
    "api:update_conversation": Route(
        "PATCH", "/api/conversations/{conversation}", "object", {"status": "solved"}, api=True
    ),
    "api:reply_to_conversation": Route(
        "POST", "/api/conversations/{conversation}/reply", "object", {"text": "Hi"}, api=True
    ),
    "api:add_internal_note": Route(
        "POST", "/api/conversations/{conversation}/notes", "object", {"text": "Hi"}, api=True
    ),
    "api:list_messages": Route(
        "GET", "/api/conversations/{conversation}/messages", "object", api=True
    ),
    "api:log_contact": Route(
        "POST",
        "/api/conversations/{conversation}/contacts",
        "object",
        {"channel": "walk_in", "direction": "inbound", "text": "At the till", "waited_minutes": 4},
        api=True,
    ),
    "api:get_message": Route("GET", "/api/messages/{message}", "object", api=True),
    "api:create_conversation": Route(
        "POST",
        "/api/conversations",
        "reference",
        {"customer_id": "{customer}", "channel": "phone", "text": "Called"},
        api=True,
    ),
    "api:list_customers": Route("GET", "/api/customers", "list", api=True),
    "api:get_customer": Route("GET", "/api/customers/{customer}", "object", api=True),
    "api:update_customer": Route(
        "PATCH", "/api/customers/{customer}", "object", {"name": "Maria M."}, api=True
    ),
    "api:add_customer_note": Route(
        "POST", "/api/customers/{customer}/notes", "object", {"body": "VIP"}, api=True
    ),
    "api:export_customer": Route("GET", "/api/customers/{customer}/export", "admin", api=True),
    "api:erase_customer": Route(
        "POST", "/api/customers/{customer}/erase", "admin", {"confirm": f"Maria {MARKER}"}, api=True
    ),
    "api:add_customer_identity": Route(
        "POST",
        "/api/customers/{customer}/identities",
        "object",
        {"kind": "email", "value": "maria.work@example.com"},
        api=True,
    ),
    "api:remove_customer_identity": Route(
        "DELETE", "/api/customers/{customer}/identities/{identity}", "object", api=True
    ),
    "api:list_companies": Route("GET", "/api/companies", "any", api=True),
    "api:get_company": Route("GET", "/api/companies/{company}", "any", api=True),
    "api:list_custom_fields": Route("GET", "/api/customer-fields", "any", api=True),
    "api:merge_customer": Route(
        "POST", "/api/customers/{other}/merge", "object", {"into_id": "{customer}"}, api=True
    ),
    "api:undo_merge": Route("POST", "/api/customers/merges/{merge}/undo", "object", {}, api=True),
    "api:create_customer": Route(
        "POST", "/api/customers", "reference", {"name": "New", "location_id": "{north}"}, api=True
    ),
    "api:search_conversations": Route(
        "GET", f"/api/search/conversations?q={QUERY}", "list", api=True
    ),
    "api:search_customers": Route("GET", f"/api/search/customers?q={QUERY}", "list", api=True),
    "api:list_callbacks": Route("GET", "/api/callbacks", "list", api=True),
    "api:create_callback": Route(
        "POST",
        "/api/callbacks",
        "reference",
        {"customer_id": "{customer}", "phone_number": "+447700900456"},
        api=True,
    ),
    "api:record_callback_attempt": Route(
        "POST", "/api/callbacks/{callback}/attempts", "object", {"outcome": "busy"}, api=True
    ),
    "api:list_appointments": Route("GET", "/api/appointments", "list", api=True),
    "api:list_appointment_slots": Route(
        "GET", "/api/appointments/slots?location={north}", "object", api=True
    ),
    "api:book_appointment": Route(
        "POST",
        "/api/appointments",
        "reference",
        {"customer_id": "{customer}", "kind": "in_store", "starts_at": "2031-03-04T11:00:00Z"},
        api=True,
    ),
    "api:get_appointment": Route("GET", "/api/appointments/{appointment}", "object", api=True),
    "api:reschedule_appointment": Route(
        "POST",
        "/api/appointments/{appointment}/reschedule",
        "object",
        {"starts_at": "2031-03-04T12:00:00Z"},
        api=True,
    ),
    "api:cancel_appointment": Route(
        "POST", "/api/appointments/{appointment}/cancel", "object", {}, api=True
    ),
    "api:record_appointment_outcome": Route(
        "POST",
        "/api/appointments/{appointment}/outcome",
        "object",
        {"outcome": "attended"},
        api=True,
    ),
    "api:list_recovery_cases": Route("GET", "/api/recovery/cases", "list", api=True),
    "api:get_recovery_case": Route(
        "GET", "/api/recovery/cases/{recovery_case}", "object", api=True
    ),
    "api:record_recovery_step": Route(
        "POST",
        "/api/recovery/cases/{recovery_case}/steps",
        "object",
        {"step": "acknowledge"},
        api=True,
    ),
    "api:close_recovery_case": Route(
        "POST",
        "/api/recovery/cases/{acknowledged_case}/close",
        "object",
        {"root_cause_id": "{root_cause}", "what_changed": "New courier"},
        api=True,
    ),
    # The rates name the root causes of the cases the viewer may see (the world's is MARKER's).
    "api:recovery_rates": Route("GET", "/api/recovery/rates", "list", api=True),
    "api:list_sla_policies": Route("GET", "/api/sla-policies", "any", api=True),
    "api:get_sla_policy": Route("GET", "/api/sla-policies/{policy}", "any", api=True),
    "api:create_sla_policy": Route(
        "POST", "/api/sla-policies", "admin", {"name": "Urgent", "priority": "urgent"}, api=True
    ),
    "api:update_sla_policy": Route(
        "PATCH", "/api/sla-policies/{policy}", "admin", {"resolution_minutes": 60}, api=True
    ),
    "api:delete_sla_policy": Route("DELETE", "/api/sla-policies/{policy}", "admin", api=True),
    # Surveys (helpline.feedback): policies like SLA policies; surveys and answers by location.
    "api:list_survey_policies": Route("GET", "/api/survey-policies", "any", api=True),
    "api:get_survey_policy": Route("GET", "/api/survey-policies/{survey_policy}", "any", api=True),
    "api:create_survey_policy": Route(
        "POST", "/api/survey-policies", "admin", {"name": "Shops", "kind": "nps"}, api=True
    ),
    "api:update_survey_policy": Route(
        "PATCH", "/api/survey-policies/{survey_policy}", "admin", {"every_days": 30}, api=True
    ),
    "api:delete_survey_policy": Route(
        "DELETE", "/api/survey-policies/{survey_policy}", "admin", api=True
    ),
    "api:list_surveys": Route("GET", "/api/surveys", "list", api=True),
    "api:get_survey": Route("GET", "/api/surveys/{survey}", "object", api=True),
    "api:list_survey_answers": Route("GET", "/api/survey-answers", "list", api=True),
    "api:get_survey_answer": Route(
        "GET", "/api/survey-answers/{survey_answer}", "object", api=True
    ),
    "api:predict_survey_score": Route(
        "POST",
        "/api/conversations/{conversation}/survey-prediction",
        "object",
        {"score": 4},
        api=True,
    ),
    "api:get_location_hours": Route("GET", "/api/locations/{north}/hours", "object", api=True),
    "api:get_business_time": Route(
        "GET",
        "/api/locations/{north}/business-time?start=2025-06-02T08:00:00Z&duration_minutes=90",
        "object",
        api=True,
    ),
    # Changing hours and closures is for admins and the location's managers.
    "api:set_location_hours": Route(
        "PUT",
        "/api/locations/{north}/hours",
        "manage",
        {"intervals": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]},
        api=True,
    ),
    "api:add_closure": Route(
        "POST",
        "/api/locations/{north}/closures",
        "manage",
        {"starts_at": "2031-01-02T00:00:00Z", "ends_at": "2031-01-03T00:00:00Z"},
        api=True,
    ),
    "api:remove_closure": Route(
        "DELETE", "/api/locations/{north}/closures/{closure}", "manage", api=True
    ),
    # The desk's settings: admins only, 403 for everyone else (nothing of a location to hide).
    "settings:setup": Route("GET", "/settings/", "settings"),
    "settings:locations": Route("GET", "/settings/locations/", "settings"),
    "settings:location-new": Route(
        "POST",
        "/settings/locations/new/",
        "settings",
        {"name": "Harbour Road", "timezone": "UTC", "hours_monday": "09:00-17:00"},
    ),
    "settings:location-edit": Route(
        "POST",
        "/settings/locations/{north}/",
        "settings",
        {"name": "North Street", "timezone": "Europe/London", "country": "GB"},
    ),
    "settings:mailboxes": Route("GET", "/settings/mailboxes/", "settings"),
    "settings:mailbox-new": Route(
        "POST",
        "/settings/mailboxes/new/",
        "settings",
        {
            "address": "help@shop.test",
            "delivery": "push",
            "imap_port": "993",
            "imap_folder": "INBOX",
        },
    ),
    "settings:mailbox-edit": Route(
        "POST",
        "/settings/mailboxes/{mailbox}/",
        "settings",
        {
            "address": "support@shop.test",
            "delivery": "push",
            "imap_port": "993",
            "imap_folder": "INBOX",
        },
    ),
    "settings:mailbox-test": Route("POST", "/settings/mailboxes/{mailbox}/test/", "settings"),
    "settings:agents": Route("GET", "/settings/agents/", "settings"),
    "settings:agent-invite": Route(
        "POST", "/settings/agents/invite/", "settings", {"email": "ines@shop.test", "role": "agent"}
    ),
    "settings:agent-edit": Route(
        "POST",
        "/settings/agents/{nora}/",
        "settings",
        {"first_name": "Nora", "role": "agent", "is_active": "on", "locations": "{north}"},
    ),
    "settings:agent-invite-again": Route(
        "POST", "/settings/agents/{nick}/invite-again/", "settings"
    ),
    "settings:teams": Route("GET", "/settings/teams/", "settings"),
    "settings:team-new": Route("POST", "/settings/teams/new/", "settings", {"name": "Returns"}),
    "settings:team-edit": Route(
        "POST", "/settings/teams/{team}/", "settings", {"name": "Front desk", "lead": "{nora}"}
    ),
    "settings:canned": Route("GET", "/settings/canned-replies/", "settings"),
    "settings:canned-new": Route(
        "POST", "/settings/canned-replies/new/", "settings", {"title": "Hi", "body": "Hello"}
    ),
    "settings:canned-edit": Route(
        "POST",
        "/settings/canned-replies/{canned}/",
        "settings",
        {"title": "Thanks", "body": "Thank you", "location": "{north}"},
    ),
    "settings:sign-in-security": Route(
        "POST", "/settings/sign-in/", "settings", {"roles": ["manager"]}
    ),
    "settings:sign-ins": Route("GET", "/settings/sign-ins/?outcome=signed_in", "settings"),
    "settings:agent-two-factor-reset": Route(
        "POST", "/settings/agents/{nora}/two-factor/reset/", "settings"
    ),
    "settings:sla": Route("GET", "/settings/service-levels/", "settings"),
    "settings:sla-new": Route(
        "POST",
        "/settings/service-levels/new/",
        "settings",
        {
            "name": "Urgent",
            "first_response_minutes": "30",
            "warn_at_percent": "80",
            "position": "0",
        },
    ),
    "settings:sla-edit": Route(
        "POST",
        "/settings/service-levels/{policy}/",
        "settings",
        {
            "name": "Everything",
            "resolution_minutes": "600",
            "warn_at_percent": "75",
            "position": "1",
        },
    ),
    "settings:webhooks": Route("GET", "/settings/webhooks/", "settings"),
    "settings:webhook-new": Route(
        "POST",
        "/settings/webhooks/new/",
        "settings",
        {"name": "BI", "url": "https://bi.test/hook", "events": "survey.answered"},
    ),
    "settings:webhook-edit": Route(
        "POST",
        "/settings/webhooks/{webhook}/",
        "settings",
        {"name": "CRM", "url": "https://crm.test/hook", "events": "recovery.opened"},
    ),
    "settings:webhook-secret": Route(
        "POST", "/settings/webhooks/{webhook}/new-secret/", "settings"
    ),
    "settings:webhook-send-again": Route(
        "POST", "/settings/webhooks/deliveries/{webhook_delivery}/send-again/", "settings"
    ),
    # The chat widgets and the agents' chat limits (helpline.channels.chat).
    "settings:chat": Route("GET", "/settings/chat/", "settings"),
    "settings:chat-widget-new": Route(
        "POST",
        "/settings/chat/new/",
        "settings",
        {"name": "Site", "location": "{north}", "origins": "https://shop.test"},
    ),
    "settings:chat-widget": Route(
        "POST",
        "/settings/chat/{widget}/",
        "settings",
        {"name": "Site", "location": "{north}", "origins": "https://shop.test", "active": "on"},
    ),
    "settings:chat-widget-key": Route("POST", "/settings/chat/{widget}/new-key/", "settings", {}),
    "settings:chat-limit": Route(
        "POST", "/settings/chat/limits/{nora}/", "settings", {"chat_limit": "2"}
    ),
    "settings:survey-policies": Route("GET", "/settings/surveys/", "settings"),
    "settings:survey-policy-new": Route(
        "POST",
        "/settings/surveys/new/",
        "settings",
        {
            "name": "Shops",
            "kind": "nps",
            "delay_minutes": "60",
            "every_days": "30",
            "position": "1",
        },
    ),
    "settings:survey-policy-edit": Route(
        "POST",
        "/settings/surveys/{survey_policy}/",
        "settings",
        {
            "name": "Everyone",
            "kind": "csat",
            "delay_minutes": "0",
            "every_days": "0",
            "position": "0",
        },
    ),
    "settings:survey-policy-delete": Route(
        "POST", "/settings/surveys/{survey_policy}/delete/", "settings", {}
    ),
    "settings:recovery-rules": Route("GET", "/settings/recovery/rules/", "settings"),
    "settings:recovery-rules-default": Route(
        "GET", "/settings/recovery/rules/everywhere-else/", "settings"
    ),
    "settings:recovery-rules-location": Route(
        "POST", "/settings/recovery/rules/{north}/", "settings", RECOVERY_RULES
    ),
    "settings:root-causes": Route("GET", "/settings/recovery/root-causes/", "settings"),
    "settings:root-cause-new": Route(
        "POST", "/settings/recovery/root-causes/new/", "settings", {"name": "Late", "position": "0"}
    ),
    "settings:root-cause-edit": Route(
        "POST",
        "/settings/recovery/root-causes/{root_cause}/",
        "settings",
        {"name": "Courier late", "position": "0"},
    ),
    # Chats like their conversations; widgets for admins.
    "api:list_chats": Route("GET", "/api/chats", "list", api=True),
    "api:get_chat": Route("GET", "/api/chats/{chat_session}", "object", api=True),
    "api:end_chat": Route("POST", "/api/chats/{chat_session}/end", "object", api=True),
    "api:list_chat_widgets": Route("GET", "/api/chat-widgets", "admin", api=True),
    "api:create_chat_widget": Route(
        "POST",
        "/api/chat-widgets",
        "admin",
        {"name": "Site", "location_id": "{north}", "allowed_origins": ["https://shop.test"]},
        api=True,
    ),
    "api:update_chat_widget": Route(
        "PATCH", "/api/chat-widgets/{widget}", "admin", {"active": False}, api=True
    ),
    "api:rotate_chat_widget_key": Route(
        "POST", "/api/chat-widgets/{widget}/rotate-key", "admin", api=True
    ),
    "api:list_webhooks": Route("GET", "/api/webhooks", "admin", api=True),
    "api:list_webhook_deliveries": Route(
        "GET", "/api/webhooks/{webhook}/deliveries?status=failed", "admin", api=True
    ),
    # Sentiment and themes: figures for everyone (of their locations); managers change them.
    "desk:themes": Route("GET", "/insights/themes/?theme={theme}", "any"),
    "desk:theme-rename": Route(
        "POST", "/insights/themes/{theme}/rename/", "managers", {"name": "X"}
    ),
    "desk:theme-merge": Route(
        "POST", "/insights/themes/{other_theme}/merge/", "managers", {"into": "{theme}"}
    ),
    "desk:text-theme": Route(
        "POST", "/insights/texts/{text}/theme/", "manage", {"theme": "{theme}"}
    ),
    "api:get_message_insight": Route("GET", "/api/messages/{message}/insight", "object", api=True),
    "api:set_message_theme": Route(
        "PUT", "/api/messages/{message}/theme", "manage", {"theme_id": "{theme}"}, api=True
    ),
    "api:list_themes": Route("GET", "/api/themes", "any", api=True),
    "api:rename_theme": Route("PATCH", "/api/themes/{theme}", "managers", {"name": "X"}, api=True),
    "api:merge_theme": Route(
        "POST", "/api/themes/{other_theme}/merge", "managers", {"into_id": "{theme}"}, api=True
    ),
    # Surveys on a conversation: the agent's prediction; sending the survey after a call.
    "desk:conversation-predict": Route(
        "POST", "/conversations/{conversation}/prediction/", "object", {"score": "4"}
    ),
    "desk:surveys": Route("GET", "/surveys/", "any"),
    # Reports (helpline.reports): everyone signed in sees figures, within what they may see
    # (an agent their own conversations; tests/reports check the numbers per viewer).
    "desk:reports-volume": Route("GET", "/reports/volume/", "any"),
    "desk:reports-responsiveness": Route("GET", "/reports/responsiveness/", "any"),
    "desk:reports-promises": Route("GET", "/reports/promises/", "any"),
    "desk:reports-say": Route("GET", "/reports/say/", "any"),
    "desk:reports-conversations": Route("GET", "/reports/conversations/?figure=new", "any"),
    "desk:reports-csv": Route("GET", "/reports/volume/csv/?table=by_channel_day", "any"),
    "desk:reports-pdf": Route("GET", "/reports/volume/pdf/", "any"),
    # The perception gap: everyone answers their own self-assessment; the candor page shows
    # the viewer's own team or locations (tests/reports/test_perception.py: 404 for others').
    "desk:self-assessment": Route("GET", "/reports/self-assessment/", "self"),
    "desk:digest-setting": Route("POST", "/me/digest/", "self", {"wanted": "0"}),
    "desk:reports-candor": Route("GET", "/reports/candor/", "any"),
    "api:report_perception": Route("GET", "/api/reports/perception", "any", api=True),
    "api:my_self_assessments": Route("GET", "/api/self-assessments", "self", api=True),
    "api:answer_self_assessment": Route(
        "POST",
        "/api/self-assessments",
        "self",
        {
            "csat_share": 80,
            "first_reply_hours": 2,
            "callback_reach_share": 90,
            "first_contact_share": 70,
            "recovery_share": 50,
            "rating_responsiveness": 4,
            "rating_promises": 4,
            "rating_first_time": 3,
            "rating_courtesy": 5,
            "rating_recovery": 3,
        },
        api=True,
    ),
    "api:report_volume": Route("GET", "/api/reports/volume", "any", api=True),
    "api:report_responsiveness": Route("GET", "/api/reports/responsiveness", "any", api=True),
    "api:report_promises": Route("GET", "/api/reports/promises", "any", api=True),
    "api:report_say": Route("GET", "/api/reports/say", "any", api=True),
    "desk:conversation-send-survey": Route(
        "POST", "/conversations/{conversation}/send-survey/", "object", {}
    ),
    # Where the time goes: one's own time; another's for their managers and admins; a team's
    # or a location's for its managers and admins (404 for anyone else).
    "desk:my-time": Route("GET", "/time/", "self"),
    "desk:time-log": Route("POST", "/time/log/", "self", {"kind": "meeting", "minutes": "30"}),
    "desk:time-import": Route("POST", "/time/import/", "self", {"calendar": CalendarUpload()}),
    "desk:time-entry-remove": Route("POST", "/time/entries/{time_entry}/remove/", "own", {}),
    "desk:time-figures": Route("GET", "/time/agents/{nora}/", "object"),
    "desk:time-review": Route("GET", "/time/locations/{north}/review/", "managed"),
    "settings:time-kinds": Route("GET", "/settings/time/", "settings"),
    "settings:time-kind-new": Route(
        "POST", "/settings/time/new/", "settings", {"label": "Inventory"}
    ),
    "api:create_time_entry": Route(
        "POST", "/api/time/entries", "self", {"kind": "meeting", "minutes": 30}, api=True
    ),
    "api:list_time_entries": Route("GET", "/api/time/entries?agent_id={nora}", "object", api=True),
    "api:time_week": Route("GET", "/api/time/week?location_id={north}", "managed", api=True),
    # QA and coaching: Nora's record (her picks, reviews, coaching) is hers, her manager's
    # (North Street's) and the admins'; reviewing, coaching and the scorecard are for managers
    # and admins (her own review or coaching: 403), and for anyone else it does not exist.
    "desk:quality": Route("GET", "/quality/", "list"),
    "desk:quality-pick-week": Route("POST", "/quality/pick-last-week/", "managers", {}),
    "desk:quality-scorecard": Route("GET", "/quality/scorecard/", "any"),
    "desk:quality-scorecard-new": Route(
        "POST", "/quality/scorecard/new/", "managers", {"name": "Mail", "scale_min": "1"}
    ),
    "desk:quality-scorecard-change": Route(
        "POST",
        "/quality/scorecard/{scorecard}/",
        "managers",
        {"name": "Calls", "scale_min": "1", "scale_max": "5", "active": "on"},
    ),
    "desk:quality-criterion-new": Route(
        "POST", "/quality/scorecard/{scorecard}/criteria/", "managers", {"name": "Tone"}
    ),
    "desk:quality-criterion-change": Route(
        "POST", "/quality/criteria/{criterion}/", "managers", {"name": "Tone", "weight": "2"}
    ),
    "desk:quality-pick": Route("GET", "/quality/picks/{pick}/", "object"),
    "desk:quality-review": Route(
        "POST",
        "/quality/picks/{pick}/review/",
        "manage",
        {"criterion": "{criterion}", "score_0": "4", "note": "Kind and clear"},
    ),
    "desk:quality-comment": Route(
        "POST", "/quality/reviews/{review}/replies/", "object", {"text": "Thanks"}
    ),
    "desk:quality-calibration": Route("GET", "/quality/calibration/", "managers"),
    "desk:quality-agent": Route("GET", "/quality/agents/{nora}/", "object"),
    "desk:quality-coaching": Route(
        "POST",
        "/quality/agents/{nora}/coaching/",
        "manage",
        {"notes": "Shorter replies", "goal_0": "Two-line answers"},
    ),
    "desk:quality-training": Route(
        "POST", "/quality/agents/{nora}/trainings/", "object", {"title": "Returns policy"}
    ),
    "desk:quality-goal-done": Route("POST", "/quality/goals/{goal}/done/", "object", {}),
    "api:list_scorecards": Route("GET", "/api/quality/scorecards", "any", api=True),
    "api:create_scorecard": Route(
        "POST", "/api/quality/scorecards", "managers", {"name": "Mail"}, api=True
    ),
    "api:change_scorecard": Route(
        "PATCH", "/api/quality/scorecards/{scorecard}", "managers", {"name": "Calls"}, api=True
    ),
    "api:add_criterion": Route(
        "POST",
        "/api/quality/scorecards/{scorecard}/criteria",
        "managers",
        {"name": "Tone"},
        api=True,
    ),
    "api:change_criterion": Route(
        "PATCH", "/api/quality/criteria/{criterion}", "managers", {"weight": 3}, api=True
    ),
    "api:list_picks": Route("GET", "/api/quality/picks", "list", api=True),
    "api:list_reviews": Route("GET", "/api/quality/reviews", "list", api=True),
    "api:get_review": Route("GET", "/api/quality/reviews/{review}", "object", api=True),
    "api:review_pick": Route(
        "POST",
        "/api/quality/picks/{pick}/reviews",
        "manage",
        {"scores": "{scores}", "note": "Kind"},
        api=True,
    ),
    "api:reply_to_review": Route(
        "POST", "/api/quality/reviews/{review}/comments", "object", {"text": "Thanks"}, api=True
    ),
    "api:get_coaching": Route("GET", "/api/quality/agents/{nora}/coaching", "object", api=True),
    "api:add_coaching_session": Route(
        "POST",
        "/api/quality/agents/{nora}/coaching",
        "manage",
        {"held_at": "{held_at}", "notes": "Shorter replies", "goals": [{"text": "Two lines"}]},
        api=True,
    ),
    "api:complete_goal": Route("POST", "/api/quality/goals/{goal}/done", "object", {}, api=True),
    "api:log_training": Route(
        "POST",
        "/api/quality/agents/{nora}/trainings",
        "object",
        {"title": "Returns policy", "on": "{today}"},
        api=True,
    ),
    # The API's own documents: for admins unless HELPLINE_API_DOCS_PUBLIC opens them.
    "api:openapi-json": Route("GET", "/api/openapi.json", "admin", api=True),
    "api:openapi-view": Route("GET", "/api/docs", "admin"),
}
# Routes without a location to guard: signing in and out, the API's root.
UNGUARDED = {
    "desk:sign-in",
    "desk:sign-in-code",  # the second step: only for a session whose password was right
    "desk:sign-out",
    "desk:password-reset",
    "desk:password-reset-sent",
    "desk:password-reset-confirm",
    "desk:password-reset-complete",
    "api:api-root",
    # Phone systems' webhooks name no object of a location in the URL: Twilio's is
    # authenticated by its signature, not by a user, and the JSON one guards the location
    # of the phone line its body names (tests/channels/phone/test_webhooks.py tests both).
    "api:record_call_event",
    "api:twilio_call_status",
    # Another process's real-time push to the web server: signed with the secret key, not a
    # user's (tests/realtime/test_relay.py).
    "realtime-relay",
    # The public survey pages: no sign-in, the signed link (or the kiosk's signed URL) is the
    # credential; tests/feedback/test_public_pages.py shows they reveal nothing else.
    "survey:answer",
    "survey:comment",
    "survey:unsubscribe",
    "survey:kiosk",
    # The chat widget's script: the same file for every site; its socket checks the widget's
    # key, the page's origin and the visitor's token (tests/channels/chat).
    "chat:widget-js",
    "chat:upload",
}


def route_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin: staff only, its own permissions
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}"


def test_every_route_is_in_the_matrix():
    assert set(route_names(get_resolver().url_patterns)) == set(ROUTES) | UNGUARDED


@pytest.fixture
def world(north, south, admin, agent_north, agent_south, mailbox):
    manager = User.objects.create_user("mona", "mona@shop.test", "pw", role=Role.MANAGER)
    manager.locations.add(north)
    nowhere = User.objects.create_user("nick", "nick@shop.test", "pw", role=Role.AGENT)
    conversation = write_in(
        north,
        "maria@example.com",
        f"{MARKER} broken",
        f"My {MARKER} is broken",
        name=f"Maria {MARKER}",
        mailbox=mailbox,
        attachments=[IncomingAttachment("photo.png", "image/png", b"\x89PNG\r\n\x1a\n")],
    )
    message = conversation.messages.get()
    other = write_in(north, "otto@example.com", "Hello", name="Otto North").customer
    merged_away = write_in(north, "mia@example.com", "Hi", name="Mia North").customer
    merged_into = write_in(north, "mia.b@example.com", "Hi", name="Mia B North").customer
    merge = customer_actions.merge(admin, merged_away, merged_into)
    customer = conversation.customer
    phone = customer_actions.add_identity(admin, customer, "phone", "+442079464471")
    company = customer_actions.company_named(admin, "Acme Kettles")
    customer_actions.update_customer(admin, customer, company=company)
    field = customer_actions.define_field(
        admin, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"]
    )
    webhook = create_webhook(
        admin, name="CRM", url="https://crm.test/hook", events=["survey.answered"]
    )
    ids = {
        "conversation": conversation.pk,
        "customer": conversation.customer_id,
        "message": message.pk,
        "attachment": message.attachments.get().pk,
        "other": other.pk,
        "merged_into": merged_into.pk,
        "merge": merge.pk,
        "identity": phone.pk,
        "company": company.pk,
        "field": field.pk,
        "north": north.pk,
        "nora": agent_north.pk,
        "mailbox": mailbox.pk,
        "nick": nowhere.pk,
        "canned": CannedReply.objects.create(title="Thanks", body="Thanks").pk,
        "team": Team.objects.create(name="Front desk", location=north).pk,
        "policy": SlaPolicy.objects.create(name="Everything", first_response_minutes=60).pk,
        "webhook": webhook.pk,
        "webhook_delivery": _failed_webhook_delivery(webhook).pk,
        "closure": add_closure(
            admin, north, datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)
        ).pk,
        "callback": create_callback(
            admin, conversation.customer, "+447700900123", "requested", conversation=conversation
        ).pk,
        "failed_callback": record_attempt(
            admin,
            create_callback(admin, conversation.customer, "+447700900999", "requested"),
            "wrong_number",
        ).pk,
        "failed_message": _failed_reply(admin, conversation).pk,
        "appointment": book_appointment(
            admin,
            conversation.customer,
            "in_store",
            datetime(2031, 3, 4, 10, tzinfo=UTC),
            location=north,  # on a conversation of its own: that one waits for it, pending
        ).pk,
    }
    users = {
        "admin": admin,
        "manager_north": manager,
        "agent_north": agent_north,
        "agent_south": agent_south,
        "agent_nowhere": nowhere,
    }
    # Escalation tells the people of the conversation's location (its text names the subject).
    for user_key in sorted(ALLOWED):
        Notification.objects.create(
            user=users[user_key],
            conversation=conversation,
            text=f"#{conversation.pk} {MARKER} broken: the response target was breached",
        )
    deliver_due()  # the worker reads the customer's message (insights)
    text = Text.objects.get(message=message)
    theme, other_theme = (
        Theme.objects.create(
            name=name, terms=[name], weights={name: 1.0}, created_at=text.written_at
        )
        for name in ("kettle", "parcel")
    )
    insights_actions.correct_theme(admin, text, other_theme)
    ids.update(theme=theme.pk, other_theme=other_theme.pk, text=text.pk)
    ids["notification"] = Notification.objects.get(user=users[NOTIFIED]).pk
    ids.update(_recovery_cases(admin, conversation, other, merged_into))
    ids.update(_survey_world(conversation))
    ids["time_entry"] = log_time(users[NOTIFIED], kind="admin", minutes=5).pk
    ids.update(_quality_world(admin, manager, agent_north, conversation))
    ids.update(_chat_world(agent_north, north))
    ids["saved_view"] = save_view(users[NOTIFIED], "Urgent", "open", Filters(priority="urgent")).pk
    device = twofactor.start_enrolment(users[NOTIFIED])
    ids["totp"] = totp(bytes.fromhex(device.key))
    return SimpleNamespace(ids=ids, users=users)


def _chat_world(agent, north) -> dict:
    """A chat at North Street with the MARKER in its first message (and so its subject)."""
    from helpline.channels.chat import actions as chat_actions
    from helpline.channels.chat.models import ChatWidget

    widget = ChatWidget.objects.create(
        name="Site", location=north, allowed_origins="https://x.test"
    )
    chat_actions.seen(agent)
    session = chat_actions.start_chat(
        widget, "v-matrix", f"{MARKER} chat", client_id="c1", about=chat_actions.About()
    )
    return {"widget": widget.pk, "chat": session.conversation_id, "chat_session": session.pk}


def _recovery_cases(admin, conversation, other, closed_customer) -> dict:
    """Maria's open case; Otto's, acknowledged, to close; Mia's closed for MARKER's cause."""
    cause = RootCause.objects.create(name=f"{MARKER} cause")
    cases = [
        recovery_actions.trigger(
            "low_csat", key=f"matrix:{customer.pk}", customer_id=customer.pk, location_id=north_id
        )
        for customer, north_id in (
            (conversation.customer, conversation.location_id),
            (other, conversation.location_id),
            (closed_customer, conversation.location_id),
        )
    ]
    for case in cases[1:]:
        recovery_actions.record_step(admin, case, "acknowledge")
    recovery_actions.close(admin, cases[2], cause.pk, "A new courier")
    return {"recovery_case": cases[0].pk, "acknowledged_case": cases[1].pk, "root_cause": cause.pk}


def _survey_world(conversation) -> dict:
    """A policy, and an answered survey of the North Street conversation whose comment
    carries the MARKER (lists show it only to those who may see it)."""
    from django.utils import timezone

    from helpline.feedback.models import Answer, Survey, SurveyPolicy

    survey = Survey.objects.create(
        cause="matrix",
        kind="csat",
        status="answered",
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
        recipient=f"{MARKER}@example.com",
    )
    answer = Answer.objects.create(
        survey=survey,
        kind="csat",
        score=2,
        comment=f"{MARKER} still broken",
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
        answered_at=timezone.now(),
    )
    policy = SurveyPolicy.objects.create(name="Everyone")
    return {"survey": survey.pk, "survey_answer": answer.pk, "survey_policy": policy.pk}


def _quality_world(admin, manager, agent, conversation) -> dict:
    """A scorecard; Nora's pick of the MARKER conversation, reviewed by the admin; a coaching
    session of hers with an open goal."""
    from helpline.quality import actions as qa

    card = qa.create_scorecard(admin, "Every conversation")
    criterion = qa.add_criterion(admin, card, name="Solved it")
    pick = qa.choose(admin, conversation, agent)
    review = qa.review(admin, pick, {criterion.pk: 4}, "Good")
    session = qa.hold_session(manager, agent, timezone.now(), "Tone", goals=["Greet by name"])
    return {
        "scorecard": card.pk,
        "criterion": criterion.pk,
        "scores": {str(criterion.pk): 5},
        "pick": pick.pk,
        "review": review.pk,
        "goal": session.goals.get().pk,
        "held_at": timezone.now().isoformat(),
        "today": timezone.localdate().isoformat(),
    }


def _failed_reply(actor, conversation):
    message = reply(actor, conversation, "Sent into the void")
    OutboundEmail.objects.filter(message=message).update(
        status=OutboxStatus.FAILED, last_error="ConnectionRefusedError: [Errno 111]"
    )
    return message


def _failed_webhook_delivery(webhook):
    return WebhookDelivery.objects.create(
        webhook=webhook,
        event="survey.answered",
        event_id="evt_matrix",
        body="{}",
        status="failed",
        attempts=12,
        last_error="HTTP 500 Internal Server Error",
        next_attempt_at=timezone.now(),
    )


def call(route: Route, world, user_key: str | None):
    path = route.path.format(**world.ids)
    data = {k: fill(v, world.ids) for k, v in (route.data or {}).items()}
    user = world.users.get(user_key)
    if route.api:
        headers = {"Authorization": f"Bearer {issue_token(user)}"} if user else {}
        client = Client(headers=headers)
        body = json.dumps(data) if route.method != "GET" else None
        return client.generic(route.method, path, body or "", content_type="application/json")
    client = Client()
    if user:
        client.force_login(user)
    if route.method == "GET":
        return client.get(path)
    return client.post(path, data)


def fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


@pytest.mark.parametrize("user_key", sorted(ALLOWED | DENIED))
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_matrix(name, user_key, world):
    route = ROUTES[name]
    response = call(route, world, user_key)
    allowed = user_key in ALLOWED
    if route.scope == "object":
        if allowed:
            assert response.status_code in (200, 201, 204, 302), response.content[:500]
        else:
            assert response.status_code == 404, response.content[:500]
    elif route.scope == "reference":
        if allowed:
            assert response.status_code == 201, response.content[:500]
        else:
            assert response.status_code == 400
            (error,) = response.json()["detail"]
            assert error["field"] in route.data and "no such" in error["message"]
    elif route.scope == "list":
        assert response.status_code == 200
        assert (MARKER in response.content.decode()) is allowed
    elif route.scope == "manage":
        done = (200, 201, 204, 302)  # a desk form redirects after saving
        expected = {"admin": done, "manager_north": done}.get(
            user_key, (403,) if allowed else (404,)
        )
        assert response.status_code in expected, response.content[:500]
    elif route.scope == "managers":  # a setting of no location: admins and managers may
        expected = (200, 201, 204, 302) if user_key in ("admin", "manager_north") else (403,)
        assert response.status_code in expected, response.content[:500]
    elif route.scope == "managed":
        expected = (200,) if user_key in ("admin", "manager_north") else (404,)
        assert response.status_code in expected, response.content[:500]
    elif route.scope == "admin":
        expected = (200, 201, 204, 302) if user_key == "admin" else (403,)
        assert response.status_code in expected, response.content[:500]
    elif route.scope == "settings":
        expected = (200, 302) if user_key == "admin" else (403,)
        assert response.status_code in expected, response.content[:500]
        if user_key == "admin" and route.data is not None:  # a valid form saves, then redirects
            assert response.status_code == 302, response.content.decode()[:3000]
    elif route.scope == "own":
        expected = (200, 302) if user_key == NOTIFIED else (404,)
        assert response.status_code in expected, response.content[:500]
    elif route.scope == "self":
        assert response.status_code in (200, 201, 302), response.content[:500]
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_signed_out(name, world):
    route = ROUTES[name]
    response = call(route, world, None)
    if route.api:
        assert response.status_code == 401
    elif name == "attachment-download":
        assert response.status_code == 404  # a file's existence is not revealed either
    else:
        assert response.status_code == 302
        assert response.url.startswith("/sign-in/?next=")


# A customer shared by two locations ---------------------------------------------------
#
# Sven's home is South Mall, which holds his email, a note and a custom field; he also
# phoned North Street, so North Street has a conversation with him (from his phone).
# South Mall's agent and admins see him in full. North Street's people see him *shared*:
# his name, North Street's conversation and the number it received, never what only South
# Mall holds (SECRET), and they may change nothing about him (404). Anyone else: 404.
# docs/architecture.md, "Who sees a customer", states the rule.

SECRET = "Southsecret"  # in his email, his note, his field and his South Mall conversation
SVEN = "Sven Shared"
SEES = {
    "admin": "full",
    "agent_south": "full",
    "manager_north": "shared",
    "agent_north": "shared",
    "agent_nowhere": "none",
}
# "show": a page or an API read of him (full: everything; shared: his name, no SECRET);
# "change": full may (2xx), the rest get 404; "search": finds him by SECRET only in full;
# "north": North Street's conversation with him, for those who serve North Street.
SHARED_ROUTES = {
    "desk:customer": Route("GET", "/customers/{sven}/", "show"),
    "api:get_customer": Route("GET", "/api/customers/{sven}", "show", api=True),
    "desk:conversation": Route("GET", "/conversations/{sven_north}/", "north"),
    "api:get_conversation": Route("GET", "/api/conversations/{sven_north}", "north", api=True),
    "desk:customer-note": Route("POST", "/customers/{sven}/notes/", "change", {"body": "VIP"}),
    "desk:customer-edit": Route("GET", "/customers/{sven}/edit/", "change"),
    "desk:customer-merge": Route("GET", "/customers/{sven}/merge/", "change"),
    "desk:customer-identity-remove": Route(
        "POST", "/customers/{sven}/identities/{sven_email}/remove/", "change", {}
    ),
    "desk:conversation-new": Route("GET", "/conversations/new/?customer={sven}", "change"),
    "api:update_customer": Route(
        "PATCH", "/api/customers/{sven}", "change", {"name": "Sven S."}, api=True
    ),
    "api:add_customer_note": Route(
        "POST", "/api/customers/{sven}/notes", "change", {"body": "VIP"}, api=True
    ),
    "api:add_customer_identity": Route(
        "POST",
        "/api/customers/{sven}/identities",
        "change",
        {"kind": "email", "value": "sven.2@example.de"},
        api=True,
    ),
    "api:remove_customer_identity": Route(
        "DELETE", "/api/customers/{sven}/identities/{sven_email}", "change", api=True
    ),
    "desk:customers": Route("GET", f"/customers/?q={SECRET.lower()}%40example.de", "search"),
    "api:search_customers": Route(
        "GET", f"/api/search/customers?q={SECRET.lower()}%40example.de", "search", api=True
    ),
    "api:list_customers": Route("GET", "/api/customers?q=sven", "search", api=True),
}


@pytest.fixture
def shared_world(world, north, south, admin):
    from helpline.conversations.receive import Inbound, receive

    home = write_in(south, f"{SECRET.lower()}@example.de", f"{SECRET} invoice", name=SVEN)
    sven = home.customer
    customer_actions.add_identity(admin, sven, "phone", "+447700900777")
    customer_actions.add_note(admin, sven, f"{SECRET} owes us")
    customer_actions.set_custom_values(admin, sven, {"tier": "Gold"})
    phoned = Inbound(
        channel="phone",
        identity_kind="phone",
        identity_value="+447700900777",
        subject="Called North",
        text="Where is my kettle?",
        location=north,
    )
    north_conversation = receive(phoned).message.conversation
    ids = {
        **world.ids,
        "sven": sven.pk,
        "sven_north": north_conversation.pk,
        "sven_email": sven.identities.get(kind="email").pk,
    }
    return SimpleNamespace(ids=ids, users=world.users)


@pytest.mark.parametrize("user_key", sorted(SEES))
@pytest.mark.parametrize("name", sorted(SHARED_ROUTES))
def test_a_customer_shared_by_two_locations(name, user_key, shared_world):
    route = SHARED_ROUTES[name]
    assert name in ROUTES  # the same routes as the matrix above
    response = call(route, shared_world, user_key)
    sees = SEES[user_key]
    body = response.content.decode()
    if route.scope == "show":
        if sees == "none":
            assert response.status_code == 404
            return
        assert response.status_code == 200 and SVEN in body
        assert (SECRET in body) is (sees == "full"), body[:3000]
        assert "+447700900777" in body  # the number North Street's conversation came from
    elif route.scope == "north":
        if user_key in ("agent_south", "agent_nowhere"):
            assert response.status_code == 404
            return
        assert response.status_code == 200 and SVEN in body
        if sees == "shared":
            assert SECRET not in body, body[:3000]
    elif route.scope == "change":
        if sees == "full":
            assert response.status_code in (200, 201, 204, 302), body[:500]
        else:
            assert response.status_code == 404, body[:500]
    elif route.scope == "search":
        assert response.status_code == 200
        assert (SVEN in body) is (sees == "full")
