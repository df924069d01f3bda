"""Admin searches over big tables that an index answers (issue 16, item 4; docs/decisions/0034):
every search field still finds what it found, written so that PostgreSQL reads an index of the
list's own table instead of scanning it, and a list's count leaves out the joins only its computed
columns read."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from config.migration_ops import trigram_indexes
from logistics.models import Shipment
from merchants import admin_base
from merchants.admin_base import counted
from merchants.models import LedgerEntry, Order, Violation
from refunds.models import RefundCase
from tests.factories import LedgerEntryFactory, OrderFactory, StoreFactory, UserFactory, ViolationFactory
from tests.logistics.factories import ShipmentFactory
from tests.refunds.factories import RefundCaseFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def changelist(model, user, **query):
    request = RequestFactory().get("/", query)
    request.user = user
    return admin.site._registry[model].get_changelist_instance(request)


def found(model, user, q, **query):
    return set(changelist(model, user, q=q, **query).queryset)


# --- What each search field finds ---------------------------------------------------------------

@pytest.mark.django_db
def test_orders_are_found_by_number_buyer_and_store_name(superuser):
    sweet = StoreFactory(name="甜蜜小铺")
    mine = OrderFactory(product__store=sweet, buyer_id="tb_buyer_42")
    other = OrderFactory(product__store=StoreFactory(name="Plain"), buyer_id="tb_buyer_7")
    assert found(Order, superuser, str(other.pk)) == {other}
    assert found(Order, superuser, "tb_buyer_42") == {mine}
    assert found(Order, superuser, "甜蜜") == {mine}  # a part of the store's name, two characters
    assert found(Order, superuser, "甜蜜 tb_buyer_42") == {mine}  # every term must match
    assert found(Order, superuser, "甜蜜 tb_buyer_7") == set()
    assert found(Order, superuser, "no such thing") == set()


@pytest.mark.django_db
def test_a_name_matching_more_stores_than_are_listed_by_id_still_filters(superuser, monkeypatch):
    monkeypatch.setattr(admin_base, "SEARCH_IDS_AT_MOST", 1)
    a, b = StoreFactory(name="Sweet A"), StoreFactory(name="Sweet B")
    orders = {OrderFactory(product__store=a), OrderFactory(product__store=b)}
    OrderFactory(product__store=StoreFactory(name="Sour"))
    cl = changelist(Order, superuser, q="sweet")
    assert set(cl.queryset) == orders
    assert "SELECT" in str(cl.queryset.query).split("WHERE", 1)[1]  # the stores as a subquery


@pytest.mark.django_db
def test_ledger_entries_are_found_by_reference_key_and_store_name(superuser):
    shop = StoreFactory(name="甲店")
    proceeds = LedgerEntryFactory(store=shop, reference="order:4242", idempotency_key="order:4242:proceeds")
    fine = LedgerEntryFactory(reference="violation:17", idempotency_key="violation:17:fine")
    assert found(LedgerEntry, superuser, "order:4242") == {proceeds}
    assert found(LedgerEntry, superuser, "ORDER:42") == {proceeds}  # any part, any case
    assert found(LedgerEntry, superuser, "violation:17:fine") == {fine}  # the key whole
    assert found(LedgerEntry, superuser, "甲店") == {proceeds}


@pytest.mark.django_db
def test_a_term_too_short_for_the_trigram_index_is_not_looked_for_inside_references(superuser):
    """No index answers `LIKE '%42%'`: a rare two-character term would scan the whole ledger."""
    entry = LedgerEntryFactory(store=StoreFactory(name="Store 42"), reference="order:1")
    LedgerEntryFactory(reference="order:42")
    assert found(LedgerEntry, superuser, "42") == {entry}  # the store's name still matches


@pytest.mark.django_db
def test_violations_are_found_by_any_part_of_reference_or_detail_two_chinese_characters_included(superuser):
    late = ViolationFactory(reference="SF1234567890", detail="揽收超时，未按时发货")
    fake = ViolationFactory(reference="order:77", detail="虚假交易")
    assert found(Violation, superuser, "sf123456") == {late}
    assert found(Violation, superuser, "发货") == {late}  # a word of two characters is a real search here
    assert found(Violation, superuser, "虚假") == {fake}


@pytest.mark.django_db
def test_refund_cases_are_found_by_number_order_buyer_and_store_name(superuser):
    case = RefundCaseFactory(store=StoreFactory(name="甜蜜小铺"))
    other = RefundCaseFactory(store=StoreFactory(name="Plain"))
    assert case in found(RefundCase, superuser, str(case.pk))  # (or a case whose order has that number)
    assert other in found(RefundCase, superuser, str(other.order_id))
    assert found(RefundCase, superuser, case.buyer_id) == {case}
    assert found(RefundCase, superuser, "小铺") == {case}


@pytest.mark.django_db
def test_shipments_are_found_by_tracking_number_in_any_case_order_and_store_name(superuser):
    parcel = ShipmentFactory(tracking_no="SF1234567890", order__product__store=StoreFactory(name="甜蜜小铺"))
    other = ShipmentFactory(order__product__store=StoreFactory(name="Plain"))
    assert found(Shipment, superuser, "sf1234567890") == {parcel}
    assert found(Shipment, superuser, "SF12345") == set()  # a tracking number is typed whole
    assert found(Shipment, superuser, str(other.order_id)) == {other}
    assert found(Shipment, superuser, "甜蜜") == {parcel}


@pytest.mark.django_db
def test_the_search_page_and_its_count_agree(client, superuser):
    sweet = StoreFactory(name="甜蜜小铺")
    ShipmentFactory.create_batch(2, order__product__store=sweet)
    ShipmentFactory(order__product__store=StoreFactory(name="Plain"))
    client.force_login(superuser)
    response = client.get(reverse("admin:logistics_shipment_changelist"), {"q": "甜蜜"})
    assert response.context["cl"].result_count == 2 and len(response.context["cl"].result_list) == 2


# --- The count leaves out what only the computed columns read ------------------------------------

@pytest.mark.django_db
def test_a_shipment_count_does_not_join_the_orders_its_on_time_flag_reads(superuser):
    store = StoreFactory()
    ShipmentFactory.create_batch(2, order__product__store=store)
    ShipmentFactory()
    queryset = changelist(Shipment, superuser, store__id__exact=store.pk).queryset
    assert "merchants_order" in str(queryset.query)  # the list shows the flag
    rows = counted(queryset)
    assert "merchants_order" not in str(rows.query) and rows.count() == 2


@pytest.mark.django_db
def test_a_filter_on_the_computed_column_keeps_its_join(superuser):
    ShipmentFactory(official_logistics=False)
    on_time = ShipmentFactory()
    queryset = changelist(Shipment, superuser, shipping="on_time").queryset
    rows = counted(queryset)
    assert "merchants_order" in str(rows.query) and rows.count() == 1 == len({on_time} & set(queryset))


# --- The migration -------------------------------------------------------------------------------

class _Editor:
    def __init__(self):
        self.executed = []

    def execute(self, sql):
        self.executed.append(sql)


def test_the_trigram_migration_creates_the_extension_then_each_index():
    operation = trigram_indexes({"store_name_trgm": "merchants_store (UPPER(name) gin_trgm_ops)"})
    editor = _Editor()
    operation.code(None, editor)
    assert editor.executed == ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
                               "CREATE INDEX IF NOT EXISTS store_name_trgm ON merchants_store "
                               "USING gin (UPPER(name) gin_trgm_ops)"]
    operation.reverse_code(None, editor)
    assert editor.executed[-1] == "DROP INDEX IF EXISTS store_name_trgm"


@pytest.mark.django_db
def test_the_migrated_database_has_the_search_indexes():
    with connection.cursor() as cursor:
        indexes = {name for table in ("merchants_store", "merchants_ledgerentry", "logistics_shipment",
                                      "merchants_violation")
                   for name in connection.introspection.get_constraints(cursor, table)}
    assert {"logistics_ship_tracking_upper", "store_name_trgm", "ledger_reference_trgm",
            "violation_reference_trgm", "violation_detail_trgm"} <= indexes


# --- PostgreSQL reads an index, not the whole table ----------------------------------------------

def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def planner_prefers_indexes(db):
    """A test database holds a few rows, where reading the whole table is rightly cheapest (a scan,
    or a walk of the list-order index filtering every row). Without those two, the planner can
    only reach the rows through index conditions (bitmap scans), or a scan if no index answers the
    search: what it has to do on a million rows when the term is rare."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")


