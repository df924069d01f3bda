"""History rows for set-based writers, in one statement.

`simple_history`'s `bulk_history_create` builds one Python object per row and compiles an INSERT
with a parameter per column per row: for a sweep moving 500 rows that is most of its time. This
writes the same rows (each as it now is in its table, with its reason, date and type) with one
`INSERT … SELECT`: the cost no longer grows with Python work per row. The history table's copy of
each column is the column itself (excluded fields are left out, as simple_history does)."""
from django.db import connection
from django.utils import timezone
from simple_history.manager import HistoryDescriptor

from config.sql import ids_param


def fit_reason(model, reason: str) -> str:
    """The reason as the model's history table can hold it. Our history reasons are text
    (`SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD`), so it comes back whole; a history
    model with a bounded column (a third-party one) gets it cut with "…" rather than a refused
    write, since PostgreSQL refuses an over-long value and the change itself must not fail."""
    history = getattr(model, "history", None)
    limit = history.model._meta.get_field("history_change_reason").max_length if history is not None else None
    if limit and len(reason) > limit:
        return reason[:limit - 1] + "…"
    return reason


def copied_columns(model) -> list[str]:
    """The model's columns its history table copies (excluded fields are left out)."""
    copied = {f.column for f in model.history.model._meta.concrete_fields}
    return [f.column for f in model._meta.concrete_fields if f.column in copied]


def history_insert_select(model, ids: list[int], *, reasons: list[str], history_type: str = "~", user=None,
                          at=None) -> int:
    """One history row per id of `model` (reasons[i] for ids[i]), as the row now is; returns the
    number written."""
    if not ids:
        return 0
    history = model.history.model
    columns = copied_columns(model)
    table, history_table = model._meta.db_table, history._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f't."{c}"' for c in columns)
    pk = f't."{model._meta.pk.column}"'
    sql = (f'INSERT INTO "{history_table}" ({names}, history_date, history_change_reason, history_type, '
           f'history_user_id) SELECT {values}, %s, v.reason, %s, %s FROM "{table}" t '
           f"JOIN unnest(%s::bigint[], %s::text[]) AS v(id, reason) ON {pk} = v.id ORDER BY {pk}")
    reasons = [fit_reason(model, r) for r in reasons]
    with connection.cursor() as cursor:
        cursor.execute(sql, [at or timezone.now(), history_type, getattr(user, "pk", None), ids_param(ids), reasons])
        return cursor.rowcount


def update_with_history(queryset, values: dict, *, reason: str, user=None, at=None) -> list[int]:
    """PostgreSQL: `queryset.update(**values)` and one history row per updated row (`reason`,
    type "~"), in ONE statement: the history rows are the UPDATE's `RETURNING` rows, as the
    rows now are. The rows are neither read before nor read again after (`history_insert_select`
    finds them again by primary key): for a sweep whose claim already locked them, a batch is
    this statement alone. Returns the updated ids, sorted."""
    from django.core.exceptions import EmptyResultSet
    from django.db.models import sql

    model = queryset.model
    query = queryset.query.chain(sql.UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    compiler = query.get_compiler(queryset.db)
    try:
        compiler.pre_sql_setup()
        update_sql, update_params = compiler.as_sql()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to update
        return []
    if not update_sql:
        return []
    history = model.history.model
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in copied_columns(model))
    pk = quote(model._meta.pk.column)
    reason = fit_reason(model, reason)
    statement = (f"WITH moved AS ({update_sql} RETURNING {quote(model._meta.db_table)}.*) "
                 f"INSERT INTO {quote(history._meta.db_table)} ({names}, history_date, history_change_reason, "
                 f"history_type, history_user_id) SELECT {names}, %s, %s, %s, %s FROM moved ORDER BY {pk} "
                 f"RETURNING {pk}")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*update_params, at or timezone.now(), reason, "~", getattr(user, "pk", None)])
        return sorted(row[0] for row in cursor.fetchall())


