"""The chat widgets: their keys, locations and allowed sites; the agents' chat limits."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.channels.chat import actions
from helpline.channels.chat.models import DEFAULT_CHAT_LIMIT, ChatAgent, ChatWidget
from helpline.core.errors import ActionError
from helpline.core.models import User
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import ChatLimitForm, ChatWidgetForm
from helpline.desk.views.settings.common import admin_only, settings_context


@admin_only
@require_http_methods(["GET", "HEAD"])
def widget_list(request):
    widgets = ChatWidget.objects.select_related("location", "mailbox")
    limits = dict(ChatAgent.objects.values_list("user_id", "chat_limit"))
    agents = [
        (agent, limits.get(agent.pk, DEFAULT_CHAT_LIMIT))
        for agent in User.objects.filter(is_active=True).order_by("first_name", "username")
    ]
    context = settings_context("chat", widgets=widgets, agents=agents)
    return render(request, "desk/settings/chat.html", context)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def widget_new(request):
    form = ChatWidgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            widget = actions.create_widget(
                request.user,
                name=data["name"],
                location=data["location"],
                mailbox=data["mailbox"],
                origins=data["origins"],
            )
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Widget {widget.name} added. Put its tag on your site.")
            return redirect("settings:chat-widget", widget.pk)
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def widget_edit(request, widget_id: int):
    widget = get_object_or_404(ChatWidget, pk=widget_id)
    initial = {
        "name": widget.name,
        "location": widget.location_id,
        "mailbox": widget.mailbox_id,
        "origins": widget.allowed_origins,
        "active": widget.active,
    }
    form = ChatWidgetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            widget = actions.change_widget(request.user, widget, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Widget {widget.name} saved.")
            return redirect("settings:chat-widget", widget.pk)
    return _render(request, form, widget)


@admin_only
@require_POST
def widget_rotate(request, widget_id: int):
    widget = get_object_or_404(ChatWidget, pk=widget_id)
    actions.rotate_key(request.user, widget)
    messages.success(request, "The widget has a new key: put the new tag on your site.")
    return redirect("settings:chat-widget", widget.pk)


@admin_only
@require_POST
def chat_limit(request, user_id: int):
    agent = get_object_or_404(User, pk=user_id)
    form = ChatLimitForm(request.POST)
    if form.is_valid():
        actions.set_chat_limit(request.user, agent, form.cleaned_data["chat_limit"])
        messages.success(
            request, f"{agent} takes up to {form.cleaned_data['chat_limit']} chats at once."
        )
    else:
        messages.error(request, f"Chat limit of {agent}: {form.errors['chat_limit'][0]}")
    return redirect("settings:chat")


def _render(request, form: ChatWidgetForm, widget: ChatWidget | None):
    tag = ""
    if widget is not None:
        src = request.build_absolute_uri(f"/chat/widget.js?key={widget.key}")
        tag = f'<script src="{src}" async></script>'
    context = settings_context("chat", form=form, widget=widget, tag=tag)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/chat_widget.html", context, status=status)


urlpatterns = [
    path("", widget_list, name="chat"),
    path("new/", widget_new, name="chat-widget-new"),
    path("<int:widget_id>/", widget_edit, name="chat-widget"),
    path("<int:widget_id>/new-key/", widget_rotate, name="chat-widget-key"),
    path("limits/<int:user_id>/", chat_limit, name="chat-limit"),
]
