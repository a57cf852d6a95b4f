"""The time audit's settings: which kinds of time touch a customer, and kinds of the
organisation's own for agents to log."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.desk.forms import DeskForm, refuse
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.timeaudit import actions, kinds


class RulesForm(DeskForm):
    customer_impacting = forms.MultipleChoiceField(
        label="Kinds of time that touch a customer",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Ticked: customer-impacting. Not ticked: administrative. The weekly figures "
            "follow at once, for past weeks too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_impacting"].choices = [  # type: ignore[attr-defined]
            (key, kind.label + (" (recorded by Helpline)" if kind.automatic else ""))
            for key, kind in kinds.all_kinds().items()
        ]


class KindForm(DeskForm):
    label = forms.CharField(label="Name", max_length=80)
    customer_impacting = forms.BooleanField(label="Touches a customer", required=False)


def _page(request, rules_form, kind_form, status=200):
    context = settings_context("time", form=rules_form, kind_form=kind_form)
    return render(request, "desk/settings/time_kinds.html", context, status=status)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def rules(request):
    current = [key for key, kind in kinds.all_kinds().items() if kind.customer_impacting]
    form = RulesForm(request.POST or None, initial={"customer_impacting": current})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_rules(request.user, set(form.cleaned_data["customer_impacting"]))
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, "Which kinds of time touch a customer: saved.")
            return redirect("settings:time-kinds")
    status = 400 if request.method == "POST" else 200
    return _page(request, form, KindForm(), status)


@admin_only
@require_POST
def new_kind(request):
    form = KindForm(request.POST)
    if form.is_valid():
        try:
            kind = actions.add_kind(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Kind of time “{kind.label}” added.")
            return redirect("settings:time-kinds")
    current = [key for key, kind in kinds.all_kinds().items() if kind.customer_impacting]
    return _page(request, RulesForm(initial={"customer_impacting": current}), form, 400)


urlpatterns = [
    path("", rules, name="time-kinds"),
    path("new/", new_kind, name="time-kind-new"),
]
