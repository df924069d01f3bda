"""SPEC §2 and decisions (proceeds cycle): a pay-later order's proceeds settle to the wallet
`proceeds_cycle_days` after completion (policy, default 0) — when due, never earlier, never twice —
by the completion itself (0 days) or by the due sweep, which also runs as a management command."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from merchants.models import LedgerEntry
from merchants.orders.services import order_record_refund
from paylater import services
from paylater.models import PaylaterPolicy
from paylater.proceeds import proceeds_settle_due
from paylater.tasks import settle_due_proceeds

from .factories import paylater_product, paylater_store

pytestmark = pytest.mark.django_db
PAID = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 local
CHARGED = PAID + dt.timedelta(days=2)


def cycle(days):
    policy = PaylaterPolicy.current()
    policy.proceeds_cycle_days = days
    policy.save()


def charged_order(amount="200.00", succeeded=True, reported_at=CHARGED):
    with time_machine.travel(reported_at, tick=False):
        store = paylater_store(base_limit=Decimal("5000.00"))
        order = services.paylater_order_accept(store=store, product=paylater_product(store), buyer_id="b",
                                               amount=Decimal(amount), paid_at=PAID, channel="taote",
                                               buyer_credit_score=90)
        services.order_confirm_receipt(order_id=order.pk, confirmed_at=PAID + dt.timedelta(days=1))
        services.order_consumer_charge(order_id=order.pk, succeeded=succeeded, at=CHARGED)
    return order


def proceeds(order):
    return list(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER_PROCEEDS, reference=f"order:{order.pk}")
                .values_list("amount", "created_at"))


def test_default_zero_day_cycle_settles_at_completion():
    order = charged_order()
    assert proceeds(order) == [(Decimal("200.00"), CHARGED)]


def test_three_day_cycle_settles_nothing_at_completion_nor_a_second_before_it_is_due():
    cycle(3)
    order = charged_order()
    assert proceeds(order) == []
    assert proceeds_settle_due(now=CHARGED + dt.timedelta(days=3) - dt.timedelta(seconds=1)) == 0
    assert proceeds(order) == []


def test_three_day_cycle_is_posted_by_the_sweep_when_due_dated_at_the_due_moment_and_only_once():
    cycle(3)
    order = charged_order()
    due = CHARGED + dt.timedelta(days=3)
    assert proceeds_settle_due(now=due) == 1
    assert proceeds_settle_due(now=due + dt.timedelta(hours=1)) == 0
    assert proceeds(order) == [(Decimal("200.00"), due)]


def test_a_platform_advance_settles_on_the_same_cycle():
    cycle(1)
    order = charged_order(succeeded=False)
    assert proceeds_settle_due(now=CHARGED + dt.timedelta(days=1)) == 1
    assert proceeds(order) == [(Decimal("200.00"), CHARGED + dt.timedelta(days=1))]


def test_a_refund_before_the_proceeds_settle_lowers_what_is_credited_and_debits_nothing():
    cycle(3)
    order = charged_order()
    order_record_refund(order_id=order.pk, amount=Decimal("50.00"), at=CHARGED + dt.timedelta(days=1),
                        reference="refund_case:1")
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()
    proceeds_settle_due(now=CHARGED + dt.timedelta(days=3))
    assert [amount for amount, _at in proceeds(order)] == [Decimal("150.00")]


def test_a_fully_refunded_order_never_becomes_due():
    cycle(3)
    order = charged_order()
    order_record_refund(order_id=order.pk, amount=Decimal("200.00"), at=CHARGED, reference="refund_case:1")
    assert proceeds_settle_due(now=CHARGED + dt.timedelta(days=4)) == 0


def test_a_charge_reported_after_its_cycle_ran_out_settles_at_once_dated_when_due():
    cycle(1)
    order = charged_order(reported_at=CHARGED + dt.timedelta(days=5))
    assert proceeds(order) == [(Decimal("200.00"), CHARGED + dt.timedelta(days=1))]


def test_management_command_and_task_run_the_sweep_for_a_chosen_moment():
    cycle(2)
    first, second = charged_order(), charged_order()
    call_command("settle_due_proceeds", "--now", (CHARGED + dt.timedelta(days=2)).isoformat())
    assert proceeds(first) and proceeds(second)
    assert settle_due_proceeds(now=(CHARGED + dt.timedelta(days=3)).isoformat()) == 0
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER_PROCEEDS).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_credit_each_order_once(threads):
    cycle(1)
    orders = [charged_order() for _ in range(5)]
    results = threads(lambda i: proceeds_settle_due(now=CHARGED + dt.timedelta(days=1), batch_size=2), 3)
    assert sum(results) == 5
    assert all(len(proceeds(order)) == 1 for order in orders)
