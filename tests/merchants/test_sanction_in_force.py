"""The rule "sanction in force" has one home (`merchants.violations.selectors.in_force_q`): not
revoked, started (at its start instant), not yet ended (not at its end instant). The services'
reads, the credit summary and the admin's store filter and column agree on the boundaries."""
import datetime as dt

import pytest
import time_machine

from merchants.credit.selectors import store_credit_many
from merchants.models import Sanction, Store
from merchants.violations.selectors import sanctions_until
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)

# name: (starts_at, ends_at, revoked, in force at NOW?)
CASES = {
    "ends_exactly_now": (NOW - DAY, NOW, False, False),
    "ends_a_second_later": (NOW - DAY, NOW + SECOND, False, True),
    "starts_exactly_now": (NOW, NOW + DAY, False, True),
    "starts_a_second_later": (NOW + SECOND, NOW + DAY, False, False),
    "revoked": (NOW - DAY, NOW + DAY, True, False),
}


@pytest.fixture
def stores():
    made = {}
    for name, (starts_at, ends_at, revoked, _in_force) in CASES.items():
        store = StoreFactory()
        Sanction.objects.create(store=store, kind=Sanction.Kind.CREDIT_FREEZE, starts_at=starts_at, ends_at=ends_at,
                                revoked_at=NOW - DAY if revoked else None)
        made[name] = store
    return made


def names(stores, ids):
    by_pk = {store.pk: name for name, store in stores.items()}
    return {by_pk[pk] for pk in ids if pk in by_pk}


def expected():
    return {name for name, case in CASES.items() if case[3]}


def test_reads_agree_on_the_boundaries(stores):
    ids = [store.pk for store in stores.values()]
    assert names(stores, sanctions_until(store_ids=ids, kind=Sanction.Kind.CREDIT_FREEZE, at=NOW)) == expected()
    with time_machine.travel(NOW, tick=False):
        summaries = store_credit_many(stores=list(Store.objects.filter(pk__in=ids)), at=NOW)
    assert names(stores, [pk for pk, summary in summaries.items() if summary.frozen_until]) == expected()


def test_admin_filter_and_column_agree_on_the_boundaries(stores, admin_client):
    with time_machine.travel(NOW, tick=False):
        listed = admin_client.get("/admin/merchants/store/?restricted=credit_freeze").context["cl"].result_list
        every = admin_client.get("/admin/merchants/store/").context["cl"].result_list
    assert names(stores, [s.pk for s in listed]) == expected()
    assert names(stores, [s.pk for s in every if s.credit_freeze_until]) == expected()
