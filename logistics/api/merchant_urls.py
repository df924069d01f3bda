"""/api/v1/merchant/ routes of the logistics app."""
from django.urls import path

from config.api.routers import Router

from . import views
from .week_to_date import StoreWeekToDate

router = Router()
router.register("logistics/shipments", views.ShipmentViewSet, basename="logistics-shipment")
router.register("logistics/weekly-results", views.WeeklyResultViewSet, basename="logistics-weekly-result")

urlpatterns = [
    path("logistics/enrollment/", views.EnrollmentView.as_view(), name="logistics-enrollment"),
    path("logistics/enrollment/<int:pk>/cancel/", views.EnrollmentCancel.as_view(),
         name="logistics-enrollment-cancel"),
    path("stores/<int:pk>/logistics-week-to-date/", StoreWeekToDate.as_view(), name="logistics-week-to-date"),
    *router.urls,
]
