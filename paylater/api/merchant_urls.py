"""/api/v1/merchant/ routes of the paylater app (and the merchant product list, which carries
pay-later eligibility)."""
from django.urls import path

from config.api.routers import Router

from . import views

router = Router()
router.register("products", views.EligibleProductViewSet, basename="product")
router.register("paylater/activities", views.ActivityViewSet, basename="paylater-activity")
router.register("paylater/activity-items", views.ActivityItemViewSet, basename="paylater-activity-item")
router.register("paylater/orders", views.PaylaterOrderViewSet, basename="paylater-order")
router.register("paylater/fee-statements", views.FeeStatementViewSet, basename="paylater-fee-statement")

urlpatterns = [
    path("paylater/enrollment/", views.EnrollmentView.as_view(), name="paylater-enrollment"),
    path("stores/<int:pk>/paylater-refusals/", views.MerchantRefusalSummary.as_view(), name="store-paylater-refusals"),
    path("stores/<int:pk>/paylater-refusals/list/", views.MerchantRefusalList.as_view(),
         name="store-paylater-refusal-list"),
    *router.urls,
]
