"""Merchant API for signed webhooks (API.md "Merchant clients — insight and integrations"):
endpoints with a secret shown once, secret rotation, a test ping, deliveries and replay."""
import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.response import Response

from config.api.fields import AwareDateTimeField
from config.api.views import errors
from merchants.stores.tenancy import MerchantReadOnlyViewSet, MerchantScoped, OwnStoreField

from .addresses import UrlNotAllowed, check_scheme
from .models import EventType, WebhookDelivery, WebhookEndpoint
from .services import (
    SUBSCRIBABLE,
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_ping,
    endpoint_rotate_secret,
    endpoint_update,
    url_not_allowed,
)
from .tasks import deliver_soon

# Lazy, so that the schema shows it in each request's language.
EVENTS_HELP = lazy(lambda: _("Event types to receive: %(types)s.") % {"types": ", ".join(SUBSCRIBABLE)}, str)()


@extend_schema_field({"type": "string", "enum": SUBSCRIBABLE})
class EventTypeName(serializers.CharField):
    """One subscribable event type. The schema lists them (every EventType but `ping`); an unknown one
    is refused by the service with `unknown_event_type`, as API.md says, not by this field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)  # '' is an unknown type too: the service's refusal
        super().__init__(**kwargs)


class EndpointUrlField(serializers.URLField):
    """A URL whose scheme is not http(s) (`javascript:`, `file:`, `ftp:`) is refused as
    `url_not_allowed` (API.md), not as a malformed URL."""

    def run_validation(self, data=empty):
        if isinstance(data, str):
            try:
                check_scheme(data)
            except UrlNotAllowed as exc:
                raise url_not_allowed(exc)
        return super().run_validation(data)


class EndpointIn(serializers.Serializer):
    store = OwnStoreField()
    url = EndpointUrlField(max_length=500, help_text=_("http(s) URL that receives POSTed events."))
    events = serializers.ListField(child=EventTypeName(), allow_empty=False,
                                   max_length=len(SUBSCRIBABLE), help_text=EVENTS_HELP)


class EndpointPatchIn(serializers.Serializer):
    url = EndpointUrlField(max_length=500, required=False)
    events = serializers.ListField(child=EventTypeName(), allow_empty=False, required=False,
                                   max_length=len(SUBSCRIBABLE), help_text=EVENTS_HELP)
    enabled = serializers.BooleanField(required=False)


class EndpointOut(serializers.ModelSerializer):
    events = serializers.ListField(child=EventTypeName())
    created_at = AwareDateTimeField()

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "store", "url", "events", "enabled", "created_at"]


class EndpointCreatedOut(EndpointOut):
    secret = serializers.CharField(help_text=_("Shown only in this response: store it to verify signatures."))

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]


class SecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text=_("The new secret, shown once; the previous one keeps signing "
                                               "for 24 hours."))


class DeliveryEventOut(serializers.Serializer):
    id = serializers.CharField(source="event_id", help_text=_("The `webhook-id` header of every delivery of it."))
    type = serializers.ChoiceField(choices=EventType.choices)
    created_at = AwareDateTimeField()


class DeliveryOut(serializers.ModelSerializer):
    event = DeliveryEventOut()
    next_attempt_at = AwareDateTimeField(allow_null=True)
    delivered_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at",
                  "delivered_at", "created_at", "replay_of"]


class DeliveryFilter(django_filters.FilterSet):
    event_type = django_filters.ChoiceFilter(field_name="event__type", choices=EventType.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


@extend_schema_view(
    list=extend_schema(responses={200: EndpointOut(many=True), **errors(401, 403)}),
    retrieve=extend_schema(responses={200: EndpointOut, **errors(401, 403, 404)}),
    destroy=extend_schema(responses={204: None, **errors(401, 403, 404)}))
class WebhookEndpointViewSet(MerchantScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your stores' webhook endpoints (the secret is never shown again after creation)."""

    queryset = WebhookEndpoint.objects.order_by("id")
    serializer_class = EndpointOut
    filterset_fields = ["store", "enabled"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(request=EndpointIn, responses={201: EndpointCreatedOut, **errors(
        401, 403, 404, _400="invalid input, url_not_allowed, unknown_event_type")},
        summary="Register an endpoint (the secret is in this response only)")
    def create(self, request):
        data = EndpointIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        endpoint = endpoint_create(**data.validated_data, user=request.user)
        return Response(EndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointPatchIn, responses={200: EndpointOut, **errors(
        401, 403, 404, _400="invalid input, url_not_allowed, unknown_event_type")},
        summary="Change an endpoint's URL, event types or enabled flag")
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = EndpointPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoint_update(endpoint=endpoint, user=request.user, **data.validated_data)
        return Response(EndpointOut(endpoint).data)

    def perform_destroy(self, instance):
        endpoint_delete(endpoint=instance)

    @extend_schema(request=None, responses={200: SecretOut, **errors(401, 403, 404)},
                   summary="Rotate the signing secret (the previous one keeps signing for 24 hours)")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = endpoint_rotate_secret(endpoint_id=self.get_object().pk, user=request.user)
        return Response({"secret": endpoint.secret})

    @extend_schema(request=None, responses={202: DeliveryOut, **errors(401, 403, 404)},
                   summary="Send a `ping` event to this endpoint")
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, pk=None):
        delivery = endpoint_ping(endpoint=self.get_object())
        deliver_soon()
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(responses={200: DeliveryOut(many=True), **errors(400, 401, 403)}),
    retrieve=extend_schema(responses={200: DeliveryOut, **errors(401, 403, 404)}))
class WebhookDeliveryViewSet(MerchantReadOnlyViewSet):
    """Deliveries to your endpoints, newest first, with their attempts count and last answer."""

    queryset = WebhookDelivery.objects.select_related("event").order_by("-created_at", "-id")
    serializer_class = DeliveryOut
    store_field = "endpoint__store"
    filterset_class = DeliveryFilter

    @extend_schema(request=None, responses={202: DeliveryOut, **errors(401, 403, 404)},
                   summary="Deliver the same event again (same webhook-id)")
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = delivery_replay(delivery=self.get_object())
        deliver_soon()
        return Response(DeliveryOut(delivery).data, status=status.HTTP_202_ACCEPTED)
