"""Refund endpoints: platform (the buyer's side, pushed by the buyer app's back end) and
merchant (the store's decisions). Each state change is its own POST action calling a service."""
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from config import timeutil
from config.api.views import PlatformGenericView, PlatformView, errors
from merchants.stores.tenancy import MerchantGenericView, MerchantReadOnlyViewSet

from .. import selectors, services
from ..models import Negotiation, RefundCase, RefundRules
from ..returns import refund_case_return_delivered, refund_case_set_return_address
from ..services import Actor
from . import serializers as s

CASE_QS = RefundCase.objects.select_related("negotiation", "contest")


def _case_out(case_id):
    return Response(s.RefundCaseOut(CASE_QS.get(pk=case_id)).data)


# --- platform (buyer side) ---------------------------------------------------------------------
class PlatformRefundCaseCreate(PlatformGenericView):
    serializer_class = s.RefundCaseOpenIn

    @extend_schema(request=s.RefundCaseOpenIn, responses={
        201: s.RefundCaseOut, **errors(401, 403, _400="invalid, amount_above_refundable, case_already_open, "
                                                   "opened_before_payment, timestamp_in_future")},
        summary="Open a refund case for a buyer's request (automation rules may agree it at once)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.refund_case_open(**data.validated_data)
        return Response(s.RefundCaseOut(CASE_QS.get(pk=case.pk)).data, status=status.HTTP_201_CREATED)


class PlatformRefundCaseDetail(PlatformGenericView):
    queryset = CASE_QS
    serializer_class = s.RefundCaseOut

    @extend_schema(responses={200: s.RefundCaseOut, **errors(401, 403, 404)},
                   summary="A refund case with its negotiation, as the buyer app shows it")
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


class PlatformCaseAction(PlatformGenericView):
    queryset = RefundCase.objects.all()
    serializer_class = None

    def buyer(self, pk):
        case = self.get_object()
        return case, Actor.buyer(case.buyer_id, self.request.user)


class PlatformRefundCaseCancel(PlatformCaseAction):
    @extend_schema(request=None, responses={200: s.RefundCaseOut, **errors(401, 403, 404, _409="invalid_state")},
                   summary="The buyer withdraws a pending case")
    def post(self, request, pk):
        case, actor = self.buyer(pk)
        services.refund_case_cancel(case_id=case.pk, actor=actor)
        return _case_out(case.pk)


class PlatformRefundCaseReturnShipped(PlatformCaseAction):
    serializer_class = s.ReturnShippedIn

    @extend_schema(request=s.ReturnShippedIn,
                   responses={200: s.RefundCaseOut, **errors(400, 401, 403, 404, _409="invalid_state")},
                   summary="The buyer shipped the return back")
    def post(self, request, pk):
        case, actor = self.buyer(pk)
        data = s.ReturnShippedIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.refund_case_return_shipped(case_id=case.pk, actor=actor, **data.validated_data)
        return _case_out(case.pk)


class PlatformRefundCaseReturnDelivered(PlatformCaseAction):
    serializer_class = s.ReturnDeliveredIn

    @extend_schema(request=s.ReturnDeliveredIn, responses={200: s.RefundCaseOut, **errors(
        401, 403, 404, _400="invalid, timestamp_in_future, delivered_before_shipped, delivered_after_receipt",
        _409="invalid_state")},
        summary="Logistics tracking: the return parcel reached the merchant (ends the transit stage)")
    def post(self, request, pk):
        case = self.get_object()
        data = s.ReturnDeliveredIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_case_return_delivered(case_id=case.pk, actor=Actor.logistics(request.user), **data.validated_data)
        return _case_out(case.pk)


class PlatformRefundCaseEscalate(PlatformCaseAction):
    @extend_schema(request=None, responses={200: s.RefundCaseOut, **errors(401, 403, 404, _409="invalid_state")},
                   summary="The buyer escalates a rejected case to the platform")
    def post(self, request, pk):
        case, actor = self.buyer(pk)
        services.refund_case_escalate(case_id=case.pk, actor=actor)
        return _case_out(case.pk)


class PlatformNegotiationList(PlatformView, ListAPIView):
    serializer_class = s.BuyerNegotiationOut
    filter_backends = []

    def get_queryset(self):
        query = s.NegotiationQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = Negotiation.objects.select_related("case__contest").order_by("-proposed_at", "-id")
        if query.validated_data.get("buyer_id"):
            qs = qs.filter(case__buyer_id=query.validated_data["buyer_id"])
        if query.validated_data.get("status"):
            qs = qs.filter(status=query.validated_data["status"])
        return qs

    @extend_schema(parameters=[s.NegotiationQuery], responses={200: s.BuyerNegotiationOut(many=True),
                                                              **errors(400, 401, 403)},
                   summary="Negotiations (open ones with ?status=open) for the buyer app")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PlatformNegotiationAnswer(PlatformGenericView):
    queryset = Negotiation.objects.select_related("case")
    serializer_class = None
    accept = True

    @extend_schema(request=None, responses={200: s.RefundCaseOut, **errors(401, 403, 404,
                                                                           _409="negotiation_closed")},
                   summary="The buyer's answer to a negotiation; returns the case")
    def post(self, request, pk):
        negotiation = self.get_object()
        actor = Actor.buyer(negotiation.case.buyer_id, request.user)
        answer = services.negotiation_accept if self.accept else services.negotiation_reject
        answer(negotiation_id=negotiation.pk, actor=actor)
        return _case_out(negotiation.case_id)


# --- merchant ----------------------------------------------------------------------------------
class MerchantRefundCaseViewSet(MerchantReadOnlyViewSet):
    """A store's refund cases and the merchant's decisions on them."""

    queryset = CASE_QS  # the serializer shows store and order as ids (store_id, order_id): no joins
    serializer_class = s.RefundCaseOut
    filter_backends = []

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            query = s.CaseListQuery(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            for name in ("status", "store"):
                if query.validated_data.get(name):
                    qs = qs.filter(**{name: query.validated_data[name]})
        return qs

    @extend_schema(parameters=[s.CaseListQuery], responses={200: s.RefundCaseOut(many=True), **errors(400, 401)},
                   summary="Own refund cases, each with its negotiation (or null) and merchant deadline")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.RefundCaseOut, **errors(401, 404)}, summary="One refund case")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def _act(self, fn, **kwargs):
        case = self.get_object()
        fn(case_id=case.pk, actor=Actor.merchant(self.request.user), store_ids=self.merchant_store_ids(), **kwargs)
        return _case_out(case.pk)

    @extend_schema(request=s.AgreeIn, responses={200: s.RefundCaseOut, **errors(
        401, 404, _400="invalid, return_address_required", _409="case_not_pending")},
        summary="Agree to the request (an open negotiation is revoked)")
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        data = s.AgreeIn(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.refund_case_agree, **data.validated_data)

    @extend_schema(request=s.RejectIn, responses={200: s.RefundCaseOut, **errors(
        401, 404, _400="invalid", _409="case_not_pending")},
        summary="Reject the request with a reason (an open negotiation is revoked)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = s.RejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.refund_case_reject, **data.validated_data)

    @extend_schema(request=s.NegotiateIn, responses={201: s.NegotiationOut, **errors(
        401, 404, _400="invalid, negotiation_used, fresh_category, amount_above_request, return_address_required, "
                       "proposal_unchanged", _409="case_not_pending")},
        summary="Propose the one negotiation of this case to the buyer")
    @action(detail=True, methods=["post"])
    def negotiate(self, request, pk=None):
        case = self.get_object()
        data = s.NegotiateIn(data=request.data)
        data.is_valid(raise_exception=True)
        negotiation = services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(request.user),
                                                   store_ids=self.merchant_store_ids(), **data.validated_data)
        return Response(s.NegotiationOut(negotiation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.RefundCaseOut, **errors(401, 404, _409="invalid_state")},
                   summary="Confirm the returned parcel arrived (the 48-hour refund clock starts)")
    @action(detail=True, methods=["post"], url_path="return-received")
    def return_received(self, request, pk=None):
        return self._act(services.refund_case_return_received)

    @extend_schema(request=None, responses={200: s.RefundCaseOut, **errors(400, 401, 404, _409="invalid_state")},
                   summary="Refund a received return")
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        return self._act(services.refund_case_refund)

    @extend_schema(request=s.ReturnAddressIn, responses={200: s.RefundCaseOut, **errors(
        401, 404, _400="invalid, return_address_required", _409="case_not_awaiting_address")},
        summary="Give the return address of a return agreed without one (the buyer's ship-back window starts)")
    @action(detail=True, methods=["post"], url_path="return-address")
    def return_address(self, request, pk=None):
        data = s.ReturnAddressIn(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(refund_case_set_return_address, **data.validated_data)


class MerchantRefundRules(MerchantGenericView):
    serializer_class = s.RefundRulesSerializer
    queryset = RefundRules.objects.all()

    def _rules(self, pk):
        store = self.get_own_store(pk)
        return store, RefundRules.objects.filter(store=store).first() or RefundRules(store=store)

    @extend_schema(responses={200: s.RefundRulesSerializer, **errors(401, 404)},
                   summary="A store's refund automation rules")
    def get(self, request, pk):
        _store, rules = self._rules(pk)
        return Response(s.RefundRulesSerializer(rules).data)

    @extend_schema(request=s.RefundRulesSerializer, responses={200: s.RefundRulesSerializer, **errors(
        401, 404, _400="invalid, return_address_required")}, summary="Switch a store's refund automation rules")
    def patch(self, request, pk):
        store, rules = self._rules(pk)
        data = s.RefundRulesSerializer(rules, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rules = services.refund_rules_update(store=store, actor=Actor.merchant(request.user), **data.validated_data)
        return Response(s.RefundRulesSerializer(rules).data)


class MerchantRefundMetrics(MerchantGenericView):
    serializer_class = s.RefundMetricsOut
    queryset = RefundCase.objects.none()

    @extend_schema(parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD local; default today")],
                   responses={200: s.RefundMetricsOut, **errors(400, 401, 404)},
                   summary="The store's refund KPIs over the 30 local days ending on as_of")
    def get(self, request, pk):
        store = self.get_own_store(pk)
        query = s.MetricsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timeutil.local_date(timezone.now())
        kpis = selectors.store_refund_kpis(store_ids=[store.pk], as_of=as_of)[store.pk]
        return Response(s.RefundMetricsOut({"store": store.pk, **kpis}).data)
