"""Base views for platform endpoints and the documented error responses every view uses.
Merchant endpoints scope by tenant: `merchants.stores.tenancy`."""
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from .permissions import IsPlatform

ERROR = inline_serializer("Error", fields={
    "code": serializers.CharField(), "detail": serializers.CharField(),
    "fields": serializers.DictField(required=False)})


def errors(*statuses, **described) -> dict:
    """OpenAPI responses for error statuses, e.g. errors(400, 404, 409=\"codes…\")."""
    out = {int(s): OpenApiResponse(ERROR) for s in statuses}
    for status, text in described.items():
        out[int(status.lstrip("_"))] = OpenApiResponse(ERROR, description=text)
    return out


class PlatformView:
    permission_classes = [IsPlatform]


class PlatformGenericView(PlatformView, GenericAPIView):
    pass
