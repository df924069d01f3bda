"""Reads of the monthly risk self-check (SPEC §5)."""
from .models import RiskCheck


def risk_check_for(*, store_id: int, month=None) -> RiskCheck | None:
    """The store's check for `month`, or its latest when no month is given."""
    checks = RiskCheck.objects.filter(store_id=store_id)
    if month is not None:
        return checks.filter(month=month).first()
    return checks.order_by("-month").first()
