"""/api/v1/merchant/ routes of the merchants concepts (each view lives in its concept's api.py)."""
from rest_framework.routers import SimpleRouter

from merchants.applications.api import MerchantCreditApplicationViewSet
from merchants.ledger.api import LedgerEntryViewSet
from merchants.stores.api import MerchantStoreViewSet
from merchants.violations.api import MerchantViolationViewSet
from merchants.webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter()
router.register("stores", MerchantStoreViewSet, basename="store")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("violations", MerchantViolationViewSet, basename="violation")
router.register("credit-applications", MerchantCreditApplicationViewSet, basename="credit-application")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
