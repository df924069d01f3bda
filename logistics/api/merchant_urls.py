"""/api/v1/merchant/ routes of the logistics app."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("logistics/shipments", views.ShipmentViewSet, basename="logistics-shipment")
router.register("logistics/weekly-results", views.WeeklyResultViewSet, basename="logistics-weekly-result")

urlpatterns = [
    path("logistics/enrollment/", views.EnrollmentView.as_view(), name="logistics-enrollment"),
    path("logistics/enrollment/<int:pk>/cancel/", views.EnrollmentCancel.as_view(),
         name="logistics-enrollment-cancel"),
    *router.urls,
]
