"""`{% cockpit %}` renders the operators' first page above the admin's app list."""
from django import template

from merchants import cockpit
from merchants.admin_format import duration

register = template.Library()


@register.inclusion_tag("admin/merchants/cockpit.html", takes_context=True)
def cockpit_panel(context):
    user = context["request"].user
    items = cockpit.worklist_for(user)
    return {"items": [(c, duration(c.waited_hours) if c.oldest else "") for c in items],
            "charts": cockpit.charts_for(user)}
