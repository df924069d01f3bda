"""The bug that started it: reverting a refunded case in its History let the next timeout
sweep refund it again (the order's refunded amount doubled)."""
import datetime as dt

import pytest
import time_machine

from merchants.models import Order
from refunds import services
from refunds.models import RefundCase
from refunds.services import Actor
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db


def test_reverting_a_refunded_case_is_refused_and_nothing_changes(admin_client, store):
    with time_machine.travel(T0, tick=False):
        case = open_case(store, type="refund_only", amount="24.50")
        services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner))
    pending_version = case.history.order_by("history_id").first()
    url = f"/admin/refunds/refundcase/{case.pk}/history/{pending_version.history_id}/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content  # readable, no revert button
    assert admin_client.post(url, {"_save": "Save"}).status_code == 403
    services.refund_timeouts_run(now=T0 + dt.timedelta(hours=40))
    case.refresh_from_db()
    assert case.status == RefundCase.Status.REFUNDED
    assert Order.objects.get(pk=case.order_id).refunded_amount == case.amount
