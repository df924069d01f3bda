"""Realistic demo data for a first look: a dozen stores across grades and cities, products in
allowed and excluded categories, a few hundred orders over the last weeks, top-ups and
monthly metrics; then each app adds its own (activities, refund cases, shipments…).

Idempotent (decision 0062): the core data is created once (recognised by its stores' names);
every app's demo seeder (registered with `merchants.registry.provide_demo`) seeds a demo store
only if it has none of that app's data yet and touches no other store, so running this again
(every `make run` does) changes nothing."""
import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from config import timeutil
from merchants import registry
from merchants.applications.services import closed_months
from merchants.credit.services import metrics_upsert
from merchants.ledger.services import wallet_topup
from merchants.models import Category, Order, Store
from merchants.stores.services import product_create, store_create

STORES = [
    # name, city, grade, wallet upgraded, main category
    ("演示店铺01 江城数码", "武汉", "A", True, "数码 Electronics"),
    ("演示店铺02 孝感家居", "孝感", "A", True, "家居 Home"),
    ("演示店铺03 楚味零食", "武汉", "B", True, "食品 Snacks"),
    ("演示店铺04 汉口服饰", "武汉", "B", True, "服饰 Apparel"),
    ("演示店铺05 沙市文具", "荆州", "B", True, "文具 Stationery"),
    ("演示店铺06 东湖美妆", "武汉", "B", False, "美妆 Beauty"),
    ("演示店铺07 黄鹤楼茶", "武汉", "A", True, "食品 Snacks"),
    ("演示店铺08 襄阳五金", "襄阳", "C", True, "五金 Hardware"),
    ("演示店铺09 宜昌母婴", "宜昌", "B", True, "母婴 Baby"),
    ("演示店铺10 花语鲜花", "武汉", "B", True, "鲜花绿植 Flowers & plants"),
    ("演示店铺11 鲜果时光", "孝感", "C", False, "生鲜 Fresh food"),
    ("演示店铺12 光谷运动", "武汉", "A", True, "运动 Sports"),
]
PRODUCTS = {
    "数码 Electronics": [("蓝牙耳机", "129.00"), ("充电宝 20000mAh", "89.90"), ("机械键盘", "399.00")],
    "家居 Home": [("纯棉四件套", "199.00"), ("收纳箱", "35.80"), ("乳胶枕", "200.00")],
    "食品 Snacks": [("鸭脖礼盒", "59.90"), ("热干面 10 包", "29.90"), ("绿茶 250g", "88.00")],
    "服饰 Apparel": [("羽绒服", "499.00"), ("卫衣", "129.00"), ("围巾", "49.00")],
    "文具 Stationery": [("钢笔", "68.00"), ("笔记本 5 本", "25.00")],
    "美妆 Beauty": [("面霜", "159.00"), ("口红", "199.99")],
    "五金 Hardware": [("工具箱", "149.00"), ("电钻", "259.00")],
    "母婴 Baby": [("纸尿裤", "119.00"), ("奶瓶", "69.00")],
    "鲜花绿植 Flowers & plants": [("玫瑰花束", "99.00"), ("绿萝", "19.90")],
    "生鲜 Fresh food": [("洪湖莲藕 5 斤", "39.90"), ("小龙虾 2 斤", "89.00")],
    "运动 Sports": [("跑鞋", "329.00"), ("瑜伽垫", "79.00"), ("羽毛球拍", "189.00")],
}


