"""What logistics puts on the operators' first page (see `merchants.cockpit`): parcels to
follow up, settlement runs that failed or are stuck, and incentives paid per week."""
import datetime as dt

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import timeutil
from merchants.admin_format import yuan
from merchants.cockpit import Bar, Chart, WorkItem

from .models import SettlementRun, Shipment, WeeklyResult
from .recovery import needs_attention_q
from .rules import awaiting_follow_up_q

CHART_WEEKS = 8


def worklist() -> list[WorkItem]:
    return [
        WorkItem(_("Parcels with no pickup scan after 24 hours"), "logistics.shipment", {"shipping": "follow_up"},
                 Shipment.objects.filter(awaiting_follow_up_q(timezone.now())),
                 oldest_field="shipped_at"),
        WorkItem(_("Settlement runs failed or stuck"), "logistics.settlementrun", {"attention": "yes"},
                 SettlementRun.objects.filter(needs_attention_q(timezone.now()))),
    ]


def incentives_per_week() -> Chart:
    """Incentives paid for each of the last 8 settled weeks (one query)."""
    this_monday = timeutil.week_monday(timeutil.local_date(timezone.now()))
    weeks = [this_monday - dt.timedelta(weeks=n) for n in range(CHART_WEEKS, 0, -1)]
    paid = dict(WeeklyResult.objects.filter(status=WeeklyResult.Status.PAID, week__gte=weeks[0])
                .order_by().values_list("week").annotate(total=Sum("amount")))
    return Chart(_("Incentives paid per week"),
                 [Bar(timeutil.week_name(w), paid.get(w, 0), yuan(paid.get(w, 0))) for w in weeks])
