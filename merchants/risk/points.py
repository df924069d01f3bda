"""The risk points of the monthly self-check (SPEC §5) and the one rule that grades a value."""
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .models import RiskStatus

# code → higher is worse (DSR is the one where lower is worse)
POINTS = {
    "dispute_rate": True,
    "return_rate": True,
    "late_shipment_rate": True,
    "dsr": False,
    "unrecovered_advances": True,
    "complaint_response_hours": True,
    "inventory_turnover_days": True,
}


# code → what an operator reads (the API and the stored points keep the code)
LABELS = {
    "dispute_rate": _("dispute rate"),
    "return_rate": _("return rate"),
    "late_shipment_rate": _("late-shipment rate"),
    "dsr": _("DSR"),
    "unrecovered_advances": _("unrecovered advances ÷ effective limit"),
    "complaint_response_hours": _("complaint response (hours)"),
    "inventory_turnover_days": _("inventory turnover (days)"),
}
RATES = {"dispute_rate", "return_rate", "late_shipment_rate", "unrecovered_advances"}  # shown as percentages


def point_status(value: Decimal | None, warning_at: Decimal, limit_at: Decimal, *, higher_is_worse: bool = True,
                 falling: bool = False) -> str:
    """ok / warning / breach. Higher-is-worse: at or above the limit breaches, at or above the
    warning level warns (以上 includes the number). Lower-is-worse (DSR): below the limit breaches,
    below the warning level — or `falling` three months running — warns. No value: ok."""
    if value is None:
        return RiskStatus.WARNING if falling else RiskStatus.OK
    if higher_is_worse:
        if value >= limit_at:
            return RiskStatus.BREACH
        return RiskStatus.WARNING if value >= warning_at else RiskStatus.OK
    if value < limit_at:
        return RiskStatus.BREACH
    return RiskStatus.WARNING if value < warning_at or falling else RiskStatus.OK
