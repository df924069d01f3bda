"""Admin lists and pages that ignore table size (issue 16; docs/decisions/0034): every admin of a
table that grows with time pages with an estimated count, has no date hierarchy, filters by store
through an autocomplete, lists in an indexed order, and shows only the latest rows of a growing
inline. Walks `admin.site._registry`, so a new admin is held to it the day it is registered."""
import pytest
from django.contrib import admin
from django.contrib.admin.filters import AllValuesFieldListFilter, RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection
from django.urls import reverse

from merchants import admin_base
from merchants.admin_base import AutocompleteFilter, BoundedInlineMixin, EstimatedCountPaginator, LargeListAdmin
from merchants.models import Order
from tests.config.admin_rows import webhook_deliveries
from tests.factories import OrderFactory, StoreFactory, UserFactory

# Admins of tables that stay small by design: policies, calendars, catalogues of rules, plumbing.
SMALL = {
    "auth.Group", "auth.User", "core.Heartbeat", "core.ApiToken",  # one token per store or client
    "django_celery_beat.ClockedSchedule", "django_celery_beat.CrontabSchedule",
    "django_celery_beat.IntervalSchedule", "django_celery_beat.PeriodicTask", "django_celery_beat.SolarSchedule",
    "logistics.IncentiveTier", "logistics.LogisticsPolicy", "merchants.AppealPolicy", "merchants.Category",
    "merchants.CreditApplicationPolicy", "merchants.CreditIndicator", "merchants.CreditScorePolicy",
    "merchants.Holiday", "merchants.PenaltyRule", "merchants.RiskPolicy", "paylater.FeeRate",
    "paylater.PaylaterPolicy", "refunds.RefundPolicy",
}
# Big tables a list filter must never enumerate (a link per row, or a DISTINCT over the table).
BIG_TARGETS = {"merchants.Store", "merchants.Order", "merchants.Product", "refunds.RefundCase"}
# Inlines bounded by a rule, not by time: one negotiation per case, a violation's few sanctions,
# the schedules' periodic tasks.
BOUNDED_BY_RULE = {"NegotiationInline", "SanctionInline", "PeriodicTaskInline",
                   "ContestInline", "EvidenceFileInline"}  # one contest per case, at most 9 files per entry
# A DISTINCT over a table with one row per store (≤ stores rows, milliseconds), not per event.
DISTINCT_PER_STORE = {("paylater.Enrollment", "refusal_code")}
# Lists ordered by a computed column over stores (one row per store, not per event).
COMPUTED_ORDER = {"merchants.StoreRisk"}


def registered():
    return sorted(((m._meta.label, m, ma) for m, ma in admin.site._registry.items()), key=lambda t: t[0])


LARGE = [(label, model, ma) for label, model, ma in registered() if label not in SMALL]


def test_every_admin_of_a_growing_table_is_a_large_list():
    assert [label for label, _m, ma in LARGE if not isinstance(ma, LargeListAdmin)] == []


@pytest.mark.parametrize("label,model,model_admin", LARGE, ids=[t[0] for t in LARGE])
def test_a_large_list_never_counts_or_scans_the_whole_table(label, model, model_admin):
    assert model_admin.date_hierarchy is None, "date_hierarchy: a DISTINCT DATE_TRUNC over the table per view"
    assert model_admin.show_full_result_count is False
    assert model_admin.paginator is EstimatedCountPaginator
    assert model_admin.show_facets is admin.ShowFacets.NEVER


@pytest.mark.parametrize("label,model,model_admin", registered(), ids=[t[0] for t in registered()])
def test_no_list_filter_lists_every_store(label, model, model_admin):
    for spec in model_admin.list_filter:
        path, filter_class = spec if isinstance(spec, tuple) else (spec, None)
        if not isinstance(path, str):
            continue  # a SimpleListFilter: its lookups are its own (tested where it lives)
        field = get_fields_from_path(model, path)[-1]
        if field.is_relation and field.related_model._meta.label in BIG_TARGETS:
            assert filter_class is not None and issubclass(filter_class, AutocompleteFilter), (label, path)
            assert not issubclass(filter_class, RelatedFieldListFilter), (label, path)
        if label not in SMALL and filter_class is None and not field.is_relation \
                and (label, path) not in DISTINCT_PER_STORE:
            plain = not field.choices and field.get_internal_type() not in (
                "BooleanField", "DateField", "DateTimeField")
            assert not plain, f"{label}.{path}: AllValuesFieldListFilter runs SELECT DISTINCT over the table"
        if filter_class is not None:
            assert not issubclass(filter_class, AllValuesFieldListFilter), (label, path)


