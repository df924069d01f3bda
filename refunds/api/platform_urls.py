"""/api/v1/platform/ routes of the refunds app."""
from django.urls import path

from . import evidence, views

urlpatterns = [
    path("refund-cases/", views.PlatformRefundCaseCreate.as_view(), name="refund-case-create"),
    path("refund-cases/<int:pk>/", views.PlatformRefundCaseDetail.as_view(), name="refund-case-detail"),
    path("refund-cases/<int:pk>/cancel/", views.PlatformRefundCaseCancel.as_view(), name="refund-case-cancel"),
    path("refund-cases/<int:pk>/return-shipped/", views.PlatformRefundCaseReturnShipped.as_view(),
         name="refund-case-return-shipped"),
    path("refund-cases/<int:pk>/return-delivered/", views.PlatformRefundCaseReturnDelivered.as_view(),
         name="refund-case-return-delivered"),
    path("refund-cases/<int:pk>/escalate/", views.PlatformRefundCaseEscalate.as_view(), name="refund-case-escalate"),
    path("refund-cases/<int:pk>/evidence/", evidence.PlatformEvidence.as_view(), name="refund-case-evidence"),
    path("refund-cases/<int:pk>/evidence-files/<int:file_id>/", evidence.PlatformEvidenceFile.as_view(),
         name="refund-case-evidence-file"),
    path("negotiations/", views.PlatformNegotiationList.as_view(), name="negotiation-list"),
    path("negotiations/<int:pk>/accept/", views.PlatformNegotiationAnswer.as_view(accept=True),
         name="negotiation-accept"),
    path("negotiations/<int:pk>/reject/", views.PlatformNegotiationAnswer.as_view(accept=False),
         name="negotiation-reject"),
]
