"""Appeals on confirmed violations (SPEC §5): once, within 7 days of confirmation; overturning
revokes the violation through the same service."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from config.api.errors import DomainError, StateConflict
from merchants.ledger.selectors import wallet_balance
from merchants.models import Appeal, AppealPolicy, Sanction, Store, Violation
from merchants.violations.appeals import appeal_overturn, appeal_submit, appeal_uphold
from merchants.violations.selectors import sanction_until
from merchants.violations.services import violation_confirm, violation_revoke
from tests.factories import ViolationFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.timezone.utc)  # confirmed 10:00 local


@pytest.fixture
def confirmed(store):
    Store.objects.filter(pk=store.pk).update(base_limit=Decimal("20000.00"), grade="B")
    with time_machine.travel(T0, tick=False):
        return violation_confirm(violation_id=ViolationFactory(store=store, occurred_at=T0,
                                                               kind=Violation.Kind.FAKE_TRANSACTIONS).pk)


def appeal(api, violation, at, statement="The orders were real; logistics proof attached."):
    with time_machine.travel(at, tick=False):
        return api.post(f"/api/v1/merchant/violations/{violation.pk}/appeal/", {"statement": statement},
                        format="json")


def test_an_appeal_on_day_7_is_accepted(confirmed, merchant_api):
    r = appeal(merchant_api, confirmed, T0 + dt.timedelta(days=6, hours=23, minutes=59))
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "pending" and body["violation"] == confirmed.pk
    assert body["submitted_at"] == "2026-11-17T09:59:00+08:00"
    saved = Appeal.objects.get(violation=confirmed)
    assert saved.store_id == confirmed.store_id and saved.history.first().history_user.username == \
        confirmed.store.owner.username


def test_an_appeal_on_day_8_is_refused_as_the_window_closed(confirmed, merchant_api):
    r = appeal(merchant_api, confirmed, T0 + dt.timedelta(days=7))
    assert r.status_code == 409 and r.json()["code"] == "appeal_window_closed"
    assert not Appeal.objects.exists()


def test_the_window_is_a_policy(confirmed, merchant_api):
    policy = AppealPolicy.current()
    policy.window_days = 10
    policy.save()
    assert appeal(merchant_api, confirmed, T0 + dt.timedelta(days=9)).status_code == 201


def test_a_second_appeal_is_refused(confirmed, merchant_api):
    assert appeal(merchant_api, confirmed, T0 + dt.timedelta(days=1)).status_code == 201
    r = appeal(merchant_api, confirmed, T0 + dt.timedelta(days=2), statement="again")
    assert r.status_code == 409 and r.json()["code"] == "appeal_exists"
    assert Appeal.objects.count() == 1


def test_a_second_appeal_after_an_upheld_one_is_refused_too(confirmed):
    first = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0)
    appeal_uphold(appeal_id=first.pk, reason="the evidence does not show it")
    with pytest.raises(StateConflict) as exc:
        appeal_submit(violation_id=confirmed.pk, statement="again", at=T0 + dt.timedelta(hours=1))
    assert exc.value.code == "appeal_exists"


def test_only_a_confirmed_violation_can_be_appealed(store, merchant_api):
    pending = ViolationFactory(store=store)
    r = appeal(merchant_api, pending, T0)
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_another_stores_violation_is_not_found_and_a_statement_is_required(confirmed, other_store, merchant_api):
    theirs = ViolationFactory(store=other_store)
    assert appeal(merchant_api, theirs, T0).status_code == 404
    r = appeal(merchant_api, confirmed, T0, statement="  ")
    assert r.status_code == 400 and "statement" in r.json()["fields"]


def test_the_violation_shows_its_appeal_and_decision(confirmed, merchant_api):
    assert merchant_api.get(f"/api/v1/merchant/violations/{confirmed.pk}/").json()["appeal"] is None
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0 + dt.timedelta(days=1))
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        appeal_uphold(appeal_id=a.pk, reason="orders share one address")
    shown = merchant_api.get(f"/api/v1/merchant/violations/{confirmed.pk}/").json()["appeal"]
    assert shown["status"] == "upheld" and shown["decision_note"] == "orders share one address"
    assert shown["decided_at"] == "2026-11-12T10:00:00+08:00" and shown["id"] == a.pk
    listed = merchant_api.get("/api/v1/merchant/violations/").json()["results"][0]
    assert listed["appeal"]["status"] == "upheld"


def test_overturning_revokes_the_violation_fine_reversed_sanctions_lifted_grade_replayed(confirmed):
    assert Store.objects.get(pk=confirmed.store_id).grade == "C"
    assert wallet_balance(store_id=confirmed.store_id) == Decimal("-10000.00")
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0 + dt.timedelta(days=3))
    at = T0 + dt.timedelta(days=4)
    appeal_overturn(appeal_id=a.pk, reason="the orders were real", at=at)
    a.refresh_from_db()
    confirmed.refresh_from_db()
    assert a.status == "overturned" and a.decided_at == at
    assert confirmed.status == "revoked"
    assert confirmed.revoke_reason == f"appeal #{a.pk} overturned: the orders were real"
    assert wallet_balance(store_id=confirmed.store_id) == Decimal("0.00")
    assert sanction_until(store_id=confirmed.store_id, kind=Sanction.Kind.CREDIT_FREEZE, at=at) is None
    assert Store.objects.get(pk=confirmed.store_id).grade == "B"
    assert [h.status for h in a.history.order_by("history_id")] == ["pending", "overturned"]


def test_revoking_a_violation_directly_decides_its_pending_appeal_overturned(confirmed, merchant_api):
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0 + dt.timedelta(days=1))
    at = T0 + dt.timedelta(days=2)
    violation_revoke(violation_id=confirmed.pk, reason="detection rule misfired", at=at)
    a.refresh_from_db()
    assert (a.status, a.decided_at) == ("overturned", at)
    assert a.decision_note == "detection rule misfired"
    assert a.history.first().history_change_reason == "violation revoked: detection rule misfired"
    assert not Appeal.objects.filter(status="pending").exists()  # off the operators' worklist
    shown = merchant_api.get(f"/api/v1/merchant/violations/{confirmed.pk}/").json()["appeal"]
    assert shown["status"] == "overturned" and shown["decided_at"] == "2026-11-12T10:00:00+08:00"


def test_an_upheld_appeal_stays_upheld_when_the_violation_is_revoked_later(confirmed):
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0 + dt.timedelta(days=1))
    appeal_uphold(appeal_id=a.pk, reason="orders share one address", at=T0 + dt.timedelta(days=2))
    violation_revoke(violation_id=confirmed.pk, reason="new evidence", at=T0 + dt.timedelta(days=20))
    a.refresh_from_db()
    assert (a.status, a.decision_note) == ("upheld", "orders share one address")


def test_deciding_needs_a_reason_and_happens_once(confirmed):
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0)
    with pytest.raises(DomainError) as exc:
        appeal_overturn(appeal_id=a.pk, reason=" ")
    assert exc.value.code == "reason_required"
    appeal_uphold(appeal_id=a.pk, reason="stands")
    with pytest.raises(StateConflict):
        appeal_overturn(appeal_id=a.pk, reason="changed my mind")
    assert Violation.objects.get(pk=confirmed.pk).status == "confirmed"


def test_operators_overturn_from_a_confirmation_page_with_a_reason(confirmed, client):
    op = get_user_model().objects.create_superuser("op", "op@example.com", "pw")
    client.force_login(op)
    a = appeal_submit(violation_id=confirmed.pk, statement="real orders", at=T0)
    url = "/admin/merchants/appeal/"
    page = client.post(url, {"action": "overturn", "_selected_action": [a.pk]})
    assert page.status_code == 200 and b'name="reason"' in page.content
    assert Appeal.objects.get(pk=a.pk).status == "pending"
    done = client.post(url, {"action": "overturn", "_selected_action": [a.pk], "apply": "1",
                             "reason": "proof checked"})
    assert done.status_code == 302
    a.refresh_from_db()
    assert a.status == "overturned" and a.history.order_by("-history_id").first().history_user == op
    assert Violation.objects.get(pk=confirmed.pk).status == "revoked"
    assert client.get(url).status_code == 200 and client.get(f"{url}{a.pk}/change/").status_code == 200
