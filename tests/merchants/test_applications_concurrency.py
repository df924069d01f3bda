"""Two submissions at the same moment cannot both pass the pending rule or the yearly cap
(the store row is locked while the rules are checked)."""
import datetime as dt
from decimal import Decimal

import pytest

from config.api.errors import DomainError
from merchants.applications.services import application_submit
from merchants.models import CreditApplication, Store
from tests.factories import StoreFactory
from tests.merchants.factories import CreditApplicationFactory

pytestmark = pytest.mark.django_db(transaction=True)
SENSITIVE = {"business_license_no": "91420100MA4KXYZ12Q", "legal_rep_id_no": "42010219900101123X",
             "bank_account": "6222020200112233445"}


def _submit(i, store_id):
    return application_submit(store=Store.objects.get(pk=store_id), requested_limit=Decimal("50000.00"),
                              **SENSITIVE)


def test_simultaneous_submissions_only_one_passes(threads):
    store = StoreFactory()
    results = threads(_submit, 6, store.pk)
    passed = [r for r in results if isinstance(r, CreditApplication)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(passed) == 1 and len(refused) == 5, results
    assert {r.code for r in refused} == {"application_pending"}
    assert CreditApplication.objects.filter(store=store).count() == 1


def test_the_yearly_cap_holds_under_concurrency(threads):
    store = StoreFactory()
    CreditApplicationFactory(store=store, status="rejected", submitted_at=dt.datetime.now(dt.UTC))
    results = threads(_submit, 4, store.pk)
    assert sum(isinstance(r, CreditApplication) for r in results) == 1
    CreditApplication.objects.filter(store=store, status="pending").update(status="rejected")
    again = threads(_submit, 3, store.pk)
    assert all(isinstance(r, DomainError) and r.code == "annual_application_limit" for r in again), again
    assert CreditApplication.objects.filter(store=store).count() == 2
