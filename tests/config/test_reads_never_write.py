"""Reads never write (STYLE "Habits"): with every app's demo data loaded, every GET operation of
the API and every admin list and change page runs no INSERT, UPDATE or DELETE."""
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from config.models import ApiToken
from merchants.credit.models import CreditIndicator
from merchants.models import PenaltyRule, Store
from merchants.policy import SingletonPolicy
from refunds.models import EvidenceFile
from tests.conftest import Api, shared_by_the_module
from tests.exports import exporting_admins
from tests.factories import merchant_token, platform_token

pytestmark = pytest.mark.django_db
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def writes(ctx) -> list[str]:
    return [q["sql"][:200] for q in ctx.captured_queries if WRITE.match(q["sql"])]


def get_operations():
    """(path, names of its required query parameters) for every GET operation of the API."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query" and p.get("required")])
            for path, item in schema["paths"].items() if "get" in item and path.startswith("/api/v1/")]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Every app's demo data, loaded once for the module's tests (both variants below)."""
    with shared_by_the_module(django_db_blocker):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
        yield


@pytest.fixture(scope="module", params=["defaults_saved", "defaults_in_memory"])
def demo(request, seeded, django_db_blocker):
    """The demo data; then, the second time, without the rows whose defaults live in code (as after
    a test flush), where a read that created them on first use would show up. The deletions are
    rolled back after the variant's tests."""
    with shared_by_the_module(django_db_blocker):
        if request.param == "defaults_in_memory":
            for model in apps.get_models():
                if issubclass(model, SingletonPolicy):
                    model.objects.all().delete()
            PenaltyRule.objects.all().delete()
            CreditIndicator.objects.all().delete()
        yield list(Store.objects.filter(name__startswith="演示店铺").select_related("owner").order_by("pk"))


def fresh_tokens():
    """Authentication stamps a token's `last_used_at` at most every 5 minutes: stamp every token
    now, so the captured requests show only what the endpoint itself does."""
    ApiToken.objects.update(last_used_at=timezone.now())


def rows(response) -> list[dict]:
    data = response.json()
    return data.get("results", []) if isinstance(data, dict) else data


def test_every_get_operation_of_the_api_writes_nothing(demo):
    merchants = [(Api().with_token(merchant_token(store.owner)), store) for store in demo]
    platform = [(Api().with_token(platform_token()), None)]
    operations = get_operations()
    assert len(operations) >= 30
    checked, found = [], []
    for path, required in operations:
        assert set(required) <= {"store"}, f"{path}: fill its required parameters {required}"
        url = path
        if "{file_id}" in path:
            # an evidence file the demo added, under its own case (its store's client is among them)
            file = EvidenceFile.objects.select_related("evidence").order_by("pk").first()
            assert file, f"no demo row to fill {path}"
            url = path.replace("{id}", str(file.evidence.case_id)).replace("{file_id}", str(file.pk))
        elif "{id}" in path:
            # an id that exists: the first row the matching merchant list shows any demo store
            listing = path.split("{id}")[0].replace("/api/v1/platform/", "/api/v1/merchant/")
            ids = [row["id"] for client, _store in merchants for row in rows(client.get(listing))[:1]]
            assert ids, f"no demo row to fill {path}"
            url = path.replace("{id}", str(ids[0]))
        for client, store in merchants if "/merchant/" in path else platform:
            params = {"store": store.pk} if required else {}
            fresh_tokens()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, params)
            if response.status_code == 404 and "/merchant/" in path and "{id}" in path:
                continue  # another store's row: the store that owns it is among the clients
            assert response.status_code == 200, (url, response.status_code, response.content[:200])
            found += [f"GET {url}: {sql}" for sql in writes(ctx)]
            checked.append(url)
            break
    assert found == []
    assert len(checked) == len(operations)


def admin_pages():
    for model in admin.site._registry:
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def test_every_admin_list_and_change_page_writes_nothing(demo, admin_client):
    admin_client.get("/admin/")  # the session is written at login, before we look
    found, checked = [], 0
    for url in ["/admin/", *admin_pages()]:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url
        found += [f"GET {url}: {sql}" for sql in writes(ctx)]
        checked += 1
    assert found == []
    assert checked > len(admin.site._registry)


def test_every_export_writes_nothing(seeded, admin_client):
    admin_client.get("/admin/")  # the session is written at login, before we look
    found, exported = [], 0
    for model, _admin in exporting_admins():
        for fmt in ("csv", "xlsx"):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export", args=[fmt])
            with CaptureQueriesContext(connection) as ctx:
                response = admin_client.get(url)
                assert len(b"".join(response.streaming_content)) > 100, url
            found += [f"GET {url}: {sql}" for sql in writes(ctx)]
            exported += 1
    assert found == []
    assert exported >= 8


def test_singleton_policy_pages_work_on_an_empty_table(admin_client):
    from refunds.models import RefundPolicy

    RefundPolicy.objects.all().delete()  # a flushed database: the defaults live in code
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(reverse("admin:refunds_refundpolicy_changelist"), follow=True)
    assert response.status_code == 200 and writes(ctx) == []
    assert not RefundPolicy.objects.exists()
    form = response.context["adminform"].form
    assert form.initial["merchant_decision_hours"] == RefundPolicy().merchant_decision_hours
    # saving the page is what creates the row
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["merchant_decision_hours"] = 24
    response = admin_client.post(reverse("admin:refunds_refundpolicy_change", args=[1]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RefundPolicy.objects.get().merchant_decision_hours == 24
    assert RefundPolicy.current().merchant_decision_hours == 24
