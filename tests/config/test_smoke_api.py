import pytest

pytestmark = pytest.mark.django_db


def test_platform_creates_store_and_owner_sees_it(platform_api, api):
    from merchants.models import Category

    cat = Category.objects.first()
    r = platform_api.post("/api/v1/platform/stores/", {"name": "S", "owner_username": "alice", "category": cat.pk,
                                                        "city": "武汉"}, format="json")
    assert r.status_code == 201, r.content
    token = r.json()["owner_token"]
    r2 = api.with_token(token).get(f"/api/v1/merchant/stores/{r.json()['id']}/")
    assert r2.status_code == 200, r2.content
    assert r2.json()["wallet"] == {"balance": "0.00", "upgraded": False}
