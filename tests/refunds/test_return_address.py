"""SPEC decisions (return address): a return agreed by a rule or the 36-hour timeout with no
address anywhere waits in `awaiting_return` with `return_address_missing`; the buyer's 7-day
ship-back window starts only when the merchant sets the address (merchant API); operators find
these cases in the refund-case list filtered "waiting for a return address"."""
import datetime as dt

import pytest

from refunds import services
from refunds.models import RefundCase
from refunds.services import Actor, refund_timeouts_run
from tests.refunds.factories import T0, open_case, rules_for

pytestmark = pytest.mark.django_db
S = RefundCase.Status
URL = "/api/v1/merchant/refund-cases/{}/return-address/"


@pytest.fixture
def timed_out_return(clock, store):
    """A return request nobody answered, for a store with no default return address."""
    case = open_case(store, type="return_refund")
    clock.shift(dt.timedelta(hours=36))
    assert refund_timeouts_run().cases_auto_agreed == 1
    return RefundCase.objects.get(pk=case.pk)


def test_return_agreed_by_the_timeout_without_any_address_waits_for_one(timed_out_return):
    case = timed_out_return
    assert (case.status, case.return_address, case.return_address_missing) == (S.AWAITING_RETURN, "", True)
    assert case.return_ship_deadline is None
    assert case.history.first().history_change_reason == (
        "job: run_refund_timeouts — merchant did not decide in time: agreed as requested; no return address")


def test_the_waiting_case_is_never_closed_for_not_being_shipped(clock, timed_out_return):
    clock.shift(dt.timedelta(days=30))
    assert refund_timeouts_run().returns_closed == 0
    assert RefundCase.objects.get(pk=timed_out_return.pk).status == S.AWAITING_RETURN


def test_buyer_cannot_ship_before_the_merchant_gives_an_address(platform_api, timed_out_return):
    r = platform_api.post(f"/api/v1/platform/refund-cases/{timed_out_return.pk}/return-shipped/",
                          {"tracking_no": "SF1"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_merchant_sets_the_address_and_the_7_day_window_starts_then(clock, merchant_api, timed_out_return):
    clock.shift(dt.timedelta(days=2))
    r = merchant_api.post(URL.format(timed_out_return.pk), {"return_address": "武汉市仓库 1 号"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["return_address_missing"] is False and r.json()["return_address"] == "武汉市仓库 1 号"
    case = RefundCase.objects.get(pk=timed_out_return.pk)
    set_at = T0 + dt.timedelta(hours=36, days=2)
    assert case.return_address_set_at == set_at
    assert case.return_ship_deadline == set_at + dt.timedelta(days=7)
    assert case.history.first().history_change_reason == f"merchant: {case.store.owner.username} — return address set"


def test_setting_the_address_twice_or_on_a_case_not_waiting_is_409(clock, merchant_api, store, timed_out_return):
    merchant_api.post(URL.format(timed_out_return.pk), {"return_address": "仓"}, format="json")
    r = merchant_api.post(URL.format(timed_out_return.pk), {"return_address": "另一个仓"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "case_not_awaiting_address"
    pending = open_case(store, type="return_refund")
    r = merchant_api.post(URL.format(pending.pk), {"return_address": "仓"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "case_not_awaiting_address"
    assert RefundCase.objects.get(pk=timed_out_return.pk).return_address == "仓"


def test_a_blank_address_is_400_and_another_store_case_is_404(merchant_api, other_store, timed_out_return):
    r = merchant_api.post(URL.format(timed_out_return.pk), {"return_address": "  "}, format="json")
    assert r.status_code == 400
    assert RefundCase.objects.get(pk=timed_out_return.pk).return_address_missing
    foreign = open_case(other_store, type="return_refund")
    assert merchant_api.post(URL.format(foreign.pk), {"return_address": "仓"}, format="json").status_code == 404


def test_a_default_address_set_later_is_used_by_the_next_timeout_not_retroactively(clock, store, timed_out_return):
    rules_for(store, return_address="默认仓")
    case = open_case(store, type="return_refund")
    clock.shift(dt.timedelta(hours=36))
    refund_timeouts_run()
    case.refresh_from_db()
    assert (case.return_address, case.return_address_missing) == ("默认仓", False)
    assert case.return_ship_deadline == case.decided_at + dt.timedelta(days=7)
    assert RefundCase.objects.get(pk=timed_out_return.pk).return_address_missing


def test_operators_filter_the_cases_waiting_for_an_address(admin_client, clock, store, timed_out_return):
    agreed = open_case(store, type="return_refund", opened_at=T0 + dt.timedelta(hours=36))
    services.refund_case_agree(case_id=agreed.pk, actor=Actor.merchant(store.owner), return_address="仓")
    r = admin_client.get("/admin/refunds/refundcase/?return_address=missing")
    assert r.status_code == 200
    assert [c.pk for c in r.context["cl"].result_list] == [timed_out_return.pk]


def test_the_return_address_route_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/merchant/refund-cases/{id}/return-address/"]["post"]
    assert {"200", "400", "404", "409"} <= set(operation["responses"])


def test_the_worklist_count_matches_the_filtered_list(clock, store, timed_out_return):
    from refunds.selectors import cases_waiting_for_return_address

    assert list(cases_waiting_for_return_address()) == [timed_out_return]
    assert not cases_waiting_for_return_address(store_ids=[store.pk + 1000]).exists()
