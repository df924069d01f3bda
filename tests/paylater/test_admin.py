import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from paylater import services
from paylater.models import ActivityItem, FeeStatement, InvoiceRequest, PaylaterPolicy
from tests.factories import StoreFactory

from .factories import ActivityFactory, ActivityItemFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


def make_rows(n):
    for _ in range(n):
        store = StoreFactory()
        EnrollmentFactory(store=store)
        ActivityItemFactory(activity=ActivityFactory(store=store))
        statement = FeeStatement.objects.create(store=store, month=dt.date(2026, 10, 1), order_count=1,
                                                fee_total=Decimal("1.00"))
        services.invoice_request(statement=statement, title="t", tax_id="91420100MA4K1234X5")


@pytest.mark.parametrize("path", ["activity", "activityitem", "enrollment", "feestatement", "invoicerequest",
                                  "feerate"])
def test_changelists_use_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, path):
    PaylaterPolicy.current()
    make_rows(2)
    url = f"/admin/paylater/{path}/"
    admin_client.get(url)  # warm session/content types
    with django_assert_max_num_queries(14):
        assert admin_client.get(url).status_code == 200
    make_rows(15)
    with django_assert_max_num_queries(14):
        assert admin_client.get(url).status_code == 200


def test_activity_status_filter_works_in_sql(admin_client):
    now = timezone.now()
    active = ActivityFactory(name="active one")
    ActivityFactory(name="future one", duration="short_term", starts_at=now + dt.timedelta(days=1),
                    ends_at=now + dt.timedelta(days=2))
    resp = admin_client.get("/admin/paylater/activity/", {"status": "active"})
    assert resp.status_code == 200
    assert list(resp.context["cl"].queryset) == [active]
    resp = admin_client.get("/admin/paylater/activity/", {"status": "not_started"})
    assert [a.name for a in resp.context["cl"].queryset] == ["future one"]


def test_activity_change_page_shows_items_inline(admin_client):
    item = ActivityItemFactory()
    resp = admin_client.get(f"/admin/paylater/activity/{item.activity_id}/change/")
    assert resp.status_code == 200 and item.product.title in resp.content.decode()


def test_admin_action_ends_selected_items_through_the_service(admin_client):
    item, other = ActivityItemFactory(), ActivityItemFactory()
    resp = admin_client.post("/admin/paylater/activityitem/", {"action": "end_items", "_selected_action": [item.pk]})
    assert resp.status_code == 302
    assert ActivityItem.objects.get(pk=item.pk).ended_at is not None
    assert ActivityItem.objects.get(pk=other.pk).ended_at is None
    assert ActivityItem.objects.get(pk=item.pk).history.first().history_change_reason.startswith("operator")


def test_mark_issued_action_asks_for_numbers_then_issues(admin_client):
    make_rows(1)
    invoice = InvoiceRequest.objects.get()
    url = "/admin/paylater/invoicerequest/"
    form = admin_client.post(url, {"action": "mark_issued", "_selected_action": [invoice.pk]})
    assert form.status_code == 200 and b"invoice_number" in form.content
    done = admin_client.post(url, {"action": "mark_issued", "_selected_action": [invoice.pk], "apply": "1",
                                   f"{invoice.pk}-invoice_number": "No.0042"})
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.invoice_number) == ("issued", "No.0042")
    message = str(list(admin_client.get("/admin/").context["messages"])[0])
    assert f"invoice No.0042 issued for ¥{invoice.statement.fee_total:,.2f}" in message


def test_policy_admin_opens_the_single_row(admin_client):
    resp = admin_client.get("/admin/paylater/paylaterpolicy/")
    assert resp.status_code == 302
    assert admin_client.get(resp.url).status_code == 200


def test_enrollment_history_is_visible_in_admin(admin_client):
    store = StoreFactory(wallet_upgraded=False, base_limit=Decimal("100.00"))
    with pytest.raises(Exception):
        services.enrollment_request(store=store)
    store.wallet_upgraded = True
    store.save()
    enrollment = services.enrollment_request(store=store)
    resp = admin_client.get(f"/admin/paylater/enrollment/{enrollment.pk}/history/")
    assert resp.status_code == 200
    # the refusal code in words (issue 24), the reason otherwise as written
    html = resp.content.decode()
    assert "refused: wallet (安心钱包) not upgraded" in html and "enrolled" in html
    assert "wallet_not_upgraded" not in html
