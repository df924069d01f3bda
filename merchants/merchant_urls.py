"""/api/v1/merchant/ routes of the merchants concepts (each view lives in its concept's api.py)."""
from django.urls import path

from config.api.routers import Router
from merchants.applications.api import MerchantCreditApplicationViewSet
from merchants.credit.insight_api import MerchantCreditAdvice
from merchants.ledger.api import LedgerEntryViewSet
from merchants.risk.api import MerchantRiskCheck
from merchants.stores.api import MerchantStoreViewSet
from merchants.violations.api import MerchantViolationViewSet
from merchants.webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = Router()
router.register("stores", MerchantStoreViewSet, basename="store")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("violations", MerchantViolationViewSet, basename="violation")
router.register("credit-applications", MerchantCreditApplicationViewSet, basename="credit-application")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    path("stores/<int:pk>/credit-advice/", MerchantCreditAdvice.as_view(), name="store-credit-advice"),
    path("stores/<int:pk>/risk-checks/", MerchantRiskCheck.as_view(), name="store-risk-checks"),
    *router.urls,
]
