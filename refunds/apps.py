from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = _("Refunds")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Hand merchants what only refunds knows (see `merchants.registry`)."""
        from merchants import registry
        from refunds.demo import seed
        from refunds.selectors import CREDIT_METRIC_NAMES, credit_metrics_sql

        registry.provide_credit_metrics(credit_metrics_sql, names=CREDIT_METRIC_NAMES)
        registry.provide_demo(seed)
        from refunds import cockpit

        registry.provide_cockpit(worklist=cockpit.worklist, charts=[("refunds.view_refundcase", cockpit.refund_kpis)])
