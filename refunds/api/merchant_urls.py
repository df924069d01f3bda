"""/api/v1/merchant/ routes of the refunds app."""
from django.urls import path

from config.api.routers import Router

from . import evidence, views

router = Router()
router.register("refund-cases", views.MerchantRefundCaseViewSet, basename="refund-case")

urlpatterns = [
    path("stores/<int:pk>/refund-rules/", views.MerchantRefundRules.as_view(), name="store-refund-rules"),
    path("stores/<int:pk>/refund-metrics/", views.MerchantRefundMetrics.as_view(), name="store-refund-metrics"),
    path("refund-cases/<int:pk>/evidence/", evidence.MerchantEvidence.as_view(), name="refund-case-evidence"),
    path("refund-cases/<int:pk>/evidence-files/<int:file_id>/", evidence.MerchantEvidenceFile.as_view(),
         name="refund-case-evidence-file"),
    path("refund-cases/<int:pk>/contest/", evidence.MerchantContest.as_view(), name="refund-case-contest"),
    *router.urls,
]
