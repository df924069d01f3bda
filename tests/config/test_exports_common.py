"""The one export mechanism every admin list uses (merchants/exports.py, decision 0036): CSV with a
BOM that Excel reads, XLSX with numbers a spreadsheet can sum, "export what I see" (the list's
filters and search), reads only, view permission only, and bounded memory at 100,000 rows."""
import datetime as dt
import gc
import re
import sys
import tempfile
import time
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl.cell import WriteOnlyCell

from merchants import roles
from merchants.ledger.exports import LEDGER_ENTRIES
from merchants.models import LedgerEntry
from tests.exports import BOM, csv_rows, exporting_admins, same_rows, xlsx_rows, xlsx_sheet
from tests.factories import LedgerEntryFactory, StoreFactory
from tests.roles import operator

pytestmark = pytest.mark.django_db

CSV = "/admin/merchants/ledgerentry/export/csv/"
XLSX = "/admin/merchants/ledgerentry/export/xlsx/"
AT = dt.datetime(2026, 11, 30, 16, 5, tzinfo=dt.UTC)  # 2026-12-01 00:05 in Beijing: the local day differs


def test_twelve_lists_export():
    labels = {model._meta.label for model, _admin in exporting_admins()}
    assert labels == {"logistics.WeeklyResult", "logistics.SettlementRun", "paylater.FeeStatement",
                      "refunds.StoreRefundKpi", "merchants.Violation", "merchants.LedgerEntry",
                      "merchants.CreditApplication",
                      # issue 24 item 8: the lists operators report from most
                      "refunds.RefundCase", "merchants.Order", "merchants.Store", "logistics.Shipment",
                      # SPEC §6: orders lost to the limit
                      "paylater.Refusal"}


def test_csv_starts_with_a_bom_and_ends_lines_the_way_excel_does(admin_client):
    LedgerEntryFactory(amount=Decimal("1234.50"))
    response = admin_client.get(CSV)
    data = b"".join(response.streaming_content)
    assert data.startswith(BOM)
    assert data.count(b"\r\n") == 2 and b"1234.50" in data


def test_money_is_a_plain_number_and_times_are_beijing_local_time_in_both_formats(admin_client):
    LedgerEntryFactory(amount=Decimal("-1234.50"), created_at=AT, kind=LedgerEntry.Kind.FINE)
    header, row = csv_rows(admin_client, CSV)
    assert header[1] == "创建时间（北京时间）" and header[5] == "金额（元）"
    assert row[1] == "2026-12-01 00:05:00" and row[4] == "罚款" and row[5] == "-1234.50"
    sheet = xlsx_sheet(admin_client, XLSX)
    amount, created = sheet.cell(row=2, column=6), sheet.cell(row=2, column=2)
    assert amount.value == -1234.5 and amount.number_format == "#,##0.00"
    assert created.value == dt.datetime(2026, 12, 1, 0, 5) and created.is_date
    assert same_rows(csv_rows(admin_client, CSV), xlsx_rows(admin_client, XLSX))


def test_headers_follow_the_operators_language(admin_client):
    LedgerEntryFactory()
    assert csv_rows(admin_client, CSV, "en")[0] == [
        "number", "created at (Beijing time)", "store ID", "store", "kind", "amount (yuan)", "reference", "memo",
        "created by"]
    assert xlsx_rows(admin_client, XLSX, "en")[0][5] == "amount (yuan)"


def test_merchant_text_that_looks_like_a_formula_stays_text(admin_client):
    LedgerEntryFactory(memo='=HYPERLINK("http://evil.example","click")')
    assert csv_rows(admin_client, CSV)[1][7] == '\'=HYPERLINK("http://evil.example","click")'
    cell = xlsx_sheet(admin_client, XLSX).cell(row=2, column=8)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_export_is_what_the_list_shows_filters_and_search_included(admin_client):
    shown, other = StoreFactory(name="甲店"), StoreFactory(name="乙店")
    LedgerEntryFactory(store=shown, kind=LedgerEntry.Kind.TOPUP, reference="keep")
    LedgerEntryFactory(store=shown, kind=LedgerEntry.Kind.FINE, amount=Decimal("-5.00"))
    LedgerEntryFactory(store=other, kind=LedgerEntry.Kind.TOPUP)
    rows = csv_rows(admin_client, CSV, kind__exact="topup", q="甲店")[1:]
    assert [(r[3], r[6]) for r in rows] == [("甲店", "keep")]
    assert len(xlsx_rows(admin_client, XLSX, kind__exact="topup", q="甲店")) == 2


