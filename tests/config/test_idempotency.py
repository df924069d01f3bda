import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from config.api.idempotency import purge_expired
from config.models import ApiToken, IdempotencyRecord, hash_token
from merchants.models import LedgerEntry

pytestmark = pytest.mark.django_db


def topup(client, store, amount, key):
    return client.post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/", {"amount": amount}, format="json",
                       HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_response_without_acting_twice(platform_api, store):
    first = topup(platform_api, store, "100.00", "k1")
    second = topup(platform_api, store, "100.00", "k1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(store=store).count() == 1


def test_same_key_with_a_different_body_is_409_idempotency_key_reused(platform_api, store):
    topup(platform_api, store, "100.00", "k2")
    r = topup(platform_api, store, "200.00", "k2")
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_key_reused"
    assert LedgerEntry.objects.filter(store=store).count() == 1


def test_body_key_order_does_not_matter(platform_api):
    a = platform_api.post("/api/v1/platform/categories/", {"name": "A", "is_fresh": True}, format="json",
                          HTTP_IDEMPOTENCY_KEY="k3")
    b = platform_api.generic("POST", "/api/v1/platform/categories/", '{"is_fresh": true, "name": "A"}',
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="k3")
    assert a.status_code == b.status_code == 201 and a.json() == b.json()


def test_a_refusal_below_500_is_replayed_too(platform_api, store):
    first = topup(platform_api, store, "-5", "k4")
    assert first.status_code == 400
    assert topup(platform_api, store, "-5", "k4").json() == first.json()


def test_keys_are_scoped_to_the_callers_token(platform_api, store):
    from tests.conftest import Api
    from tests.factories import platform_token

    other = Api().with_token(platform_token("payment-service"))
    assert topup(platform_api, store, "10.00", "shared").status_code == 201
    assert topup(other, store, "10.00", "shared").status_code == 201
    assert LedgerEntry.objects.filter(store=store).count() == 2


SPELLINGS = ["Token", "token", "TOKEN", "tOkEn"]


def create_product_as(spelling, key, store, category, idempotency_key):
    """A product creation has no deduplication of its own: only the Idempotency-Key stops a second."""
    from tests.conftest import Api

    client = Api()
    client.credentials(HTTP_AUTHORIZATION=f"{spelling} {key}")
    return client.post("/api/v1/platform/products/", {"store": store.pk, "title": "Tea", "category": category.pk,
                                                      "price": "12.00"}, format="json",
                       HTTP_IDEMPOTENCY_KEY=idempotency_key)


def test_the_scope_is_the_token_not_the_spelling_of_its_header(store):
    from merchants.models import Product
    from tests.factories import CategoryFactory, platform_token

    key, category = platform_token(), CategoryFactory()
    answers = [create_product_as(spelling, key, store, category, "spelled") for spelling in SPELLINGS]
    assert [r.status_code for r in answers] == [201] * 4
    assert len({r.content for r in answers}) == 1
    assert [r.get("Idempotent-Replayed") for r in answers] == [None, "true", "true", "true"]
    assert Product.objects.filter(store=store).count() == 1


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_duplicates_in_mixed_spellings_act_once(threads):
    from merchants.models import Product
    from tests.factories import CategoryFactory, StoreFactory, platform_token

    store, category, key = StoreFactory(), CategoryFactory(), platform_token()
    statuses = threads(lambda i: create_product_as(SPELLINGS[i % 4], key, store, category, "mixed").status_code,
                       20)
    assert Product.objects.filter(store=store).count() == 1
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses


def test_keys_are_purged_after_24_hours(platform_api, store):
    topup(platform_api, store, "10.00", "old")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert purge_expired() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_never_act_twice(threads):
    from tests.conftest import Api
    from tests.factories import StoreFactory, platform_token

    store = StoreFactory()
    key = platform_token()

    def call(i):
        return topup(Api().with_token(key), store, "50.00", "burst").status_code

    statuses = threads(call, 8)
    assert LedgerEntry.objects.filter(store=store).count() == 1
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1


def test_a_revoked_token_replays_nothing(store):
    from tests.conftest import Api
    from tests.factories import platform_token

    key = platform_token("payment-service")
    client = Api().with_token(key)
    assert topup(client, store, "10.00", "before-revocation").status_code == 201
    ApiToken.objects.filter(key_hash=hash_token(key)).update(revoked_at=timezone.now())
    replay = topup(client, store, "10.00", "before-revocation")
    assert replay.status_code == 401 and replay.json()["code"] == "authentication_failed"
    assert "Idempotent-Replayed" not in replay
    assert LedgerEntry.objects.filter(store=store).count() == 1


def test_a_deactivated_user_replays_nothing(store):
    from tests.conftest import Api
    from tests.factories import platform_token

    key = platform_token("payment-service")
    client = Api().with_token(key)
    assert topup(client, store, "10.00", "before-deactivation").status_code == 201
    ApiToken.objects.get(key_hash=hash_token(key)).user.__class__.objects.filter(
        api_tokens__key_hash=hash_token(key)).update(is_active=False)
    assert topup(client, store, "10.00", "before-deactivation").status_code == 401


def test_a_caller_the_view_refuses_gets_its_403_and_no_record(merchant_api, store):
    r = topup(merchant_api, store, "10.00", "not-for-merchants")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not IdempotencyRecord.objects.exists()
    assert not LedgerEntry.objects.filter(store=store).exists()


def test_the_owner_token_in_a_stored_response_is_not_kept_in_plaintext(platform_api):
    from django.db import connection

    from tests.factories import CategoryFactory

    body = {"name": "S", "owner_username": "alice", "category": CategoryFactory().pk, "city": "Wuhan"}
    first = platform_api.post("/api/v1/platform/stores/", body, format="json", HTTP_IDEMPOTENCY_KEY="new-store")
    owner_token = first.json()["owner_token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM core_idempotencyrecord")
        (stored,) = cursor.fetchone()
    assert owner_token.encode() not in bytes(stored) and b"owner_token" not in bytes(stored)
    replay = platform_api.post("/api/v1/platform/stores/", body, format="json", HTTP_IDEMPOTENCY_KEY="new-store")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert ApiToken.objects.filter(key_hash=hash_token(owner_token), revoked_at=None).exists()


def test_a_response_stored_under_another_key_is_not_replayed_but_not_acted_again(platform_api, store, settings):
    topup(platform_api, store, "10.00", "rotated")
    settings.FIELD_ENCRYPTION_KEY = "another-key"
    r = topup(platform_api, store, "10.00", "rotated")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_replay_unavailable"
    assert LedgerEntry.objects.filter(store=store).count() == 1
