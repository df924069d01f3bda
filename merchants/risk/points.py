"""The risk points of the monthly self-check (SPEC §5) and the one rule that grades a value."""
from django.utils.translation import gettext_lazy as _

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


def grade_sql(value: str, *, warning: str, limit: str, higher_is_worse: bool, falling: str = "false") -> str:
    """The one rule that grades a point, as a SQL expression: 2 breach, 1 warning, 0 ok (SPEC §5,
    §6). `value`, `warning`, `limit`, `falling`: SQL expressions (a column, a parameter).
    Higher-is-worse: at or above the limit breaches (以上 includes the number); the warning
    level is reached only by a value worse than it (complaint response of exactly 24 h keeps the
    24-hour promise). Lower-is-worse (DSR): below the limit breaches, below the warning level —
    or `falling` three months running — warns. No value: ok, or warning when falling."""
    if higher_is_worse:
        return (f"CASE WHEN {value} IS NULL THEN 0 WHEN {value} >= {limit} THEN 2 "
                f"WHEN {value} > {warning} THEN 1 ELSE 0 END")
    return (f"CASE WHEN {value} IS NULL THEN CASE WHEN {falling} THEN 1 ELSE 0 END "
            f"WHEN {value} < {limit} THEN 2 WHEN {value} < {warning} OR {falling} THEN 1 ELSE 0 END")
