"""Demo refund data (called by `seed_demo`): for a few stores, cases in every state an operator
meets — pending with and without a negotiation, one close to its decision deadline, refunded,
awaiting a return, return received, rejected (the buyer may still escalate), cancelled by the buyer,
escalated awaiting judgement (with both sides' evidence), a received return
the merchant contested (SPEC §6, with evidence), judged seller-responsible (refund forced) and buyer-responsible
(closed), a negotiation the buyer accepted, and (for stores without a default return address) a
return the timeout agreed that waits for its address — a pay-later order refunded in full before
its charge (so cancelled), and automation rules on the first store. Everything goes through the
services, as the merchant, the buyer, an operator or the sweep would; everything is seeded relative
to `now` with every deadline still ahead, so the first timeout sweep after `make run` changes
nothing. Idempotent: stores that already have cases are skipped."""
import datetime as dt
import struct
import zlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from config.api.errors import DomainError
from merchants import roles
from merchants.models import Order

from . import services
from .evidence import evidence_add
from .models import RefundCase, RefundRules
from .services import Actor
from .services.sweep import SweepResult, sweep_one_at_a_time

H = dt.timedelta(hours=1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png(rgb, width=160, height=110) -> bytes:
    """A small solid-colour PNG, so the operators' pages show a picture."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _evidence(case, merchant, at, buyer_says, merchant_says):
    evidence_add(case_id=case.pk, side="buyer", actor=Actor.buyer(case.buyer_id), statement=buyer_says,
                 files=[ContentFile(_png((200, 60, 40)), name="买家照片.png")], at=at)
    evidence_add(case_id=case.pk, side="merchant", actor=merchant, statement=merchant_says,
                 files=[ContentFile(_png((40, 120, 200)), name="开箱截图.png"), ContentFile(PDF, name="签收单.pdf")],
                 at=at + H)


PLAN = [
    # (type, reason, share of the order, opened hours ago, what happens next)
    ("refund_only", "not_received", Decimal("1"), 2, None),
    ("return_refund", "damaged", Decimal("1"), 5, "negotiate"),
    ("refund_only", "quality", Decimal("0.5"), 34, None),  # 2 hours left: near its deadline
    ("refund_only", "not_as_described", Decimal("0.3"), 50, "agree"),
    ("return_refund", "no_reason_7d", Decimal("1"), 60, "agree"),
    ("return_refund", "wrong_item", Decimal("1"), 70, "received"),
    ("refund_only", "other", Decimal("1"), 80, "escalate"),
    ("return_refund", "not_as_described", Decimal("1"), 40, "timeout"),
    ("refund_only", "quality", Decimal("1"), 30, "reject"),
    ("return_refund", "no_reason_7d", Decimal("1"), 20, "cancel"),
    ("refund_only", "not_received", Decimal("1"), 90, "judge_seller"),
    ("refund_only", "not_as_described", Decimal("1"), 85, "judge_buyer"),
    ("return_refund", "damaged", Decimal("1"), 28, "negotiation_accepted"),
    ("return_refund", "damaged", Decimal("1"), 75, "contest"),
]


def demo_judge():
    """The operator who judged the demo's escalated cases (after-sales judge role; no password)."""
    user, created = get_user_model().objects.get_or_create(username="demo-judge", defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        group = Group.objects.filter(name=roles.AFTER_SALES_JUDGE).first()
        if group is not None:
            user.groups.add(group)
    return user


def _reject_and_escalate(case, merchant, opened):
    services.refund_case_reject(case_id=case.pk, actor=merchant, reason="商品已签收且无质量问题", at=opened + 4 * H)
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer(case.buyer_id), at=opened + 30 * H)


def _store_seed(store, orders, now):
    merchant = Actor.merchant(store.owner)
    address = f"{store.city} {store.name} 售后仓"
    for order, (type_, reason, share, hours_ago, then) in zip(orders, PLAN):
        opened = now - hours_ago * H
        if opened < order.paid_at:
            continue
        case = services.refund_case_open(order=order, type=type_, reason=reason, amount=order.amount * share,
                                         opened_at=opened, shipped=True)
        try:
            if then == "negotiate":
                services.negotiation_propose(case_id=case.pk, actor=merchant, type="refund_only",
                                             amount=Decimal("5.00"), at=opened + H)
            elif then == "negotiation_accepted":
                negotiation = services.negotiation_propose(case_id=case.pk, actor=merchant, type="refund_only",
                                                           amount=(case.amount / 2).quantize(Decimal("0.01")),
                                                           at=opened + H)
                services.negotiation_accept(negotiation_id=negotiation.pk, actor=Actor.buyer(case.buyer_id),
                                            at=opened + 6 * H)
            elif then == "agree":
                services.refund_case_agree(case_id=case.pk, actor=merchant, return_address=address, at=opened + 3 * H)
            elif then == "received":
                services.refund_case_agree(case_id=case.pk, actor=merchant, return_address=address, at=opened + 2 * H)
                services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id),
                                                    tracking_no=f"SF{case.pk:010d}", at=opened + 20 * H)
                services.refund_case_return_received(case_id=case.pk, actor=merchant, at=now - 10 * H)
            elif then == "escalate":
                _reject_and_escalate(case, merchant, opened)
                _evidence(case, merchant, opened + 31 * H, "我没有收到包裹，快递也没有联系我。",
                          "物流显示已签收，附签收单。")
            elif then == "contest":
                services.refund_case_agree(case_id=case.pk, actor=merchant, return_address=address, at=opened + 2 * H)
                services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id),
                                                    tracking_no=f"SF{case.pk:010d}", at=opened + 20 * H)
                services.refund_case_return_received(case_id=case.pk, actor=merchant, at=now - 12 * H)
                _evidence(case, merchant, now - 11 * H, "收到时外包装破损。", "退回包裹缺少两件配件，见开箱截图。")
                services.refund_case_contest(case_id=case.pk, actor=merchant, reason="missing_items",
                                             statement="退回包裹缺少两件配件，无法二次销售。", at=now - 9 * H)
            elif then == "reject":
                services.refund_case_reject(case_id=case.pk, actor=merchant, reason="买家描述的问题与商品实物不符",
                                            at=opened + 5 * H)
            elif then == "cancel":
                services.refund_case_cancel(case_id=case.pk, actor=Actor.buyer(case.buyer_id), at=opened + 3 * H)
            elif then in ("judge_seller", "judge_buyer"):
                _reject_and_escalate(case, merchant, opened)
                seller = then == "judge_seller"
                services.refund_case_judge(
                    case_id=case.pk, actor=Actor.operator(demo_judge()), seller_responsible=seller, at=opened + 50 * H,
                    note="物流签收记录显示未送达本人，商家未能举证" if seller else "买家未提供问题照片，商品签收完好")
            elif then == "timeout":
                # Agreed as requested at its deadline by the sweep's own move for one case (the
                # whole sweep would also move other stores' due cases).
                sweep_one_at_a_time("decision", [case.pk], now=case.merchant_deadline, result=SweepResult())
        except DomainError:
            continue  # e.g. a fresh-food store cannot negotiate; the case simply stays pending


