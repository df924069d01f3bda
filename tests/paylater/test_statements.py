import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum

from config import timeutil
from merchants.models import LedgerEntry
from paylater import services
from paylater.models import FeeStatement, InvoiceRequest
from tests.factories import merchant_token

from .factories import paylater_product, paylater_store

pytestmark = pytest.mark.django_db
TZ = timeutil.platform_tz()
NOW = dt.datetime(2026, 11, 1, 2, 0, tzinfo=TZ)


def accept(store, product, amount, paid_at):
    return services.paylater_order_accept(store=store, product=product, buyer_id="b", amount=Decimal(amount),
                                          paid_at=paid_at, channel="taote", buyer_credit_score=90)


@pytest.fixture
def october(db):
    """Orders of one store around October 2026 (local), at the month's edges."""
    with time_machine.travel(NOW, tick=False):
        store = paylater_store(base_limit=Decimal("100000.00"))
        product = paylater_product(store)
        accept(store, product, "100.00", dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=TZ))  # September
        accept(store, product, "150.50", dt.datetime(2026, 10, 1, 0, 0, 0, tzinfo=TZ))
        accept(store, product, "99.99", dt.datetime(2026, 10, 15, 12, 0, tzinfo=TZ))
        accept(store, product, "0.40", dt.datetime(2026, 10, 20, 12, 0, tzinfo=TZ))  # fee rounds to 0.00
        accept(store, product, "1000.00", dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=TZ))
    return store


def test_statement_equals_the_sum_of_the_months_fee_entries(october):
    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        call_command("generate_fee_statements", "--month", "2026-10", stdout=out)
    statement = FeeStatement.objects.get(store=october, month=dt.date(2026, 10, 1))
    start, end = timeutil.month_bounds(dt.date(2026, 10, 1))
    ledger = LedgerEntry.objects.filter(store=october, kind="paylater_fee", created_at__gte=start, created_at__lt=end)
    assert statement.fee_total == -ledger.aggregate(t=Sum("amount"))["t"] == Decimal("12.51")  # 1.51+1.00+0+10.00
    assert statement.order_count == 4


def test_generating_twice_keeps_one_statement_per_store_and_month(october):
    with time_machine.travel(NOW, tick=False):
        services.fee_statements_generate(month=dt.date(2026, 10, 1))
        services.fee_statements_generate(month=dt.date(2026, 10, 1))
    assert FeeStatement.objects.filter(month=dt.date(2026, 10, 1)).count() == 1


def test_open_month_is_refused(october):
    with time_machine.travel(dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ), tick=False):
        with pytest.raises(CommandError, match="closed months"):
            call_command("generate_fee_statements", "--month", "2026-10")
    assert not FeeStatement.objects.exists()


def test_job_on_the_1st_generates_the_previous_month(october):
    from paylater.tasks import generate_fee_statements

    with time_machine.travel(NOW, tick=False):
        generate_fee_statements.delay()
    assert list(FeeStatement.objects.values_list("month", flat=True)) == [dt.date(2026, 10, 1)]


def test_invoice_can_be_requested_once(api, october):
    with time_machine.travel(NOW, tick=False):
        services.fee_statements_generate(month=dt.date(2026, 10, 1))
    api.with_token(merchant_token(october.owner))
    statement = api.get("/api/v1/merchant/paylater/fee-statements/").json()["results"][0]
    assert (statement["month"], statement["order_count"], statement["fee_total"], statement["invoice"]) == \
        ("2026-10", 4, "12.51", None)
    url = f"/api/v1/merchant/paylater/fee-statements/{statement['id']}/invoice-request/"
    resp = api.post(url, {"title": "武汉某某贸易有限公司", "tax_id": "91420100MA4K1234X5"}, format="json")
    assert resp.status_code == 201 and resp.json()["status"] == "requested"
    again = api.post(url, {"title": "another", "tax_id": "91420100MA4K1234X5"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invoice_already_requested"
    assert InvoiceRequest.objects.get().title == "武汉某某贸易有限公司"
    listed = api.get("/api/v1/merchant/paylater/fee-statements/", {"month": "2026-10"}).json()["results"][0]
    assert listed["invoice"]["status"] == "requested"


def test_invoice_request_validates_input_and_scope(api, october, other_store):
    with time_machine.travel(NOW, tick=False):
        services.fee_statements_generate(month=dt.date(2026, 10, 1))
    statement = FeeStatement.objects.get()
    url = f"/api/v1/merchant/paylater/fee-statements/{statement.pk}/invoice-request/"
    api.with_token(merchant_token(october.owner))
    assert api.post(url, {"title": "x", "tax_id": "bad id"}, format="json").json()["code"] == "invalid"
    api.with_token(merchant_token(other_store.owner))
    assert api.post(url, {"title": "x", "tax_id": "91420100MA4K1234X5"}, format="json").status_code == 404
    assert not InvoiceRequest.objects.exists()


def test_operator_marks_the_invoice_issued_with_a_number(october):
    with time_machine.travel(NOW, tick=False):
        services.fee_statements_generate(month=dt.date(2026, 10, 1))
    invoice = services.invoice_request(statement=FeeStatement.objects.get(), title="t", tax_id="91420100MA4K1234X5")
    services.invoice_mark_issued(invoice_id=invoice.pk, invoice_number="No.12345678")
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.invoice_number == "No.12345678" and invoice.issued_at
    with pytest.raises(Exception) as exc:
        services.invoice_mark_issued(invoice_id=invoice.pk, invoice_number="again")
    assert exc.value.code == "invalid_state"
