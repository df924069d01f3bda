"""Orders lost to the limit (SPEC §6): every refused pay-later order is on record, whatever the
code, although the order's transaction rolls back; `credit_limit.low` at most once per store per
local day, at < 10% of the limit left or at the 3rd limit refusal within 60 minutes."""
import datetime as dt
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from config import timeutil
from config.api.errors import DomainError
from merchants.models import LedgerEntry, Order, Sanction, Store
from merchants.webhooks.models import WebhookDelivery, WebhookEvent
from merchants.webhooks.services import endpoint_create
from paylater import services
from paylater.models import Enrollment, LimitLowNotice, Refusal
from tests.conftest import Api
from tests.factories import platform_token

from .factories import PaylaterOrderFactory, paylater_product, paylater_store

URL = "/api/v1/platform/orders/"
LOW = "credit_limit.low"


def order_body(product, **over):
    return {"store": product.store_id, "product": product.pk, "buyer_id": "buyer-7", "amount": "80.00",
            "paid_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "channel": "taote",
            "payment_method": "paylater", "buyer_credit_score": 85, **over}


def listening(store):
    return endpoint_create(store=store, url="http://127.0.0.1:9/hook", events=[LOW])


def place(product, amount, *, buyer_id="b1"):
    """Intake as the service runs it; the refusal's DomainError is returned, not raised."""
    try:
        return services.paylater_order_intake(
            store_id=product.store_id, product_id=product.pk, buyer_id=buyer_id, amount=Decimal(amount),
            paid_at=timezone.now() - dt.timedelta(minutes=1), channel="taote", buyer_credit_score=90)
    except DomainError as error:
        return error


# --- every refusal is recorded ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # real transactions: the middleware's commit is the real one
@pytest.mark.parametrize("key", ["refused-1", None])
def test_a_limit_refusal_is_recorded_with_its_400_and_no_order_or_fee(key):
    product = paylater_product(paylater_store(base_limit=Decimal("100.00")))
    PaylaterOrderFactory(store=product.store, product=product, amount=Decimal("30.00"))
    client = Api().with_token(platform_token())
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = order_body(product, amount="80.00")
    resp = client.post(URL, body, format="json", **headers)
    assert resp.status_code == 400 and resp.json()["code"] == "credit_limit_exceeded"
    [refusal] = Refusal.objects.all()
    assert (refusal.store_id, refusal.amount, refusal.code, refusal.available, refusal.buyer_id) == (
        product.store_id, Decimal("80.00"), "credit_limit_exceeded", Decimal("70.00"), "buyer-7")
    assert abs(refusal.at - timezone.now()) < dt.timedelta(seconds=30)
    assert Order.objects.count() == 1 and not LedgerEntry.objects.exists()  # only the earlier order
    if key:  # the replay answers the stored 400 and records nothing more
        again = client.post(URL, body, format="json", **headers)
        assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
        assert Refusal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("setup, code, available", [
    (lambda store: Enrollment.objects.filter(store=store).delete(), "paylater_not_enrolled", "1000.00"),
    (lambda store: Store.objects.filter(pk=store.pk).update(status=Store.Status.SUSPENDED), "store_suspended",
     "1000.00"),
    (lambda store: Sanction.objects.create(store=store, kind=Sanction.Kind.CREDIT_FREEZE,
                                           starts_at=timezone.now() - dt.timedelta(days=1),
                                           ends_at=timezone.now() + dt.timedelta(days=1)), "store_frozen", "0.00"),
])
def test_every_code_is_recorded_with_the_available_limit_of_that_moment(platform_api, setup, code, available):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    setup(product.store)
    resp = platform_api.post(URL, order_body(product), format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert resp.status_code == 400 and resp.json()["code"] == code
    refusal = Refusal.objects.get()
    assert (refusal.code, refusal.available, refusal.amount) == (code, Decimal(available), Decimal("80.00"))


@pytest.mark.django_db
def test_a_low_buyer_score_is_recorded_and_an_accepted_order_is_not(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    assert platform_api.post(URL, order_body(product, buyer_credit_score=10), format="json").status_code == 400
    assert platform_api.post(URL, order_body(product), format="json").status_code == 201
    assert list(Refusal.objects.values_list("code", flat=True)) == ["buyer_not_eligible"]


@pytest.mark.django_db(transaction=True)
def test_no_refusal_is_lost_under_concurrent_intake(threads):
    """20 orders of 70 at once against a limit of 1000 through the API with their own keys: 14 fit,
    and each of the 6 refused has its row, whatever thread committed when."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    token = platform_token()

    def post(i):
        return Api().with_token(token).post(URL, order_body(product, amount="70.00", buyer_id=f"t{i}"),
                                            format="json", HTTP_IDEMPOTENCY_KEY=f"thread-{i}")

    responses = threads(post, 20)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 14 + [400] * 6, [getattr(r, "content", r) for r in responses]
    assert Refusal.objects.filter(code="credit_limit_exceeded").count() == 6
    assert set(Refusal.objects.values_list("buyer_id", flat=True)) == {
        f"t{i}" for i, r in enumerate(responses) if r.status_code == 400}
    assert Order.objects.count() == 14


# --- credit_limit.low: an accepted order leaves < 10% available ----------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("amount, sent", [("800.00", False), ("800.01", True)])
def test_low_available_is_sent_below_10_percent_exactly(amount, sent):
    """Limit 1000, 100 in use: an order of 800 leaves exactly 100.00 (10%): no event; 800.01 does."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    PaylaterOrderFactory(store=product.store, product=product, amount=Decimal("100.00"))
    listening(product.store)
    assert isinstance(place(product, amount), Order)
    events = WebhookEvent.objects.filter(type=LOW)
    assert events.count() == int(sent)
    if sent:
        assert events.get().data == {"store": product.store_id, "effective_limit": "1000.00",
                                     "available": "99.99", "trigger": "low_available"}
        assert WebhookDelivery.objects.filter(event=events.get()).count() == 1


# --- credit_limit.low: the 3rd limit refusal within 60 minutes -------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("third_after, sent", [(dt.timedelta(minutes=60), True),
                                               (dt.timedelta(minutes=60, seconds=1), False)])
