from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from config.models import ApiToken


def _token_kind(request):
    token = getattr(request, "auth", None)
    return token.kind if isinstance(token, ApiToken) else None


class IsMerchant(BasePermission):
    """A merchant user's token (sees only the stores the user belongs to)."""

    message = _("This endpoint is for merchant users.")

    def has_permission(self, request, view):
        return _token_kind(request) == ApiToken.Kind.MERCHANT


class IsPlatform(BasePermission):
    """A platform service client's token (made with `create_platform_client`)."""

    message = _("This endpoint is for platform service clients.")

    def has_permission(self, request, view):
        return _token_kind(request) == ApiToken.Kind.PLATFORM
