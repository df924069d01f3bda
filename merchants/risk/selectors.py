"""Reads of the monthly risk self-check (SPEC §5)."""
from django.db.models import OuterRef, Subquery

from .models import RiskCheck, StoreRisk


def risk_check_for(*, store_id: int, month=None) -> RiskCheck | None:
    """The store's check for `month`, or its latest when no month is given."""
    checks = RiskCheck.objects.filter(store_id=store_id)
    if month is not None:
        return checks.filter(month=month).first()
    return checks.order_by("-month").first()


def stores_by_latest_risk():
    """Stores that have a check, annotated with their latest month's severity, status and month
    (the operators' risk list and the first page's "risk breach" count read the same)."""
    latest = RiskCheck.objects.filter(store=OuterRef("pk")).order_by("-month")
    return (StoreRisk._default_manager.annotate(latest_severity=Subquery(latest.values("severity")[:1]),
                                                latest_status=Subquery(latest.values("status")[:1]),
                                                latest_month=Subquery(latest.values("month")[:1]))
            .filter(latest_status__isnull=False))
