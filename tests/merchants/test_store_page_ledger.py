"""The store page shows the latest wallet entries and links to the rest (not the whole ledger)."""
from decimal import Decimal

import pytest

from merchants.ledger.services import wallet_topup
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_store_page_shows_the_latest_20_entries_and_links_to_the_rest(admin_client):
    store, other = StoreFactory(), StoreFactory()
    for i in range(25):
        wallet_topup(store=store, amount=Decimal("1.00") + i, idempotency_key=f"t{i}")
    wallet_topup(store=other, amount=Decimal("9.00"), idempotency_key="o")
    page = admin_client.get(f"/admin/merchants/store/{store.pk}/change/").content.decode()
    assert page.count("¥25.00") == 1 and "¥1.00" not in page  # newest 20 shown, oldest not
    link = f"/admin/merchants/ledgerentry/?store__id__exact={store.pk}"
    assert link.replace("&", "&amp;") in page
    listed = admin_client.get(link)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 25


def test_money_on_the_store_and_application_pages_reads_as_yuan(admin_client):
    from tests.merchants.factories import CreditApplicationFactory

    store = StoreFactory(base_limit=Decimal("237700.00"))
    page = admin_client.get(f"/admin/merchants/store/{store.pk}/change/").content.decode()
    assert "¥237,700.00" in page and 'name="base_limit"' not in page
    application = CreditApplicationFactory(store=store, requested_limit=Decimal("300000.00"))
    page = admin_client.get(f"/admin/merchants/creditapplication/{application.pk}/change/").content.decode()
    assert "¥300,000.00" in page
