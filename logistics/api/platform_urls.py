"""/api/v1/platform/ routes of the logistics app."""
from django.urls import path

from . import views

urlpatterns = [
    path("stores/<int:pk>/logistics-setup/", views.PlatformLogisticsSetup.as_view(), name="logistics-setup"),
    path("shipments/<int:pk>/pickup/", views.PlatformShipmentPickup.as_view(), name="shipment-pickup"),
    path("pickups/", views.PlatformPickupByTracking.as_view(), name="shipment-pickup-by-tracking"),
]