# --- the `history` descriptor, built once ----------------------------------------
# django-simple-history's `Model.history` descriptor, minus one waste: on every access it built
# a new manager class (`HistoryManager.from_queryset(HistoricalQuerySet)`, which walks the queryset
# class with `inspect.getmembers`), and every history row written reads it once — a twentieth of a
# pay-later order's Python time (bench/README.md, "the floor ladder"). The class is the same every
# time: it is built once per descriptor, and each access still returns a new manager for the
# model or instance, as before.


class CachedHistoryDescriptor(HistoryDescriptor):
    _manager = None

    def __get__(self, instance, owner):
        if self._manager is None:
            self._manager = self.manager_class.from_queryset(self.queryset_class)
        return self._manager(self.model, instance)


def cache_history_managers(models) -> int:
    """Swap every model's history descriptor for the caching one; how many were swapped."""
    swapped = 0
    for model in models:
        for name, value in list(vars(model).items()):
            if type(value) is HistoryDescriptor:
                setattr(model, name, CachedHistoryDescriptor(value.model, manager=value.manager_class,
                                                             queryset=value.queryset_class))
                swapped += 1
    return swapped


# --- how a history page shows a record (SPEC "Operators' cockpit", issue 24) ------------------
# A history page reads as the operator's facts: every value through one formatter per field type
# (states as their labels, money in ¥, rates as percentages, months as months, times local to the
# minute, references as links), and reasons in the operator's language. Services write reasons as
# an audit trail in a fixed English grammar ("operator: admin — judged seller-responsible: …",
# "approved 475400.00"); `shown_reason` translates the fixed words of the known patterns on
# display and keeps every name, number and free-text note as written, so the audit text stays
# truthful whatever language wrote it. Decision 0059. The gettext functions are called by their own
# names (not aliases), so that `make messages` (xgettext) finds every string.
import datetime as _dt  # noqa: E402
import re as _re  # noqa: E402
from decimal import Decimal as _Decimal  # noqa: E402

from django.db import models as _models  # noqa: E402
from django.urls import NoReverseMatch as _NoReverseMatch  # noqa: E402
from django.urls import reverse as _reverse  # noqa: E402
from django.utils.html import format_html as _format_html  # noqa: E402
from django.utils.html import format_html_join as _format_html_join  # noqa: E402
from django.utils.translation import gettext, gettext_lazy, ngettext  # noqa: E402

EMPTY = "—"
RATE_PLACES = 4  # every rate is DecimalField(…, 4): a fraction 0–1 (config.money.rate)
# 4-place fields that are not rates: a credit indicator's bounds are in the indicator's own unit
NOT_RATE_FIELDS = {"zero_at", "full_at"}


def is_rate(field) -> bool:
    return (isinstance(field, _models.DecimalField) and field.decimal_places == RATE_PLACES
            and field.name not in NOT_RATE_FIELDS)


def _yuan(value):
    from config.money import money

    return f"¥{money(value):,.2f}"


def _percent(value):
    return f"{_Decimal(value) * 100:.2f}%"


def _local(value: _dt.datetime) -> str:
    from config import timeutil

    return timezone.localtime(value, timeutil.platform_tz()).strftime("%Y-%m-%d %H:%M")


def admin_link(obj) -> str:
    """A row as a link to its admin page (its own words as the text); the words alone when it
    has no admin page."""
    meta = obj._meta
    try:
        url = _reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except _NoReverseMatch:
        return str(obj)
    return _format_html('<a href="{}">{}</a>', url, obj)


