from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from config.models import Heartbeat

# Checks the apps add in their AppConfig.ready() (config imports no app): name → fn() returning
# {"ok": bool, …}. Each runs only when the database answers; one that raises counts as not ok.
_checks = {}


def register_check(name: str, fn) -> None:
    _checks[name] = fn


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # report, don't raise: this is the health check
        return {"ok": False, "error": str(exc)[:200]}


def _broker():
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "url": conn.as_uri()}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


def healthz(request):
    """Database, broker, last worker/beat heartbeat and the apps' checks (settlement: stuck runs);
    200 when all are fine, else 503."""
    now = timezone.now()
    checks = {"database": _database(), "broker": _broker()}
    beats = {}
    if checks["database"]["ok"]:
        beats = {hb.name: hb.at for hb in Heartbeat.objects.all()}
    for name, check in (_checks.items() if checks["database"]["ok"] else ()):
        try:
            checks[name] = check()
        except Exception as exc:  # report, don't raise
            checks[name] = {"ok": False, "error": str(exc)[:200]}
    for name in ("worker", "beat"):
        at = beats.get(name)
        age = (now - at).total_seconds() if at else None
        checks[name] = {"ok": age is not None and age <= settings.HEARTBEAT_STALE_SECONDS,
                        "last_heartbeat": timezone.localtime(at).isoformat() if at else None,
                        "age_seconds": round(age, 1) if age is not None else None}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)
