"""Demo data for credit, applications and violations (called by `seed_demo`; idempotent).

Every branch an operator meets is made by the services a real day calls (decision 0062): a
violation pending review, confirmed ones whose sanctions are in force (credit frozen, raise banned,
pay-later suspended), a revoked one, a dismissed one, a pending appeal; applications pending
(recommended for approval and for rejection), approved (with an activation step once pay-later
volume follows) and rejected. Only demo stores are evaluated, and only the first time: a second
run writes nothing, and no other store is touched."""
import datetime as dt
import threading
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from config import timeutil
from config.api.errors import DomainError
from merchants.applications.models import CreditApplication, Holiday
from merchants.applications.services import application_approve, application_reject, application_submit
from merchants.credit.models import CreditEvaluation
from merchants.credit.selectors import store_credit
from merchants.credit.services import reevaluate_stores
from merchants.defaults import create_default_rows
from merchants.violations.appeals import appeal_submit
from merchants.violations.models import Violation
from merchants.violations.services import violation_confirm, violation_dismiss, violation_open, violation_revoke
from merchants.webhooks.delivery import GIVE_UP_AFTER, deliver_batch
from merchants.webhooks.models import EventType, WebhookEndpoint
from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create, endpoint_ping

HOLIDAYS = [(dt.date(2026, 10, d), "国庆节") for d in range(1, 8)] + [
    (dt.date(2026, 9, 27), "国庆调休 (worked)"), (dt.date(2027, 1, 1), "元旦"),
    *[(dt.date(2027, 2, d), "春节") for d in range(6, 13)], (dt.date(2027, 2, 14), "春节调休 (worked)")]
SENSITIVE = {"business_license_no": "91420100MA4K{:06d}", "legal_rep_id_no": "4201021990010{:05d}",
             "bank_account": "62220202001{:08d}"}


def seed(*, stores, now):
    create_default_rows()
    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(date=day, defaults={"name": name, "working_day": "worked" in name})
    if stores and not CreditEvaluation.objects.filter(store__in=stores).exists():
        # The demo stores only, once (their first limits); the monthly job evaluates every store.
        reevaluate_stores(store_ids=[s.pk for s in stores], month=timeutil.previous_month(now), now=now)
    if len(stores) < 6:
        return
    _webhooks(stores, now)
    _violations(stores, now)
    _applications(stores, now)


def _webhooks(stores, now):
    """Two stores listen, both through the real delivery (`deliver_batch`, as the worker calls it):
    store 01's receiver answers (a local server that runs only while seeding), so its ping is
    delivered; store 03's address answers nothing (port 9, discard), and its ping has gone unanswered
    for over 3 days, so it has failed. Store 03 listens to every event: later ones show the retry
    schedule in the admin and the API."""
    if WebhookEndpoint.objects.filter(store__in=stores).exists():
        return
    with _receiver() as url:
        try:
            listening = endpoint_create(store=stores[0], url=url, events=[EventType.CREDIT_APPLICATION_DECIDED])
        except DomainError:  # private addresses refused (WEBHOOKS_ALLOW_PRIVATE_URLS off)
            return
        ping = endpoint_ping(endpoint=listening, at=now)
        deliver_batch(endpoint_id=listening.pk, delivery_ids=[ping.pk])
    silent = endpoint_create(store=stores[2], url="http://127.0.0.1:9/demo-hooks", events=SUBSCRIBABLE)
    ping = endpoint_ping(endpoint=silent, at=now - GIVE_UP_AFTER - dt.timedelta(hours=1))
    deliver_batch(endpoint_id=silent.pk, delivery_ids=[ping.pk])


@contextmanager
def _receiver():
    """A merchant's webhook receiver on a free local port: answers every POST with 200."""
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/demo-hooks"
    finally:
        server.shutdown()
        server.server_close()


def _violations(stores, now):
    plan = [  # store index, kind, days ago, what operators did, reference, detail (as the checks write them)
        (7, Violation.Kind.AFTER_SALES_DELAY, 20, "confirm", "",
         "退货已签收超过 48 小时，商家未处理退款"),
        (2, Violation.Kind.FAKE_SHIPPING, 2, None, "SF1400218896",
         "运单号已揽收但无物流轨迹，疑似虚假发货"),
        (4, Violation.Kind.EXCESS_ADVANCE, 40, "revoke", "",
         "本月先用后付垫付金额超过额度"),
        (5, Violation.Kind.FAKE_TRANSACTIONS, 5, None, "",
         "同一收货地址 3 天内下单 42 笔，疑似刷单"),
        # confirmed 3 days ago: credit frozen for 30 days, raises banned for 6 months; the merchant appealed
        (8, Violation.Kind.FAKE_TRANSACTIONS, 4, "appeal", "",
         "同一支付账户 24 小时内为 18 个买家付款，疑似刷单"),
        # confirmed 5 days ago: credit frozen for 15 days, pay-later suspended for 3 months
        (9, Violation.Kind.EXCESS_ADVANCE, 6, "confirm", "",
         "本月先用后付垫付金额超过额度 ¥1,260.00"),
        (10, Violation.Kind.AFTER_SALES_DELAY, 9, "dismiss", "",
         "退货已签收超过 48 小时，商家未处理退款"),
    ]
    for index, kind, days, action, reference, detail in plan:
        if index >= len(stores):
            continue
        store = stores[index]
        v, created = violation_open(store=store, kind=kind, occurred_at=now - dt.timedelta(days=days),
                                    detected_by="demo", reference=reference, detail=detail,
                                    dedup_key=f"demo:violation:{index}")
        if not created:
            continue
        decided = now - dt.timedelta(days=days - 1)
        if action == "dismiss":
            violation_dismiss(violation_id=v.pk, at=decided, note="买家已撤回售后申请，超时不属商家责任")
        if action in ("confirm", "revoke", "appeal"):
            violation_confirm(violation_id=v.pk, at=decided)
        if action == "revoke":
            violation_revoke(violation_id=v.pk, reason="申诉成功：垫付超额系平台计算错误",
                             at=now - dt.timedelta(days=days - 3))
        if action == "appeal":
            appeal_submit(violation_id=v.pk, user=store.owner, at=decided + dt.timedelta(days=1),
                          statement="18 个买家为同一公司员工，统一由行政代付团购，附付款说明与员工名单")


def _applications(stores, now):
    # index, submitted days ago, decision: pending (recommended approve), approved (a small raise, so the
    # pay-later volume that follows reaches its activation steps), pending (recommended reject), rejected
    plan = [(0, 1, None), (1, 12, "approve"), (3, 9, None), (4, 15, "reject")]
    for index, days, decision in plan:
        store = stores[index]
        if CreditApplication.objects.filter(store=store).exists():
            continue
        at = now - dt.timedelta(days=days)
        store.refresh_from_db()  # the evaluation above changed its base limit
        effective = store_credit(store=store, at=at).effective_limit
        try:
            app = application_submit(store=store, requested_limit=(effective * 2 + Decimal("10000")).quantize(
                Decimal("1")), at=at, **{k: v.format(store.pk) for k, v in SENSITIVE.items()})
        except DomainError:
            continue  # e.g. a demo store with low DSR: refused like any other
        if decision == "approve":
            application_approve(application_id=app.pk, granted_limit=effective + Decimal("3000"),
                                at=at + dt.timedelta(days=2), note="按经营数据核定，先提额 ¥3,000")
        if decision == "reject":
            application_reject(application_id=app.pk, at=at + dt.timedelta(days=3),
                               reason="近三个月退货率偏高，暂不提额，三个月后可再申请")
