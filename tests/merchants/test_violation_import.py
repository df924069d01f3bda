"""Importing a risk team's list of violations (issue 11, decision 0037): the preview says per row
what would happen and writes nothing; confirming opens each valid row through `violation_open`
(history, webhook events as by hand); importing the same file again opens nothing."""
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from config import timeutil
from merchants import roles
from merchants.models import LedgerEntry, Violation
from merchants.violations import imports
from merchants.webhooks.models import EventType, WebhookDelivery, WebhookEvent
from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create
from tests.factories import StoreFactory, UserFactory, ViolationFactory
from tests.roles import operator

pytestmark = pytest.mark.django_db
URL = "/admin/merchants/violation/import/"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=timeutil.platform_tz())
HEADER = "店铺ID,店铺名称,违规类型,违规时间,违规描述,关联单号,去重键"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def risk_officer():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator(roles.RISK_OFFICER))
    return client


@pytest.fixture
def store():
    store = StoreFactory(name="一号店", base_limit=Decimal("10000.00"))
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=SUBSCRIBABLE)
    return store


def upload(client, lines=(), *, encoding="utf-8-sig", raw=None, name="risk.csv"):
    data = raw if raw is not None else "\r\n".join([HEADER, *lines]).encode(encoding)
    f = io.BytesIO(data)
    f.name = name
    return client.post(URL, {"file": f})


def confirm(client, preview):
    return client.post(URL, {"payload": preview.context["payload"]})


def outcomes(response):
    return [(p.number, p.outcome, "; ".join(map(str, p.reasons))) for p in response.context["plans"]]


def counts():
    return (Violation.objects.count(), Violation.history.count(), WebhookEvent.objects.count(),
            WebhookDelivery.objects.count(), LedgerEntry.objects.count())


