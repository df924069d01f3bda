"""The set-based timeout sweep (issue 16, decision 0032): batches claimed through the clocks'
indexes, moved in a few statements, exactly once, a failing batch one case at a time, and the
beat's dispatcher fanning batches out to workers."""
import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merchants.ledger.models import LedgerEntry
from merchants.models import Order, Violation
from merchants.orders.services import proceeds_key
from refunds import selectors, services
from refunds.models import RefundCase, RefundPolicy
from refunds.services import Actor, refund_timeouts_run
from refunds.services.sweep import CLOCKS, due_rows
from refunds.services.timeouts import refund_timeouts_dispatch
from refunds.tasks import run_refund_timeouts, sweep_refund_clock
from tests.refunds.factories import T0, open_case

S = RefundCase.Status
REFUND_DUE = T0 + dt.timedelta(hours=49)  # the received returns below are past their 48-hour deadline


def received_return(store, *, settled=True):
    """A return received at T0 whose order's proceeds were settled to the wallet."""
    case = open_case(store, type="return_refund", amount="60.00")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id), tracking_no="YT1")
    services.refund_case_return_received(case_id=case.pk, actor=Actor.merchant(store.owner))
    if settled:
        LedgerEntry.objects.create(store=store, kind=LedgerEntry.Kind.ORDER_PROCEEDS, amount=Decimal("60.00"),
                                   reference=f"order:{case.order_id}", idempotency_key=proceeds_key(case.order_id),
                                   created_at=T0)
    return RefundCase.objects.get(pk=case.pk)


def assert_refunded_once(case):
    case.refresh_from_db()
    assert case.status == S.REFUNDED
    assert case.history.filter(status=S.REFUNDED).count() == 1
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("60.00")
    assert LedgerEntry.objects.filter(idempotency_key=f"refund:refund_case:{case.pk}", amount=Decimal("-60.00"),
                                      kind=LedgerEntry.Kind.REFUND).count() == 1
    violation = Violation.objects.get(dedup_key=f"refund_case:{case.pk}:after_sales_delay")
    assert violation.history.filter(history_type="+").count() == 1
    assert Order.history.filter(id=case.order_id, history_change_reason=f"refund refund_case:{case.pk}").count() == 1


@pytest.mark.django_db
def test_a_batch_refunds_every_overdue_return_with_its_order_ledger_debit_and_violation(clock, store):
    cases = [received_return(store) for _ in range(5)]

    result = refund_timeouts_run(now=REFUND_DUE, batch_size=2)

    assert result.cases_auto_refunded == 5 and result.errors == 0
    for case in cases:
        assert_refunded_once(case)
    assert refund_timeouts_run(now=REFUND_DUE) == services.SweepResult()  # nothing twice
    assert Violation.objects.count() == 5 and LedgerEntry.objects.filter(kind="refund").count() == 5


@pytest.mark.django_db
def test_a_failing_batch_moves_the_rest_one_at_a_time_and_logs_and_leaves_the_bad_case_due(clock, store, monkeypatch,
                                                                                              caplog):
    cases = [received_return(store) for _ in range(4)]
    bad = cases[2]
    real = services.sweep.after_sales_delay_detail

    def detail(case):
        if case.pk == bad.pk:
            raise ValueError("unreadable return date")
        return real(case)

    monkeypatch.setattr(services.sweep, "after_sales_delay_detail", detail)
    with caplog.at_level(logging.WARNING, logger="refunds.services"):
        result = refund_timeouts_run(now=REFUND_DUE, batch_size=10)

    assert result.cases_auto_refunded == 3 and result.errors == 1
    for case in cases:
        if case is not bad:
            assert_refunded_once(case)
    assert RefundCase.objects.filter(selectors.refund_due_q(REFUND_DUE), pk=bad.pk).exists()  # still due
    assert Order.objects.get(pk=bad.order_id).refunded_amount == 0
    assert not Violation.objects.filter(reference=f"refund_case:{bad.pk}").exists()
    assert f"refund case {bad.pk}" in caplog.text


def _counting_due_ids(monkeypatch) -> list:
    calls = []
    real = services.sweep.due_ids

    def counted(clock_, *args, **kwargs):
        if clock_ == "refund":  # (the clocks after it are probed by a listing of their own)
            calls.append(1)
        return real(clock_, *args, **kwargs)

    monkeypatch.setattr(services.sweep, "due_ids", counted)
    return calls


@pytest.mark.django_db
def test_a_pass_that_claims_every_listed_case_lists_the_due_cases_once(clock, store, monkeypatch):
    """Listing again after a complete pass found nothing new and cost a heap visit per moved row."""
    cases = [received_return(store) for _ in range(5)]
    listings = _counting_due_ids(monkeypatch)

    result = refund_timeouts_run(now=REFUND_DUE, batch_size=2)

    assert result.cases_auto_refunded == 5 and len(listings) == 1
    for case in cases:
        assert_refunded_once(case)


@pytest.mark.django_db
def test_a_case_left_unclaimed_by_a_pass_is_listed_again_and_moved_in_the_same_sweep(clock, store, monkeypatch):
    """A case another transaction held when its batch claimed (SKIP LOCKED) is tried again."""
    cases = [received_return(store) for _ in range(5)]
    held = cases[1].pk
    real_claim, first_pass = services.sweep.claim, []

    def claim(clock_, now, **kwargs):
        if kwargs.get("ids") is not None and held in kwargs["ids"] and not first_pass:
            first_pass.append(1)  # as if another transaction held it: skipped this time
            kwargs["ids"] = [pk for pk in kwargs["ids"] if pk != held]
        return real_claim(clock_, now, **kwargs)

    monkeypatch.setattr(services.sweep, "claim", claim)
    listings = _counting_due_ids(monkeypatch)

    result = refund_timeouts_run(now=REFUND_DUE, batch_size=2)

    assert result.cases_auto_refunded == 5 and len(listings) == 2
    for case in cases:
        assert_refunded_once(case)


