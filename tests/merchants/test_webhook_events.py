"""Every event type of SPEC §5 is emitted by the one service function where its change
happens (so bulk and job paths emit it too), with the object as the merchant API shows it."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from logistics.settlement import settlement_start
from merchants.applications.services import application_approve, application_reject, application_submit
from merchants.credit.services import evaluate_month
from merchants.models import Violation
from merchants.violations.services import violation_confirm, violation_open, violation_revoke
from merchants.webhooks.models import EventType, WebhookEvent
from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create
from refunds import services as refunds
from refunds.services import Actor
from tests.factories import StoreFactory, StoreMetricsFactory, UserFactory
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory, make_orders
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db
SENSITIVE = {"business_license_no": "91420100MA4K000001", "legal_rep_id_no": "420102199001011234",
             "bank_account": "6222020200100000001"}


@pytest.fixture
def listening(db):
    """A store with an endpoint that wants every event type."""
    store = StoreFactory(base_limit=Decimal("15000.00"))
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=SUBSCRIBABLE)
    return store


def emitted(store, type_):
    return list(WebhookEvent.objects.filter(store=store, type=type_).order_by("id"))


def test_refund_case_opened_agreed_and_refunded(listening):
    with time_machine.travel(T0, tick=False):
        case = open_case(listening, type="refund_only", amount="30.00")
        assert [e.data["id"] for e in emitted(listening, EventType.REFUND_CASE_OPENED)] == [case.pk]
        refunds.refund_case_agree(case_id=case.pk, actor=Actor.merchant(UserFactory()))
    [agreed] = emitted(listening, EventType.REFUND_CASE_AGREED)
    [refunded] = emitted(listening, EventType.REFUND_CASE_REFUNDED)
    assert agreed.data["id"] == refunded.data["id"] == case.pk and refunded.data["status"] == "refunded"


def test_the_timeout_sweep_agrees_and_emits_as_the_job(listening):
    with time_machine.travel(T0, tick=False):
        case = open_case(listening, type="return_refund")
    refunds.refund_timeouts_run(now=T0 + dt.timedelta(hours=36))
    [agreed] = emitted(listening, EventType.REFUND_CASE_AGREED)
    assert agreed.data["id"] == case.pk and agreed.data["status"] == "awaiting_return"


def test_negotiation_answered_on_reject(listening):
    with time_machine.travel(T0, tick=False):
        case = open_case(listening, type="return_refund", amount="99.00")
        negotiation = refunds.negotiation_propose(case_id=case.pk, actor=Actor.merchant(UserFactory()),
                                                  type="refund_only", amount=Decimal("20.00"))
        refunds.negotiation_reject(negotiation_id=negotiation.pk, actor=Actor.buyer(case.buyer_id))
    [answered] = emitted(listening, EventType.NEGOTIATION_ANSWERED)
    assert answered.data["id"] == negotiation.pk and answered.data["status"] == "rejected"


def test_violation_opened_confirmed_revoked_and_the_freeze_changes_credit(listening):
    violation, _new = violation_open(store=listening, kind=Violation.Kind.AFTER_SALES_DELAY,
                                     occurred_at=T0, detected_by="test")
    violation_confirm(violation_id=violation.pk)
    violation_revoke(violation_id=violation.pk, reason="evidence was wrong")
    for type_, status in [(EventType.VIOLATION_OPENED, "pending_review"), (EventType.VIOLATION_CONFIRMED,
                                                                           "confirmed"),
                          (EventType.VIOLATION_REVOKED, "revoked")]:
        [event] = emitted(listening, type_)
        assert event.data["id"] == violation.pk and event.data["status"] == status
    frozen, lifted = emitted(listening, EventType.CREDIT_LIMIT_CHANGED)
    assert frozen.data["credit"]["available"] == "0.00" and lifted.data["credit"]["frozen_until"] is None


def test_credit_application_decided_on_approve_and_reject(listening):
    first = application_submit(store=listening, requested_limit=Decimal("50000.00"), **SENSITIVE)
    application_reject(application_id=first.pk, reason="not enough history")
    second = application_submit(store=listening, requested_limit=Decimal("50000.00"), **SENSITIVE)
    application_approve(application_id=second.pk, granted_limit=Decimal("20000.00"))
    assert [(e.data["id"], e.data["status"]) for e in emitted(listening, EventType.CREDIT_APPLICATION_DECIDED)] \
        == [(first.pk, "rejected"), (second.pk, "approved")]


def test_credit_limit_changed_when_an_evaluation_sets_a_new_base_limit(listening, no_metric_providers):
    month = dt.date(2026, 10, 1)
    StoreMetricsFactory(store=listening, month=month, monthly_sales=Decimal("10000.00"), dsr_score=None)
    with time_machine.travel(dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc), tick=False):
        evaluate_month(month=month)
        [changed] = emitted(listening, EventType.CREDIT_LIMIT_CHANGED)
        assert changed.data["id"] == listening.pk and changed.data["credit"]["base_limit"] != "15000.00"
        evaluate_month(month=month)  # the same figures again: no change, no event
    assert len(emitted(listening, EventType.CREDIT_LIMIT_CHANGED)) == 1


def test_logistics_week_settled_per_store_from_the_bulk_settlement(listening):
    EnrollmentFactory(store=listening, counting_from=WEEK,
                      joined_at=timeutil.local_at(WEEK - dt.timedelta(days=2), 9))
    make_orders(listening, 5, timeutil.local_at(WEEK + dt.timedelta(days=1), 10))
    settlement_start(week=WEEK, now=AFTER_WEEK, inline=True)
    [settled] = emitted(listening, EventType.LOGISTICS_WEEK_SETTLED)
    assert settled.data["store"] == listening.pk and settled.data["week"] == "2026-W46"


def test_every_event_type_of_spec_is_covered_here():
    """risk_check.warning is emitted by the monthly risk self-check (tests/merchants/test_risk*);
    refund_case.contested and refund_case.contest_decided by contests (tests/refunds/test_contest.py),
    credit_limit.low by pay-later intake (tests/paylater/test_refusals.py)."""
    covered = {EventType.REFUND_CASE_OPENED, EventType.REFUND_CASE_AGREED, EventType.REFUND_CASE_REFUNDED,
               EventType.NEGOTIATION_ANSWERED, EventType.VIOLATION_OPENED, EventType.VIOLATION_CONFIRMED,
               EventType.VIOLATION_REVOKED, EventType.CREDIT_LIMIT_CHANGED, EventType.CREDIT_APPLICATION_DECIDED,
               EventType.LOGISTICS_WEEK_SETTLED, EventType.RISK_CHECK_WARNING, EventType.REFUND_CASE_CONTESTED,
               EventType.REFUND_CASE_CONTEST_DECIDED, EventType.CREDIT_LIMIT_LOW}
    assert covered == set(SUBSCRIBABLE)
