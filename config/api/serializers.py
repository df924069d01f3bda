from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers


@extend_schema_field(OpenApiTypes.INT)
class OwnStoreField(serializers.PrimaryKeyRelatedField):
    """A `store` id in a merchant request body: one of the caller's stores, or 404."""

    def get_queryset(self):
        from merchants.selectors import stores_for_user

        return stores_for_user(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        store = self.get_queryset().filter(pk=int(data)).first()
        if store is None:
            raise exceptions.NotFound(_("Store not found."))
        return store
