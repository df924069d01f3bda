"""Exports of admin lists to CSV and XLSX (issue 11): one mechanism every export uses.

Operators' weekly reports are spreadsheets, so an export is "what I see": the rows are the
changelist's own queryset (its filters, search, ordering and the operator's permissions), the
headers are in the operator's language and say the unit, money stays a number a spreadsheet can
sum, times are the platform's local time and choices read as their labels.

Memory stays bounded whatever the number of rows (decision 0036): rows are read with
`QuerySet.iterator(chunk_size=…)` (a server-side cursor on PostgreSQL), CSV is streamed as it is
written, and XLSX is written by openpyxl's write-only workbook, which streams each row to a
temporary file (strings are written inline, no shared-string table), then sent with FileResponse.

An admin exports by inheriting `ExportAdminMixin` and naming an `Export` (its file name and
columns) in `export`; the changelist then shows "导出 CSV" / "导出 Excel" beside its other tools.
"""
import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from config import timeutil
from config.money import money

CHUNK_SIZE = 2000  # rows per database fetch (and per CSV write)
BOM = "\ufeff"  # without it Excel reads UTF-8 CSV as the local code page and garbles Chinese
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# A cell Excel would run as a formula (CSV/formula injection from merchant-written text).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEXT, MONEY, RATE, HOURS, DECIMAL, NUMBER, TIME, DATE = (
    "text", "money", "rate", "hours", "decimal", "number", "time", "date")
NUMBER_FORMATS = {MONEY: "#,##0.00", RATE: "0.00", HOURS: "0.00", DECIMAL: "0.00", NUMBER: "0",
                  TIME: "yyyy-mm-dd hh:mm:ss", DATE: "yyyy-mm-dd"}
WIDTHS = {TEXT: 24, MONEY: 16, RATE: 14, HOURS: 14, DECIMAL: 12, NUMBER: 10, TIME: 20, DATE: 12}
HUNDRED, FEN = Decimal(100), Decimal("0.01")


def _getter(source) -> Callable[[Any], Any]:
    """A callable(obj), or a dotted attribute path ("store.name") that stops at the first None."""
    if callable(source):
        return source
    names = source.split(".")

    def get(obj):
        for name in names:
            if obj is None:
                return None
            obj = getattr(obj, name)
        return obj

    return get


def zone_name() -> str:
    """How a header names the platform time zone: operators call Asia/Shanghai Beijing time."""
    if settings.PLATFORM_TIME_ZONE == "Asia/Shanghai":
        return gettext("Beijing time")
    return settings.PLATFORM_TIME_ZONE


@dataclass(frozen=True)
class Column:
    """One column: its header (lazy, translated when the export runs), how to read its value
    from a row, and its kind, which decides the unit in the header and the cell's type."""

    header: Any
    source: Any
    kind: str = TEXT
    get: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "get", _getter(self.source))

    def heading(self) -> str:
        unit = {MONEY: gettext("yuan"), RATE: "%", HOURS: gettext("hours"), TIME: zone_name()}.get(self.kind)
        return gettext("%(header)s (%(unit)s)") % {"header": self.header, "unit": unit} if unit else str(self.header)

    def value(self, obj):
        """The typed cell value: Decimal money/percent/hours, a naive local datetime, text."""
        raw = self.get(obj)
        if raw is None or raw == "":
            return None
        if self.kind == MONEY:
            return money(raw)
        if self.kind == RATE:  # stored as a fraction (0.8567), exported as percent points (85.67)
            return (Decimal(raw) * HUNDRED).quantize(FEN)
        if self.kind in (HOURS, DECIMAL):
            return Decimal(raw).quantize(FEN)
        if self.kind == TIME:
            return timezone.localtime(raw, timeutil.platform_tz()).replace(tzinfo=None)
        if self.kind in (NUMBER, DATE):
            return raw
        return str(raw)


def text(header, source) -> Column:
    return Column(header, source, TEXT)


def choice(header, field_name: str) -> Column:
    """A choice field shown as its label in the operator's language, not its stored code. The
    labels are looked up once per model (Django's get_FOO_display() normalises the choices on
    every call: 0.4 ms a row, most of a 100,000-row export)."""
    labels = {}

    def label(obj):
        value = getattr(obj, field_name)
        if value in (None, ""):
            return None
        model = type(obj)
        if model not in labels:
            labels[model] = dict(model._meta.get_field(field_name).flatchoices)
        return labels[model].get(value, value)

    return Column(header, label, TEXT)


def yes_no(header, source) -> Column:
    get = _getter(source)
    return Column(header, lambda obj: None if get(obj) is None else (_("yes") if get(obj) else _("no")), TEXT)


