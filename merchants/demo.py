"""Demo data for credit, applications and violations (called by `seed_demo`; idempotent)."""
import datetime as dt
from decimal import Decimal

from config import timeutil
from config.api.errors import DomainError
from merchants.applications.models import CreditApplication, Holiday
from merchants.applications.services import application_approve, application_submit
from merchants.credit.selectors import store_credit
from merchants.credit.services import evaluate_month
from merchants.defaults import create_default_rows
from merchants.violations.models import Violation
from merchants.violations.services import violation_confirm, violation_open, violation_revoke
from merchants.webhooks.models import WebhookEndpoint
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
    evaluate_month(month=timeutil.previous_month(now), now=now)
    if len(stores) < 6:
        return
    _webhooks(stores[2])
    _violations(stores, now)
    _applications(stores, now)


def _webhooks(store):
    """One store listens to every event at a local address nothing answers (port 9, discard):
    its deliveries show the retry schedule in the admin and the API."""
    if WebhookEndpoint.objects.filter(store=store).exists():
        return
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/demo-hooks", events=SUBSCRIBABLE)
    endpoint_ping(endpoint=endpoint)


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
    ]
    for index, kind, days, action, reference, detail in plan:
        v, created = violation_open(store=stores[index], kind=kind, occurred_at=now - dt.timedelta(days=days),
                                    detected_by="demo", reference=reference, detail=detail,
                                    dedup_key=f"demo:violation:{index}")
        if not created:
            continue
        if action in ("confirm", "revoke"):
            violation_confirm(violation_id=v.pk, at=now - dt.timedelta(days=days - 1))
        if action == "revoke":
            violation_revoke(violation_id=v.pk, reason="申诉成功：垫付超额系平台计算错误",
                             at=now - dt.timedelta(days=days - 3))


def _applications(stores, now):
    plan = [(0, 1, None), (1, 12, "approve"), (3, 9, None)]  # index, submitted days ago, decision
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
            application_approve(application_id=app.pk, granted_limit=app.requested_limit,
                                at=at + dt.timedelta(days=2))
