from django.urls import path

from . import views

urlpatterns = [
    path("stores/", views.PlatformStoreCreate.as_view(), name="store-create"),
    path("stores/<int:pk>/metrics/", views.PlatformStoreMetrics.as_view(), name="store-metrics"),
    path("stores/<int:pk>/wallet-topups/", views.PlatformWalletTopup.as_view(), name="store-wallet-topup"),
    path("categories/", views.PlatformCategoryCreate.as_view(), name="category-create"),
    path("products/", views.PlatformProductCreate.as_view(), name="product-create"),
    path("orders/", views.PlatformOrderCreate.as_view(), name="order-create"),
]
