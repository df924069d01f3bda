"""/api/v1/merchant/ routes of the logistics app."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .week_to_date import StoreWeekToDate

router = SimpleRouter()
router.register("logistics/shipments", views.ShipmentViewSet, basename="logistics-shipment")
router.register("logistics/weekly-results", views.WeeklyResultViewSet, basename="logistics-weekly-result")

urlpatterns = [
    path("logistics/enrollment/", views.EnrollmentView.as_view(), name="logistics-enrollment"),
    path("logistics/enrollment/<int:pk>/cancel/", views.EnrollmentCancel.as_view(),
         name="logistics-enrollment-cancel"),
    path("stores/<int:pk>/logistics-week-to-date/", StoreWeekToDate.as_view(), name="logistics-week-to-date"),
    *router.urls,
]
