"""SPEC §1: `is_fresh` and `paylater_excluded` are inherited — a category has the flag when it or
any ancestor has it. One function answers both for pay-later eligibility and for negotiation."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config.api.errors import DomainError
from merchants.models import Category
from merchants.stores.models import CATEGORY_DEPTH
from merchants.stores.selectors import category_flags, category_is
from merchants.stores.services import category_create
from paylater.selectors import products_with_eligibility
from refunds.models import Negotiation
from tests.factories import CategoryFactory, OrderFactory, ProductFactory
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db


def chain(depth, **top_flags):
    node = CategoryFactory(**top_flags)
    for _level in range(depth - 1):
        node = CategoryFactory(parent=node)
    return node


def test_grandchild_of_a_fresh_category_is_fresh_and_a_sibling_tree_is_not():
    fresh_leaf = chain(3, is_fresh=True)
    plain_leaf = chain(3)
    flags = category_flags([fresh_leaf.pk, plain_leaf.pk])
    assert flags[fresh_leaf.pk] == {"is_fresh": True, "paylater_excluded": False}
    assert flags[plain_leaf.pk] == {"is_fresh": False, "paylater_excluded": False}


def test_flag_on_the_deepest_allowed_ancestor_still_reaches_the_leaf():
    leaf = chain(CATEGORY_DEPTH, paylater_excluded=True)
    assert category_is("paylater_excluded", leaf.pk)


@time_machine.travel(T0, tick=False)
def test_case_on_a_product_whose_parent_category_is_fresh_refuses_a_negotiation(merchant_api, store):
    child = CategoryFactory(parent=CategoryFactory(is_fresh=True))
    order = OrderFactory(store=store, product=ProductFactory(store=store, category=child), amount=Decimal("50.00"),
                         paid_at=T0 - dt.timedelta(days=1))
    case = open_case(store, order=order, type="refund_only")
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/negotiate/",
                          {"type": "refund_only", "amount": "10.00"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "fresh_category"
    assert not Negotiation.objects.filter(case=case).exists()


def test_product_under_an_excluded_ancestor_is_not_eligible_for_pay_later(store):
    product = ProductFactory(store=store, category=chain(3, paylater_excluded=True), price=Decimal("10.00"))
    row = products_with_eligibility().get(pk=product.pk)
    assert (row.paylater_eligible, row.ineligible_reason) == (False, "category_excluded")


def test_categories_nest_at_most_the_depth_inheritance_looks_at():
    leaf = chain(CATEGORY_DEPTH)
    with pytest.raises(DomainError) as refused:
        category_create(name="too deep", parent=leaf)
    assert refused.value.code == "category_too_deep"
    assert not Category.objects.filter(name="too deep").exists()