def test_the_third_limit_refusal_within_60_minutes_sends_it(third_after, sent):
    product = paylater_product(paylater_store(base_limit=Decimal("100.00")))
    listening(product.store)
    start = timeutil.local_at(dt.date(2026, 11, 20), 10)
    for offset in (dt.timedelta(0), dt.timedelta(minutes=30), third_after):
        with time_machine.travel(start + offset, tick=False):
            assert place(product, "150.00").code == "credit_limit_exceeded"
    assert Refusal.objects.count() == 3
    events = list(WebhookEvent.objects.filter(type=LOW))
    assert len(events) == int(sent)
    if sent:
        assert events[0].data == {"store": product.store_id, "effective_limit": "100.00", "available": "100.00",
                                  "trigger": "refusals"}


@pytest.mark.django_db
def test_other_refusal_codes_do_not_count_towards_the_three():
    product = paylater_product(paylater_store(base_limit=Decimal("100.00")))
    listening(product.store)
    place(product, "150.00")
    place(product, "150.00")
    with pytest.raises(DomainError):
        services.paylater_order_intake(store_id=product.store_id, product_id=product.pk, buyer_id="low",
                                       amount=Decimal("10.00"), paid_at=timezone.now() - dt.timedelta(minutes=1),
                                       channel="taote", buyer_credit_score=1)
    assert Refusal.objects.count() == 3 and not WebhookEvent.objects.filter(type=LOW).exists()


# --- at most once per store per local day -----------------------------------------------------------
@pytest.mark.django_db
def test_at_most_once_per_store_per_local_day_across_shanghai_midnight():
    """23:58 and 23:59 local on the 20th: one event; 00:00 on the 21st (16:00 UTC): the next one."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    other = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    for p in (product, other):
        listening(p.store)
        PaylaterOrderFactory(store=p.store, product=p, amount=Decimal("950.00"))  # 50 left: below 10%
    day = dt.date(2026, 11, 20)
    moments = [timeutil.local_at(day, 23, 58), timeutil.local_at(day, 23, 59, 59),
               timeutil.local_midnight(day + dt.timedelta(days=1))]
    assert moments[2] == dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)
    for at in moments:
        with time_machine.travel(at, tick=False):
            assert isinstance(place(product, "1.00"), Order)
    with time_machine.travel(moments[1], tick=False):
        assert isinstance(place(other, "1.00"), Order)  # another store has its own day
    events = WebhookEvent.objects.filter(type=LOW).order_by("created_at")
    assert [(e.store_id, timeutil.local_date(e.created_at)) for e in events] == [
        (product.store_id, day), (other.store_id, day), (product.store_id, day + dt.timedelta(days=1))]
    assert LimitLowNotice.objects.count() == 3


@pytest.mark.django_db
def test_both_triggers_on_one_day_send_one_event():
    product = paylater_product(paylater_store(base_limit=Decimal("100.00")))
    listening(product.store)
    with time_machine.travel(timeutil.local_at(dt.date(2026, 11, 20), 9), tick=False):
        assert isinstance(place(product, "95.00"), Order)  # 5 left: low_available
        for _ in range(3):
            assert place(product, "50.00").code == "credit_limit_exceeded"
    assert list(WebhookEvent.objects.filter(type=LOW).values_list("data__trigger", flat=True)) == ["low_available"]
