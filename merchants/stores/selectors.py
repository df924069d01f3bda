"""Reads for stores: the tenant boundary (which stores a merchant user may see)."""
from django.db.models import Q

from .models import Store


def stores_for_user(user):
    """The stores a merchant user belongs to (owner or member): the tenant boundary."""
    if user is None or not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(Q(owner=user) | Q(members=user)).distinct()


def store_ids_for_user(user) -> list[int]:
    return list(stores_for_user(user).values_list("pk", flat=True))
