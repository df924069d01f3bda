"""Base views: who may call, and the one tenant-scoping mechanism for merchant endpoints."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.generics import GenericAPIView

from merchants.selectors import store_ids_for_user

from .permissions import IsMerchant, IsPlatform

ERROR = inline_serializer("Error", fields={
    "code": serializers.CharField(), "detail": serializers.CharField(),
    "fields": serializers.DictField(required=False)})


def errors(*statuses, **described) -> dict:
    """OpenAPI responses for error statuses, e.g. errors(400, 404, 409=\"codes…\")."""
    out = {int(s): OpenApiResponse(ERROR) for s in statuses}
    for status, text in described.items():
        out[int(status.lstrip("_"))] = OpenApiResponse(ERROR, description=text)
    return out


class MerchantScoped:
    """Every merchant endpoint filters its queryset to the caller's stores, so another store's
    object is simply not found (404, never 403). `store_field` is the path to the store."""

    permission_classes = [IsMerchant]
    store_field = "store"

    def merchant_store_ids(self):
        if not hasattr(self.request, "_merchant_store_ids"):
            self.request._merchant_store_ids = store_ids_for_user(self.request.user)
        return self.request._merchant_store_ids

    def scope(self, queryset):
        lookup = "pk__in" if self.store_field == "self" else f"{self.store_field}__in"
        return queryset.filter(**{lookup: self.merchant_store_ids()})

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def get_own_store(self, store_id):
        """A store of the caller's by id, or 404."""
        from merchants.models import Store

        try:
            store_id = int(store_id)
        except (TypeError, ValueError):
            raise exceptions.NotFound(_("Store not found."))
        if store_id not in self.merchant_store_ids():
            raise exceptions.NotFound(_("Store not found."))
        return Store.objects.get(pk=store_id)


class PlatformView:
    permission_classes = [IsPlatform]


class MerchantReadOnlyViewSet(MerchantScoped, viewsets.ReadOnlyModelViewSet):
    pass


class MerchantGenericView(MerchantScoped, GenericAPIView):
    pass


class PlatformGenericView(PlatformView, GenericAPIView):
    pass
