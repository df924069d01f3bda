"""Every admin page of the demo data reads as the operator's facts (SPEC "Operators' cockpit",
issue 24): every list, change, history and history-row page, and every confirmation page an
action opens, in Chinese and in English. A page fails on what a reader should never meet:

- an ISO timestamp (`2026-12-07T15:14`), microseconds or `+00:00`;
- `None`, or a dict or list repr (`{'fine_rate': …}`, `['a', 'b']`);
- a snake_case code where words are expected (`wallet_not_upgraded`, `seller_responsible`);
- a 4-decimal fraction (`0.2000`: a rate is a percentage);
- on a Chinese page, an English word outside a short allow-list (¥, IDs, brand names…);
- "—" for a model field whose record has a value.

The crawl finds pages by itself (every registered admin, objects of each state), so the next
page added is checked without anyone listing it here."""
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from merchants.admin_base import SingletonPolicyAdmin
from tests.conftest import shared_by_the_module

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]
OBJECTS_PER_MODEL = 6  # one per state first, then the first rows
HISTORY_ROWS_PER_OBJECT = 2

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}\.\d{3,}|\+00:00")
NONE = re.compile(r"(?<![\w-])None(?![\w-])")
REPR = re.compile(r"\{'[\w ]+':|\['[^']*',|\[\]|\{\}")
SNAKE = re.compile(r"(?<![\w./:@#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./:@-])"
                   r"|(?<![\w./:@#-])[a-z][a-z0-9_]*\.[a-z][a-z0-9]*_[a-z0-9_]+(?![\w./:@-])"
                   r"|(?<![\w./:@#-])[a-z][a-z0-9]*_[a-z0-9_]*\.[a-z][a-z0-9_]*(?![\w./:@-])"  # event types
                   r"|(?<![\w./:@#-])[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*:\d+(?![\w-])")  # references (violation:4)
FRACTION4 = re.compile(r"(?<![\d.])\d+\.\d{4}(?!\d)")
ENGLISH_WORD = re.compile(r"(?<![\w@./:-])[A-Za-z][A-Za-z'-]+(?![\w@./:-])")
# On a Chinese page: units, brands and identifiers a Chinese reader meets as they are.
ALLOWED_ENGLISH = {
    "ID", "IDs", "API", "CSV", "XLSX", "URL", "HTTP", "HTTPS", "HMAC", "SHA", "UTC", "KPI", "KPIs", "PV", "UV",
    "min", "h", "ms", "MB", "SF", "JD", "EMS", "YTO", "ZTO", "STO", "Yunda", "Express", "Django", "Celery", "Beat",
    "PDF",
    "admin", "demo", "Token", "JSON", "POST", "GET", "Excel", "BOM", "AM", "PM", "OK", "No", "W", "Q",
    "DSR", "Webhook", "Asia", "Shanghai", "SPEC", "CPC", "ping", "Control", "Command", "Mac", "AMQP", "Redis", "IP",
}
# What a model field's "—" may stand for: nothing.
EMPTY_MARKS = {"—", "-"}


