from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Platform plumbing shared by every app: API tokens, idempotency keys, heartbeats."""

    name = "config"
    label = "core"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import language, schedules, signals  # noqa: F401  (login and celery heartbeat signals)
        from .history import cache_history_managers

        post_migrate.connect(schedules.sync_after_migrate, sender=self)
        cache_history_managers(apps.get_models())
