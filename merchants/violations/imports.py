"""Violations from a risk team's spreadsheet (issue 11, decision 0037).

Two steps, so an operator sees what a file would do before anything happens:
- `read_table` reads a CSV (UTF-8 with or without BOM, GBK/GB18030 as Excel in China saves it,
  UTF-16 "Unicode text") or an XLSX file into rows of strings;
- `import_plan` says per row what confirming would do — create, already exists (same dedup key)
  or refused with the reason — and writes nothing;
- `import_apply` opens each row planned "create" through `violation_open`, the service an
  operator's hand entry and the detectors use, so history, webhook events and later penalties
  are the same, and a row whose dedup key exists opens nothing (re-importing a file is harmless).

A row's dedup key is the file's own (column 去重键), else derived from store + kind + occurred at
+ reference (`derived_dedup_key`); both are namespaced `import:` so they never meet a detector's."""
import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config import timeutil
from config.api.errors import DomainError
from merchants.stores.models import Store

from .models import Violation
from .services import violation_open

MAX_ROWS = 5000  # data rows per file; a bigger list is split (the preview must stay readable)
# rows one confirm opens: each is a few statements, and a web request has 30 s (WEB_TIMEOUT); the
# result page offers to continue, re-planning the file, so rows already opened show as existing
CONFIRM_BATCH = 500
MAX_BYTES = 5 * 1024 * 1024
MAX_KEY = 120  # a file's own dedup key; with the `import:key:` prefix it fits Violation.dedup_key (150)
MAX_REFERENCE = Violation._meta.get_field("reference").max_length

# column → (header in the template, zh and en; other spellings a risk team uses). Headers are a
# file format, not interface text: both languages are accepted whatever the operator's language.
COLUMNS = {
    "store_id": ("店铺ID", "store id", ["店铺编号", "store_id", "storeid"]),
    "store_name": ("店铺名称", "store name", ["店铺", "店铺名", "store"]),
    "kind": ("违规类型", "violation kind", ["类型", "违规类别", "kind"]),
    "occurred_at": ("违规时间", "occurred at", ["发生时间", "时间", "occurred_at", "time"]),
    "detail": ("违规描述", "detail", ["描述", "详情", "说明", "description"]),
    "reference": ("关联单号", "reference", ["参考号", "订单号", "单号", "ref"]),
    "dedup_key": ("去重键", "dedup key", ["去重编号", "dedup_key", "dedupkey"]),
}
EXAMPLE_ROW = {"store_id": "", "store_name": "示例店铺（请替换为店铺名称或 ID）", "kind": "虚构交易",
               "occurred_at": "2026-11-30 14:05", "detail": "同一收货地址 3 天内 40 笔 1 元订单，疑似刷单",
               "reference": "order:880001", "dedup_key": ""}
DEMO_STORE_PREFIX = "演示店铺"  # merchants/management/commands/seed_demo.py names its stores so
# SPEC §1 names a kind in more than one way (伪造/虚构交易).
KIND_SYNONYMS = {"伪造交易": Violation.Kind.FAKE_TRANSACTIONS, "刷单": Violation.Kind.FAKE_TRANSACTIONS}


class Outcome(models.TextChoices):
    CREATE = "create", _("would create")
    EXISTS = "exists", _("already exists (same dedup key)")
    REFUSED = "refused", _("refused")
    CREATED = "created", _("created")


