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


@pytest.mark.parametrize("job", ["heartbeat", "evaluate credit limits"])  # an interval job, a crontab job
def test_a_periodic_task_page_says_its_crontab_in_the_operators_words(admin_client, job):
    """django-celery-beat's page wrote "Translation: undefined" (English, no crontab chosen) or the
    crontab's English description under the field; ours keeps the "crontab translation" row, in
    Chinese, and gives the form each crontab's words for when the operator picks another."""
    import json
    import re

    from django.urls import reverse

    task = PeriodicTask.objects.get(name=job)
    response = admin_client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]),
                                HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200 and "Translation:" not in html
    words = json.loads(re.search(r'<script id="crontabs-in-words" type="application/json">(.*?)</script>',
                                 html, re.S).group(1))
    assert words and all("（Asia/Shanghai）" in text for text in words.values())
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in words.values())
    if task.crontab_id:  # the row shows the saved crontab's words, outside the script's data
        page = re.sub(r'<script id="crontabs-in-words".*?</script>', "", html, flags=re.S)
        assert words[str(task.crontab_id)] in page
