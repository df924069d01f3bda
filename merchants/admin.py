"""Django's admin autodiscovery imports this module; each concept registers its own pages."""
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from merchants.admin_base import LargeListAdmin
from merchants.applications import admin as _applications  # noqa: F401
from merchants.credit import admin as _credit  # noqa: F401
from merchants.ledger import admin as _ledger  # noqa: F401
from merchants.orders import admin as _orders  # noqa: F401
from merchants.risk import admin as _risk  # noqa: F401
from merchants.stores import admin as _stores  # noqa: F401
from merchants.violations import admin as _violations  # noqa: F401
from merchants.violations import appeal_admin as _appeals  # noqa: F401
from merchants.webhooks import admin as _webhooks  # noqa: F401


def _login_records_as_large_lists():
    """django-axes' login records grow with every login: its admins get the large-list
    treatment (no month DISTINCT over the table, estimated counts) and lose the `path_info`
    filter, a SELECT DISTINCT over every record; the rest (permissions, fields) is axes' own."""
    for model, base in ((AccessAttempt, axes_admin.AccessAttemptAdmin), (AccessLog, axes_admin.AccessLogAdmin),
                        (AccessFailureLog, axes_admin.AccessFailureLogAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
            admin.site.register(model, type(base.__name__, (LargeListAdmin, base), {
                "__module__": __name__, "date_hierarchy": None,
                "list_filter": [f for f in base.list_filter if f != "path_info"]}))


_login_records_as_large_lists()
