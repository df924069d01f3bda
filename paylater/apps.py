from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaylaterConfig(AppConfig):
    name = "paylater"
    verbose_name = _("Pay later")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from paylater import defaults

        post_migrate.connect(defaults.create_default_rows, sender=self, dispatch_uid="paylater.create_default_rows")
        """Hand merchants what only pay-later knows (see `merchants.registry`)."""
        from merchants import registry
        from paylater.demo import seed
        from paylater.services import paylater_order_intake

        registry.provide_paylater_orders(paylater_order_intake)
        from paylater.refusals import refused_amounts

        registry.provide_paylater_refused(refused_amounts)
        registry.provide_demo(seed)
        from paylater import cockpit

        registry.provide_cockpit(worklist=cockpit.worklist)
