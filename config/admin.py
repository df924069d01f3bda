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
    list_display = ["process", "last_beat"]
    fields = ["process", "last_beat"]
    readonly_fields = fields

    @admin.display(description=_("process"), ordering="name")
    def process(self, obj):
        return obj.name

    @admin.display(description=_("last heartbeat"), ordering="at")
    def last_beat(self, obj):
        from config.history import shown_value

        return shown_value(Heartbeat._meta.get_field("at"), obj.at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.empty_value_display = _("—")
# The header's "View site" led to `/`, which has no page: the header links the API docs instead
# (templates/admin/base_site.html).
admin.site.site_url = None


# --- django-axes (login lockout) in the operator's language --------------------------------
# django-axes ships no zh-hans strings: its field and model names are translated in our catalogue
# (locale/); its app name and its rows' titles are English in code, so they are named here.
def _axes_in_words():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.apps import apps

    from config.history import shown_value

    apps.get_app_config("axes").verbose_name = _("login security")

    def when(obj):
        return shown_value(obj._meta.get_field("attempt_time"), obj.attempt_time)

    AccessAttempt.__str__ = lambda self: str(_("failed logins of %(user)s, last at %(at)s")
                                             % {"user": self.username, "at": when(self)})
    AccessLog.__str__ = lambda self: str(_("login of %(user)s at %(at)s") % {"user": self.username, "at": when(self)})
    AccessFailureLog.__str__ = lambda self: str(_("failed login of %(user)s at %(at)s")
                                                % {"user": self.username, "at": when(self)})


_axes_in_words()
