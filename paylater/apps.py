from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaylaterConfig(AppConfig):
    name = "paylater"
    verbose_name = _("Pay later")
    default_auto_field = "django.db.models.BigAutoField"