# Keys of the JSON a record keeps (a violation's applied penalty…), as the operator reads them.
JSON_KEYS = {
    "fine": gettext_lazy("fine posted"), "fine_rate": gettext_lazy("fine rate"),
    "effective_limit": gettext_lazy("effective limit at confirmation"), "grade_before": gettext_lazy("grade before"),
    "grade_after": gettext_lazy("grade after"), "credit_frozen_until": gettext_lazy("credit frozen until"),
    "raise_banned_until": gettext_lazy("raise banned until"),
    "paylater_suspended_until": gettext_lazy("pay-later suspended until"),
    "no_logistics_incentive_that_week": gettext_lazy("no logistics incentive that week"),
    "freeze_days": gettext_lazy("credit freeze (days)"), "raise_ban_months": gettext_lazy("no raise (months)"),
    "paylater_suspension_months": gettext_lazy("pay-later suspended (months)"),
    "grade_effect": gettext_lazy("grade effect"), "grade_at_confirmation": gettext_lazy("grade at confirmation"),
}
HIDDEN_KEY_ENDINGS = ("_history_id",)  # bookkeeping a revocation reads, not a fact for the operator
MONEY_KEYS = {"fine", "effective_limit", "amount", "limit", "granted_limit"}


def json_value(key: str, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key in JSON_VALUE_WORDS:
        return str(JSON_VALUE_WORDS[key].get(value, value))
    if key in MONEY_KEYS or key.endswith("_amount"):
        return _yuan(value)
    if key.endswith("_rate") or key.endswith("_ratio") or key.endswith("_share"):
        return _percent(value)
    if key.endswith("_until") or key.endswith("_at"):
        return str(value)[:10] if key.endswith("_until") else str(value)[:16].replace("T", " ")
    if isinstance(value, (dict, list)):
        return json_shown(value)
    return str(value)


def json_shown(value):
    """A dict as "label: value · label: value", a list as "a, b": never a Python repr."""
    if value in (None, "", {}, []):
        return EMPTY
    if isinstance(value, dict):
        return _format_html_join(" · ", "{}: {}", ((JSON_KEYS.get(k, k.replace("_", " ")), json_value(k, v))
                                                   for k, v in value.items() if not k.endswith(HIDDEN_KEY_ENDINGS)))
    if isinstance(value, list):
        return ", ".join(str(json_shown(v) if isinstance(v, (dict, list)) else v) for v in value)
    return str(value)


def shown_value(field, value):
    """One value of one field as the operator reads it (HTML-safe)."""
    from simple_history.models import DeletedObject

    if isinstance(value, DeletedObject):
        return EMPTY if value.pk is None else gettext("%(model)s #%(id)s (deleted)") % {
            "model": value.model._meta.verbose_name, "id": value.pk}
    if isinstance(value, _models.Model):
        return admin_link(value)
    if value is None or value == "":
        return EMPTY
    if isinstance(field, _models.JSONField) or isinstance(value, (dict, list)):
        return json_shown(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name == "reference" and isinstance(value, str):
        return reference_link(value)
    if isinstance(value, str) and value in CODE_WORDS:  # a refusal code…, registered by its app
        return str(CODE_WORDS[value])
    if isinstance(field, _models.BooleanField):
        return gettext("yes") if value else gettext("no")
    if isinstance(field, _models.ForeignKey):  # an id without its row
        return admin_link_by_id(field.related_model, value)
    if isinstance(field, _models.DecimalField):
        if (field.max_digits, field.decimal_places) == (14, 2):
            return _yuan(value)
        if is_rate(field):
            return _percent(value)
        return str(value)
    if isinstance(value, _dt.datetime):
        return _local(value)
    if isinstance(value, _dt.date):
        return value.strftime("%Y-%m") if "month" in field.name else value.isoformat()
    return str(value)


def admin_link_by_id(model, pk):
    obj = model._default_manager.filter(pk=pk).first()
    return admin_link(obj) if obj is not None else f"#{pk}"


# The fixed words of the reasons services write, translated on display. Each pattern names its
# parts; `{who}`, `{note}`… are kept as written.
ACTORS = {"operator": gettext_lazy("operator"), "admin": gettext_lazy("operator"), "command": gettext_lazy("command"),
          "buyer": gettext_lazy("buyer"), "merchant": gettext_lazy("merchant"),
          "job": gettext_lazy("job"), "platform": gettext_lazy("platform"), "rule": gettext_lazy("rule"),
          "paylater": gettext_lazy("pay-later"),
          "system": gettext_lazy("system")}
PHRASES = {
    "opened": gettext_lazy("opened"), "agreed": gettext_lazy("agreed"), "rejected": gettext_lazy("rejected"),
    "return received": gettext_lazy("return received"), "refunded": gettext_lazy("refunded"),
    "cancelled": gettext_lazy("cancelled"),
    "escalated": gettext_lazy("escalated"), "judged seller-responsible": gettext_lazy("judged seller-responsible"),
    "judged buyer-responsible": gettext_lazy("judged buyer-responsible"),
    "agreed automatically": gettext_lazy("agreed automatically"),
    "accepted the negotiation": gettext_lazy("accepted the negotiation"),
    "proposed": gettext_lazy("proposed a negotiation"),
    "return shipped": gettext_lazy("return shipped"),
    "return not shipped in time": gettext_lazy("return not shipped in time"),
    "merchant did not refund in time": gettext_lazy("merchant did not refund in time"),
    "merchant did not decide in time: agreed as requested":
        gettext_lazy("merchant did not decide in time: agreed as requested"),
    "no return address": gettext_lazy("no return address"),
    "submitted": gettext_lazy("submitted"), "confirmed": gettext_lazy("confirmed"),
    "dismissed": gettext_lazy("dismissed"),
    "revoked": gettext_lazy("revoked"), "created": gettext_lazy("created"), "added": gettext_lazy("added"),
    "joined": gettext_lazy("joined"),
    "enrolled": gettext_lazy("enrolled"), "refused": gettext_lazy("refused"), "suspended": gettext_lazy("suspended"),
    "reactivated": gettext_lazy("reactivated"), "accepted": gettext_lazy("accepted"),
    "requested": gettext_lazy("requested"),
    "secret rotated": gettext_lazy("secret rotated"), "disabled": gettext_lazy("disabled"),
    "edited detail": gettext_lazy("edited detail"),
    "logistics setup": gettext_lazy("logistics setup"), "consumer charged": gettext_lazy("consumer charged"),
    "consumer charge failed, platform advance": gettext_lazy("consumer charge failed, platform advance"),
    "advance recovered": gettext_lazy("advance recovered"), "receipt confirmed": gettext_lazy("receipt confirmed"),
    "settle logistics incentives": gettext_lazy("settle logistics incentives"), "failed": gettext_lazy("failed"),
    "rules updated": gettext_lazy("rules updated"), "ended activity": gettext_lazy("ended the activity"),
    "ended item": gettext_lazy("ended the item"), "deliver webhooks": gettext_lazy("deliver webhooks"),
    "submitted by the merchant": gettext_lazy("submitted by the merchant"), "upheld": gettext_lazy("upheld"),
    "overturned": gettext_lazy("overturned"), "wallet upgraded": gettext_lazy("wallet upgraded"),
    "wallet upgrade withdrawn": gettext_lazy("wallet upgrade withdrawn"),
    "claw back incentive after a confirmed violation": gettext_lazy("claw back incentive after a confirmed violation"),
    "reinstate incentive after the violation was revoked":
        gettext_lazy("reinstate incentive after the violation was revoked"),
    "run_refund_timeouts": gettext_lazy("refund deadlines"), "seed_demo": gettext_lazy("demo data"),
    "settle_logistics_incentives": gettext_lazy("settle logistics incentives"),
    "contested": gettext_lazy("contested"), "return contested": gettext_lazy("return contested"),
    "file added": gettext_lazy("file added"),
    "decided": gettext_lazy("decided"),
    "payout method switched for the settlement": gettext_lazy("payout method switched for the settlement"),
    "payout method restored after the settlement": gettext_lazy("payout method restored after the settlement"),
}


# Codes that reach reasons or JSON (a refusal code, a grade effect), with their words: each app
# adds its own from its admin (config imports no app).
CODE_WORDS: dict = {}
JSON_VALUE_WORDS: dict = {}  # JSON key -> {code: words}


def _phrase(text: str) -> str:
    text = text.strip()
    if text in PHRASES:
        return str(PHRASES[text])
    if text in CODE_WORDS:
        return str(CODE_WORDS[text])
    return text


def _pattern(regex, render):
    return _re.compile(regex), render


REASON_PATTERNS = [
    _pattern(r"^approved (?P<amount>\d+(?:\.\d+)?)(?:: (?P<note>.*))?$",
             lambda m: (gettext("approved, granted limit %(amount)s") % {"amount": _yuan(m["amount"])})
             + (f": {m['note']}" if m["note"] else "")),
    _pattern(r"^refund (?P<ref>[\w-]+:\d+)$",
             lambda m: _format_html(gettext("refund of {case}"), case=reference_link(m["ref"]))),
    _pattern(r"^opened by (?P<who>.+)$", lambda m: gettext("opened by %(who)s") % {"who": _who(m["who"])}),
    _pattern(r"^imported by (?P<who>.+) from (?P<source>.+), row (?P<row>\d+)$",
             lambda m: gettext("imported by %(who)s from %(source)s, row %(row)s") % m.groupdict()),
    _pattern(r"^violation (?P<id>\d+) (?P<what>confirmed|revoked)$",
             lambda m: gettext("violation #%(id)s %(what)s") % {"id": m["id"], "what": _phrase(m["what"])}),
    _pattern(r"^appeal #(?P<id>\d+) overturned: (?P<note>.*)$",
             lambda m: gettext("appeal #%(id)s overturned: %(note)s") % m.groupdict()),
    _pattern(r"^violation revoked: (?P<note>.*)$", lambda m: gettext("violation revoked: %(note)s") % m.groupdict()),
    _pattern(r"^eco-packaging (?P<what>verified|withdrawn)(?: by (?P<who>.+))?$",
             lambda m: (gettext("eco-packaging verified") if m["what"] == "verified"
                        else gettext("eco-packaging withdrawn"))
             + (f" · {m['who']}" if m["who"] else "")),
    _pattern(r"^rule: activation step (?P<steps>.+)$",
             lambda m: gettext("rule: activation step %(steps)s") % {"steps": m["steps"].replace(" and ", "、")}),
    _pattern(r"^operator: issued (?P<number>.+)$",
             lambda m: gettext("operator: invoice %(number)s issued") % m.groupdict()),
    _pattern(r"^(?P<who>.+) — grade (?P<before>[A-Z]) → (?P<after>[A-Z]): (?P<note>.*)$",
             lambda m: gettext("%(who)s — grade %(before)s → %(after)s: %(note)s")
             % {**m.groupdict(), "who": _who(m["who"])}),
]


# Events with numbers or codes inside ("evidence added: 2 file(s)"), after the actor's " — ".
EVENT_PATTERNS = [
    _pattern(r"^evidence added: (?P<n>\d+) file\(s\)$",
             lambda m: ngettext("evidence added: %(n)s file", "evidence added: %(n)s files",
                                int(m["n"])) % {"n": m["n"]}),
    _pattern(r"^contest decided: (?P<decision>\w+) (?P<amount>\d+(?:\.\d+)?): (?P<note>.*)$",
             lambda m: gettext("contest decided: %(decision)s, refunded %(amount)s: %(note)s")
             % {"decision": _phrase(m["decision"]), "amount": _yuan(m["amount"]), "note": m["note"]}),
]


def _who(text: str) -> str:
    """"operator: admin" → "运营: admin"; "job: seed_demo" → "任务: 演示数据"."""
    kind, sep, name = text.partition(":")
    if sep and kind.strip() in ACTORS:
        return f"{ACTORS[kind.strip()]}: {_phrase(name)}" if name.strip() else str(ACTORS[kind.strip()])
    return text


def _event(text: str) -> str:
    """"return shipped (SF0001)" → "退货寄出 (SF0001)"; "refused: code" → "拒绝: 原因"."""
    text = text.strip()
    for regex, render in EVENT_PATTERNS:
        match = regex.match(text)
        if match:
            return render(match)
    match = _re.match(r"^(?P<what>[^(]+?) \((?P<ref>[^)]*)\)$", text)
    if match and match["what"] in PHRASES:  # the part in brackets: a code in words, a tracking number as written
        return f"{_phrase(match['what'])} ({_phrase(match['ref'])})"
    if text in PHRASES:
        return _phrase(text)
    if "; " in text:
        return "; ".join(_event(part) for part in text.split("; "))
    head, sep, rest = text.partition(": ")
    if sep and head in PHRASES:
        return f"{_phrase(head)}: {_phrase(rest)}"
    return _phrase(text)


def shown_reason(reason: str | None) -> str:
    """A history row's reason in the operator's language; unknown text is kept as written."""
    if not reason:
        return EMPTY
    reason = reason.strip()
    for regex, render in REASON_PATTERNS:
        match = regex.match(reason)
        if match:
            return render(match)
    who, sep, what = reason.partition(" — ")
    if sep:
        return f"{_who(who)} — {_event(what)}"
    head, sep, rest = reason.partition(": ")
    if sep and head in ACTORS:
        return f"{ACTORS[head]}: {_event(rest)}"
    return _event(reason)


# References a record keeps to another ("violation:4", "refund_case:7"), as links in words.
REFERENCES = {
    "order": ("admin:merchants_order_change", gettext_lazy("order #%(id)s")),
    "violation": ("admin:merchants_violation_change", gettext_lazy("violation #%(id)s")),
    "refund_case": ("admin:refunds_refundcase_change", gettext_lazy("after-sales case #%(id)s")),
    "store": ("admin:merchants_store_change", gettext_lazy("store #%(id)s")),
    "application": ("admin:merchants_creditapplication_change", gettext_lazy("application #%(id)s")),
    "statement": ("admin:paylater_feestatement_change", gettext_lazy("fee statement #%(id)s")),
    "settlement-run": ("admin:logistics_settlementrun_change", gettext_lazy("settlement run #%(id)s")),
}


def reference_link(reference: str | None):
    """"violation:4" → a link "违规 #4"; "logistics-week:2026-W49" → "物流周 2026-W49"; anything
    else as written."""
    if not reference:
        return EMPTY
    kind, sep, key = reference.partition(":")
    if sep and kind == "logistics-week":
        return gettext("logistics week %(week)s") % {"week": key}
    if not (sep and kind in REFERENCES and key.isdigit()):
        return reference
    url_name, label = REFERENCES[kind]
    text = label % {"id": key}
    try:
        return _format_html('<a href="{}">{}</a>', _reverse(url_name, args=[int(key)]), text)
    except _NoReverseMatch:
        return text


_EMBEDDED = _re.compile(r"(?<![\w-])(?P<ref>(?:%s):\d+)(?![\w-])" % "|".join(_re.escape(k) for k in REFERENCES))


def text_with_links(text: str | None):
    """Free text (a ledger memo) with the references inside it ("refund_case:4") as links in words."""
    if not text:
        return EMPTY
    parts, last = [], 0
    for match in _EMBEDDED.finditer(text):
        parts += [text[last:match.start()], reference_link(match["ref"])]
        last = match.end()
    if not parts:
        return text
    from django.utils.safestring import mark_safe

    return mark_safe("".join(str(p) if hasattr(p, "__html__") else _escape(p) for p in [*parts, text[last:]]))


def _escape(text):
    from django.utils.html import escape

    return escape(text)
