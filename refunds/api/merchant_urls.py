"""/api/v1/merchant/ routes of the refunds app."""
from django.urls import path

from config.api.routers import Router

from . import views

router = Router()
router.register("refund-cases", views.MerchantRefundCaseViewSet, basename="refund-case")

urlpatterns = [
    path("stores/<int:pk>/refund-rules/", views.MerchantRefundRules.as_view(), name="store-refund-rules"),
    path("stores/<int:pk>/refund-metrics/", views.MerchantRefundMetrics.as_view(), name="store-refund-metrics"),
    *router.urls,
]
