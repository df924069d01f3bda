import io

import pytest
from django.core.management import call_command

from config.models import ApiToken, hash_token
from tests.factories import CategoryFactory, StoreFactory, merchant_token

pytestmark = pytest.mark.django_db

PLATFORM_POSTS = ["/api/v1/platform/stores/", "/api/v1/platform/categories/", "/api/v1/platform/products/",
                  "/api/v1/platform/orders/", "/api/v1/platform/stores/1/metrics/",
                  "/api/v1/platform/stores/1/wallet-topups/"]


def test_request_without_token_is_401_with_error_code(api):
    r = api.get("/api/v1/merchant/stores/")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_unknown_token_is_401(api):
    r = api.with_token("nope").get("/api/v1/merchant/stores/")
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"


def test_revoked_token_is_refused(api, store):
    key = merchant_token(store.owner)
    ApiToken.objects.filter(key_hash=hash_token(key)).update(revoked_at="2026-01-01T00:00:00Z")
    assert api.with_token(key).get("/api/v1/merchant/stores/").status_code == 401


@pytest.mark.parametrize("path", PLATFORM_POSTS)
def test_platform_endpoints_refuse_merchant_tokens_with_403(merchant_api, path):
    r = merchant_api.post(path, {}, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"


def test_merchant_endpoints_refuse_platform_tokens(platform_api):
    assert platform_api.get("/api/v1/merchant/stores/").status_code == 403


def test_unknown_api_path_is_json_404(merchant_api):
    r = merchant_api.get("/api/v1/merchant/nothing-here/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_create_platform_client_prints_the_token_once_and_stores_only_its_hash(api):
    out = io.StringIO()
    call_command("create_platform_client", "order-service", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(name="order-service")
    assert token.kind == ApiToken.Kind.PLATFORM
    assert token.key_hash == hash_token(key) and key not in (token.key_hash, token.prefix)
    r = api.with_token(key).post("/api/v1/platform/categories/", {"name": "Toys"}, format="json")
    assert r.status_code == 201


def test_validation_errors_use_the_one_error_format(platform_api):
    r = platform_api.post("/api/v1/platform/categories/", {"name": ""}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert "name" in body["fields"] and body["detail"]


def test_malformed_json_is_400_parse_error(platform_api):
    r = platform_api.generic("POST", "/api/v1/platform/categories/", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error"


def test_page_size_is_50_by_default_at_most_100_and_400_outside_1_to_100(merchant_api, store):
    from merchants.models import Product

    category = CategoryFactory()
    Product.objects.bulk_create([Product(store=store, title=f"p{i}", category=category, price=1) for i in range(120)])
    body = merchant_api.get("/api/v1/merchant/products/?page_size=100").json()
    assert body["count"] == 120 and len(body["results"]) == 100
    assert len(merchant_api.get("/api/v1/merchant/products/").json()["results"]) == 50
    for junk in ("500", "0", "-1", "abc", "1.5", "１２", ""):
        r = merchant_api.get("/api/v1/merchant/products/", {"page_size": junk})
        assert r.status_code == 400, junk
        assert r.json()["code"] == "invalid" and "page_size" in r.json()["fields"]


def test_store_of_another_merchant_is_404_not_403(merchant_api, other_store):
    r = merchant_api.get(f"/api/v1/merchant/stores/{other_store.pk}/")
    assert r.status_code == 404
    assert "name" not in r.json()


def test_member_users_see_the_store_too(api):
    from tests.factories import UserFactory

    store = StoreFactory()
    member = UserFactory()
    store.members.add(member)
    r = api.with_token(merchant_token(member)).get("/api/v1/merchant/stores/")
    assert [s["id"] for s in r.json()["results"]] == [store.pk]


def test_the_token_lookup_reads_token_and_user_in_one_statement_as_the_orm_does(store, django_assert_num_queries):
    from config.api.auth import active_token

    key = merchant_token(store.owner)
    expected = ApiToken.objects.select_related("user").get(key_hash=hash_token(key))
    with django_assert_num_queries(1):
        token = active_token(hash_token(key))
        user = token.user  # loaded by the same statement
    assert [getattr(token, f.attname) for f in ApiToken._meta.concrete_fields] == \
        [getattr(expected, f.attname) for f in ApiToken._meta.concrete_fields]
    assert token.created_at.tzinfo is not None and not token._state.adding and token._state.db == "default"
    assert (user.pk, user.username, user.is_active) == (store.owner.pk, store.owner.username, True)
    assert active_token(hash_token("not-a-key")) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert active_token(hash_token(key)) is None


def test_a_token_of_a_deactivated_user_is_refused(api, store):
    key = merchant_token(store.owner)
    assert api.with_token(key).get("/api/v1/merchant/stores/").status_code == 200
    type(store.owner).objects.filter(pk=store.owner.pk).update(is_active=False)
    assert api.with_token(key).get("/api/v1/merchant/stores/").status_code == 401