class FileRefused(Exception):
    """The whole file is refused (format, size, headers): no row is planned."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class RowPlan:
    number: int  # the spreadsheet's row number (the header is row 1), what the risk team sees
    values: dict
    outcome: str = Outcome.CREATE
    reasons: list = field(default_factory=list)
    store: Store | None = None
    kind: str = ""
    occurred_at: dt.datetime | None = None
    dedup_key: str = ""
    violation_id: int | None = None

    @property
    def outcome_label(self):
        return Outcome(self.outcome).label

    @property
    def kind_label(self):
        return Violation.Kind(self.kind).label if self.kind else self.values.get("kind", "")

    def refuse(self, reason):
        self.outcome = Outcome.REFUSED
        self.reasons.append(reason)


def _norm(text) -> str:
    """Compare headers and kinds loosely: case, spaces, _ and -, full-width brackets."""
    text = str(text or "").replace("（", "(").replace("）", ")").casefold()
    return re.sub(r"[\s_\-]+", "", text)


HEADER_ALIASES = {_norm(alias): key for key, (zh, en, others) in COLUMNS.items() for alias in (zh, en, *others)}


def example_row(now: dt.datetime | None = None) -> dict:
    """The template's example row, one that previews as "would create": the demo's first store
    (演示店铺01, seed_demo) or else the first store, and yesterday 14:05 local. Without any store,
    the static example, whose store the operator must replace."""
    stores = Store.objects.order_by("pk")
    store = stores.filter(name__startswith=DEMO_STORE_PREFIX).first() or stores.first()
    if store is None:
        return dict(EXAMPLE_ROW)
    yesterday = timeutil.local_date(now or timezone.now()) - dt.timedelta(days=1)
    return {**EXAMPLE_ROW, "store_id": str(store.pk), "store_name": store.name,
            "occurred_at": f"{yesterday.isoformat()} 14:05"}


def template_headers(language: str | None = None) -> list[str]:
    english = (language or translation.get_language() or "").startswith("en")
    return [en if english else zh for zh, en, _others in COLUMNS.values()]


# --- reading -----------------------------------------------------------------------------------

def _cell(value) -> str:
    """A cell as the text a person would type: Excel date cells as local wall time, 1001.0 as 1001."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):  # GB18030 reads GBK, what Excel in China saves "CSV" as
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("The file is not text in UTF-8 or GBK; save it from Excel as CSV or XLSX."))


def _csv_rows(data: bytes):
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileRefused(_("The XLSX file could not be read (%(error)s).") % {"error": exc}) from exc
    try:
        for row in book.worksheets[0].iter_rows():
            yield [_xlsx_value(cell) for cell in row]
    finally:
        book.close()


def _xlsx_value(cell):
    """A cell's value; a date cell formatted without a time of day (e.g. yyyy-mm-dd) as a date, so
    it is refused like a date without a time in a CSV rather than taken as 00:00."""
    value = getattr(cell, "value", None)
    if isinstance(value, dt.datetime) and value.time() == dt.time() and not _shows_time(cell.number_format):
        return value.date()
    return value


def _shows_time(number_format: str | None) -> bool:
    """Whether an Excel number format shows hours (`h`), leaving out quoted text and [colour/locale] tags."""
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]', "", number_format or "").lower()
    return "h" in plain


def read_table(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    """The file's rows as (row number as Excel shows it, cells as strings), header first, blank
    rows left out. Refuses files over MAX_BYTES or MAX_ROWS data rows before planning anything."""
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than %(mb)s MB; split it.") % {"mb": MAX_BYTES // (1024 * 1024)})
    lower = (name or "").lower()
    if lower.endswith(".xls"):
        raise FileRefused(_("Old Excel files (.xls) are not read; save it as XLSX or CSV."))
    rows_in = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" or lower.endswith(".xlsx") else _csv_rows(data)
    table = []
    for number, row in enumerate(rows_in, start=1):
        cells = [_cell(value) for value in row]
        if any(cells):
            table.append((number, cells))
        if len(table) > MAX_ROWS + 1:
            raise FileRefused(_("The file has more than %(max)s rows; split it into files of at most %(max)s rows.")
                              % {"max": MAX_ROWS})
    if not table:
        raise FileRefused(_("The file is empty."))
    return table


# --- planning ----------------------------------------------------------------------------------

def _kind_lookup() -> dict[str, str]:
    """Every way a kind may be written: code, English and Chinese label, either part of the label."""
    lookup = {_norm(k): v for k, v in KIND_SYNONYMS.items()}
    for kind in Violation.Kind:
        label = str(kind.label)
        english, _sep, chinese = label.partition(" (")
        names = {kind.value, label, english, chinese.rstrip(")")}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(kind.label))
        lookup.update({_norm(name): kind.value for name in names if name})
    return lookup


