import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from merchants.models import Sanction, Store
from paylater.models import Enrollment
from tests.factories import StoreFactory

URL = "/api/v1/merchant/paylater/enrollment/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def store(db):
    return StoreFactory(base_limit=Decimal("15000.00"))


def test_enrollment_of_an_eligible_store_is_active_at_once(merchant_api, store):
    resp = merchant_api.post(URL, {"store": store.pk}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["status"] == "active"
    enrollment = Enrollment.objects.get(store=store)
    assert enrollment.status == "active" and enrollment.enrolled_at is not None
    assert enrollment.history.first().history_change_reason == "enrolled"


@pytest.mark.parametrize("change, code", [
    ({"wallet_upgraded": False}, "wallet_not_upgraded"),
    ({"status": Store.Status.SUSPENDED}, "store_suspended"),
    ({"grade": Store.Grade.C}, "grade_not_allowed"),
    ({"base_limit": Decimal("0.00")}, "no_credit_limit"),
])
def test_enrollment_refused_with_its_code(merchant_api, store, change, code):
    Store.objects.filter(pk=store.pk).update(**change)
    resp = merchant_api.post(URL, {"store": store.pk}, format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] == code
    enrollment = Enrollment.objects.get(store=store)
    assert enrollment.status == "refused" and enrollment.refusal_code == code


def test_enrollment_refused_while_paylater_suspended(merchant_api, store):
    now = timezone.now()
    Sanction.objects.create(store=store, kind=Sanction.Kind.PAYLATER_SUSPENSION, starts_at=now - dt.timedelta(days=1),
                            ends_at=now + dt.timedelta(days=80))
    resp = merchant_api.post(URL, {"store": store.pk}, format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "paylater_suspended"


def test_refused_store_can_retry_later_and_history_keeps_both_attempts(merchant_api, store):
    Store.objects.filter(pk=store.pk).update(wallet_upgraded=False)
    assert merchant_api.post(URL, {"store": store.pk}, format="json").status_code == 400
    Store.objects.filter(pk=store.pk).update(wallet_upgraded=True)
    resp = merchant_api.post(URL, {"store": store.pk}, format="json")
    assert resp.status_code == 201
    enrollment = Enrollment.objects.get(store=store)
    assert enrollment.attempts == 2 and enrollment.status == "active" and enrollment.refusal_code == ""
    reasons = list(enrollment.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["refused: wallet_not_upgraded", "enrolled"]


def test_enrolled_store_asking_again_gets_409_already_enrolled(merchant_api, store):
    merchant_api.post(URL, {"store": store.pk}, format="json")
    resp = merchant_api.post(URL, {"store": store.pk}, format="json")
    assert resp.status_code == 409 and resp.json()["code"] == "already_enrolled"


def test_later_changes_do_not_unenroll(merchant_api, store):
    merchant_api.post(URL, {"store": store.pk}, format="json")
    Store.objects.filter(pk=store.pk).update(grade=Store.Grade.C)
    resp = merchant_api.get(URL, {"store": store.pk})
    assert resp.status_code == 200 and resp.json()["status"] == "active"


def test_enrollment_state_of_a_store_never_tried(merchant_api, store):
    resp = merchant_api.get(URL, {"store": store.pk})
    assert resp.json()["status"] == "not_enrolled"


def test_other_stores_enrollment_is_404(merchant_api, other_store):
    assert merchant_api.post(URL, {"store": other_store.pk}, format="json").status_code == 404
    assert merchant_api.get(URL, {"store": other_store.pk}).status_code == 404
    assert not Enrollment.objects.filter(store=other_store).exists()


def test_enrollment_get_without_store_is_400(merchant_api, store):
    resp = merchant_api.get(URL)
    assert resp.status_code == 400 and resp.json()["code"] == "invalid"
