"""POST/GET /merchant/credit-applications/ and the operators' review screens."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from config import timeutil
from merchants.applications.services import application_submit
from merchants.models import CreditApplication, Sanction, Store
from tests.factories import StoreFactory, StoreMetricsFactory, merchant_token
from tests.merchants.factories import CreditApplicationFactory

pytestmark = pytest.mark.django_db
TZ = timeutil.platform_tz()
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=TZ)
URL = "/api/v1/merchant/credit-applications/"
BODY = {"requested_limit": "50000.00", "business_license_no": "91420100MA4KXYZ12Q",
        "legal_rep_id_no": "42010219900101123x", "bank_account": "6222020200112233445"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def post(api, shop, **changes):
    return api.post(URL, {**BODY, "store": shop.pk, **changes}, format="json")


def test_submit_returns_201_with_due_date_and_masked_numbers(merchant_api, store):
    r = post(merchant_api, store)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["due_at"] == "2026-11-27T15:00:00+08:00"
    assert body["business_license_no"] == "*" * 14 + "Z12Q"
    assert body["legal_rep_id_no"].endswith("123X") and body["legal_rep_id_no"].startswith("*")
    assert body["bank_account"] == "***************3445"
    for key in ("business_license_no", "legal_rep_id_no", "bank_account"):
        assert BODY[key].upper() not in r.content.decode()
    app = CreditApplication.objects.get(pk=body["id"])
    assert app.legal_rep_id_no == "42010219900101123X" and app.store == store
    assert app.history.first().history_user == store.owner


@pytest.mark.parametrize("code,setup", [
    ("store_suspended", lambda s: Store.objects.filter(pk=s.pk).update(status="suspended")),
    ("raise_banned", lambda s: Sanction.objects.create(store=s, kind="raise_ban", starts_at=NOW,
                                                       ends_at=NOW + dt.timedelta(days=1))),
    ("application_pending", lambda s: application_submit(store=s, requested_limit=Decimal("100"),
                                                         business_license_no="1" * 18,
                                                         legal_rep_id_no="1" * 18, bank_account="1" * 10)),
    ("annual_application_limit", lambda s: CreditApplicationFactory.create_batch(2, store=s, status="rejected",
                                                                                 submitted_at=NOW)),
    ("dsr_below_threshold", lambda s: [StoreMetricsFactory(store=s, month=dt.date(2026, m, 1),
                                                           dsr_score=Decimal("4.2")) for m in (8, 9, 10)]),
    ("requested_limit_not_above_current", lambda s: Store.objects.filter(pk=s.pk).update(
        base_limit=Decimal("50000.00"))),
])
def test_each_refusal_has_its_code(merchant_api, store, code, setup):
    setup(store)
    r = post(merchant_api, store)
    assert r.status_code == 400 and r.json()["code"] == code, r.content


@pytest.mark.parametrize("changes", [
    {"requested_limit": "0"}, {"requested_limit": "12.345"}, {"requested_limit": "1e30"},
    {"business_license_no": "abc"}, {"legal_rep_id_no": "1234"}, {"bank_account": "62 22"},
    {"bank_account": "1" * 31}, {"store": "x"}, {"requested_limit": True},
])
def test_bad_input_is_400_invalid_never_500(merchant_api, store, changes):
    r = post(merchant_api, store, **changes)
    assert r.status_code == 400 and r.json()["code"] == "invalid", r.content
    assert not CreditApplication.objects.exists()


def test_another_merchants_store_is_404(merchant_api, other_store):
    assert post(merchant_api, other_store).status_code == 404
    assert not CreditApplication.objects.exists()


def test_list_shows_own_applications_masked(merchant_api, store, other_store):
    CreditApplicationFactory(store=store)
    CreditApplicationFactory(store=other_store)
    body = merchant_api.get(URL).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["bank_account"] == "***************3445" and row["activation"] is None
    assert "6222020200112233445" not in str(body)


def test_approved_application_shows_activation_progress(merchant_api, store):
    CreditApplicationFactory(store=store, status="approved", granted_limit=Decimal("35000.00"),
                             effective_limit_at_approval=Decimal("15000.00"), decided_at=NOW)
    row = merchant_api.get(URL).json()["results"][0]
    assert row["activation"] == {"increase": "20000.00", "volume": "0.00", "step1_volume": "2000.00",
                                 "step2_volume": "4000.00", "step1_at": None, "step2_at": None}


# --- admin -----------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "pw"))
    return client


def test_overdue_applications_stand_out_and_filter(admin_client):
    late = CreditApplicationFactory(store=StoreFactory(name="Late shop"), due_at=NOW - dt.timedelta(minutes=1))
    CreditApplicationFactory(store=StoreFactory(name="Fresh shop"), due_at=NOW + dt.timedelta(days=2))
    CreditApplicationFactory(store=StoreFactory(name="Done shop"), due_at=NOW - dt.timedelta(days=1),
                             status="rejected")
    page = admin_client.get("/admin/merchants/creditapplication/?deadline=overdue").content.decode()
    assert "Late shop" in page and "Fresh shop" not in page and "Done shop" not in page
    assert "OVERDUE" in page
    detail = admin_client.get(f"/admin/merchants/creditapplication/{late.pk}/change/").content.decode()
    assert "***************3445" in detail and "6222020200112233445" not in detail
    assert "420102199001011234" not in detail and "91420100MA4KXYZ12Q" not in detail


def test_admin_approve_with_granted_limit_and_reject_with_reason(admin_client):
    a = CreditApplicationFactory(store=StoreFactory(base_limit=Decimal("1000.00")), suggested_limit=Decimal("5000"))
    b = CreditApplicationFactory(store=StoreFactory())
    form = admin_client.post("/admin/merchants/creditapplication/", {"action": "approve", "_selected_action": [a.pk]})
    assert form.status_code == 200 and b"granted_limit" in form.content
    r = admin_client.post("/admin/merchants/creditapplication/", {
        "action": "approve", "_selected_action": [a.pk], "apply": "1", "granted_limit": "8000.00"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "approved" and a.granted_limit == Decimal("8000.00") and a.decided_by.username == "op"
    assert a.effective_limit_at_approval == Decimal("1000.00")
    admin_client.post("/admin/merchants/creditapplication/", {
        "action": "reject", "_selected_action": [b.pk], "apply": "1", "reason": "missing bank proof"})
    b.refresh_from_db()
    assert b.status == "rejected" and b.reject_reason == "missing bank proof"


def test_admin_approve_without_a_limit_grants_the_suggestion(admin_client):
    a = CreditApplicationFactory(store=StoreFactory(), suggested_limit=Decimal("5000.00"))
    admin_client.post("/admin/merchants/creditapplication/", {
        "action": "approve", "_selected_action": [a.pk], "apply": "1", "granted_limit": ""})
    assert CreditApplication.objects.get(pk=a.pk).granted_limit == Decimal("5000.00")


def test_application_changelist_has_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            CreditApplicationFactory(store=StoreFactory())

    grow(2)
    admin_client.get("/admin/merchants/creditapplication/")
    with django_assert_max_num_queries(15) as small:
        admin_client.get("/admin/merchants/creditapplication/")
    grow(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin_client.get("/admin/merchants/creditapplication/")
    assert admin_client.get("/admin/merchants/holiday/").status_code == 200
    assert admin_client.get("/admin/merchants/creditapplicationpolicy/", follow=True).status_code == 200


def test_merchant_token_of_another_user_sees_nothing(api, store):
    CreditApplicationFactory(store=store)
    stranger = StoreFactory().owner
    assert api.with_token(merchant_token(stranger)).get(URL).json()["count"] == 0


def test_admin_history_pages_never_show_the_plain_numbers(admin_client):
    from merchants.applications.services import application_reject

    app = CreditApplicationFactory(store=StoreFactory())
    application_reject(application_id=app.pk, reason="no")
    history = admin_client.get(f"/admin/merchants/creditapplication/{app.pk}/history/")
    assert history.status_code == 200
    record = app.history.order_by("history_id").first()
    one = admin_client.get(f"/admin/merchants/creditapplication/{app.pk}/history/{record.history_id}/")
    assert one.status_code == 200
    for page in (history.content.decode(), one.content.decode()):
        for plain in ("6222020200112233445", "420102199001011234", "91420100MA4KXYZ12Q"):
            assert plain not in page