def test_a_filter_the_list_refuses_is_refused_too(admin_client):
    response = admin_client.get(CSV, {"no_such_field": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_list_links_to_its_exports_with_its_current_filters(admin_client):
    LedgerEntryFactory()
    page = admin_client.get("/admin/merchants/ledgerentry/", {"kind__exact": "topup", "q": "x"},
                            HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/admin/merchants/ledgerentry/export/csv/?kind__exact=topup&amp;q=x"' in page
    assert 'href="/admin/merchants/ledgerentry/export/xlsx/?kind__exact=topup&amp;q=x"' in page
    assert "导出 CSV" in page and "导出 Excel" in page


@pytest.mark.parametrize("label", ["logistics.weeklyresult", "logistics.settlementrun", "paylater.feestatement",
                                   "refunds.storerefundkpi", "merchants.violation", "merchants.creditapplication"])
def test_every_exporting_list_offers_both_formats(admin_client, label):
    """Lists with their own change_list_template (settlement runs) show the links too."""
    url = "/admin/{}/{}/".format(*label.split("."))
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="{url}export/csv/"' in page and f'href="{url}export/xlsx/"' in page
    assert "导出 CSV" in page and "导出 Excel" in page


def test_file_names_carry_the_local_date(admin_client, time_machine):
    time_machine.move_to(AT)
    assert admin_client.get(CSV)["Content-Disposition"] == 'attachment; filename="ledger-entries-2026-12-01.csv"'
    assert 'filename="ledger-entries-2026-12-01.xlsx"' in admin_client.get(XLSX)["Content-Disposition"]


def test_only_operators_who_may_view_the_list_may_export_it(client):
    client.force_login(operator(roles.AFTER_SALES_JUDGE))  # no view permission on the ledger
    assert client.get(CSV).status_code == 403 and client.get(XLSX).status_code == 403
    auditor = Client()
    auditor.force_login(operator(roles.AUDITOR))
    assert auditor.get(CSV).status_code == 200


def test_an_export_is_a_read_post_is_refused(admin_client):
    assert admin_client.post(CSV).status_code == 405
    assert admin_client.get("/admin/merchants/ledgerentry/export/pdf/").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reads_a_fixed_number_of_queries_whatever_its_length(admin_client, fmt):
    def queries(n):
        LedgerEntryFactory.create_batch(n, created_by=StoreFactory().owner)
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(f"/admin/merchants/ledgerentry/export/{fmt}/")
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    assert queries(3) == queries(30)


ROWS = 100_000
BOUND = 16_000_000  # bytes of resident memory an export may add, whatever its length


def rss(field: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_100k_row_export_streams_in_bounded_memory(admin_client, fmt):
    """The peak growth of the process's resident memory while a 100,000-row export is built and
    sent stays under BOUND, and BOUND is meaningful: an export built in memory (tablib, or an
    ordinary openpyxl workbook) holds at least the whole CSV text, or one cell object per value."""
    stores = StoreFactory.create_batch(10)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)"
            " SELECT (%s::int[])[1 + i %% 10], 'topup', (i %% 5000 + 1) / 100.0, 'order:' || i,"
            " repeat('批量充值', 12) || i, 'bulk-' || i, now() - i * interval '1 minute'"
            " FROM generate_series(1, %s) AS i", [[s.pk for s in stores], ROWS])
    gc.collect()
    open("/proc/self/clear_refs", "w").write("5")  # Linux: reset the peak (VmHWM) to the current RSS
    before, started = rss("VmRSS"), time.monotonic()
    response = admin_client.get(f"/admin/merchants/ledgerentry/export/{fmt}/")
    size, lines, copy = 0, 0, tempfile.TemporaryFile()
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
        copy.write(chunk)
    peak = rss("VmHWM") - before
    print(f"\n{fmt}: {ROWS} rows in {time.monotonic() - started:.1f} s, {size / 1e6:.1f} MB, "
          f"peak RSS growth {peak / 1e6:.1f} MB")
    assert peak < BOUND
    if fmt == "csv":
        assert lines == ROWS + 1
        assert size > BOUND  # the text alone, held in memory, would be over the bound
    else:
        assert last_row(copy) == ROWS + 1
        cells = ROWS * len(LEDGER_ENTRIES.columns)
        assert cells * sys.getsizeof(WriteOnlyCell()) > 2 * BOUND  # one Cell object per value


def last_row(file) -> int:
    """The number of the sheet's last row, read from the end of its XML (no workbook loaded)."""
    with zipfile.ZipFile(file) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        tail = b""
        while chunk := sheet.read(1 << 20):
            tail = (tail + chunk)[-65536:]
    return int(re.findall(rb'<row r="(\d+)"', tail)[-1])
