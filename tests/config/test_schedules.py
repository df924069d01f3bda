import pytest
from django_celery_beat.models import PeriodicTask

from config import schedules
from config.celery_app import app

pytestmark = pytest.mark.django_db


def test_every_declared_job_is_in_the_beat_schedule_after_migrate():
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert set(schedules.PERIODIC_JOBS) <= names


def test_every_declared_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, (task, _when) in schedules.PERIODIC_JOBS.items():
        assert task in app.tasks, f"{name}: task {task} is not registered"


def test_crontab_jobs_run_in_the_platform_time_zone():
    for task in PeriodicTask.objects.filter(crontab__isnull=False).select_related("crontab"):
        assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_sync_keeps_operator_edits():
    task = PeriodicTask.objects.get(name="heartbeat")
    task.enabled = False
    task.save()
    assert schedules.sync() == []
    assert PeriodicTask.objects.get(name="heartbeat").enabled is False
