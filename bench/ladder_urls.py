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

from config import timeutil
from config.api.views import PlatformView


def plain(request):
    return HttpResponse(b'{"ok":true}', content_type="application/json")


class Drf(PlatformView, APIView):
    def get(self, request):
        return Response({"ok": True})


# --- rung f: the floor of any Django implementation of intake --------------------------------
# The same statements, in the same order, in one transaction, as `POST /platform/orders/` runs
# for an accepted pay-later order with an Idempotency-Key (the SQL texts are the project's own,
# prepared as intake's are: config.sql.prepared_cursor), and the request budget's one Redis round
# trip, from a plain Django view behind the same middleware. What it leaves out is everything
# that is not a statement: DRF, the body's validation, the rules checked on the rows read, model
# instances, the stored answer's encryption. No production URL serves it.
_SQL = {}


def _statements() -> dict:
    if not _SQL:
        from config.api import auth
        from paylater import selectors, services

        auth.active_token("ladder-floor-compile")  # compiles the token look-up once
        _SQL["token"] = auth._LOOKUPS["default"][0]
        _SQL["claim"] = ('INSERT INTO "core_idempotencyrecord" ("scope", "path", "key", "body_hash", "completed", '
                         '"content_type", "created_at") VALUES (%s, %s, %s, %s, %s, %s, %s) '
                         'ON CONFLICT ("scope", "path", "key") DO NOTHING RETURNING "id"')
        _SQL["lock"] = selectors._INTAKE_LOCK.compile("default")[1:]
        _SQL["exposure"] = selectors._INTAKE_EXPOSURE.compile("default")[1:]
        services._ORDER_INSERT.available()
        _SQL["insert"] = services._ORDER_INSERT.built["default"]
        _SQL["answer"] = ('UPDATE "core_idempotencyrecord" SET "completed" = %s, "status_code" = %s, '
                          '"response_body" = %s, "content_type" = %s WHERE "id" = %s')
    return _SQL


@csrf_exempt
def floor(request):
    from config.sql import prepared_cursor
    from paylater import selectors

    sql = _statements()
    raw = request.body
    body = json.loads(raw)
    authorization = request.headers["Authorization"]
    now = timezone.now()
    paid_at = dt.datetime.fromisoformat(body["paid_at"])
    store_id, product_id = body["store"], body["product"]
    with prepared_cursor() as cursor:
        cursor.execute(sql["token"], [hashlib.sha256(authorization[6:].encode()).hexdigest()])
        token_id = cursor.fetchone()[0]
    window = int(time.time() // 60)
    from config.api.throttling import _count_and_read

    _count_and_read(cache, f"ladder-floor:{token_id}:{window}", f"ladder-floor:{token_id}:{window - 1}", timeout=120)
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(sql["claim"], [hashlib.sha256(authorization.encode()).hexdigest(), request.path,
                                      request.headers["Idempotency-Key"], hashlib.sha256(raw).hexdigest(), False,
                                      "", now])
        record_id = cursor.fetchone()[0]
        lock_sql, lock_slots = sql["lock"]
        cursor.execute(lock_sql, selectors._INTAKE_LOCK.params(lock_slots, {
            "store_id": store_id, "product_id": product_id, "paid_at": paid_at,
            "day": timeutil.local_date(paid_at), "now": now}))
        cursor.fetchone()
        exposure_sql, exposure_slots = sql["exposure"]
        cursor.execute(exposure_sql, selectors._INTAKE_EXPOSURE.params(exposure_slots,
                                                                       {"store_id": store_id, "now": now}))
        cursor.fetchone()
        insert_sql, fields = sql["insert"]
        amount = Decimal(body["amount"])
        fee = (amount * Decimal("0.01")).quantize(Decimal("0.01"))
        values = {"store_id": store_id, "product_id": product_id, "buyer_id": body["buyer_id"], "amount": amount,
                  "paid_at": paid_at, "channel": body["channel"], "payment_method": "paylater", "status": "placed",
                  "buyer_credit_score": body["buyer_credit_score"], "fee": fee, "refunded_amount": Decimal("0.00"),
                  "created_at": now}
        cursor.execute(insert_sql, [values.get(f.attname) for f in fields]
                       + [now, "paylater: accepted", None, "paylater_fee", "pay-later fee"])
        order_id = cursor.fetchone()[0]
        answer = json.dumps({"id": order_id, "fee": f"{fee:.2f}", "status": "placed"}).encode()
        cursor.execute(sql["answer"], [True, 201, answer, "application/json", record_id])
    return HttpResponse(answer, status=201, content_type="application/json")


urlpatterns = [
    path("ladder/plain/", plain),
    path("ladder/drf/", Drf.as_view()),
    path("ladder/floor/", floor),
    path("", include("config.urls")),
]

handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
