"""Admin building blocks every app uses: policy pages, read-only system records, and actions
that call a service through a confirmation form."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.api.errors import DomainError


class HistoryAdmin(SimpleHistoryAdmin):
    """Every admin of a model with history: the history is readable, never reverted.

    django-simple-history's revert form saves the whole historical row, read-only fields
    included, so reverting a refund case to "pending" let the timeout sweep refund it twice.
    Money and statuses change only through services; here the history form is view-only and
    a POST to it is refused (403) whatever the settings say."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class SingletonPolicyAdmin(HistoryAdmin):
    """The changelist goes straight to the one row; no add or delete. With no row yet (a fresh or
    flushed database) the page shows the code's defaults and saving it creates the row: viewing
    writes nothing."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                            args=[self.model.PK]))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and str(object_id) == str(self.model.PK):
            return self.model.current()
        return obj


class ReadOnlyAdminMixin:
    """For append-only or system-written records: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def form_action(modeladmin, request, queryset, *, form_class, title, submit_label, apply, facts=None,
                effect=None):
    """An admin action with a confirmation page (reason, granted limit…). `apply(obj, data)`
    calls a service; a refusal on one object is reported and the others continue.

    `facts(obj)` → HTML shown for each object on the confirmation page (what the operator needs
    to decide); `effect(result)` → what the service did, named in the result message (e.g.
    "fine ¥100,750.00 posted; grade B → C")."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                result = apply(obj, form.cleaned_data)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
                continue
            if effect:
                modeladmin.message_user(request, f"{obj}: {effect(result)}", messages.SUCCESS)
        if done and not effect:
            modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)
        return None
    objects = list(queryset)
    context = {**modeladmin.admin_site.each_context(request), "title": title, "objects": objects,
               "rows": [(obj, facts(obj) if facts else "") for obj in objects],
               "form": form, "opts": modeladmin.model._meta, "submit_label": submit_label,
               "action": request.POST.get("action")}
    return TemplateResponse(request, "admin/merchants/action_form.html", context)


def run_service(modeladmin, request, queryset, fn):
    done = 0
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)