def money_col(header, source) -> Column:
    return Column(header, source, MONEY)


def rate_col(header, source) -> Column:
    return Column(header, source, RATE)


def hours_col(header, source) -> Column:
    return Column(header, source, HOURS)


def decimal(header, source) -> Column:
    return Column(header, source, DECIMAL)


def number(header, source) -> Column:
    return Column(header, source, NUMBER)


def time_col(header, source) -> Column:
    return Column(header, source, TIME)


def date_col(header, source) -> Column:
    return Column(header, source, DATE)


@dataclass(frozen=True)
class Export:
    """What one changelist exports: the file name stem (the date and format are appended), the
    columns, and the relations to join so the whole export is a fixed number of queries."""

    name: str
    columns: tuple[Column, ...]
    select_related: tuple[str, ...] = field(default=())

    def headers(self) -> list[str]:
        return [column.heading() for column in self.columns]

    def rows(self, queryset) -> Iterator[list]:
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [column.value(obj) for column in self.columns]

    def filename(self, fmt: str) -> str:
        return f"{self.name}-{timeutil.local_date(timezone.now()).isoformat()}.{fmt}"


def csv_cell(value) -> str:
    """Plain text a spreadsheet reads back: 1234.50, 2026-12-01 09:30:00, and merchant text that
    starts like a formula prefixed with an apostrophe so Excel shows it instead of running it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return str(value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


class _Buffer:
    """csv.writer writes into a list that the stream empties after every chunk of rows."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def csv_stream(export: Export, queryset, language: str) -> Iterator[str]:
    """BOM, header, then the rows, CHUNK_SIZE at a time; runs while the response is sent, so it
    activates the operator's language itself (choice labels are translated row by row)."""
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\r\n")  # CRLF: what Excel writes and expects
    with translation.override(language):
        writer.writerow(export.headers())
        yield BOM + buffer.take()
        for n, row in enumerate(export.rows(queryset), start=1):
            writer.writerow([csv_cell(value) for value in row])
            if n % CHUNK_SIZE == 0:
                yield buffer.take()
        yield buffer.take()


def xlsx_file(export: Export, queryset, title: str):
    """The workbook in a temporary file (deleted when closed): openpyxl's write-only mode keeps
    no row in memory once appended. Text cells are forced to text so a merchant's "=…" is never a
    formula; numbers carry a number format so the spreadsheet shows 1,234.50 and can sum them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])  # Excel's limit on sheet names
    for index, column in enumerate(export.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column.kind]
    sheet.freeze_panes = "A2"
    sheet.append(export.headers())
    styles = [NUMBER_FORMATS.get(column.kind) for column in export.columns]
    for row in export.rows(queryset):
        sheet.append([_xlsx_cell(sheet, value, style) for value, style in zip(row, styles, strict=True)])
    file = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(file)
    file.seek(0)
    return file


def _xlsx_cell(sheet, value, number_format):
    """Plain values go in as they are (openpyxl reuses one cell for them); a number with a format
    or text that openpyxl would take for a formula needs a cell of its own."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if not number_format:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def export_response(export: Export, queryset, fmt: str, title: str):
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(export, queryset, translation.get_language()),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.filename("csv")}"'
        return response
    return FileResponse(xlsx_file(export, queryset, title), as_attachment=True, filename=export.filename("xlsx"),
                        content_type=XLSX_TYPE)


class ExportAdminMixin:
    """Adds `export/csv/` and `export/xlsx/` under the changelist, with the list's query string:
    the same ChangeList builds the queryset, so filters, search, ordering and permissions are
    exactly the list's. Exports are reads (GET only) and need only the view permission."""

    export: Export

    def get_urls(self):
        opts = self.model._meta
        return [path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view),
                     name=f"{opts.app_label}_{opts.model_name}_export"), *super().get_urls()]

    def export_links(self, request) -> list[tuple[str, str]]:
        opts = self.model._meta
        query = request.GET.copy()
        query.pop("p", None)  # the page: an export is the whole list
        suffix = f"?{query.urlencode()}" if query else ""
        url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export", args=["FMT"])
        return [(url.replace("FMT", "csv") + suffix, _("Export CSV")),
                (url.replace("FMT", "xlsx") + suffix, _("Export Excel"))]

    def changelist_view(self, request, extra_context=None):
        links = self.export_links(request) if self.has_view_permission(request) else []
        return super().changelist_view(request, {**(extra_context or {}), "export_links": links})

    def export_view(self, request, fmt):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if fmt not in FORMATS:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
                                                "_changelist") + "?e=1")
        return export_response(self.export, changelist.queryset, fmt, str(self.model._meta.verbose_name_plural))

