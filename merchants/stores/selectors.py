"""Reads for stores: the tenant boundary (which stores a merchant user may see)."""
from django.db.models import BooleanField, Case, Q, Value, When

from .models import CATEGORY_DEPTH, Category, Store


def stores_for_user(user):
    """The stores a merchant user belongs to (owner or member): the tenant boundary."""
    if user is None or not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(Q(owner=user) | Q(members=user)).distinct()


def store_ids_for_user(user) -> list[int]:
    return list(stores_for_user(user).values_list("pk", flat=True))


# --- inherited category flags ------------------------------------------------------------------
# SPEC §1: `is_fresh` and `paylater_excluded` are inherited — a category has the flag when it or
# any ancestor has it. The tree is walked CATEGORY_DEPTH levels up (deeper trees are refused).
INHERITED_FLAGS = ("is_fresh", "paylater_excluded")


def inherited_q(flag: str, prefix: str = "") -> Q:
    """SQL condition: the category at `prefix` (e.g. "category__" from a product, "" on a
    Category queryset) or one of its ancestors has `flag` set."""
    if flag not in INHERITED_FLAGS:
        raise ValueError(f"{flag} is not an inherited category flag")
    q = Q()
    path = prefix
    for _level in range(CATEGORY_DEPTH):
        q |= Q(**{f"{path}{flag}": True})
        path = f"{path}parent__"
    return q


def category_flags(category_ids) -> dict[int, dict[str, bool]]:
    """{category id: {"is_fresh": bool, "paylater_excluded": bool}} with inheritance, in one query."""
    annotations = {f"inherited_{flag}": Case(When(inherited_q(flag), then=Value(True)), default=Value(False),
                                             output_field=BooleanField()) for flag in INHERITED_FLAGS}
    rows = Category.objects.filter(pk__in=list(category_ids)).annotate(**annotations).values("pk", *annotations)
    return {row["pk"]: {flag: row[f"inherited_{flag}"] for flag in INHERITED_FLAGS} for row in rows}


def category_is(flag: str, category_id: int) -> bool:
    """One category's inherited flag (e.g. `category_is("is_fresh", product.category_id)`)."""
    return category_flags([category_id]).get(category_id, {}).get(flag, False)