@pytest.mark.django_db
def test_with_nothing_due_a_sweep_is_one_query_whatever_the_number_of_cases(clock, store):
    received_return(store)  # due only after T0 + 48 h
    with CaptureQueriesContext(connection) as few:
        assert refund_timeouts_run(now=T0 + dt.timedelta(hours=1)) == services.SweepResult()
    for _ in range(10):
        received_return(store)
        open_case(store, type="refund_only")
    with CaptureQueriesContext(connection) as many:
        assert refund_timeouts_run(now=T0 + dt.timedelta(hours=1)) == services.SweepResult()
    assert len(few.captured_queries) == len(many.captured_queries) == 1


@pytest.mark.django_db
def test_the_beat_queues_one_task_per_range_and_a_duplicate_task_moves_nothing(clock, store, monkeypatch):
    cases = [open_case(store, type="refund_only", amount="10.00", opened_at=T0 - dt.timedelta(minutes=i))
             for i in range(5)]
    deadlines = sorted(case.merchant_deadline.astimezone(dt.UTC) for case in cases)  # as the database gives them
    queued = []
    after = T0 + dt.timedelta(hours=36)

    counts = refund_timeouts_dispatch(now=after, batch_size=2, enqueue=lambda *args: queued.append(args))

    assert counts["cases_auto_agreed"] == 5 and counts["batches"] == 3
    assert queued == [  # disjoint deadline ranges of 2 rows, the last open-ended
        ("decision", after.isoformat(), 2, deadlines[0].isoformat(), deadlines[2].isoformat()),
        ("decision", after.isoformat(), 2, deadlines[2].isoformat(), deadlines[4].isoformat()),
        ("decision", after.isoformat(), 2, deadlines[4].isoformat(), None)]
    assert RefundCase.objects.filter(status=S.PENDING).count() == 5  # the workers move them, not the beat
    for args in queued + queued:  # every task delivered twice
        sweep_refund_clock(*args)
    for case in cases:
        case.refresh_from_db()
        assert case.status == S.REFUNDED and case.history.filter(status=S.REFUNDED).count() == 1
        assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("10.00")


@pytest.mark.django_db
def test_the_beat_task_queues_sweep_tasks_that_expire_and_moves_nothing_itself(clock, store, monkeypatch):
    case = open_case(store, type="refund_only", amount="10.00")
    queued = []
    monkeypatch.setattr(sweep_refund_clock, "apply_async", lambda args, **options: queued.append((args, options)))
    after = T0 + dt.timedelta(hours=36)

    counts = run_refund_timeouts(after.isoformat())

    assert counts["cases_auto_agreed"] == 1 and counts["batches"] == 1
    (args, options), = queued
    assert args[:3] == ("decision", after.isoformat(), 500) and 0 < options["expires"] <= 600
    assert RefundCase.objects.get(pk=case.pk).status == S.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_move_each_case_once_with_one_refund_one_ledger_entry_one_violation(clock, store,
                                                                                                  threads):
    cases = [received_return(store) for _ in range(30)]

    results = threads(lambda i: refund_timeouts_run(now=REFUND_DUE, batch_size=4), 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.cases_auto_refunded for r in results) == 30 and sum(r.errors for r in results) == 0
    for case in cases:
        assert_refunded_once(case)
    assert Violation.objects.count() == 30 and LedgerEntry.objects.filter(kind="refund").count() == 30


@pytest.mark.django_db(transaction=True)
def test_every_clock_claims_its_due_cases_through_an_index():
    from bench.refund_sweep import NOW, generate

    generate(total=20_000)  # 2,000 due unshipped returns among 20,000 cases, analysed
    with connection.cursor() as cursor:
        for clock in CLOCKS:
            qs = due_rows(clock, NOW).values_list("pk", flat=True)[:500]
            sql, params = qs.query.sql_with_params()
            if clock == "negotiation_expiry":
                # The bench makes no negotiations: on an empty table any plan is a seq scan, so
                # the planner is asked whether the index can answer the due condition at all.
                cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "Index" in plan and "Seq Scan" not in plan, (clock, plan)


@pytest.mark.django_db
def test_a_failing_negotiation_batch_expires_the_others_one_at_a_time_by_their_case(clock, store, monkeypatch):
    """The fallback claims a negotiation by its case's id, as a batch of one."""
    policy = RefundPolicy.current()
    policy.negotiation_answer_hours = 12  # expires before the cases' decision deadline
    policy.save()
    cases = [open_case(store, type="refund_only", amount="50.00") for _ in range(3)]
    for case in cases:
        services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(store.owner), type="refund_only",
                                     amount=Decimal("40.00"))
    bad = cases[1].negotiation
    real = services.sweep.events.negotiations_answered

    def answered(negotiations):
        negotiations = list(negotiations)
        if any(n.pk == bad.pk for n in negotiations):
            raise RuntimeError("webhook outbox unavailable")
        real(negotiations)

    monkeypatch.setattr(services.sweep.events, "negotiations_answered", answered)
    result = refund_timeouts_run(now=cases[0].negotiation.expires_at, batch_size=10)

    assert result.negotiations_expired == 2 and result.errors == 1
    statuses = {c.pk: c.negotiation.status for c in RefundCase.objects.select_related("negotiation")}
    assert statuses == {cases[0].pk: "expired", cases[1].pk: "open", cases[2].pk: "expired"}
    assert {c.status for c in RefundCase.objects.all()} == {S.PENDING}
