"""/api/v1/merchant/: each app contributes its routes in its api/merchant_urls.py."""
from django.urls import include, path

urlpatterns = [
    path("", include("merchants.merchant_urls")),
    path("", include("paylater.api.merchant_urls")),
    path("", include("refunds.api.merchant_urls")),
    path("", include("logistics.api.merchant_urls")),
]
