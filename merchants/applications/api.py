"""API for limit-increase applications (提额申请): merchants apply and follow them."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from config.api.fields import MoneyField
from config.api.views import errors
from merchants.applications.payloads import CreditApplicationOut
from merchants.stores.tenancy import MerchantReadOnlyViewSet, OwnStoreField

from .models import CreditApplication
from .selectors import with_activation_volume
from .services import application_submit


class CreditApplicationIn(serializers.Serializer):
    store = OwnStoreField()
    requested_limit = MoneyField(max_digits=12)
    business_license_no = serializers.RegexField(
        r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$", max_length=18,
        help_text=_("Unified social credit code (18) or old registration number (15), upper case."),
        error_messages={"invalid": _("Must be 15 or 18 digits/capital letters.")})
    legal_rep_id_no = serializers.RegexField(
        r"^\d{17}[\dX]$|^\d{15}$", max_length=18, help_text=_("Resident ID number (18, last may be X)."),
        error_messages={"invalid": _("Must be an 18-digit ID number (last may be X).")})
    bank_account = serializers.RegexField(r"^\d{8,30}$", max_length=30, min_length=8,
                                          error_messages={"invalid": _("Digits only, 8–30 of them.")})

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("legal_rep_id_no"), str):
            data = {**data, "legal_rep_id_no": data["legal_rep_id_no"].upper()}
        return super().to_internal_value(data)


class MerchantCreditApplicationViewSet(mixins.CreateModelMixin, MerchantReadOnlyViewSet):
    """Limit-increase applications (提额申请) of the caller's stores; numbers shown masked."""

    serializer_class = CreditApplicationOut
    queryset = CreditApplication.objects.order_by("-submitted_at", "-id")
    filterset_fields = ["store", "status"]

    def get_queryset(self):
        return with_activation_volume(super().get_queryset())

    def get_serializer_class(self):
        return CreditApplicationIn if self.action == "create" else CreditApplicationOut

    @extend_schema(request=CreditApplicationIn, responses={201: CreditApplicationOut, **errors(
        401, 403, 404, _400="invalid input, or a refusal: annual_application_limit, dsr_below_threshold, "
                            "raise_banned, application_pending, store_suspended, "
                            "requested_limit_not_above_current")},
        summary="Apply for a higher pay-later limit")
    def create(self, request, *args, **kwargs):
        data = CreditApplicationIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        app = application_submit(**data.validated_data, user=request.user)
        return Response(CreditApplicationOut(app).data, status=status.HTTP_201_CREATED)
