"""No admin changelist costs a query per row: every registered changelist shows 100 rows
with as many queries as 1 (rows made here by factories; a new ModelAdmin needs a builder)."""
import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from merchants.admin_base import SingletonPolicyAdmin
from tests.config.admin_rows import BUILDERS, FIXED

pytestmark = pytest.mark.django_db

MANY = 100


def label(model):
    return model._meta.label


REGISTERED = sorted(admin.site._registry, key=label)
SINGLETONS = [m for m in REGISTERED if isinstance(admin.site._registry[m], SingletonPolicyAdmin)]
LISTS = [m for m in REGISTERED if m not in SINGLETONS and m not in FIXED]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def show_all(client, model):
    """The whole changelist on one page; returns (queries, primary keys shown)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(changelist(model), {"all": ""})
    assert response.status_code == 200, (label(model), response.status_code)
    cl = response.context["cl"]
    shown = [obj.pk for obj in cl.result_list]
    assert cl.result_count == len(shown), f"{label(model)}: not every row is on the page"
    return len(ctx), shown


def test_every_builder_is_for_a_registered_changelist():
    assert set(BUILDERS) <= set(LISTS), "a row builder for a model no longer listed in the admin"
    assert set(FIXED) <= set(REGISTERED) - set(SINGLETONS)


@pytest.mark.parametrize("model", LISTS, ids=label)
def test_admin_changelist_costs_the_same_queries_for_one_row_or_a_hundred(admin_client, model):
    assert model in BUILDERS, f"{label(model)}: add a row builder to tests/config/admin_rows.py"
    build = BUILDERS[model]

    built = build(1)
    show_all(admin_client, model)  # warm-up: policy rows made on first read
    one, shown = show_all(admin_client, model)
    assert built[0].pk in shown

    built += build(MANY - 1)
    many, shown = show_all(admin_client, model)
    assert {obj.pk for obj in built} <= set(shown)
    assert many == one, f"{label(model)}: {one} queries for 1 row, {many} for {MANY}"


@pytest.mark.parametrize("model", list(FIXED), ids=label)
def test_fixed_set_changelist_shows_every_row(admin_client, model):
    built = FIXED[model]()
    _queries, shown = show_all(admin_client, model)
    assert {obj.pk for obj in built} == set(shown)


@pytest.mark.parametrize("model", SINGLETONS, ids=label)
def test_policy_changelist_opens_its_one_row(admin_client, model):
    response = admin_client.get(changelist(model), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"/{model.current().pk}/change/")
    assert response.context["original"].pk == model.objects.get().pk
