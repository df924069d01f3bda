"""Operators suspend, reactivate and grade stores only through services: a reason is required
and each change is one history row with who and why; no admin form edits a status."""
import pytest
from django.contrib.auth import get_user_model

from config.api.errors import DomainError, StateConflict
from merchants.models import Store
from merchants.stores.services import store_grade_set, store_reactivate, store_suspend
from tests.factories import OrderFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(username="alice")


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "pw"))
    return client


def last_change(store):
    return store.history.order_by("-history_id").first()


def test_suspending_a_store_records_the_operator_and_the_reason(operator):
    store = StoreFactory()
    store_suspend(store_id=store.pk, reason="fraud under review", user=operator)
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED
    row = last_change(store)
    assert row.history_user == operator
    assert row.history_change_reason == "operator: alice — suspended: fraud under review"


def test_suspending_needs_a_reason_and_changes_nothing_without_one(operator):
    store = StoreFactory()
    rows = store.history.count()
    with pytest.raises(DomainError) as refused:
        store_suspend(store_id=store.pk, reason="  ", user=operator)
    assert refused.value.code == "reason_required"
    store.refresh_from_db()
    assert store.status == Store.Status.ACTIVE and store.history.count() == rows


def test_suspending_a_suspended_store_is_409(operator):
    store = StoreFactory(status=Store.Status.SUSPENDED)
    with pytest.raises(StateConflict) as refused:
        store_suspend(store_id=store.pk, reason="again", user=operator)
    assert refused.value.status == 409 and refused.value.code == "invalid_state"


def test_reactivating_lifts_the_suspension_and_an_active_store_is_409(operator):
    store = StoreFactory(status=Store.Status.SUSPENDED)
    store_reactivate(store_id=store.pk, reason="review cleared", user=operator)
    store.refresh_from_db()
    assert store.status == Store.Status.ACTIVE
    assert last_change(store).history_change_reason == "operator: alice — reactivated: review cleared"
    with pytest.raises(StateConflict):
        store_reactivate(store_id=store.pk, reason="again", user=operator)


def test_grade_change_records_old_and_new_grade_with_the_reason(operator):
    store = StoreFactory(grade=Store.Grade.B)
    store_grade_set(store_id=store.pk, grade=Store.Grade.A, reason="top seller", user=operator)
    store.refresh_from_db()
    assert store.grade == Store.Grade.A
    row = last_change(store)
    assert (row.grade, row.history_user, row.history_change_reason) == ("A", operator,
                                                                        "operator: alice — grade B → A: top seller")


def test_grade_change_needs_a_reason_and_a_different_known_grade(operator):
    store = StoreFactory(grade=Store.Grade.B)
    for grade, reason, code in [("A", "", "reason_required"), ("B", "same", "grade_unchanged"),
                                ("Z", "bad", "invalid")]:
        with pytest.raises(DomainError) as refused:
            store_grade_set(store_id=store.pk, grade=grade, reason=reason, user=operator)
        assert refused.value.code == code
    store.refresh_from_db()
    assert store.grade == Store.Grade.B


def test_store_form_shows_grade_and_status_read_only(admin_client):
    store = StoreFactory(grade=Store.Grade.B)
    page = admin_client.get(f"/admin/merchants/store/{store.pk}/change/")
    assert page.status_code == 200
    assert b'name="grade"' not in page.content and b'name="status"' not in page.content
    assert admin_client.get("/admin/merchants/store/add/").status_code == 403  # the platform creates stores


def test_suspend_action_asks_for_a_reason_then_suspends(admin_client):
    store = StoreFactory()
    form = admin_client.post("/admin/merchants/store/", {"action": "suspend", "_selected_action": [store.pk]})
    assert form.status_code == 200 and b'name="reason"' in form.content
    done = admin_client.post("/admin/merchants/store/", {"action": "suspend", "_selected_action": [store.pk],
                                                          "apply": "1", "reason": "chargebacks"})
    assert done.status_code == 302
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED
    row = last_change(store)
    assert row.history_user.username == "op" and row.history_change_reason == "operator: op — suspended: chargebacks"


def test_reactivate_and_set_grade_actions_call_the_services(admin_client):
    store = StoreFactory(status=Store.Status.SUSPENDED, grade=Store.Grade.B)
    admin_client.post("/admin/merchants/store/", {"action": "reactivate", "_selected_action": [store.pk],
                                                  "apply": "1", "reason": "cleared"})
    form = admin_client.post("/admin/merchants/store/", {"action": "set_grade", "_selected_action": [store.pk]})
    assert b'name="grade"' in form.content and b'name="reason"' in form.content
    admin_client.post("/admin/merchants/store/", {"action": "set_grade", "_selected_action": [store.pk],
                                                  "apply": "1", "grade": "C", "reason": "complaints"})
    store.refresh_from_db()
    assert (store.status, store.grade) == (Store.Status.ACTIVE, Store.Grade.C)
    assert last_change(store).history_change_reason == "operator: op — grade B → C: complaints"


def test_order_status_is_read_only_in_the_admin(admin_client):
    order = OrderFactory()
    page = admin_client.get(f"/admin/merchants/order/{order.pk}/change/")
    assert page.status_code == 200 and b'name="status"' not in page.content
