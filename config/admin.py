from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.models import ApiToken, Heartbeat


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `create_platform_client` or store creation; here they are only
    listed and revoked (the key itself is never stored)."""

    list_display = ["name", "prefix", "kind", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "kind", "name", "prefix", "created_at", "last_used_at"]
    fields = readonly_fields + ["revoked_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row keeps who used which key


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.empty_value_display = _("—")
