"""/api/v1/platform/ routes of the paylater app."""
from django.urls import path

from . import views

urlpatterns = [
    path("orders/<int:pk>/receipt/", views.PlatformOrderReceipt.as_view(), name="paylater-order-receipt"),
    path("orders/<int:pk>/consumer-charge/", views.PlatformOrderConsumerCharge.as_view(),
         name="paylater-order-consumer-charge"),
    path("orders/<int:pk>/advance-recovered/", views.PlatformOrderAdvanceRecovered.as_view(),
         name="paylater-order-advance-recovered"),
    path("products/<int:pk>/", views.PlatformProductDetail.as_view(), name="paylater-product-detail"),
]
