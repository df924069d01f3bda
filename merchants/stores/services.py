"""Writes for stores and their catalogue: stores (with the owner's API token), categories,
products."""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from config.models import ApiToken
from config.money import money

from .models import CATEGORY_DEPTH, Category, Product, Store


@dataclass
class StoreCreated:
    store: Store
    owner_token: str | None


def store_create(*, name: str, owner_username: str, category: Category, city: str, grade: str = Store.Grade.B,
                 wallet_upgraded: bool = False) -> StoreCreated:
    """Create a store; a new owner user gets a merchant API token, returned once."""
    User = get_user_model()
    with transaction.atomic():
        owner, created = User.objects.get_or_create(username=owner_username)
        token_key = None
        if created:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
            _token, token_key = ApiToken.issue(user=owner, kind=ApiToken.Kind.MERCHANT, name=f"{owner_username}")
        store = Store.objects.create(name=name, owner=owner, main_category=category, city=city, grade=grade,
                                     wallet_upgraded=wallet_upgraded)
        store.members.add(owner)
    return StoreCreated(store=store, owner_token=token_key)


def category_create(*, name: str, parent: Category | None = None, is_fresh: bool = False,
                    paylater_excluded: bool = False) -> Category:
    if Category.objects.filter(parent=parent, name=name).exists():
        raise DomainError("category_exists", _("A category with this name already exists under this parent."))
    if parent is not None and parent.depth() >= CATEGORY_DEPTH:
        raise DomainError("category_too_deep", _("Categories nest at most %(depth)s levels deep.")
                          % {"depth": CATEGORY_DEPTH}, fields={"parent": [str(_("Too deep."))]})
    return Category.objects.create(name=name, parent=parent, is_fresh=is_fresh,
                                   paylater_excluded=paylater_excluded)


def product_create(*, store: Store, title: str, category: Category, price: Decimal) -> Product:
    return Product.objects.create(store=store, title=title, category=category, price=money(price))
