import datetime as dt

import pytest
from django.utils import timezone

from config import health
from config.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_ok(monkeypatch):
    monkeypatch.setattr(health, "_broker", lambda: {"ok": True})


def beat(seconds_ago):
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    for name in ("worker", "beat"):
        Heartbeat.objects.update_or_create(name=name, defaults={"at": at})


def test_healthy_with_database_broker_and_fresh_heartbeats(client, broker_ok):
    beat(10)
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["checks"]["worker"]["last_heartbeat"].endswith("+08:00")


def test_unhealthy_without_a_worker_heartbeat(client, broker_ok):
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["checks"]["worker"]["ok"] is False


def test_unhealthy_when_heartbeats_are_stale(client, broker_ok):
    beat(3600)
    assert client.get("/healthz").status_code == 503


def test_unhealthy_when_the_broker_does_not_answer(client, monkeypatch):
    beat(5)
    monkeypatch.setattr(health, "_broker", lambda: {"ok": False, "error": "connection refused"})
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["checks"]["broker"]["ok"] is False


def test_heartbeat_task_records_worker_and_publishing_records_beat(settings):
    from config.signals import record_beat_heartbeat
    from config.tasks import heartbeat

    heartbeat()
    record_beat_heartbeat(sender="config.tasks.heartbeat")
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"worker", "beat"}


def test_beat_publishes_a_heartbeat_as_it_starts_not_one_interval_later():
    from celery.signals import beat_init

    sent = []

    class App:
        def send_task(self, name, *args, **kwargs):
            sent.append(name)

    class Beat:  # what celery passes: the beat service, with its app
        app = App()

    beat_init.send(sender=Beat())
    assert sent == ["config.tasks.heartbeat"]
