"""The desk's settings area: an admin sets up locations, people, mailboxes, service levels,
surveys and service recovery.

Django's admin stays for power users; these pages are the guided way, and each write goes
through the actions of the app that owns the rows.
"""

from django.urls import include, path

from helpline.desk.views.settings import (
    agents,
    canned,
    chat,
    locations,
    mailboxes,
    recovery,
    security,
    setup,
    sla,
    surveys,
    teams,
    time_audit,
    webhooks,
)

app_name = "settings"

urlpatterns = [
    path("", include(setup)),
    path("locations/", include(locations)),
    path("mailboxes/", include(mailboxes)),
    path("agents/", include(agents)),
    path("teams/", include(teams)),
    path("service-levels/", include(sla)),
    path("canned-replies/", include(canned)),
    path("webhooks/", include(webhooks)),
    path("chat/", include(chat)),
    path("surveys/", include(surveys)),
    path("recovery/", include(recovery)),
    path("time/", include(time_audit)),
    path("", include(security)),
]