TIME = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+|\s*)(\d{1,2})[:：时](\d{1,2})"
                  r"(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?$")


def parse_local_time(text: str) -> dt.datetime | None:
    """`2026-11-30 14:05`, `2026/11/30 14:05:00` (Excel's CSV), an Excel date cell, or ISO with an
    offset; without an offset it is platform local time. A date without a time is refused: the
    week of the offence depends on it."""
    text = (text or "").strip()
    match = TIME.match(text)
    try:
        if match:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
            return dt.datetime(y, mo, d, h, mi, s, tzinfo=timeutil.platform_tz())
        if "T" in text and re.search(r"(Z|[+-]\d{2}:?\d{2})$", text):
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None


def derived_dedup_key(*, store_id: int, kind: str, occurred_at: dt.datetime, reference: str) -> str:
    """The same store, kind, time (UTC, to the second) and reference always give the same key, so
    re-importing the same list opens nothing new; the detail text is not part of it (fixing a
    typo in the description does not make a second violation)."""
    at = occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    basis = "|".join([str(store_id), kind, at, reference.strip()])
    return "import:" + hashlib.sha256(basis.encode()).hexdigest()[:40]


def _columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(_norm(name))
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[k][0] + " / " + COLUMNS[k][1] for k in ("kind", "occurred_at", "detail") if k not in columns]
    if "store_id" not in columns and "store_name" not in columns:
        missing.insert(0, "店铺ID / store id " + gettext("or") + " 店铺名称 / store name")
    if missing:
        raise FileRefused(_("Missing columns: %(columns)s. Download the template for the exact headers.")
                          % {"columns": "; ".join(missing)})
    return columns


def _stores(plans: list[RowPlan]):
    """Stores by id and by name in two queries, whatever the number of rows."""
    ids = {int(p.values["store_id"]) for p in plans if _is_id(p.values["store_id"])}
    by_id = {s.pk: s for s in Store.objects.filter(pk__in=ids)}
    names = {p.values["store_name"] for p in plans if p.values["store_name"]}
    by_name: dict[str, list[Store]] = {}
    for store in Store.objects.filter(name__in=names).order_by("pk"):
        by_name.setdefault(store.name, []).append(store)
    return by_id, by_name


def _is_id(text: str) -> bool:
    """Digits (full-width ones too, as a Chinese input method types them) that fit a bigint."""
    return text.isdecimal() and len(text) <= 18


def _resolve_store(plan: RowPlan, by_id, by_name):
    store_id, name = plan.values["store_id"], plan.values["store_name"]
    if store_id:
        if not _is_id(store_id):
            return plan.refuse(_("store ID “%(value)s” is not a number") % {"value": store_id})
        store = by_id.get(int(store_id))
        if store is None:
            return plan.refuse(_("unknown store ID %(id)s") % {"id": store_id})
        if name and name != store.name:
            return plan.refuse(_("store ID %(id)s is “%(actual)s”, not “%(name)s”")
                               % {"id": store_id, "actual": store.name, "name": name})
        plan.store = store
    elif name:
        found = by_name.get(name, [])
        if not found:
            return plan.refuse(_("unknown store “%(name)s”") % {"name": name})
        if len(found) > 1:
            return plan.refuse(_("%(n)s stores are named “%(name)s” (IDs %(ids)s): give the store ID")
                               % {"n": len(found), "name": name, "ids": ", ".join(str(s.pk) for s in found)})
        plan.store = found[0]
    else:
        plan.refuse(_("missing store (store ID or store name)"))


