"""Return time by stage (SPEC §6) on a store's refund-KPI page: the five stages' mean time over
the 30 local days ending today, whose stage it is, and the slowest highlighted. A block of its
own (a readonly field in its own fieldset), so the page around it can change freely."""
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config import timeutil
from merchants.admin_format import duration

from . import selectors

FIELD = "return_refund_stages"
STAGE_NAMES = {
    "agree": _("agree (opened → agreed)"),
    "buyer_mailing": _("buyer mailing (agreed → shipped back)"),
    "transit": _("transit (shipped → delivered)"),
    "inspection": _("inspection (delivered → receipt confirmed)"),
    "refund": _("refund (receipt confirmed → refunded)"),
}
SLOWEST_STYLE = "background:#fff3cd;font-weight:bold"
NOTE_STYLE = "margin:6px 0 0;padding:0;text-align:left;color:var(--body-quiet-color);font-size:0.75rem"


def stages_table(stages: dict) -> str:
    """The stages as a table; the slowest (every stage at the largest mean) marked in words and
    colour."""
    slowest = max((s["hours"] for s in stages.values() if s["hours"] is not None), default=None)
    rows = []
    for name, stage in stages.items():
        is_slowest = slowest is not None and stage["hours"] == slowest
        rows.append((SLOWEST_STYLE if is_slowest else "", STAGE_NAMES[name],
                     _("merchant") if stage["merchant"] else _("buyer and logistics"), duration(stage["hours"]),
                     stage["cases"], _("slowest") if is_slowest else ""))
    return format_html(
        '<div><table class="return-stages"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>'
        '</thead><tbody>{}</tbody></table><p style="{}">{}</p></div>',
        _("stage"), _("whose"), _("mean time"), _("cases"),
        format_html_join("", '<tr style="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>', rows),
        NOTE_STYLE,
        _("Over the return-and-refund cases refunded in the last 30 days (never escalated); a stage counts "
          "the cases where both its moments are known."))


class ReturnStagesAdminMixin:
    """For the store refund-KPI admin: adds the stages block to the detail page, after whatever
    fieldsets the page has."""

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, {**options, "fields": [f for f in options["fields"] if f != FIELD]})
                     for name, options in super().get_fieldsets(request, obj)]
        return [*fieldsets, (_("return time by stage"), {"fields": [FIELD]})] if obj is not None else fieldsets

    @admin.display(description=_("mean time per stage (30 days)"))
    def return_refund_stages(self, obj):
        as_of = timeutil.local_date(timezone.now())
        return stages_table(selectors.store_refund_kpis(store_ids=[obj.pk], as_of=as_of)[obj.pk][FIELD])
