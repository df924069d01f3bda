"""Every periodic job, declared once (SPEC "Periodic jobs"). After each migrate the missing
ones are created in django-celery-beat's tables; operators then edit them in the admin,
and a later sync never overwrites their edits."""
from django.conf import settings

# name → (task, schedule). Schedules: {"every_seconds": n} or {"crontab": "m h dom mon dow"}
# in the platform time zone.
PERIODIC_JOBS = {
    "heartbeat": ("config.tasks.heartbeat", {"every_seconds": 30}),
    "deliver webhooks": ("merchants.webhooks.dispatch", {"every_seconds": 5}),
    "purge idempotency keys": ("config.tasks.purge_idempotency_keys", {"crontab": "15 3 * * *"}),
    "refund timeouts": ("refunds.tasks.run_refund_timeouts", {"every_seconds": 60}),
    "evaluate credit limits": ("merchants.tasks.evaluate_credit_limits", {"crontab": "0 2 1 * *"}),
    "detect excess advances": ("paylater.tasks.detect_excess_advances", {"crontab": "5 * * * *"}),
    "generate fee statements": ("paylater.tasks.generate_fee_statements", {"crontab": "0 2 1 * *"}),
    "settle due pay-later proceeds": ("paylater.tasks.settle_due_proceeds", {"crontab": "*/5 * * * *"}),
    "settle logistics incentives": ("logistics.tasks.settle_week", {"crontab": "0 2 * * 2"}),
    "logistics incentive claw-backs": ("logistics.tasks.sweep_clawbacks", {"crontab": "*/15 * * * *"}),
    "settlement watchdog": ("logistics.tasks.settlement_watchdog", {"every_seconds": 300}),
}


def sync(*, stdout=None) -> list[str]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    for name, (task, when) in PERIODIC_JOBS.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        kwargs = {}
        if "every_seconds" in when:
            kwargs["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=when["every_seconds"], period=IntervalSchedule.SECONDS)
        else:
            minute, hour, dom, month, dow = when["crontab"].split()
            kwargs["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow,
                timezone=settings.PLATFORM_TIME_ZONE)
        PeriodicTask.objects.create(name=name, task=task, **kwargs)
        created.append(name)
    return created


def sync_after_migrate(sender, **kwargs):
    from django.db import connection

    tables = connection.introspection.table_names()
    if "django_celery_beat_periodictask" in tables:
        sync()