def _cancelled_paylater_order(store, now):
    """A pay-later order not yet charged, refunded in full on a refund-only case the merchant
    agreed: the order is cancelled and no longer uses the store's limit (SPEC §2)."""
    order = (Order.objects.filter(store=store, payment_method=Order.PaymentMethod.PAYLATER,
                                  status__in=[Order.Status.PLACED, Order.Status.RECEIPT_CONFIRMED],
                                  refunded_amount=0, paid_at__lte=now - 3 * H)
             .order_by("-paid_at").first())
    if order is None:
        return
    opened = max(order.paid_at + H, now - 12 * H)
    try:
        case = services.refund_case_open(order=order, type="refund_only", reason="other", amount=order.amount,
                                         opened_at=opened, shipped=False)
        if case.status == RefundCase.Status.PENDING:
            services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), at=opened + H)
    except DomainError:
        return


def seed(*, stores, now):
    stores = list(stores)[:4]
    if stores and not RefundRules.objects.filter(store=stores[0]).exists():
        services.refund_rules_update(store=stores[0], actor=Actor.job("seed_demo"),
                                     auto_agree_unshipped_refund_only=True, auto_agree_no_reason_return=False,
                                     return_address=f"{stores[0].city} {stores[0].name} 售后仓")
    for store in stores:
        if RefundCase.objects.filter(store=store).exists():
            continue
        orders = list(Order.objects.filter(store=store, paid_at__lte=now - dt.timedelta(days=4),
                                           refunded_amount=0).order_by("paid_at")[:len(PLAN)])
        _store_seed(store, orders, now)
        _cancelled_paylater_order(store, now)
