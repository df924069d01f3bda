"""What merchants puts on the operators' first page: reviews due, violations to decide, and
the trends of violations and pay-later exposure (see `merchants.cockpit`)."""
import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.money import ZERO
from merchants.admin_format import yuan
from merchants.applications.models import CreditApplication
from merchants.applications.selectors import raised_level
from merchants.cockpit import Bar, Chart, WorkItem
from merchants.orders.models import Order
from merchants.orders.selectors import exposure_q
from merchants.risk.models import RiskStatus
from merchants.risk.selectors import stores_by_latest_risk
from merchants.stores.models import Store
from merchants.violations.models import Appeal, Violation

VIOLATION_WINDOW_DAYS = 30


def worklist() -> list[WorkItem]:
    now = timezone.now()
    pending = CreditApplication.objects.filter(status=CreditApplication.Status.PENDING)
    return [
        WorkItem(_("Limit reviews overdue"), "merchants.creditapplication", {"deadline": "overdue"},
                 pending.filter(due_at__lte=now), oldest_field="due_at"),
        WorkItem(_("Limit reviews due within 24 hours"), "merchants.creditapplication", {"deadline": "due_24h"},
                 pending.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(hours=24))),
        WorkItem(_("Violations pending review"), "merchants.violation", {"status__exact": "pending_review"},
                 Violation.objects.filter(status=Violation.Status.PENDING_REVIEW), oldest_field="created_at"),
        WorkItem(_("Appeals waiting for a decision"), "merchants.appeal", {"status__exact": "pending"},
                 Appeal.objects.filter(status=Appeal.Status.PENDING), oldest_field="submitted_at"),
        WorkItem(_("Stores with a risk breach"), "merchants.storerisk", {"risk": RiskStatus.BREACH},
                 stores_by_latest_risk().filter(latest_status=RiskStatus.BREACH)),
    ]


def violations_by_kind() -> Chart:
    since = timezone.now() - dt.timedelta(days=VIOLATION_WINDOW_DAYS)
    counts = dict(Violation.objects.filter(occurred_at__gte=since)
                  .exclude(status__in=[Violation.Status.DISMISSED, Violation.Status.REVOKED])
                  .order_by().values_list("kind").annotate(n=Count("pk")))
    return Chart(_("Violations by kind (last 30 days, not dismissed or revoked)"),
                 [Bar(label, counts.get(kind, 0), str(counts.get(kind, 0))) for kind, label in Violation.Kind.choices])


def exposure_against_limits() -> Chart:
    """Platform-wide pay-later exposure against the sum of effective limits (max of base and
    raised, SPEC §1): three queries whatever the number of stores."""
    exposure = Order.objects.filter(exposure_q()).aggregate(total=Sum("amount"))["total"] or ZERO
    limits = Store.objects.aggregate(total=Sum("base_limit"))["total"] or ZERO
    now, raised = timezone.now(), {}
    approved = CreditApplication.objects.filter(status=CreditApplication.Status.APPROVED,
                                                decided_at__lte=now).select_related("store")
    for app in approved:
        level = raised_level(app, now)
        if level is not None:
            best = raised.get(app.store_id, (level, app.store.base_limit))[0]
            raised[app.store_id] = (max(level, best), app.store.base_limit)
    limits += sum((max(ZERO, level - base) for level, base in raised.values()), ZERO)
    return Chart(_("Pay-later exposure against the sum of limits"),
                 [Bar(str(_("sum of effective limits")), limits, yuan(limits)),
                  Bar(str(_("exposure")), exposure, yuan(exposure))])