def _leads_an_index(model, column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return any(c["columns"] and c["columns"][0] == column and (c["index"] or c["unique"] or c["primary_key"])
               for c in constraints.values())


@pytest.mark.django_db
@pytest.mark.parametrize("label,model,model_admin", LARGE, ids=[t[0] for t in LARGE])
def test_a_large_list_is_ordered_by_an_indexed_column(label, model, model_admin, rf):
    if label in COMPUTED_ORDER:
        pytest.skip("ordered by a computed column over stores")
    ordering = list(model_admin.get_ordering(rf.get("/")) or model._meta.ordering or ["-pk"])
    first = ordering[0].lstrip("-")
    column = model._meta.pk.column if first == "pk" else model._meta.get_field(first).column
    assert _leads_an_index(model, column), f"{label}: ORDER BY {ordering} reads no index"


@pytest.mark.parametrize("label,model,model_admin", registered(), ids=[t[0] for t in registered()])
def test_inlines_that_grow_show_only_the_latest_rows(label, model, model_admin):
    for inline in model_admin.inlines:
        assert issubclass(inline, BoundedInlineMixin) or inline.__name__ in BOUNDED_BY_RULE, (label, inline)


@pytest.fixture
def superuser_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_small_list_shows_the_exact_count(superuser_client):
    OrderFactory.create_batch(3)
    response = superuser_client.get(reverse("admin:merchants_order_changelist"))
    cl = response.context["cl"]
    assert cl.result_count == 3 and cl.paginator.estimated is False
    assert "about" not in response.content.decode().split('class="paginator"')[1][:200]


@pytest.mark.django_db
def test_a_big_unfiltered_list_takes_the_planners_estimate_and_still_pages(superuser_client, monkeypatch):
    OrderFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE merchants_order")
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 0)
    monkeypatch.setattr(type(admin.site._registry[Order]), "list_per_page", 2)
    url = reverse("admin:merchants_order_changelist")
    response = superuser_client.get(url)
    cl = response.context["cl"]
    assert cl.paginator.estimated is True and cl.result_count == 5  # reltuples after ANALYZE
    assert "about 5" in response.content.decode()
    last = superuser_client.get(url, {"p": cl.paginator.num_pages})
    assert last.status_code == 200 and len(last.context["cl"].result_list) == 1


@pytest.mark.django_db
def test_an_estimate_beyond_the_real_rows_gives_an_empty_page_not_an_error(superuser_client, monkeypatch):
    OrderFactory.create_batch(2)
    monkeypatch.setattr(admin_base, "table_estimate", lambda qs: 1_000_000)
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 0)
    response = superuser_client.get(reverse("admin:merchants_order_changelist"), {"p": 3})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []


@pytest.mark.django_db
def test_a_filtered_list_is_estimated_by_the_plan_without_counting(monkeypatch):
    OrderFactory.create_batch(3)
    queryset = Order.objects.filter(status="paid").order_by("-paid_at")
    assert admin_base.table_estimate(queryset) >= 1  # EXPLAIN's rows, nothing read
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 10**9)
    assert EstimatedCountPaginator(queryset, 100).count == queryset.count()


@pytest.mark.django_db
def test_the_store_filter_is_an_autocomplete_kept_in_the_url(superuser_client):
    mine, other = StoreFactory(name="甜蜜小铺"), StoreFactory(name="Other shop")
    OrderFactory.create_batch(2, product__store=mine)
    OrderFactory(product__store=other)
    response = superuser_client.get(reverse("admin:merchants_order_changelist"),
                                    {"store__id__exact": mine.pk, "status": "paid"})
    html = response.content.decode()
    assert {o.store_id for o in response.context["cl"].result_list} == {mine.pk}
    assert 'class="admin-autocomplete' in html and 'data-field-name="store"' in html
    assert f'<option value="{mine.pk}" selected>甜蜜小铺</option>' in html  # the chosen store, by name
    assert "Other shop" not in html  # no list of every store
    assert '<input type="hidden" name="status" value="paid">' in html  # the other filters survive
    assert "admin/js/vendor/select2/select2.full" in html and "autocomplete_filter.js" in html


@pytest.mark.django_db
def test_the_store_filter_searches_stores_by_name(superuser_client):
    StoreFactory(name="甜蜜小铺")
    StoreFactory(name="Other shop")
    response = superuser_client.get(reverse("admin:autocomplete"), {
        "app_label": "merchants", "model_name": "order", "field_name": "store", "term": "甜蜜"})
    assert [r["text"] for r in response.json()["results"]] == ["甜蜜小铺"]


@pytest.mark.django_db
def test_a_delivery_page_shows_only_its_latest_attempts(superuser_client, monkeypatch):
    from merchants.webhooks.admin import AttemptInline
    from merchants.webhooks.models import WebhookAttempt

    delivery = webhook_deliveries(1)[0]
    for _ in range(4):
        WebhookAttempt.objects.create(delivery=delivery, status_code=500, latency_ms=5)
    monkeypatch.setattr(AttemptInline, "max_shown", 2)
    response = superuser_client.get(reverse("admin:merchants_webhookdelivery_change", args=[delivery.pk]))
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is WebhookAttempt)
    newest = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("-at", "-id")[:2])
    assert [form.instance for form in formset.formset.forms] == newest


@pytest.mark.django_db
def test_the_store_search_computes_no_balance(superuser_client):
    from django.test.utils import CaptureQueriesContext

    StoreFactory(name="甜蜜小铺")
    with CaptureQueriesContext(connection) as ctx:
        response = superuser_client.get(reverse("admin:autocomplete"), {
            "app_label": "merchants", "model_name": "ledgerentry", "field_name": "store", "term": ""})
    assert response.status_code == 200 and response.json()["results"]
    assert not [q["sql"] for q in ctx.captured_queries if "SUM(" in q["sql"].upper()]


@pytest.mark.django_db
def test_a_cleared_store_filter_shows_every_row(superuser_client):
    OrderFactory.create_batch(2)
    response = superuser_client.get(reverse("admin:merchants_order_changelist"), {"store__id__exact": ""})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2


@pytest.mark.django_db
def test_a_count_slower_than_its_budget_gives_way_to_the_estimate():
    OrderFactory.create_batch(2)
    slow = Order.objects.extra(where=["(SELECT pg_sleep(0.2)) IS NOT NULL"])
    assert admin_base._count_within(slow, 20) is None
    assert admin_base._count_within(Order.objects.all(), 2000) == 2
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # the connection's own timeout is back
