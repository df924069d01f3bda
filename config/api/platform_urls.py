"""/api/v1/platform/: each app contributes its routes in its api/platform_urls.py."""
from django.urls import include, path

urlpatterns = [
    path("", include("merchants.platform_urls")),
    path("", include("paylater.api.platform_urls")),
    path("", include("refunds.api.platform_urls")),
    path("", include("logistics.api.platform_urls")),
]
