"""The desk, the agents' web UI. Each views module names its own routes."""

from django.urls import include, path

from helpline.desk.views import (
    account,
    callbacks,
    conversations,
    customers,
    inbox,
    me,
    new_conversation,
    search,
)

app_name = "desk"

urlpatterns = [
    path("", include(inbox)),
    path("", include(account)),
    path("", include(new_conversation)),
    path("", include(conversations)),
    path("", include("helpline.desk.views.chat")),
    path("", include(customers)),
    path("", include(search)),
    path("", include(callbacks)),
    path("", include("helpline.desk.views.appointments")),
    path("", include("helpline.desk.views.recovery")),
    path("", include("helpline.desk.views.notifications")),
    path("", include(me)),
    path("", include("helpline.desk.views.companies")),
    path("", include("helpline.desk.views.custom_fields")),
    path("", include("helpline.desk.views.insights")),
    path("", include("helpline.desk.views.surveys")),
    path("", include("helpline.desk.views.reports")),
    path("", include("helpline.desk.views.reports_say")),
    path("", include("helpline.desk.views.perception")),
    path("", include("helpline.desk.views.report_pdf")),
    path("", include("helpline.desk.views.digest")),
    path("", include("helpline.desk.views.time_audit")),
    path("", include("helpline.desk.views.quality")),
]