class Command(BaseCommand):
    help = "Load realistic demo data once (idempotent)."

    def handle(self, *args, **options):
        now = timezone.now()
        if Store.objects.filter(name=STORES[0][0]).exists():
            self.stdout.write("demo data: core already loaded")
        else:
            with transaction.atomic():
                self._core(now)
            self.stdout.write(self.style.SUCCESS("demo data: core loaded"))
        stores = list(Store.objects.filter(name__startswith="演示店铺").order_by("name"))
        for seed in registry.demo_seeders():
            seed(stores=stores, now=now)
            self.stdout.write(f"demo data: {seed.__module__} ready")

    def _core(self, now):
        rng = random.Random(20261122)
        categories = {c.name: c for c in Category.objects.filter(parent=None)}
        for name in PRODUCTS:
            if name not in categories:
                categories[name] = Category.objects.create(name=name)
        today = timeutil.local_date(now)
        for i, (name, city, grade, upgraded, category) in enumerate(STORES, start=1):
            created = store_create(name=name, owner_username=f"demo{i:02d}", category=categories[category],
                                   city=city, grade=grade, wallet_upgraded=upgraded)
            store = created.store
            Store.objects.filter(pk=store.pk).update(created_at=now - dt.timedelta(days=120))
            products = [product_create(store=store, title=title, category=categories[category],
                                       price=Decimal(price))
                        for title, price in PRODUCTS[category]]
            wallet_topup(store=store, amount=Decimal(rng.choice([500, 2000, 5000, 10000])),
                         idempotency_key=f"demo:topup:{store.pk}", at=now - dt.timedelta(days=60))
            orders = []
            for n in range(rng.randint(15, 40)):
                product = rng.choice(products)
                day = today - dt.timedelta(days=rng.randint(0, 27))
                paid_at = timeutil.local_at(day, rng.randint(8, 22), rng.randint(0, 59))
                if paid_at > now:
                    paid_at = now - dt.timedelta(minutes=rng.randint(5, 300))
                orders.append(Order(store=store, product=product, buyer_id=f"demo-buyer-{rng.randint(1, 400)}",
                                    amount=product.price, paid_at=paid_at,
                                    channel=Order.Channel.TAOTE if rng.random() < 0.8 else Order.Channel.OTHER,
                                    payment_method=Order.PaymentMethod.STANDARD, status=Order.Status.PAID))
            Order.objects.bulk_create(orders)
            for month in metric_months(now):
                metrics_upsert(store=store, month=month, values={STAR_STORE: STAR_METRICS, WEAK_STORE: WEAK_METRICS}
                               .get(i) or _metrics(rng))


def metric_months(now) -> list[dt.date]:
    """The three closed calendar months before `now`, oldest first (seeded on 1 March 2027: 2026-12,
    2027-01, 2027-02), the months the credit review reads. Oldest first, because ingesting the latest
    closed month evaluates the store, and it should then see all three."""
    return sorted(closed_months(now, 3))


# The first demo store is the model merchant: it scores high on every dimension, so its pending
# limit-increase application is recommended for approval; the fourth struggles (low score), so its
# pending application is recommended for rejection — both branches of the review show.
STAR_STORE = 1
WEAK_STORE = 4
STAR_METRICS = {
    "monthly_sales": Decimal("48000"), "dsr_score": Decimal("4.9"), "repeat_rate": Decimal("0.32"),
    "on_time_rate": Decimal("0.98"), "collection_cycle_days": Decimal("7"), "inventory_turnover_days": Decimal("15"),
    "net_cash_flow": Decimal("9600"), "dispute_rate": Decimal("0.001"), "return_rate": Decimal("0.02"),
    "complaint_response_hours": Decimal("10"), "category_rank_percentile": Decimal("0.05"),
    "top_products_share": Decimal("0.65"), "marketing_participation": Decimal("1"), "uv": 30000, "buyers": 1500,
}


WEAK_METRICS = {
    "monthly_sales": Decimal("6000"), "dsr_score": Decimal("4.6"), "repeat_rate": Decimal("0.04"),
    "on_time_rate": Decimal("0.70"), "collection_cycle_days": Decimal("55"), "inventory_turnover_days": Decimal("56"),
    "net_cash_flow": Decimal("-900"), "dispute_rate": Decimal("0.016"), "return_rate": Decimal("0.13"),
    "complaint_response_hours": Decimal("60"), "category_rank_percentile": Decimal("0.45"),
    "top_products_share": Decimal("0.20"), "marketing_participation": Decimal("0.10"), "uv": 4000, "buyers": 60,
}


def _metrics(rng) -> dict:
    """Ordinary stores: every dimension has data (none scores 0 for lack of it), values spread."""
    sales = Decimal(rng.randint(3000, 60000))
    return {
        "monthly_sales": sales,
        "dsr_score": Decimal(rng.choice(["4.9", "4.8", "4.7", "4.6", "4.4"])),
        "repeat_rate": Decimal(rng.randint(5, 40)) / 100,
        "on_time_rate": Decimal(rng.randint(80, 99)) / 100,
        "collection_cycle_days": Decimal(rng.randint(10, 50)),
        "inventory_turnover_days": Decimal(rng.randint(15, 50)),
        "net_cash_flow": (sales * Decimal(rng.randint(-10, 20)) / 100).quantize(Decimal("1")),
        "dispute_rate": Decimal(rng.randint(0, 5)) / 1000,
        "return_rate": Decimal(rng.randint(1, 15)) / 100,
        "complaint_response_hours": Decimal(rng.randint(1, 24)),
        "category_rank_percentile": Decimal(rng.randint(5, 60)) / 100,
        "top_products_share": Decimal(rng.randint(30, 80)) / 100,
        "marketing_participation": Decimal(rng.randint(20, 100)) / 100,
        "uv": rng.randint(2000, 40000), "buyers": rng.randint(50, 900),
    }
