"""Reading the admin's exports back in tests: CSV as rows of text, XLSX as rows of cell values."""
import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

BOM = b"\xef\xbb\xbf"


def exporting_admins():
    """(model, admin) of every admin list with exports (merchants.exports.ExportAdminMixin)."""
    from django.contrib import admin

    from merchants.exports import ExportAdminMixin

    return [(model, model_admin) for model, model_admin in admin.site._registry.items()
            if isinstance(model_admin, ExportAdminMixin)]


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(client, url, language="zh-hans", **params) -> list[list[str]]:
    """Header first. Asserts the BOM (Excel garbles Chinese without it)."""
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = body(response)
    assert data.startswith(BOM), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def xlsx_sheet(client, url, language="zh-hans", **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(body(response))).worksheets[0]


def xlsx_rows(client, url, language="zh-hans", **params) -> list[list]:
    """Cell values; a date cell (format yyyy-mm-dd) as a date, as openpyxl reads it as a datetime."""
    return [[cell.value.date() if cell.is_date and cell.number_format == "yyyy-mm-dd" else cell.value
             for cell in row] for row in xlsx_sheet(client, url, language, **params).iter_rows()]


def as_text(value) -> str:
    """A cell of either format as comparable text (numbers normalised: 1.5 == "1.50")."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return format(number.normalize(), "f") if number.is_finite() else text


def same_rows(csv_data, xlsx_data) -> bool:
    return [[as_text(v) for v in row] for row in csv_data] == [[as_text(v) for v in row] for row in xlsx_data]
