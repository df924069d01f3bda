from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import (
    AutocompleteFilter,
    BoundedInlineMixin,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    ReasonForm,
    form_action,
    run_service,
)

from .attempt_words import attempt_error
from .models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import delivery_replay, endpoint_disable
from .tasks import deliver_soon


def endpoint_facts(endpoint):
    rows = [(_("store"), endpoint.store), (_("URL"), endpoint.url),
            (_("event types"), "、".join(str(dict(EventType.choices).get(e, e)) for e in endpoint.events) or "—")]
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(LargeListAdmin, HistoryAdmin):
    """Operators see endpoints and switch them off; merchants manage them through the API.
    The secrets are never shown."""

    list_display = ["id", "store", "url", "enabled", "event_list", "created_at"]
    list_filter = [("store", AutocompleteFilter), "enabled"]
    search_fields = ["store__name", "url"]
    list_select_related = ["store"]
    fields = ["store", "url", "event_list", "enabled", "previous_secret_expires_at", "created_at"]
    readonly_fields = fields
    actions = ["disable"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event types"))
    def event_list(self, obj):
        labels = dict(EventType.choices)
        return "、".join(str(labels.get(e, e)) for e in obj.events) or "—"

    @admin.action(description=_("Disable (reason)…"), permissions=["change"])
    def disable(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Disable webhook endpoints"),
                           submit_label=_("Disable"), facts=endpoint_facts,
                           apply=lambda e, d: endpoint_disable(endpoint=e, user=request.user, reason=d["reason"]))


class AttemptInline(BoundedInlineMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    latest_first = ("-at", "-id")
    fields = ["at", "status_code", "latency_ms", "response_excerpt", "error_shown"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("error"))
    def error_shown(self, obj):
        return attempt_error(obj.error)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LargeListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event_type", "store", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = [("endpoint__store", AutocompleteFilter), "created_at", "status", "event__type"]
    search_fields = ["event__event_id", "endpoint__url", "endpoint__store__name"]
    list_select_related = ["event", "endpoint__store"]
    inlines = [AttemptInline]

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.get_type_display()

    @admin.display(description=_("store"), ordering="endpoint__store")
    def store(self, obj):
        return obj.endpoint.store
    actions = ["replay"]

    def has_replay_permission(self, request):
        return request.user.has_perm("merchants.change_webhookdelivery")

    @admin.action(description=_("Replay (same webhook-id)"), permissions=["replay"])
    def replay(self, request, queryset):
        run_service(self, request, queryset, lambda d: delivery_replay(delivery=d))
        deliver_soon()
