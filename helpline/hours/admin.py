"""Opening hours and closures edited on the location's admin page, through the actions."""

from django import forms
from django.contrib import admin

from helpline.core.admin import LocationAdmin
from helpline.core.errors import ActionError
from helpline.core.models import Location
from helpline.hours import actions
from helpline.hours.models import Closure, OpeningHours


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """The week as a whole: intervals of one day may not overlap."""

    def kept_intervals(self) -> list[tuple]:
        return [
            (form.cleaned_data["weekday"], form.cleaned_data["opens"], form.cleaned_data["closes"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            actions.clean_intervals(self.kept_intervals())
        except ActionError as exc:
            raise forms.ValidationError(str(exc)) from None


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    fields = ["weekday", "opens", "closes"]


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["starts_at", "ends_at", "reason"]

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at is not None and ends_at is not None:
            try:
                cleaned["reason"] = actions.clean_closure(
                    starts_at, ends_at, cleaned.get("reason", "")
                )
            except ActionError as exc:
                self.add_error(exc.field or None, str(exc))
        return cleaned


class ClosureInline(admin.TabularInline):
    """Closures are added or taken back, never rewritten: the activity log tells the story."""

    model = Closure
    form = ClosureForm
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(Location)


@admin.register(Location)
class LocationWithHoursAdmin(LocationAdmin):
    inlines = [OpeningHoursInline, ClosureInline]

    def save_formset(self, request, form, formset, change):
        location = form.instance
        if formset.model is OpeningHours:
            # The week is replaced as a whole; the admin's own history notes the new rows.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.has_changed():
                actions.set_opening_hours(request.user, location, formset.kept_intervals())
                formset.new_objects = list(location.opening_hours.all())
        elif formset.model is Closure:
            formset.save(commit=False)
            for closure in formset.deleted_objects:
                actions.remove_closure(request.user, closure)
            for closure in formset.new_objects:
                actions.add_closure(
                    request.user, location, closure.starts_at, closure.ends_at, closure.reason
                )
        else:
            super().save_formset(request, form, formset, change)
