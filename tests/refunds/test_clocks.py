"""Each refund clock of SPEC §3 has one home (`refunds.selectors`): the timeout sweep acts on
exactly the cases the admin's "overdue" filter lists, at the deadline itself and not a second
before it."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from refunds import selectors, services
from refunds.models import Negotiation, RefundCase
from refunds.services import Actor, refund_timeouts_run
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(days=3)
S = RefundCase.Status


def pending(store):
    return open_case(store, type="refund_only", amount="50.00")


def awaiting_return(store, *, shipped=False):
    case = open_case(store, type="return_refund", amount="50.00")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    if shipped:
        services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id), tracking_no="YT1")
    return case


def return_received(store):
    case = awaiting_return(store, shipped=True)
    services.refund_case_return_received(case_id=case.pk, actor=Actor.merchant(store.owner))
    return case


@pytest.fixture
def cases(store):
    """Cases whose clock runs out exactly at NOW (due) or one second later (not due)."""
    made = {}
    with time_machine.travel(T0, tick=False):
        for offset, due in [(dt.timedelta(0), True), (dt.timedelta(seconds=1), False)]:
            for name, make, field in [("decision", pending, "merchant_deadline"),
                                      ("return_ship", awaiting_return, "return_ship_deadline"),
                                      ("refund", return_received, "refund_deadline")]:
                case = make(store)
                RefundCase.objects.filter(pk=case.pk).update(**{field: NOW + offset})
                made[case.pk] = (name, due)
            shipped_back = awaiting_return(store, shipped=True)  # its ship-back clock no longer runs
            RefundCase.objects.filter(pk=shipped_back.pk).update(return_ship_deadline=NOW - dt.timedelta(days=1))
            made[shipped_back.pk] = ("shipped_back", False)
    return made


def test_admin_overdue_filter_lists_exactly_the_cases_the_sweep_acts_on(cases, admin_client):
    due = {pk for pk, (_name, is_due) in cases.items() if is_due}
    assert set(RefundCase.objects.filter(selectors.case_overdue_q(NOW)).values_list("pk", flat=True)) == due
    with time_machine.travel(NOW, tick=False):
        listed = admin_client.get("/admin/refunds/refundcase/?overdue=yes").context["cl"].result_list
        not_listed = admin_client.get("/admin/refunds/refundcase/?overdue=no").context["cl"].result_list
    assert {c.pk for c in listed} == due
    assert {c.pk for c in not_listed} == set(cases) - due
    before = dict(RefundCase.objects.values_list("pk", "status"))
    result = refund_timeouts_run(now=NOW)
    after = dict(RefundCase.objects.values_list("pk", "status"))
    assert {pk for pk in cases if before[pk] != after[pk]} == due
    assert (result.cases_auto_agreed, result.returns_closed, result.cases_auto_refunded) == (1, 1, 1)


@pytest.mark.parametrize("offset, expired", [(dt.timedelta(0), True), (dt.timedelta(seconds=1), False)])
def test_negotiation_expires_at_its_deadline_itself(store, offset, expired):
    with time_machine.travel(T0, tick=False):
        case = pending(store)
        negotiation = services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(store.owner),
                                                   type="refund_only", amount=Decimal("40.00"))
    Negotiation.objects.filter(pk=negotiation.pk).update(expires_at=NOW + offset)
    RefundCase.objects.filter(pk=case.pk).update(merchant_deadline=NOW + dt.timedelta(days=1))
    assert Negotiation.objects.filter(selectors.negotiation_expired_q(NOW)).exists() is expired
    assert refund_timeouts_run(now=NOW).negotiations_expired == int(expired)
    negotiation.refresh_from_db()
    assert negotiation.status == (Negotiation.Status.EXPIRED if expired else Negotiation.Status.OPEN)
    assert RefundCase.objects.get(pk=case.pk).status == S.PENDING
