from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Logistics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from logistics import defaults

        post_migrate.connect(defaults.create_default_rows, sender=self, dispatch_uid="logistics.create_default_rows")
        """Hand merchants what only logistics knows (see `merchants.registry`); report stuck runs in /healthz."""
        from config import health
        from logistics import cockpit
        from logistics.demo import seed
        from logistics.recovery import settlement_health
        from logistics.selectors import CREDIT_METRIC_NAMES, credit_metrics_sql, order_shipped_at
        from merchants import registry

        registry.provide_credit_metrics(credit_metrics_sql, names=CREDIT_METRIC_NAMES)
        registry.provide_order_shipped_at(order_shipped_at)
        registry.provide_demo(seed)
        registry.provide_cockpit(worklist=cockpit.worklist,
                                 charts=[("logistics.view_weeklyresult", cockpit.incentives_per_week)])

        health.register_check("settlement", settlement_health)
