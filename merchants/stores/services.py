"""Writes for stores and their catalogue: stores (with the owner's API token), categories,
products."""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config import states
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


def _required_reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", message, fields={"reason": [str(_("This field is required."))]})
    return reason


def _operator(user) -> str:
    return f"operator: {user.get_username()}" if user is not None and getattr(user, "pk", None) else "operator"


@transaction.atomic
def store_suspend(*, store_id: int, reason: str, user=None) -> Store:
    """An operator suspends a store (no new pay-later orders or credit applications); 409 if it
    is suspended already. One history row with who and why."""
    reason = _required_reason(reason, _("Suspending a store needs a reason."))
    store = Store.objects.select_for_update().get(pk=store_id)
    return states.transition(store, Store.Status.SUSPENDED, reason=f"{_operator(user)} — suspended: {reason}",
                             user=user, update_fields=[],
                             message=_("The store is already suspended."))


@transaction.atomic
def store_reactivate(*, store_id: int, reason: str, user=None) -> Store:
    """An operator lifts a suspension; 409 if the store is active."""
    reason = _required_reason(reason, _("Reactivating a store needs a reason."))
    store = Store.objects.select_for_update().get(pk=store_id)
    return states.transition(store, Store.Status.ACTIVE, reason=f"{_operator(user)} — reactivated: {reason}",
                             user=user, update_fields=[],
                             message=_("The store is already active."))


@transaction.atomic
def store_grade_set(*, store_id: int, grade: str, reason: str, user=None) -> Store:
    """An operator sets a store's grade (A/B/C) by hand, with a reason on the history row. Setting
    the grade it already has is refused (nothing would be recorded)."""
    reason = _required_reason(reason, _("Changing a store's grade needs a reason."))
    if grade not in Store.Grade.values:
        raise DomainError("invalid", _("Unknown grade."), fields={"grade": [str(_("Not a valid choice."))]})
    store = Store.objects.select_for_update().get(pk=store_id)
    if store.grade == grade:
        raise DomainError("grade_unchanged", _("The store already has grade %(grade)s.") % {"grade": grade})
    previous, store.grade = store.grade, grade
    store._change_reason = states.fit_reason(Store, f"{_operator(user)} — grade {previous} → {grade}: {reason}")
    if user is not None and getattr(user, "pk", None):
        store._history_user = user
    store.save(update_fields=["grade"])
    return store


@transaction.atomic
def store_wallet_set(*, store_id: int, upgraded: bool, reason: str, user=None) -> Store:
    """An operator records that the store's wallet (安心钱包) was upgraded, or withdraws it: the
    flag gates pay-later enrollment, so it changes only here, with a reason on a history row.
    Setting the value it already has is refused (nothing would be recorded)."""
    reason = _required_reason(reason, _("Changing the wallet upgrade needs a reason."))
    store = Store.objects.select_for_update().get(pk=store_id)
    if store.wallet_upgraded == upgraded:
        raise DomainError("wallet_unchanged", _("The wallet is already upgraded.") if upgraded
                          else _("The wallet is not upgraded."))
    store.wallet_upgraded = upgraded
    what = "wallet upgraded" if upgraded else "wallet upgrade withdrawn"
    store._change_reason = states.fit_reason(Store, f"{_operator(user)} — {what}: {reason}")
    if user is not None and getattr(user, "pk", None):
        store._history_user = user
    store.save(update_fields=["wallet_upgraded"])
    return store


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
