"""Simultaneous appeals and decisions: the violation row is locked while the appeal rules are
checked and the one-per-violation constraint backs it; an appeal is decided once."""
from decimal import Decimal

import pytest

from config.api.errors import StateConflict
from merchants.models import Appeal, LedgerEntry, Store, Violation
from merchants.violations.appeals import appeal_overturn, appeal_submit, appeal_uphold
from merchants.violations.services import violation_confirm
from tests.factories import StoreFactory, ViolationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def confirmed():
    store = StoreFactory()
    Store.objects.filter(pk=store.pk).update(base_limit=Decimal("10000.00"))
    return violation_confirm(violation_id=ViolationFactory(store=store, kind=Violation.Kind.EXCESS_ADVANCE).pk)


def test_simultaneous_appeals_only_one_is_recorded(threads, confirmed):
    results = threads(lambda i: appeal_submit(violation_id=confirmed.pk, statement=f"appeal {i}"), 5)
    assert sum(isinstance(r, Appeal) for r in results) == 1, results
    assert {r.code for r in results if isinstance(r, StateConflict)} == {"appeal_exists"}
    assert Appeal.objects.filter(violation=confirmed).count() == 1


def test_uphold_and_overturn_at_once_decide_once_and_reverse_the_fine_at_most_once(threads, confirmed):
    appeal = appeal_submit(violation_id=confirmed.pk, statement="real orders")

    def decide(i):
        fn = appeal_overturn if i % 2 else appeal_uphold
        return fn(appeal_id=appeal.pk, reason=f"decision {i}")

    results = threads(decide, 4)
    assert sum(isinstance(r, Appeal) for r in results) == 1, results
    appeal.refresh_from_db()
    reversals = LedgerEntry.objects.filter(kind="fine_reversal", store_id=confirmed.store_id).count()
    assert reversals == (1 if appeal.status == "overturned" else 0)
    assert appeal.history.count() == 2
