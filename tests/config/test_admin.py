"""Every admin screen loads (query counts: test_admin_query_counts.py)."""
import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import LedgerEntryFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_changelist_loads(staff, model):
    r = staff.get(changelist(model), follow=True)
    assert r.status_code == 200


def test_ledger_is_read_only_in_the_admin(staff):
    from merchants.models import LedgerEntry

    entry = LedgerEntryFactory()
    model_admin = admin.site._registry[LedgerEntry]
    request = staff.get("/").wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_store_page_shows_wallet_balance_and_ledger(staff):
    entry = LedgerEntryFactory(amount="321.00")
    r = staff.get(reverse("admin:merchants_store_change", args=[entry.store_id]))
    assert r.status_code == 200
    assert "321.00" in r.content.decode()


def test_store_history_is_recorded(staff):
    store = StoreFactory()
    store.grade = "A"
    store.save()
    assert store.history.count() == 2
    assert staff.get(reverse("admin:merchants_store_history", args=[store.pk])).status_code == 200