class VisibleText(HTMLParser):
    """The text a reader sees (text nodes outside script/style/hidden inputs, titles, labels), and
    each read-only field's shown value by field name."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip, self.readonly = [], 0, {}
        self._field, self._in_readonly, self._buffer = None, 0, []
        self.help, self._in_help = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "select", "textarea", "template"):
            self._skip += 1
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        classes = (attrs.get("class") or "").split()
        if tag == "div" and "form-row" in classes:
            self._field = next((c[len("field-"):] for c in classes if c.startswith("field-")), None)
        if tag == "div" and "help" in classes:
            self._in_help = 1
        elif self._in_help and tag == "div":
            self._in_help += 1
        if tag == "div" and "readonly" in classes:
            self._in_readonly, self._buffer = 1, []
        elif self._in_readonly and tag == "div":
            self._in_readonly += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "select", "textarea", "template"):
            self._skip -= 1
        if tag == "div" and self._in_help:
            self._in_help -= 1
        if tag == "div" and self._in_readonly:
            self._in_readonly -= 1
            if not self._in_readonly and self._field:
                # the object's own fields come first; an inline's field of the same name (a contest's
                # `decided_at` below its case's) is another record's
                self.readonly.setdefault(self._field, "".join(self._buffer).strip())

    def handle_data(self, data):
        if self._in_readonly:
            self._buffer.append(data)
        if self._in_help:
            self.help.append(data)
        if not self._skip:
            self.parts.append(data)


def read(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    return parser


def problems(html: str, language: str, obj=None) -> list[str]:
    page = read(html)
    text = "\n".join(page.parts)
    found = []
    for name, pattern in (("ISO time", ISO_TIME), ("None", NONE), ("repr", REPR), ("code", SNAKE),
                          ("4-decimal fraction", FRACTION4)):
        # a form's help text may explain how its input is typed ("0.0100 即 1.00%")
        scope = text
        if pattern is FRACTION4:
            for part in page.help:
                scope = scope.replace(part, "") if part.strip() else scope
        found += [f"{name}: {m.group(0)!r} in …{scope[max(0, m.start() - 40):m.end() + 40]!r}…"
                  for m in pattern.finditer(scope)]
    if language == "zh-hans":
        words = {m.group(0) for m in ENGLISH_WORD.finditer(without_names(text))} - ALLOWED_ENGLISH
        found += [f"English on a Chinese page: {word!r}" for word in sorted(words)]
    if obj is not None:
        for field in obj._meta.concrete_fields:
            shown = page.readonly.get(field.name)
            value = getattr(obj, field.attname, None)
            if shown in EMPTY_MARKS and value not in (None, "") and not isinstance(field, models.BooleanField):
                found.append(f"— for {field.name}, whose record has {value!r}")
    return found


_NAMES: list[str] = []


def without_names(text: str) -> str:
    """The page without the names people gave things (a category "数码 Electronics", a role
    "finance (财务)", a login, a scheduled task): data, shown as entered, not the page's words."""
    if not _NAMES:
        from axes.models import AccessLog
        from django.contrib.auth.models import Group
        from django_celery_beat.models import PeriodicTask

        from merchants.models import Category, Holiday
        from paylater.models import FeeRate

        for model, field in ((get_user_model(), "username"), (Group, "name"), (Category, "name"),
                             (FeeRate, "name"), (Holiday, "name"), (PeriodicTask, "name"), (PeriodicTask, "task"),
                             (AccessLog, "user_agent")):
            _NAMES.extend(model._default_manager.values_list(field, flat=True))
        _NAMES.sort(key=len, reverse=True)
    for name in _NAMES:
        text = text.replace(name, " ")
    return text


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data as `manage.py seed_demo` loads it, in the platform language (its history
    reasons and memos are written in it), once for both languages' reading."""
    with shared_by_the_module(django_db_blocker), override_settings(LANGUAGE_CODE="zh-hans"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
        _NAMES.clear()
        yield


@pytest.fixture
def demo(demo_data, settings):
    """The demo data seen by a superuser."""
    settings.LANGUAGE_CODE = "zh-hans"
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def chosen_objects(model):
    """One row per state (a page shows different things per state), then the first rows."""
    manager = model._default_manager
    picked = []
    status = next((f for f in model._meta.concrete_fields if f.name == "status" and f.choices), None)
    if status is not None:
        for value in manager.order_by().values_list("status", flat=True).distinct():
            row = manager.filter(status=value).order_by("pk").first()
            if row is not None:
                picked.append(row)
    for row in manager.order_by("pk")[:OBJECTS_PER_MODEL]:
        if row.pk not in {p.pk for p in picked}:
            picked.append(row)
    return picked[:OBJECTS_PER_MODEL + 4]


def url(model, name, *args):
    meta = model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{name}", args=args)
    except NoReverseMatch:
        return None


def pages(client, model, model_admin):
    """(url, object or None, method) of every page of this admin to read."""
    yield url(model, "changelist"), None, "get", None
    if isinstance(model_admin, SingletonPolicyAdmin):
        obj = model.current()
        yield url(model, "change", obj.pk), obj, "get", None
        objects = [obj] if obj.pk else []
    else:
        objects = chosen_objects(model)
        for obj in objects:
            yield url(model, "change", obj.pk), obj, "get", None
    for obj in objects:
        history = url(model, "history", obj.pk)
        if history and hasattr(model, "history"):
            yield history, None, "get", None
            for record in obj.history.order_by("-history_id")[:HISTORY_ROWS_PER_OBJECT]:
                yield url(model, "simple_history", obj.pk, record.history_id), None, "get", None
    if objects:
        request = client.get(url(model, "changelist")).wsgi_request
        for action in model_admin.get_actions(request):
            if action == "delete_selected":
                continue
            for obj in objects:
                yield url(model, "changelist"), None, "post", {"action": action, "_selected_action": [obj.pk],
                                                             "index": 0}


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_page_of_the_demo_data_reads_as_facts(demo, language):
    client = demo
    client.cookies["django_language"] = language
    found, read_pages = [], 0
    with translation.override(language):
        for model, model_admin in registered():
            for address, obj, method, data in pages(client, model, model_admin):
                if address is None:
                    continue
                headers = {"HTTP_ACCEPT_LANGUAGE": language}
                if method == "post":
                    with transaction.atomic():  # an action that acts at once (no confirmation) is undone
                        response = client.post(address, data, **headers)
                        transaction.set_rollback(True)
                else:
                    response = client.get(address, follow=True, **headers)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    if method == "get":
                        found.append(f"{address}: status {response.status_code}")
                    continue
                read_pages += 1
                html = response.content.decode()
                where = f"{method.upper()} {address}" + (f" {data['action']}" if data else "")
                found += [f"{where}: {p}" for p in problems(html, language, obj)]
    assert read_pages > 300
    unique = list(dict.fromkeys(found))
    assert not unique, f"{len(unique)} problems:\n" + "\n".join(unique)
