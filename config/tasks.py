from celery import shared_task
from django.utils import timezone

from config.models import Heartbeat


@shared_task(name="config.tasks.heartbeat")
def heartbeat():
    """Proves a worker is consuming (beat's side is recorded when it publishes this)."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": timezone.now()})


@shared_task(name="config.tasks.purge_idempotency_keys")
def purge_idempotency_keys():
    from config.api.idempotency import purge_expired

    return purge_expired()
