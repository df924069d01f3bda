"""API of the credit insight features (SPEC §5): the merchant's credit advisor and the platform's
eco-packaging verification."""
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from config.api.fields import MoneyField, MonthField
from config.api.views import PlatformGenericView, errors
from merchants.stores.models import Store
from merchants.stores.tenancy import MerchantGenericView

from .advisor import credit_advice
from .services import eco_packaging_set


def plain(value: Decimal | None) -> str | None:
    """A Decimal as plain text without trailing zeros (60.0000 → "60", 0.3000 → "0.3")."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class EcoPackagingOut(serializers.Serializer):
    verified = serializers.BooleanField()
    bonus_rate = serializers.DecimalField(max_digits=5, decimal_places=4,
                                          help_text=_("The policy's bonus rate (0.0050 = 0.5%)."))


class SuggestionOut(serializers.Serializer):
    indicator = serializers.CharField()
    dimension = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text=_("Current value; null when missing."))
    target = serializers.CharField(help_text=_("The value that scores 100."))
    score_gain = serializers.DecimalField(max_digits=5, decimal_places=2)
    limit_gain = MoneyField(positive=False, help_text=_("Yuan of base limit reaching the target would add."))


class CreditAdviceOut(serializers.Serializer):
    month = MonthField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    base_limit = MoneyField(positive=False)
    eco_packaging = EcoPackagingOut()
    missing = serializers.ListField(child=serializers.CharField())
    suggestions = SuggestionOut(many=True)
    refused_amount_30d = MoneyField(positive=False, help_text=_(
        "Pay-later orders refused in the last 30 local days (any code): what a higher limit could have taken."))


def advice_data(advice) -> dict:
    return CreditAdviceOut({
        "month": advice.month, "score": advice.score, "base_limit": advice.base_limit,
        "eco_packaging": {"verified": advice.eco_verified, "bonus_rate": advice.bonus_rate},
        "missing": advice.missing,
        "suggestions": [{"indicator": s.indicator, "dimension": s.dimension, "value": plain(s.value),
                         "target": plain(s.target), "score_gain": s.score_gain, "limit_gain": s.limit_gain}
                        for s in advice.suggestions],
        "refused_amount_30d": advice.refused_30d}).data


class MerchantCreditAdvice(MerchantGenericView):
    @extend_schema(responses={200: CreditAdviceOut, **errors(401, 403, 404)},
                   summary="Credit advisor: what raising each indicator would add (SPEC §5)")
    def get(self, request, pk):
        advice = credit_advice(store=self.get_own_store(pk))
        if advice is None:
            raise exceptions.NotFound(_("The store has not been evaluated yet."))
        return Response(advice_data(advice))


class EcoPackagingIn(serializers.Serializer):
    verified = serializers.BooleanField()


class PlatformEcoPackaging(PlatformGenericView):
    serializer_class = EcoPackagingIn
    queryset = Store.objects.all()

    @extend_schema(request=EcoPackagingIn, responses={200: EcoPackagingIn, **errors(400, 401, 403, 404)},
                   summary="Verify (or withdraw) a store's degradable packaging; counts from the next evaluation")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        eco = eco_packaging_set(store=store, verified=data.validated_data["verified"], user=request.user,
                                by=request.user.username)
        return Response({"verified": eco.verified})
