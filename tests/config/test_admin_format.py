"""Figures read at a glance (SPEC "Operators' cockpit"): money as ¥134,100.00, rates as
percentages, local time in one format, durations as "33 h 55 min", and no "… object (4)"."""
import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from logistics.models import WeeklyResult
from merchants.admin_format import duration, local_time, percent, yuan
from merchants.violations.services import violation_confirm
from tests.factories import StoreFactory, ViolationFactory
from tests.merchants.factories import CreditApplicationFactory
from tests.refunds.factories import open_case

OUR_APPS = ["core", "merchants", "paylater", "refunds", "logistics"]


def test_money_reads_as_yuan_with_thousands_and_two_places():
    assert yuan(Decimal("134100")) == "¥134,100.00"
    assert yuan(Decimal("-24.505")) == "-¥24.51"
    assert yuan(None) == "—"


def test_a_rate_reads_as_a_percentage():
    assert percent(Decimal("0.8567")) == "85.67%"
    assert percent(None) == "—"


def test_a_time_reads_in_platform_local_time_in_one_format():
    assert local_time(dt.datetime(2026, 11, 20, 2, 5, tzinfo=dt.UTC)) == "2026-11-20 10:05"


def test_a_duration_reads_in_hours_and_minutes():
    assert duration(Decimal("33.9167")) == "33 h 55 min"
    assert duration(Decimal("0.5")) == "30 min"


@pytest.mark.parametrize("model", [m for m in apps.get_models() if m._meta.app_label in OUR_APPS
                                   and not m.__name__.startswith("Historical")], ids=lambda m: m._meta.label)
def test_every_model_names_its_rows(model):
    assert model.__str__ is not models.Model.__str__, f"{model._meta.label} would show as '… object (4)'"


@pytest.mark.django_db
def test_main_lists_show_yuan_percentages_and_local_times(admin_client):
    store = StoreFactory(base_limit=Decimal("134100.00"))
    CreditApplicationFactory(store=store, requested_limit=Decimal("200000.00"),
                             submitted_at=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    violation_confirm(violation_id=ViolationFactory(store=store).pk, user=None)
    open_case(store, amount="24.50")
    WeeklyResult.objects.create(store=store, week=dt.date(2026, 11, 9), counted_days=7, orders=70,
                                on_time_orders=60, on_time_rate=Decimal("0.8567"), parcels=70, tier=Decimal("0.20"),
                                amount=Decimal("1234.50"), status=WeeklyResult.Status.PAID)
    expected = {"/admin/merchants/store/": "¥134,100.00",
                "/admin/merchants/creditapplication/": "¥200,000.00",
                "/admin/merchants/violation/": "¥",
                "/admin/refunds/refundcase/": "¥24.50",
                "/admin/logistics/weeklyresult/": "85.67%"}
    for url, figure in expected.items():
        html = admin_client.get(url).content.decode()
        assert figure in html, url
        assert "object (" not in html, url
    assert "2026-11-20 10:00" in admin_client.get("/admin/merchants/creditapplication/").content.decode()
    assert "¥1,234.50" in admin_client.get("/admin/logistics/weeklyresult/").content.decode()
    result = WeeklyResult.objects.get(store=store)
    page = admin_client.get(f"/admin/logistics/weeklyresult/{result.pk}/change/").content.decode()
    assert "85.67%" in page and "¥0.20" in page and "¥1,234.50" in page and "0.8567" not in page


def test_every_money_column_has_the_money_shape_and_nothing_else_has_it():
    """`is_money` recognises money by DecimalField(14, 2), the shape of `config.money.money_field`."""
    from merchants.admin_format import is_money

    shaped = {f"{m.__name__}.{f.name}" for m in apps.get_models() if m._meta.app_label in OUR_APPS
              for f in m._meta.concrete_fields if is_money(f)}
    assert {"Order.amount", "Order.fee", "LedgerEntry.amount", "Violation.fine_amount", "Store.base_limit",
            "WeeklyResult.amount"} <= shaped
    assert not {name for name in shaped if name.split(".")[1] in {"score", "dsr_score", "store_health"}}


@pytest.mark.django_db
def test_orders_list_and_detail_pages_show_money_as_yuan(admin_client):
    from tests.factories import OrderFactory

    order = OrderFactory(amount=Decimal("12345.60"), fee=Decimal("123.46"))
    listed = admin_client.get("/admin/merchants/order/").content.decode()
    assert "¥12,345.60" in listed and "¥123.46" in listed
    detail = admin_client.get(f"/admin/merchants/order/{order.pk}/change/").content.decode()
    assert "¥12,345.60" in detail and "12345.60" not in detail


@pytest.mark.django_db
def test_ledger_detail_page_shows_a_debit_as_negative_yuan(admin_client):
    from merchants.ledger.models import LedgerEntry
    from merchants.ledger.services import ledger_post

    entry = ledger_post(store=StoreFactory(), kind=LedgerEntry.Kind.FINE, amount=Decimal("-10000.00"),
                        idempotency_key="fine:test", reference="violation:1")
    assert "-¥10,000.00" in admin_client.get(f"/admin/merchants/ledgerentry/{entry.pk}/change/").content.decode()


def test_a_sanction_names_its_days_in_platform_time():
    """Frozen from 03:57 on 13 Nov Beijing time is 19:57 UTC on the 12th: the row name said the 12th."""
    from merchants.models import Sanction

    sanction = Sanction(kind=Sanction.Kind.CREDIT_FREEZE, store_id=8,
                        starts_at=dt.datetime(2026, 11, 12, 19, 57, tzinfo=dt.UTC),
                        ends_at=dt.datetime(2026, 11, 19, 19, 57, tzinfo=dt.UTC))
    assert str(sanction).endswith("#8 · 2026-11-13 – 2026-11-20")
