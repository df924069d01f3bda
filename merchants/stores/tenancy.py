"""The one tenant-scoping mechanism for merchant endpoints: a merchant token sees only the
stores its user belongs to (SPEC "Who uses it"); another store's object is simply not found."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.generics import GenericAPIView

from config.api.fields import plainly_an_id
from config.api.permissions import IsMerchant

from .models import Store
from .selectors import stores_for_user


def own_store_ids(user) -> list[int]:
    """The ids of `store_ids_for_user`, as two index probes joined by UNION (stores by owner_id,
    memberships by user_id) instead of `owner = u OR members = u` over a LEFT JOIN, which
    PostgreSQL can only answer by scanning every store (bench/README.md "Indexes")."""
    if user is None or not user.is_authenticated:
        return []
    owned = Store.objects.filter(owner=user).order_by().values_list("pk", flat=True)
    member = Store.members.through.objects.filter(user=user).order_by().values_list("store_id", flat=True)
    return sorted(owned.union(member))


class MerchantScoped:
    """Every merchant endpoint filters its queryset to the caller's stores, so another store's
    object is simply not found (404, never 403). `store_field` is the path to the store."""

    permission_classes = [IsMerchant]
    store_field = "store"

    def merchant_store_ids(self):
        if not hasattr(self.request, "_merchant_store_ids"):
            self.request._merchant_store_ids = own_store_ids(self.request.user)
        return self.request._merchant_store_ids

    def scope(self, queryset):
        lookup = "pk__in" if self.store_field == "self" else f"{self.store_field}__in"
        return queryset.filter(**{lookup: self.merchant_store_ids()})

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def get_own_store(self, store_id):
        """A store of the caller's by id, or 404."""
        try:
            store_id = int(store_id)
        except (TypeError, ValueError):
            raise exceptions.NotFound(_("Store not found."))
        if store_id not in self.merchant_store_ids():
            raise exceptions.NotFound(_("Store not found."))
        return Store.objects.get(pk=store_id)


class MerchantReadOnlyViewSet(MerchantScoped, viewsets.ReadOnlyModelViewSet):
    pass


class MerchantGenericView(MerchantScoped, GenericAPIView):
    pass


@extend_schema_field(OpenApiTypes.INT)
class OwnStoreField(serializers.PrimaryKeyRelatedField):
    """A `store` id in a merchant request body: one of the caller's stores, or 404."""

    default_error_messages = {**serializers.PrimaryKeyRelatedField.default_error_messages,
                              "not_an_id": _("A store id is a whole number from 1.")}

    def get_queryset(self):
        return stores_for_user(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not plainly_an_id(data) or int(data) < 1:
            self.fail("not_an_id")
        store = self.get_queryset().filter(pk=int(data)).first()
        if store is None:
            raise exceptions.NotFound(_("Store not found."))
        return store
