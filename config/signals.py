import logging

from celery.signals import beat_init, before_task_publish

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


@beat_init.connect
def heartbeat_at_start(sender=None, **kwargs):
    """Publish the heartbeat once as beat starts: django-celery-beat first runs an interval task
    one interval after it was scheduled, so /healthz stayed 503 for up to 30 s after a healthy start
    (`make run`, a deploy). This is a real heartbeat: beat publishes it and a worker must run it."""
    sender.app.send_task("config.tasks.heartbeat")
