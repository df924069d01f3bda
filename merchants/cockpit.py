"""The operators' first page (SPEC "Operators' cockpit"): the day's work as counts, each
linking to the admin list filtered to exactly those rows, and the trends operators watch.

Every app contributes its own items and charts through `merchants.registry.provide_cockpit`
(merchants cannot import paylater, refunds or logistics). An item is a queryset plus the
changelist query string that selects the same rows; the page costs one query per item and one
or two per chart, whatever the size of the data."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from merchants import registry


@dataclass
class WorkItem:
    """`queryset` holds exactly the rows the admin list shows at `changelist?query`."""

    label: str
    changelist: str  # "app_label.model_name"
    query: dict
    queryset: QuerySet
    oldest_field: str | None = None  # e.g. "escalated_at": show how long the oldest has waited

    @property
    def url(self) -> str:
        app_label, model_name = self.changelist.split(".")
        return f"{reverse(f'admin:{app_label}_{model_name}_changelist')}?{urlencode(self.query)}"

    @property
    def view_perm(self) -> str:
        app_label, model_name = self.changelist.split(".")
        return f"{app_label}.view_{model_name}"


@dataclass
class Bar:
    label: str
    value: Decimal | int
    display: str


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    note: str = ""
    max_value: Decimal | int = field(default=0)

    def __post_init__(self):
        self.max_value = max([self.max_value, *(b.value for b in self.bars)] or [0])

    def rows(self):
        """(bar, width in percent) for server-rendered CSS bars (no JavaScript, no CDN)."""
        top = self.max_value or 1
        return [(bar, round(float(bar.value) * 100 / float(top), 1) if bar.value else 0) for bar in self.bars]


@dataclass
class Counted:
    item: WorkItem
    count: int
    oldest: object = None  # aware datetime of the oldest row, when asked for

    @property
    def waited_hours(self) -> float | None:
        if self.oldest is None:
            return None
        return (timezone.now() - self.oldest).total_seconds() / 3600


def work_items() -> list[WorkItem]:
    """Every app's items, in INSTALLED_APPS order."""
    return [item for provider in registry.cockpit_worklists() for item in provider()]


def count(item: WorkItem) -> Counted:
    """One query: the count, and the oldest row's time when the item asks for it."""
    if item.oldest_field:
        row = item.queryset.order_by().aggregate(n=Count("pk"), oldest=Min(item.oldest_field))
        return Counted(item, row["n"], row["oldest"])
    return Counted(item, item.queryset.order_by().count())


def worklist_for(user) -> list[Counted]:
    """The items this user may open, counted."""
    return [count(item) for item in work_items() if user.has_perm(item.view_perm)]


def charts_for(user) -> list[Chart]:
    """Each chart is built only for a user who may read what it sums; a build returns one
    chart or a list of them."""
    charts = []
    for perm, build in registry.cockpit_charts():
        if user.has_perm(perm):
            built = build()
            charts.extend(built if isinstance(built, list) else [built])
    return charts