def search_plans(model, user, q):
    """The plans of what the search page runs: the list's own query, and the store lookup."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        queryset = changelist(model, user, q=q).queryset
    lookups = [query["sql"] for query in ctx.captured_queries if 'FROM "merchants_store"' in query["sql"]]
    plans = [plan(queryset)]
    with connection.cursor() as cursor:
        for sql in lookups:
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n".join(plans)


SEARCHES = [  # (model, its table, a term as an operator types it, what the plans must show: an index
    # named, or a condition an index answers, whichever index of several the planner picks)
    (Order, "merchants_order", "4242", ["Index Cond: (id = 4242)", "Index Cond: ((buyer_id)::text = '4242'::text)"]),
    (Order, "merchants_order", "甜蜜小铺", ["store_name_trgm", "Index Cond: (store_id = "]),
    (LedgerEntry, "merchants_ledgerentry", "order:4242", [
        "ledger_reference_trgm", "Index Cond: ((idempotency_key)::text = 'order:4242'::text)"]),
    (LedgerEntry, "merchants_ledgerentry", "甜蜜小铺", ["store_name_trgm", "Index Cond: (store_id = "]),
    (RefundCase, "refunds_refundcase", "4242", ["Index Cond: (id = 4242)", "Index Cond: (order_id = 4242)",
                                                "Index Cond: ((buyer_id)::text = '4242'::text)"]),
    (Shipment, "logistics_shipment", "SF1234567890", [
        "logistics_ship_tracking_upper", "Index Cond: (upper((tracking_no)::text) = 'SF1234567890'::text)"]),
    (Shipment, "logistics_shipment", "4242", ["Index Cond: (order_id = 4242)"]),
    (Violation, "merchants_violation", "SF1234567890", ["violation_reference_trgm", "violation_detail_trgm"]),
    (Violation, "merchants_violation", "甜蜜小铺", ["store_name_trgm", "Index Cond: (store_id = "]),
]


@pytest.mark.parametrize("model,table,q,expected", SEARCHES, ids=[f"{s[1]} {s[2]}" for s in SEARCHES])
def test_each_admin_search_reads_an_index_not_the_whole_table(model, table, q, expected, superuser,
                                                             planner_prefers_indexes):
    sweet = StoreFactory(name="甜蜜小铺")
    order = OrderFactory(product__store=sweet)
    LedgerEntryFactory(store=sweet, reference="order:4242")
    RefundCaseFactory(store=sweet)
    ShipmentFactory(order=order, tracking_no="SF1234567890")
    ViolationFactory(store=sweet, reference="SF1234567890", detail="揽收超时 SF1234567890")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    plans = search_plans(model, superuser, q)
    assert f"Seq Scan on {table}" not in plans, plans
    for shown in expected:
        assert shown in plans, plans


@pytest.mark.django_db
def test_a_term_no_search_field_can_match_gives_an_empty_page(client, superuser):
    """A list searched only by store name, for a name no store has: nothing to look up at all."""
    ShipmentFactory(order__product__store=StoreFactory(name="甜蜜小铺"))
    client.force_login(superuser)
    response = client.get(reverse("admin:logistics_weeklyresult_changelist"), {"q": "no such store"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
    response = client.get(reverse("admin:logistics_shipment_changelist"), {"q": "no such store"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
