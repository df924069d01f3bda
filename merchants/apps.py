from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from merchants import registry
        from merchants.admin_format import show_money_as_yuan

        show_money_as_yuan()
        from merchants.defaults import create_default_rows
        from merchants.demo import seed

        registry.provide_demo(seed)
        # after the whole `migrate` (every app's tables exist), not per app
        post_migrate.connect(create_default_rows, sender=self, dispatch_uid="merchants.create_default_rows")
        from merchants import cockpit_items

        registry.provide_cockpit(worklist=cockpit_items.worklist, charts=[
            ("merchants.view_violation", cockpit_items.violations_by_kind),
            ("merchants.view_order", cockpit_items.exposure_against_limits)])
