from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from merchants import registry
        from merchants.demo import seed

        registry.provide_demo(seed)
        from merchants import cockpit_items

        registry.provide_cockpit(worklist=cockpit_items.worklist, charts=[
            ("merchants.view_violation", cockpit_items.violations_by_kind),
            ("merchants.view_order", cockpit_items.exposure_against_limits)])
