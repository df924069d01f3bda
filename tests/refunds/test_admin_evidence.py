"""Operators' evidence and contest screens (SPEC §6): both sides' evidence on the judgement and
contest pages (images inline, PDFs as links), files only behind the staff login, and a contest
decision that previews its effects before it is applied through the service."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from merchants.models import Order
from refunds import services
from refunds.evidence import evidence_add
from refunds.models import Contest, EvidenceFile, RefundCase
from refunds.services import Actor
from tests.factories import StoreFactory, UserFactory
from tests.refunds.evidence_helpers import PDF, png, received_return, upload
from tests.refunds.factories import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evidence_dir")]
S = RefundCase.Status


def both_sides(case, store):
    evidence_add(case_id=case.pk, side="buyer", actor=Actor.buyer(case.buyer_id), statement="买家：商品破损",
                 files=[upload("破损.png", png())])
    evidence_add(case_id=case.pk, side="merchant", actor=Actor.merchant(store.owner), statement="商家：发货完好",
                 files=[upload("发货单.pdf", PDF), upload("打包.png", png(rgb=(40, 120, 200)))])
    return case


@pytest.fixture
def disputed(clock, store):
    case = both_sides(received_return(store, clock), store)
    services.refund_case_contest(case_id=case.pk, actor=Actor.merchant(store.owner), reason="not_resellable",
                                 statement="退回商品已被使用，无法二次销售")
    return RefundCase.objects.get(pk=case.pk)


def decide_url(case):
    return f"/admin/refunds/contest/decide/{case.pk}/"


def shows_both_sides(html: str):
    images = [f.pk for f in EvidenceFile.objects.filter(content_type="image/png")]
    [pdf] = EvidenceFile.objects.filter(content_type="application/pdf")
    for pk in images:
        assert f'<img src="/admin/refunds/evidence/files/{pk}/"' in html
    assert f'<a href="/admin/refunds/evidence/files/{pdf.pk}/" class="evidence-pdf">' in html
    assert "买家：商品破损" in html and "商家：发货完好" in html


def test_the_decision_page_shows_the_contest_and_both_sides_evidence(admin_client, disputed):
    r = admin_client.get(decide_url(disputed))
    assert r.status_code == 200
    html = r.content.decode()
    shows_both_sides(html)
    assert "退回商品已被使用，无法二次销售" in html and 'name="decision"' in html and 'name="confirm"' not in html


def test_a_preview_lists_every_effect_and_changes_nothing(admin_client, disputed):
    r = admin_client.post(decide_url(disputed), {"decision": "partial_refund", "amount": "40.00",
                                                 "note": "扣除折旧", "preview": "1"})
    html = r.content.decode()
    assert r.status_code == 200 and 'name="confirm"' in html
    assert "¥40.00" in html and "¥59.00" in html  # refunded, and the rest not refunded
    assert "refund_case.contest_decided" in html and "refund_case.refunded" in html
    assert RefundCase.objects.get(pk=disputed.pk).status == S.RETURN_DISPUTED


def test_confirming_the_previewed_decision_applies_it_through_the_service(admin_client, admin_user, disputed):
    r = admin_client.post(decide_url(disputed), {"decision": "partial_refund", "amount": "40.00", "note": "扣除折旧",
                                                 "confirm": "1", "previewed": "partial_refund|40.00"})
    assert r.status_code == 302
    case = RefundCase.objects.get(pk=disputed.pk)
    assert case.status == S.REFUNDED and Order.objects.get(pk=case.order_id).refunded_amount == Decimal("40.00")
    assert case.history.first().history_change_reason.startswith(f"operator: {admin_user.username} — contest decided")
    assert Contest.objects.get(case=case).decided_by == admin_user


def test_a_decision_changed_after_its_preview_is_previewed_again_not_applied(admin_client, disputed):
    r = admin_client.post(decide_url(disputed), {"decision": "full_refund", "note": "改主意", "confirm": "1",
                                                 "previewed": "partial_refund|40.00"})
    assert r.status_code == 200 and "¥99.00" in r.content.decode()
    assert RefundCase.objects.get(pk=disputed.pk).status == S.RETURN_DISPUTED


def test_a_partial_amount_not_below_the_case_amount_is_an_error_on_the_page(admin_client, disputed):
    r = admin_client.post(decide_url(disputed), {"decision": "partial_refund", "amount": "99.00", "note": "x",
                                                 "preview": "1"})
    assert r.status_code == 200 and 'name="confirm"' not in r.content.decode()
    assert r.context["form"].errors["amount"]


def test_no_refund_preview_and_decision(admin_client, disputed):
    r = admin_client.post(decide_url(disputed), {"decision": "no_refund", "note": "证据充分", "preview": "1"})
    assert "nothing is refunded" in r.content.decode()
    admin_client.post(decide_url(disputed), {"decision": "no_refund", "note": "证据充分", "confirm": "1",
                                             "previewed": "no_refund|0.00"})
    assert RefundCase.objects.get(pk=disputed.pk).status == S.CLOSED
    assert "This contest is decided" in admin_client.get(decide_url(disputed)).content.decode()


def test_the_escalation_judgement_page_shows_both_sides_evidence(clock, admin_client, store):
    case = open_case(store, type="refund_only", amount="20.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="已签收")
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer(case.buyer_id))
    both_sides(case, store)
    r = admin_client.post("/admin/refunds/refundcase/", {"action": "judge_seller_responsible",
                                                         "_selected_action": [case.pk]})
    assert r.status_code == 200
    shows_both_sides(r.content.decode())


def test_the_case_page_lists_evidence_and_contest_read_only(admin_client, disputed):
    html = admin_client.get(f"/admin/refunds/refundcase/{disputed.pk}/change/").content.decode()
    assert "发货单.pdf" in html and "退回商品已被使用" in html
    assert f"/admin/refunds/contest/decide/{disputed.pk}/" in html


def test_files_are_served_only_behind_the_staff_login(client, admin_client, disputed):
    file = EvidenceFile.objects.filter(content_type="application/pdf").get()
    url = f"/admin/refunds/evidence/files/{file.pk}/"
    r = admin_client.get(url)
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert b"".join(r.streaming_content) == PDF
    assert client.get(url).status_code == 302  # to the login page
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_refundcase"))
    assert client.get(url).status_code == 200
    assert admin_client.get("/admin/refunds/evidence/files/999999/").status_code == 404


def test_staff_without_change_permission_cannot_decide(client, disputed):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_refundcase"))
    client.force_login(staff)
    assert client.get(decide_url(disputed)).status_code == 403


@pytest.mark.parametrize("url", ["/admin/refunds/evidence/", "/admin/refunds/contest/"])
def test_evidence_and_contest_lists_use_a_fixed_number_of_queries(clock, admin_client,
                                                                 django_assert_max_num_queries, url):
    def add_disputed():
        store = StoreFactory()
        case = both_sides(received_return(store, clock), store)
        services.refund_case_contest(case_id=case.pk, actor=Actor.merchant(store.owner), reason="missing_items",
                                     statement="x")
        clock.shift(dt.timedelta(hours=1))

    add_disputed()
    with django_assert_max_num_queries(14) as few:
        assert admin_client.get(url).status_code == 200
    for _ in range(3):
        add_disputed()
    with django_assert_max_num_queries(14) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
