"""The project's URLs plus the floor ladder's throwaway views (`bench/order_intake.py --ladder`):
`/ladder/plain/`, a bare Django view; `/ladder/drf/`, a DRF view with the API's default token
authentication, throttling and the platform permission, answering a constant; `/ladder/floor/`,
a plain Django view that runs intake's statements and nothing else (rung f, below)."""
import datetime as dt
import hashlib
import json
import time
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.views import PlatformView


def plain(request):
    return HttpResponse(b'{"ok":true}', content_type="application/json")


class Drf(PlatformView, APIView):
    def get(self, request):
        return Response({"ok": True})


# --- rung f: the floor of any Django implementation of intake --------------------------------
# The same statements, in the same order, in one transaction, as `POST /platform/orders/` runs
# for an accepted pay-later order with an Idempotency-Key (through the project's own functions:
# the token look-up, the claim, intake's lock and exposure, the order's save with its history row,
# the fee through the ledger, the stored answer), and the request budget's one Redis round trip,
# from a plain Django view behind the same middleware. What it leaves out is everything that is
# not a statement: DRF, the body's validation, the rules checked on the rows read, the stored
# answer's encryption. No production URL serves it.
@csrf_exempt
def floor(request):
    from config.api import auth, idempotency
    from config.api.throttling import _count_and_read
    from merchants.ledger.services import ledger_post_many
    from merchants.models import Order
    from paylater import sql as intake_sql

    raw = request.body
    body = json.loads(raw)
    authorization = request.headers["Authorization"]
    now = timezone.now()
    paid_at = dt.datetime.fromisoformat(body["paid_at"])
    store_id, product_id = body["store"], body["product"]
    token = auth.active_token(hashlib.sha256(authorization[6:].encode()).hexdigest())
    window = int(time.time() // 60)
    _count_and_read(cache, f"ladder-floor:{token.pk}:{window}", f"ladder-floor:{token.pk}:{window - 1}", timeout=120)
    with transaction.atomic():
        record_id = idempotency._claim({"scope": hashlib.sha256(authorization.encode()).hexdigest(),
                                        "path": request.path, "key": request.headers["Idempotency-Key"]},
                                       hashlib.sha256(raw).hexdigest())
        intake_sql.intake_lock_store(store_id=store_id, product_id=product_id, paid_at=paid_at, now=now)
        intake_sql.intake_exposure(store_id=store_id, now=now)
        amount = Decimal(body["amount"])
        fee = (amount * Decimal("0.01")).quantize(Decimal("0.01"))
        order = Order(store_id=store_id, product_id=product_id, buyer_id=body["buyer_id"], amount=amount,
                      paid_at=paid_at, channel=body["channel"], payment_method="paylater", status="placed",
                      buyer_credit_score=body["buyer_credit_score"], fee=fee, created_at=now)
        order._change_reason = "paylater: accepted"
        order.save()
        ledger_post_many(entries=[{"store_id": store_id, "kind": "paylater_fee", "amount": -fee, "at": paid_at,
                                   "idempotency_key": f"order:{order.pk}:fee", "reference": f"order:{order.pk}",
                                   "memo": "pay-later fee"}])
        answer = json.dumps({"id": order.pk, "fee": f"{fee:.2f}", "status": "placed"}).encode()
        idempotency._store_answer(record_id, completed=True, status_code=201, response_body=answer,
                                  content_type="application/json")
    return HttpResponse(answer, status=201, content_type="application/json")


urlpatterns = [
    path("ladder/plain/", plain),
    path("ladder/drf/", Drf.as_view()),
    path("ladder/floor/", floor),
    path("", include("config.urls")),
]

handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