def import_plan(table: list[tuple[int, list[str]]], *, now: dt.datetime | None = None) -> list[RowPlan]:
    """What confirming would do with each row of `read_table`'s table; reads only (a fixed number
    of queries whatever the number of rows)."""
    now = now or timezone.now()
    columns = _columns(table[0][1])
    kinds = _kind_lookup()
    plans = []
    for number, cells in table[1:]:
        values = {key: (cells[columns[key]].strip() if key in columns and columns[key] < len(cells) else "")
                  for key in COLUMNS}
        plans.append(RowPlan(number=number, values=values))
    by_id, by_name = _stores(plans)
    for plan in plans:
        v = plan.values
        _resolve_store(plan, by_id, by_name)
        if not v["kind"]:
            plan.refuse(_("missing violation kind"))
        elif _norm(v["kind"]) not in kinds:
            plan.refuse(_("unknown violation kind “%(value)s”") % {"value": v["kind"]})
        else:
            plan.kind = kinds[_norm(v["kind"])]
        if not v["occurred_at"]:
            plan.refuse(_("missing time of the violation"))
        elif (at := parse_local_time(v["occurred_at"])) is None:
            plan.refuse(_("time “%(value)s” is not a date and time like 2026-11-30 14:05")
                        % {"value": v["occurred_at"]})
        elif at > now:
            plan.refuse(_("time %(value)s is in the future") % {"value": v["occurred_at"]})
        else:
            plan.occurred_at = at
        if not v["detail"]:
            plan.refuse(_("missing description"))
        if len(v["reference"]) > MAX_REFERENCE:
            plan.refuse(_("reference longer than %(n)s characters") % {"n": MAX_REFERENCE})
        if len(v["dedup_key"]) > MAX_KEY:
            plan.refuse(_("dedup key longer than %(n)s characters") % {"n": MAX_KEY})
        if plan.outcome != Outcome.REFUSED:
            plan.dedup_key = (f"import:key:{v['dedup_key']}" if v["dedup_key"] else derived_dedup_key(
                store_id=plan.store.pk, kind=plan.kind, occurred_at=plan.occurred_at, reference=v["reference"]))
    _dedup(plans)
    return plans


def _dedup(plans: list[RowPlan]) -> None:
    """A key seen earlier in the file refuses the later row; a key already opened is "exists"."""
    first: dict[str, int] = {}
    for plan in plans:
        if plan.outcome == Outcome.CREATE:
            if plan.dedup_key in first:
                plan.refuse(_("duplicate of row %(row)s in this file (same dedup key)")
                            % {"row": first[plan.dedup_key]})
            else:
                first[plan.dedup_key] = plan.number
    existing = dict(Violation.objects.filter(dedup_key__in=list(first)).values_list("dedup_key", "pk"))
    for plan in plans:
        if plan.outcome == Outcome.CREATE and plan.dedup_key in existing:
            plan.outcome, plan.violation_id = Outcome.EXISTS, existing[plan.dedup_key]


def import_totals(plans: list[RowPlan]) -> dict[str, int]:
    totals = {outcome.value: 0 for outcome in Outcome}
    for plan in plans:
        totals[plan.outcome] += 1
    return totals


def import_apply(plans: list[RowPlan], *, user, source: str, limit: int | None = None) -> list[RowPlan]:
    """Open the rows planned "create" (at most `limit` of them; the rest stay "create" for the next
    step) through `violation_open`, each in its own transaction: a refused or failing row never
    blocks the others, and an interrupted step keeps what it opened. The operator is the history
    user and the reason names the file and row."""
    who = user.get_username()
    opened = 0
    for plan in plans:
        if plan.outcome != Outcome.CREATE:
            continue
        if limit is not None and opened >= limit:
            break
        opened += 1
        try:
            violation, created = violation_open(
                store=plan.store, kind=plan.kind, occurred_at=plan.occurred_at, detected_by=f"import: {who}",
                reference=plan.values["reference"], detail=plan.values["detail"], dedup_key=plan.dedup_key,
                user=user, reason=f"imported by {who} from {source}, row {plan.number}")
        except DomainError as exc:
            plan.refuse(exc.detail)
            continue
        plan.violation_id = violation.pk
        plan.outcome = Outcome.CREATED if created else Outcome.EXISTS
    return plans
