"""/api/v1/platform/ routes of the merchants concepts (each view lives in its concept's api.py)."""
from django.urls import path

from merchants.credit.api import PlatformStoreMetrics
from merchants.credit.insight_api import PlatformEcoPackaging
from merchants.ledger.api import PlatformWalletTopup
from merchants.orders.api import PlatformOrderCreate
from merchants.stores.api import PlatformCategoryCreate, PlatformProductCreate, PlatformStoreCreate

urlpatterns = [
    path("stores/", PlatformStoreCreate.as_view(), name="store-create"),
    path("stores/<int:pk>/metrics/", PlatformStoreMetrics.as_view(), name="store-metrics"),
    path("stores/<int:pk>/eco-packaging/", PlatformEcoPackaging.as_view(), name="store-eco-packaging"),
    path("stores/<int:pk>/wallet-topups/", PlatformWalletTopup.as_view(), name="store-wallet-topup"),
    path("categories/", PlatformCategoryCreate.as_view(), name="category-create"),
    path("products/", PlatformProductCreate.as_view(), name="product-create"),
    path("orders/", PlatformOrderCreate.as_view(), name="order-create"),
]
