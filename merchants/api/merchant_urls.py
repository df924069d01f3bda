from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("stores", views.MerchantStoreViewSet, basename="store")
router.register("ledger-entries", views.LedgerEntryViewSet, basename="ledger-entry")
router.register("violations", views.MerchantViolationViewSet, basename="violation")
router.register("credit-applications", views.MerchantCreditApplicationViewSet, basename="credit-application")

urlpatterns = router.urls
