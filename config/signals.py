import logging

from celery.signals import before_task_publish

log = logging.getLogger(__name__)


@before_task_publish.connect
def record_beat_heartbeat(sender=None, headers=None, **kwargs):
    """Beat publishes the heartbeat task: record that beat is alive when it does."""
    if sender != "config.tasks.heartbeat":
        return
    try:
        from django.utils import timezone

        from config.models import Heartbeat

        Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})
    except Exception:  # never block publishing because the heartbeat row failed
        log.exception("could not record beat heartbeat")
