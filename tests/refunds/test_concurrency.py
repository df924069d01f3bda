"""Races that must have exactly one winner, on PostgreSQL with real threads and row locks."""
import datetime as dt
from decimal import Decimal

import pytest

from config.api.errors import StateConflict
from merchants.models import Order
from refunds import services
from refunds.models import Negotiation, RefundCase
from refunds.services import Actor, refund_timeouts_run
from tests.conftest import Api
from tests.factories import merchant_token
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db(transaction=True)
S = RefundCase.Status


def test_two_sweepers_at_once_never_act_twice_on_one_case(clock, store, threads):
    cases = [open_case(store, type="refund_only", amount="10.00") for _ in range(40)]
    after_deadline = T0 + dt.timedelta(hours=36)

    results = threads(lambda i: refund_timeouts_run(now=after_deadline, batch_size=5), 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.cases_auto_agreed for r in results) == 40
    assert sum(r.errors for r in results) == 0
    for case in cases:
        assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("10.00")
        assert case.history.filter(status=S.REFUNDED).count() == 1


def test_buyer_accept_racing_a_merchant_reject_has_exactly_one_winner(clock, store, threads):
    for _round in range(5):
        case = open_case(store, type="return_refund", amount="30.00")
        negotiation = services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(store.owner),
                                                   type="refund_only", amount=Decimal("3.00"))

        def act(i):
            if i == 0:
                return services.negotiation_accept(negotiation_id=negotiation.pk, actor=Actor.buyer(case.buyer_id))
            return services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")

        results = threads(act, 2)
        conflicts = [r for r in results if isinstance(r, StateConflict)]
        assert len(conflicts) == 1 and conflicts[0].status == 409, results
        case.refresh_from_db()
        negotiation.refresh_from_db()
        if isinstance(results[0], StateConflict):  # the merchant won
            assert conflicts[0].code == "negotiation_closed"
            assert case.status == S.REJECTED and negotiation.status == Negotiation.Status.REVOKED
            assert Order.objects.get(pk=case.order_id).refunded_amount == 0
        else:  # the buyer won
            assert conflicts[0].code == "case_not_pending"
            assert case.status == S.REFUNDED and negotiation.status == Negotiation.Status.ACCEPTED
            assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("3.00")


def test_fifty_concurrent_negotiations_give_exactly_one_201(clock, store, threads):
    case = open_case(store, type="return_refund", amount="30.00")
    token = merchant_token(store.owner)

    def propose(i):
        client = Api().with_token(token)
        r = client.post(f"/api/v1/merchant/refund-cases/{case.pk}/negotiate/",
                        {"type": "refund_only", "amount": f"{1 + i % 20}.00"}, format="json")
        return r.status_code, r.json().get("code")

    results = threads(propose, 50)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results).count((201, None)) == 1
    assert all(r == (400, "negotiation_used") for r in results if r[0] != 201), results
    assert Negotiation.objects.filter(case=case).count() == 1
