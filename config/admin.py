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


# --- django-celery-beat (the schedule) in the operator's language ----------------------------
# Its own catalogue misses strings (ours fills them, locale/), its cron descriptions come from
# cron_descriptor in English, and the schedules' pages list tasks with their raw `[]`/`{}`
# arguments: the schedules' admins are ours, with the same pages otherwise.
def _cron_in_words(crontab) -> str:
    """"At 02:00 AM, only on Tuesday" → "在 02:00, 仅星期二" in Chinese (cron_descriptor's zh_CN)."""
    from cron_descriptor import ExpressionDescriptor, Options
    from django.utils import translation

    options = Options()
    options.locale_code = "zh_CN" if (translation.get_language() or "").startswith("zh") else "en_US"
    options.use_24hour_time_format = True
    expression = " ".join(str(getattr(crontab, f)) for f in ("minute", "hour", "day_of_month", "month_of_year",
                                                           "day_of_week"))
    try:
        text = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # an expression cron_descriptor cannot read is shown as written
        text = expression
    if options.locale_code == "zh_CN":  # its zh_CN catalogue leaves the days' names in English
        for english, chinese in WEEKDAYS_ZH.items():
            text = text.replace(english, chinese)
    return f"{text}（{crontab.timezone}）"


WEEKDAYS_ZH = {"Monday": "星期一", "Tuesday": "星期二", "Wednesday": "星期三", "Thursday": "星期四",
               "Friday": "星期五", "Saturday": "星期六", "Sunday": "星期日"}


def _schedules_in_words():
    from django_celery_beat import admin as beat
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    class PeriodicTaskInline(beat.PeriodicTaskInline):  # its name: a schedule has few tasks (test_admin_scale)
        fields = ("name", "task", "enabled")
        readonly_fields = fields

    class CrontabAdmin(beat.CrontabScheduleAdmin):
        inlines = [PeriodicTaskInline]
        list_display = ("__str__", "in_words")
        fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
        readonly_fields = ("in_words",)

        @admin.display(description=_("Human readable"))
        def in_words(self, obj):
            return _cron_in_words(obj)

    class IntervalAdmin(beat.IntervalScheduleAdmin):
        inlines = [PeriodicTaskInline]

    class TaskAdmin(beat.PeriodicTaskAdmin):
        list_display = ("name", "enabled", "schedule_shown", "interval", "start_time", "last_run_at", "one_off")
        # not django-celery-beat's template: its script wrote "Translation: undefined" in English
        change_form_template = "admin/config/periodictask_change_form.html"

        def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
            words = {crontab.pk: _cron_in_words(crontab) for crontab in CrontabSchedule.objects.all()}
            return super().changeform_view(request, object_id, form_url,
                                           {**(extra_context or {}), "crontabs_in_words": words})

        @admin.display(description=_("Crontab translation"))
        def crontab_translation(self, obj):
            return _cron_in_words(obj.crontab) if obj.crontab else "—"

        @admin.display(description=_("Scheduler"))
        def schedule_shown(self, obj):
            return obj.scheduler

        # help texts that name Python's None (an operator reads "empty"); set on the page, not on
        # the model (a model change would ask for a migration of the third-party app)
        readonly_fields = ("last_run", "crontab_translation")

        def get_fieldsets(self, request, obj=None):
            return [(name, {**options, "fields": tuple("last_run" if f == "last_run_at" else f
                                                       for f in options["fields"])})
                    for name, options in super().get_fieldsets(request, obj)]

        @admin.display(description=_("last run at"))
        def last_run(self, obj):
            from config.history import shown_value

            return shown_value(PeriodicTask._meta.get_field("last_run_at"), obj.last_run_at)

        def get_form(self, request, obj=None, **kwargs):
            form = super().get_form(request, obj, **kwargs)
            if "queue" in form.base_fields:
                form.base_fields["queue"].help_text = _("The task's queue; empty for the default queue.")
            return form

    # a plain English label in django-celery-beat (not marked for translation)
    PeriodicTask._meta.get_field("task").verbose_name = _("Task Name")

    for model, model_admin in ((CrontabSchedule, CrontabAdmin), (IntervalSchedule, IntervalAdmin),
                               (PeriodicTask, TaskAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)


_schedules_in_words()