def test_preview_writes_nothing(risk_officer, store):
    before = counts()
    with CaptureQueriesContext(connection) as ctx:
        page = upload(risk_officer, [f"{store.pk},,fake shipping,2026-11-30 14:05,tracking reused,order:1,"])
    assert page.status_code == 200 and outcomes(page) == [(2, "create", "")]
    assert counts() == before
    assert [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE")) and "django_session" not in q["sql"]] == []


def test_get_of_the_import_page_writes_nothing(risk_officer):
    risk_officer.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        page = risk_officer.get(URL)
    assert page.status_code == 200
    assert [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE"))] == []


def test_the_upload_form_speaks_the_operators_language_not_the_platform_default(risk_officer):
    """The help text is built per request: built at import time it froze in zh-hans."""
    english = risk_officer.get(URL).content.decode()
    assert "At most 5000 rows" in english and "最多" not in english
    chinese = risk_officer.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "最多 5000 行" in chinese


def test_confirm_opens_each_row_through_violation_open(risk_officer, store):
    preview = upload(risk_officer, [f"{store.pk},,虚假发货,2026-11-30 14:05,单号重复使用,order:1,",
                                    f"{store.pk},一号店,after-sales delay,2026/11/29 9:30,退货未退款,,R-7"])
    result = confirm(risk_officer, preview)
    assert outcomes(result) == [(2, "created", ""), (3, "created", "")]
    shipping, delay = Violation.objects.order_by("occurred_at").reverse()
    assert (shipping.kind, shipping.status, shipping.reference) == ("fake_shipping", "pending_review", "order:1")
    assert shipping.occurred_at == dt.datetime(2026, 11, 30, 14, 5, tzinfo=timeutil.platform_tz())
    assert delay.kind == "after_sales_delay" and delay.dedup_key == "import:key:R-7"
    assert shipping.detected_by == "import: risk_officer" and shipping.detail == "单号重复使用"
    opened = shipping.history.get()
    assert opened.history_user.username == "risk_officer"
    assert opened.history_change_reason == "imported by risk_officer from risk.csv, row 2"
    assert WebhookEvent.objects.filter(store=store, type=EventType.VIOLATION_OPENED).count() == 2
    assert LedgerEntry.objects.count() == 0  # opening is pending review: no fine until confirmed


def test_reimporting_the_same_file_creates_nothing(risk_officer, store):
    lines = [f"{store.pk},,虚构交易,2026-11-30 14:05,刷单,order:9,"]
    confirm(risk_officer, upload(risk_officer, lines))
    before = counts()
    again = upload(risk_officer, lines)
    assert outcomes(again) == [(2, "exists", "")]
    assert confirm(risk_officer, again).context["totals"]["created"] == 0
    assert counts() == before


def test_a_second_confirm_of_the_same_preview_creates_nothing(risk_officer, store):
    preview = upload(risk_officer, [f"{store.pk},,虚构交易,2026-11-30 14:05,刷单,,"])
    confirm(risk_officer, preview)
    second = confirm(risk_officer, preview)
    assert outcomes(second) == [(2, "exists", "")] and Violation.objects.count() == 1


def test_the_derived_dedup_key_ignores_the_description_but_not_the_reference(risk_officer, store):
    confirm(risk_officer, upload(risk_officer, [f"{store.pk},,虚构交易,2026-11-30 14:05,刷单,order:1,"]))
    page = upload(risk_officer, [f"{store.pk},,虚构交易,2026-11-30 14:05,刷单（已核实）,order:1,",
                                 f"{store.pk},,虚构交易,2026-11-30 14:05,刷单,order:2,"])
    assert [o for _n, o, _r in outcomes(page)] == ["exists", "create"]


def test_row_for_unknown_store_is_refused_with_reason(risk_officer, store):
    page = upload(risk_officer, ["999999,,虚假发货,2026-11-30 14:05,x,,", ",无此店,虚假发货,2026-11-30 14:05,x,,"])
    assert outcomes(page) == [(2, "refused", "unknown store ID 999999"), (3, "refused", "unknown store “无此店”")]


def test_a_store_id_in_full_width_digits_is_read_and_a_non_number_is_refused(risk_officer, store):
    wide = str(store.pk).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    page = upload(risk_officer, [f"{wide},,虚假发货,2026-11-30 14:05,x,,", "12a,,虚假发货,2026-11-30 14:05,x,,",
                                 f"{'9' * 30},,虚假发货,2026-11-30 14:05,x,,"])
    assert outcomes(page) == [(2, "create", ""), (3, "refused", "store ID “12a” is not a number"),
                              (4, "refused", f"store ID “{'9' * 30}” is not a number")]


def test_a_store_name_shared_by_two_stores_is_refused_as_ambiguous(risk_officer, store):
    twin = StoreFactory(name="一号店")
    [(_n, outcome, reason)] = outcomes(upload(risk_officer, [",一号店,虚假发货,2026-11-30 14:05,x,,"]))
    assert outcome == "refused" and f"IDs {store.pk}, {twin.pk}" in reason and "give the store ID" in reason


def test_each_bad_row_is_refused_with_its_reason_and_the_valid_ones_go_through(risk_officer, store):
    p = store.pk
    preview = upload(risk_officer, [
        f"{p},,盗刷,2026-11-30 14:05,x,,",
        f"{p},,虚假发货,30/11/2026,x,,",
        f"{p},,虚假发货,2026-12-02 09:00,x,,",
        f"{p},,虚假发货,2026-11-30 14:05,,,",
        f"{p},,虚假发货,2026-11-30 14:05,ok,,K1",
        f"{p},,虚假发货,2026-11-30 15:05,same key,,K1",
        f"{p},另一个名字,虚假发货,2026-11-30 14:05,x,,",
    ])
    assert outcomes(preview) == [
        (2, "refused", "unknown violation kind “盗刷”"),
        (3, "refused", "time “30/11/2026” is not a date and time like 2026-11-30 14:05"),
        (4, "refused", "time 2026-12-02 09:00 is in the future"),
        (5, "refused", "missing description"),
        (6, "create", ""),
        (7, "refused", "duplicate of row 6 in this file (same dedup key)"),
        (8, "refused", f"store ID {p} is “一号店”, not “另一个名字”"),
    ]
    result = confirm(risk_officer, preview)
    assert result.context["totals"] == {"create": 0, "exists": 0, "refused": 6, "created": 1}
    assert Violation.objects.get().dedup_key == "import:key:K1"


def test_gbk_csv_from_excel_is_read(risk_officer, store):
    page = upload(risk_officer, [f"{store.pk},一号店,售后延迟,2026/11/30 14:05,退货签收后48小时未退款,,"],
                  encoding="gbk")
    [plan] = page.context["plans"]
    assert plan.outcome == "create" and plan.kind == "after_sales_delay" and plan.values["detail"].startswith("退货")


def test_utf8_csv_without_bom_is_read(risk_officer, store):
    page = upload(risk_officer, [f"{store.pk},,超额垫付,2026-11-30 14:05,垫付超额,,"], encoding="utf-8")
    assert outcomes(page) == [(2, "create", "")]


def test_xlsx_is_read(risk_officer, store):
    book = Workbook()
    book.active.append(["store id", "violation kind", "occurred at", "detail", "reference"])
    book.active.append([store.pk, "fake_transactions", dt.datetime(2026, 11, 30, 14, 5), "brushing", "order:3"])
    data = io.BytesIO()
    book.save(data)
    preview = upload(risk_officer, raw=data.getvalue(), name="risk.xlsx")
    assert outcomes(preview) == [(2, "create", "")]
    confirm(risk_officer, preview)
    violation = Violation.objects.get()
    assert violation.occurred_at == dt.datetime(2026, 11, 30, 14, 5, tzinfo=timeutil.platform_tz())


def test_an_xlsx_date_cell_without_a_time_is_refused_like_in_a_csv(risk_officer, store):
    book = Workbook()
    book.active.append(["store id", "violation kind", "occurred at", "detail", "reference"])
    book.active.append([store.pk, "fake_transactions", dt.datetime(2026, 11, 30), "brushing", "order:3"])
    book.active.append([store.pk, "fake_transactions", dt.datetime(2026, 11, 30), "brushing", "order:4"])
    book.active["C2"].number_format = "yyyy-mm-dd"  # an operator typed a date only
    book.active["C3"].number_format = 'yyyy-mm-dd h:mm;@'  # midnight, and the cell says so
    data = io.BytesIO()
    book.save(data)
    preview = upload(risk_officer, raw=data.getvalue(), name="risk.xlsx")
    [(row2, refused, reason), (row3, created, _)] = outcomes(preview)
    assert (row2, refused, row3, created) == (2, "refused", 3, "create")
    assert "2026-11-30" in reason
    csv_page = upload(risk_officer, [f"{store.pk},,虚假交易,2026-11-30,brushing,order:5,"])
    assert outcomes(csv_page)[0][1] == "refused"


def test_a_file_over_the_row_limit_is_refused_whole(risk_officer, store, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    page = upload(risk_officer, [f"{store.pk},,虚假发货,2026-11-2{i} 10:00,x,," for i in range(4)])
    assert "plans" not in page.context and "more than 3 rows" in page.content.decode()


def test_a_file_without_the_required_columns_is_refused(risk_officer):
    page = upload(risk_officer, raw="店铺ID,备注\r\n1,x".encode("utf-8-sig"))
    assert "Missing columns" in page.content.decode() and "plans" not in page.context


def test_role_without_permission_cannot_import(store):
    reviewer = Client()
    reviewer.force_login(operator(roles.CREDIT_REVIEWER))
    assert reviewer.get(URL).status_code == 403
    f = io.BytesIO(f"{HEADER}\r\n{store.pk},,虚假发货,2026-11-30 14:05,x,,".encode())
    f.name = "risk.csv"
    assert reviewer.post(URL, {"file": f}).status_code == 403
    assert reviewer.get(f"{URL}template.csv").status_code == 403
    assert Violation.objects.count() == 0


def test_a_preview_confirmed_by_another_operator_is_refused(risk_officer, store):
    preview = upload(risk_officer, [f"{store.pk},,虚假发货,2026-11-30 14:05,x,,"])
    other = Client()
    other.force_login(operator(roles.RISK_OFFICER, username="other_risk"))
    other.post(URL, {"payload": preview.context["payload"]})
    assert Violation.objects.count() == 0


def test_preview_labels_in_chinese_and_english(store):
    user = operator(roles.RISK_OFFICER)
    lines = [f"{store.pk},,虚假发货,2026-11-30 14:05,x,,", "999999,,虚假发货,2026-11-30 14:05,x,,"]
    for language, words in [("zh-hans", ["将新建", "被拒", "未知店铺ID 999999", "导入违规"]),
                            ("en", ["would create", "refused", "unknown store ID 999999"])]:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        html = upload(client, lines).content.decode()
        assert all(word in html for word in words), (language, words)


def test_template_has_the_exact_headers_and_one_example_row(risk_officer):
    csv_bytes = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    csv_bytes.force_login(operator(roles.RISK_OFFICER, username="zh_risk"))
    body = csv_bytes.get(f"{URL}template.csv").content
    assert body.startswith(b"\xef\xbb\xbf") and body.decode("utf-8-sig").splitlines()[0] == HEADER
    xlsx = risk_officer.get(f"{URL}template.xlsx").content
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert list(rows[0]) == imports.template_headers("en") and len(rows) == 2


def test_the_template_example_row_is_planned_like_any_row():
    table = imports.read_table("t.csv", ("\ufeff" + HEADER + "\r\n1001,演示店铺一号,虚构交易,2026-11-30 14:05,x,,")
                               .encode())
    [plan] = imports.import_plan(table, now=NOW)
    assert plan.kind == "fake_transactions" and plan.occurred_at == dt.datetime(2026, 11, 30, 14, 5,
                                                                                tzinfo=timeutil.platform_tz())


def test_a_violation_opened_by_a_detector_is_not_matched_by_an_import_key(risk_officer, store):
    ViolationFactory(store=store, dedup_key="K2")
    page = upload(risk_officer, [f"{store.pk},,虚假发货,2026-11-30 14:05,x,,K2"])
    assert outcomes(page) == [(2, "create", "")]


def test_the_violations_list_offers_the_import_only_to_who_may_open_violations(risk_officer):
    assert URL.encode() in risk_officer.get("/admin/merchants/violation/").content
    reviewer = Client()
    reviewer.force_login(operator(roles.CREDIT_REVIEWER))
    page = reviewer.get("/admin/merchants/violation/")
    assert page.status_code == 200 and URL.encode() not in page.content


def table_of(stores, n):
    lines = [f"{stores[i % len(stores)].pk},,虚假发货,2026-11-{1 + i % 28:02d} 10:{i % 60:02d},x,ref:{i},"
             for i in range(n)]
    return imports.read_table("risk.csv", "\r\n".join([HEADER, *lines]).encode())


def test_the_preview_runs_the_same_number_of_queries_for_5_rows_or_500():
    stores = StoreFactory.create_batch(5)
    ViolationFactory(store=stores[0], dedup_key="import:key:x")
    queries = []
    for n in (5, 500):
        table = table_of(stores, n)
        with CaptureQueriesContext(connection) as ctx:
            plans = imports.import_plan(table, now=NOW)
        assert imports.import_totals(plans)["create"] == n
        queries.append(len(ctx.captured_queries))
    assert queries[0] == queries[1] <= 3


@pytest.mark.django_db(transaction=True)
def test_two_operators_confirming_the_same_file_at_once_open_each_violation_once(threads):
    stores = StoreFactory.create_batch(3)
    table = table_of(stores, 30)
    user = UserFactory(username="risk_a", is_staff=True)

    def confirm_all(_i):
        plans = imports.import_apply(imports.import_plan(table), user=user, source="risk.csv")
        return imports.import_totals(plans)

    results = threads(confirm_all, 2)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["created"] for r in results) == 30 and sum(r["refused"] for r in results) == 0
    assert Violation.objects.count() == 30
    assert Violation.history.filter(history_type="+").count() == 30


def test_a_big_file_is_opened_in_steps_and_each_continue_opens_the_next_rows(risk_officer, store, monkeypatch):
    monkeypatch.setattr(imports, "CONFIRM_BATCH", 2)
    preview = upload(risk_officer, [f"{store.pk},,虚假发货,2026-11-2{i} 10:00,x,," for i in range(5)])
    steps = []
    page = preview
    while page.context.get("payload"):
        page = risk_officer.post(URL, {"payload": page.context["payload"]})
        steps.append((page.context["totals"]["created"], page.context["totals"]["create"]))
    assert steps == [(2, 3), (2, 1), (1, 0)]
    assert Violation.objects.count() == 5
