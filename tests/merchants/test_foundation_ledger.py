from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from config.api.errors import DomainError
from merchants.ledger.selectors import wallet_balance
from merchants.ledger.services import ledger_post
from merchants.models import LedgerEntry
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_balance_is_the_sum_of_entries_and_may_go_negative(store):
    ledger_post(store=store, kind="topup", amount=Decimal("100.00"), idempotency_key="a")
    ledger_post(store=store, kind="fine", amount=Decimal("-250.50"), idempotency_key="b")
    assert wallet_balance(store_id=store.pk) == Decimal("-150.50")


def test_posting_the_same_idempotency_key_twice_creates_one_entry(store):
    first = ledger_post(store=store, kind="topup", amount=Decimal("10"), idempotency_key="once")
    again = ledger_post(store=store, kind="topup", amount=Decimal("10"), idempotency_key="once")
    assert first.pk == again.pk and LedgerEntry.objects.count() == 1


def test_amounts_round_half_up_to_the_fen(store):
    entry = ledger_post(store=store, kind="topup", amount=Decimal("0.005"), idempotency_key="r")
    assert entry.amount == Decimal("0.01")


def test_an_adjustment_needs_a_reason(store):
    with pytest.raises(DomainError) as err:
        ledger_post(store=store, kind="adjustment", amount=Decimal("5"), idempotency_key="adj")
    assert err.value.code == "reason_required"


def test_an_entry_cannot_be_changed_or_deleted_through_the_app(store):
    entry = ledger_post(store=store, kind="topup", amount=Decimal("10"), idempotency_key="x")
    entry.amount = Decimal("999")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()


def test_the_database_refuses_updates_of_entries(store):
    ledger_post(store=store, kind="topup", amount=Decimal("10"), idempotency_key="y")
    with pytest.raises((DatabaseError, IntegrityError)):
        with transaction.atomic():
            LedgerEntry.objects.update(amount=Decimal("1"))
    assert LedgerEntry.objects.get().amount == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_deleting_entries():
    store = StoreFactory()
    ledger_post(store=store, kind="topup", amount=Decimal("10"), idempotency_key="z")
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            LedgerEntry.objects.all()._raw_delete(LedgerEntry.objects.db)
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_balance_equals_the_sum_after_a_burst_of_concurrent_topups(threads):
    from tests.conftest import Api
    from tests.factories import platform_token

    store = StoreFactory()
    key = platform_token()

    def topup(i):
        r = Api().with_token(key).post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/",
                                       {"amount": f"{i + 1}.25"}, format="json")
        return r.status_code

    statuses = threads(topup, 20)
    assert statuses == [201] * 20
    expected = sum(Decimal(f"{i + 1}.25") for i in range(20))
    assert LedgerEntry.objects.filter(store=store).count() == 20
    assert wallet_balance(store_id=store.pk) == expected
