"""SPEC §6, contesting a returned parcel: within the 48 hours after confirming receipt, the merchant
contests (reason, statement, at least one evidence file of its own); the case becomes
`return_disputed`, its refund clock stops and no after-sales-delay violation opens; the operator
decides full_refund, partial_refund (an amount) or no_refund with a note; webhooks
`refund_case.contested` and `refund_case.contest_decided`; the buyer reads the contest."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from config.api.errors import DomainError
from merchants.models import Order, Violation
from merchants.webhooks.models import EventType, WebhookEvent
from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create
from refunds.evidence import evidence_add
from refunds.models import Contest, RefundCase, RefundPolicy
from refunds.services import Actor, refund_case_contest, refund_case_contest_decide, refund_timeouts_run
from tests.conftest import Api
from tests.factories import merchant_token
from tests.refunds.evidence_helpers import JPEG, PDF, received_return, upload
from tests.refunds.factories import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evidence_dir")]
S = RefundCase.Status
OPERATOR = Actor.job("operator-test")


def url(case, tail="contest/"):
    return f"/api/v1/merchant/refund-cases/{case.pk}/{tail}"


def with_merchant_file(case, store, content=JPEG):
    evidence_add(case_id=case.pk, side="merchant", actor=Actor.merchant(store.owner), statement="少了一件",
                 files=[upload("开箱视频截图.jpg", content)])
    return case


@pytest.fixture
def received(clock, store):
    return with_merchant_file(received_return(store, clock), store)


def contest(client, case, reason="missing_items", statement="退回的包裹少了配件"):
    return client.post(url(case), {"reason": reason, "statement": statement}, format="json")


# --- contesting ---------------------------------------------------------------------------------
def test_the_merchant_contests_a_received_return_and_the_buyer_reads_it(clock, merchant_api, platform_api, received):
    clock.shift(dt.timedelta(hours=3))
    r = contest(merchant_api, received)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "return_disputed"
    case = RefundCase.objects.get(pk=received.pk)
    assert case.status == S.RETURN_DISPUTED
    assert case.history.first().history_change_reason.endswith("return contested (missing_items)")
    seen = platform_api.get(f"/api/v1/platform/refund-cases/{case.pk}/").json()["contest"]
    assert seen == {"reason": "missing_items", "statement": "退回的包裹少了配件",
                    "contested_at": seen["contested_at"], "decision": None, "refunded_amount": None,
                    "decided_at": None}
    assert seen["contested_at"].endswith("+08:00")


def test_a_case_never_contested_shows_contest_null(clock, platform_api, store):
    case = open_case(store)
    assert platform_api.get(f"/api/v1/platform/refund-cases/{case.pk}/").json()["contest"] is None


def test_contesting_at_exactly_48_hours_after_receipt_is_allowed(clock, merchant_api, received):
    clock.move_to(received.return_received_at + dt.timedelta(hours=48))
    r = contest(merchant_api, received)
    assert r.status_code == 200, r.content


def test_contesting_a_second_after_the_48_hours_is_refused(clock, merchant_api, received):
    clock.move_to(received.return_received_at + dt.timedelta(hours=48, seconds=1))
    r = contest(merchant_api, received)
    assert r.status_code == 409 and r.json()["code"] == "contest_window_closed"
    assert RefundCase.objects.get(pk=received.pk).status == S.RETURN_RECEIVED and not Contest.objects.exists()


def test_the_window_follows_the_refund_policy(clock, merchant_api, store):
    policy = RefundPolicy.current()
    policy.refund_after_receipt_hours = 24
    policy.save()
    case = with_merchant_file(received_return(store, clock), store)
    clock.move_to(case.return_received_at + dt.timedelta(hours=24, seconds=1))
    assert contest(merchant_api, case).json()["code"] == "contest_window_closed"


def test_without_a_merchant_file_on_the_case_it_is_refused(clock, merchant_api, store):
    case = received_return(store, clock)
    evidence_add(case_id=case.pk, side="merchant", actor=Actor.merchant(store.owner), statement="只有文字")
    evidence_add(case_id=case.pk, side="buyer", actor=Actor.buyer(case.buyer_id), files=[upload("b.pdf", PDF)])
    r = contest(merchant_api, case)
    assert r.status_code == 400 and r.json()["code"] == "evidence_required"
    assert RefundCase.objects.get(pk=case.pk).status == S.RETURN_RECEIVED
    with_merchant_file(case, store)
    assert contest(merchant_api, case).status_code == 200


@pytest.mark.parametrize("body,field", [({"reason": "ugly", "statement": "x"}, "reason"),
                                        ({"reason": "not_resellable", "statement": ""}, "statement"),
                                        ({"statement": "x"}, "reason")])
def test_the_reason_must_be_one_of_three_and_the_statement_is_required(merchant_api, received, body, field):
    r = merchant_api.post(url(received), body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid" and field in r.json()["fields"]


@pytest.mark.parametrize("reason", ["missing_items", "not_resellable", "wrong_item_returned"])
def test_each_reason_is_accepted(merchant_api, received, reason):
    assert contest(merchant_api, received, reason).status_code == 200
    assert Contest.objects.get(case=received).reason == reason


def test_only_a_received_return_can_be_contested(clock, merchant_api, store):
    pending = with_merchant_file(open_case(store), store)
    r = contest(merchant_api, pending)
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_a_case_is_contested_once(merchant_api, received):
    assert contest(merchant_api, received).status_code == 200
    r = contest(merchant_api, received, "not_resellable")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert Contest.objects.get(case=received).reason == "missing_items"


def test_another_stores_case_is_404(clock, merchant_api, other_store):
    theirs = with_merchant_file(received_return(other_store, clock), other_store)
    assert contest(merchant_api, theirs).status_code == 404
    assert RefundCase.objects.get(pk=theirs.pk).status == S.RETURN_RECEIVED


# --- the clock stops ----------------------------------------------------------------------------
def test_the_sweep_never_refunds_a_disputed_case_and_opens_no_violation(clock, merchant_api, store, received):
    control = received_return(store, clock)  # received later, not contested
    assert contest(merchant_api, received).status_code == 200
    clock.move_to(control.refund_deadline + dt.timedelta(days=30))
    result = refund_timeouts_run()
    assert result.cases_auto_refunded == 1  # the sweep ran, and took only the other case
    assert RefundCase.objects.get(pk=control.pk).status == S.REFUNDED
    case = RefundCase.objects.get(pk=received.pk)
    assert case.status == S.RETURN_DISPUTED and case.refunded_at is None
    assert Order.objects.get(pk=case.order_id).refunded_amount == 0
    assert list(Violation.objects.values_list("reference", flat=True)) == [f"refund_case:{control.pk}"]
    assert refund_timeouts_run().cases_auto_refunded == 0


def test_the_merchant_cannot_refund_a_disputed_case_it_waits_for_the_operator(merchant_api, received):
    contest(merchant_api, received)
    r = merchant_api.post(url(received, "refund/"))
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_a_disputed_case_blocks_a_second_case_on_the_order(clock, platform_api, merchant_api, received):
    contest(merchant_api, received)
    r = platform_api.post("/api/v1/platform/refund-cases/", {
        "order": received.order_id, "type": "refund_only", "reason": "other", "amount": "1.00",
        "opened_at": timezone.now().isoformat(),
        "shipped": True}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "case_already_open"


# --- the operator decides ---------------------------------------------------------------------------
@pytest.fixture
def disputed(merchant_api, received):
    assert contest(merchant_api, received).status_code == 200
    return RefundCase.objects.get(pk=received.pk)


def test_full_refund_refunds_the_case_amount(clock, disputed):
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="full_refund", note="买家有理")
    case = RefundCase.objects.get(pk=disputed.pk)
    assert case.status == S.REFUNDED and case.refunded_at is not None
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("99.00")
    contest = Contest.objects.get(case=case)
    assert (contest.decision, contest.refunded_amount, contest.decision_note) == ("full_refund", Decimal("99.00"),
                                                                                 "买家有理")
    assert case.history.first().history_change_reason.startswith("job: operator-test — contest decided: full_refund")


def test_partial_refund_refunds_the_amount_and_not_the_rest(clock, platform_api, disputed):
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="partial_refund", amount="30.50",
                               note="少一件配件，扣除")
    case = RefundCase.objects.get(pk=disputed.pk)
    assert case.status == S.REFUNDED
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("30.50")
    seen = platform_api.get(f"/api/v1/platform/refund-cases/{case.pk}/").json()["contest"]
    assert seen["decision"] == "partial_refund" and seen["refunded_amount"] == "30.50" and seen["decided_at"]


@pytest.mark.parametrize("amount,code", [("99.00", "invalid_amount"), ("0.00", "invalid_amount"),
                                         ("120.00", "invalid_amount"), (None, "amount_required")])
def test_a_partial_refund_is_above_zero_and_below_the_case_amount(disputed, amount, code):
    with pytest.raises(DomainError) as refused:
        refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="partial_refund", amount=amount,
                                   note="x")
    assert refused.value.code == code
    assert RefundCase.objects.get(pk=disputed.pk).status == S.RETURN_DISPUTED


def test_a_partial_refund_of_one_fen_below_the_case_amount_is_allowed(disputed):
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="partial_refund", amount="98.99",
                               note="x")
    assert Contest.objects.get(case=disputed).refunded_amount == Decimal("98.99")


def test_no_refund_closes_the_case(disputed):
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="no_refund", note="开箱视频证明缺件")
    case = RefundCase.objects.get(pk=disputed.pk)
    assert case.status == S.CLOSED and case.closed_at is not None and case.refunded_at is None
    assert Order.objects.get(pk=case.order_id).refunded_amount == 0
    assert Contest.objects.get(case=case).refunded_amount == Decimal("0.00")


def test_a_decision_needs_a_note_and_a_disputed_case(clock, store, disputed):
    with pytest.raises(DomainError) as refused:
        refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="no_refund", note="  ")
    assert refused.value.code == "note_required"
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="no_refund", note="x")
    with pytest.raises(DomainError) as refused:
        refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="full_refund", note="again")
    assert refused.value.code == "invalid_state" and refused.value.status == 409


def test_evidence_closes_once_the_contest_is_decided(merchant_api, disputed):
    assert merchant_api.post(url(disputed, "evidence/"), {"statement": "补充"}, format="multipart").status_code == 201
    refund_case_contest_decide(case_id=disputed.pk, actor=OPERATOR, decision="no_refund", note="x")
    r = merchant_api.post(url(disputed, "evidence/"), {"statement": "再补充"}, format="multipart")
    assert r.status_code == 409 and r.json()["code"] == "evidence_closed"


# --- webhooks ---------------------------------------------------------------------------------------
def test_contested_and_contest_decided_webhooks_carry_the_case_with_its_contest(clock, merchant_api, store):
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=SUBSCRIBABLE)
    case = with_merchant_file(received_return(store, clock), store)
    contest(merchant_api, case)
    [contested] = WebhookEvent.objects.filter(type=EventType.REFUND_CASE_CONTESTED)
    assert contested.data["status"] == "return_disputed" and contested.data["contest"]["reason"] == "missing_items"
    refund_case_contest_decide(case_id=case.pk, actor=OPERATOR, decision="partial_refund", amount="10.00", note="x")
    [decided] = WebhookEvent.objects.filter(type=EventType.REFUND_CASE_CONTEST_DECIDED)
    assert decided.data["contest"]["decision"] == "partial_refund" and decided.data["status"] == "refunded"
    assert WebhookEvent.objects.filter(type=EventType.REFUND_CASE_REFUNDED, data__id=case.pk).count() == 1


def test_no_refund_sends_contest_decided_but_not_refunded(clock, merchant_api, store):
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=SUBSCRIBABLE)
    case = with_merchant_file(received_return(store, clock), store)
    contest(merchant_api, case)
    refund_case_contest_decide(case_id=case.pk, actor=OPERATOR, decision="no_refund", note="x")
    assert WebhookEvent.objects.filter(type=EventType.REFUND_CASE_CONTEST_DECIDED).count() == 1
    assert not WebhookEvent.objects.filter(type=EventType.REFUND_CASE_REFUNDED, data__id=case.pk).exists()


def test_merchants_can_subscribe_to_the_new_event_types(merchant_api, store):
    r = merchant_api.post("/api/v1/merchant/webhook-endpoints/", {
        "store": store.pk, "url": "http://127.0.0.1:9/h",
        "events": ["refund_case.contested", "refund_case.contest_decided"]}, format="json")
    assert r.status_code == 201, r.content


# --- at the same time ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rival", ["contest", "refund"])
def test_a_contest_racing_another_move_leaves_one_winner(clock, store, threads, rival):
    case = with_merchant_file(received_return(store, clock), store)
    token = merchant_token(store.owner)

    def act(i):
        client = Api().with_token(token)
        if i == 0 or rival == "contest":
            return contest(client, case).status_code
        return client.post(url(case, "refund/")).status_code

    codes = sorted(threads(act, 2))
    assert codes == [200, 409]
    final = RefundCase.objects.get(pk=case.pk)
    assert Contest.objects.filter(case=final).count() == (1 if final.status == S.RETURN_DISPUTED else 0)
    assert final.status in (S.RETURN_DISPUTED, S.REFUNDED)
    assert Order.objects.get(pk=final.order_id).refunded_amount == (
        Decimal("99.00") if final.status == S.REFUNDED else 0)


def test_contest_service_refuses_unknown_reasons(received, store):
    with pytest.raises(DomainError) as refused:
        refund_case_contest(case_id=received.pk, actor=Actor.merchant(store.owner), reason="bad", statement="x")
    assert refused.value.code == "invalid"
