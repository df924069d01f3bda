"""API for stores and their catalogue: platform services create stores, categories and
products; merchants read their stores (with credit, wallet and score) and products."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import AwareDateTimeField, IdRelatedField, MoneyField
from config.api.views import PlatformGenericView, errors
from merchants.ledger.selectors import with_wallet_balance
from merchants.stores.payloads import StoreOut

from .models import Category, Product, Store
from .services import category_create, product_create, store_create
from .tenancy import MerchantReadOnlyViewSet

NAME = {"max_length": 100, "allow_blank": False, "trim_whitespace": True}


class StoreCreateIn(serializers.Serializer):
    name = serializers.CharField(**NAME)
    owner_username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    category = IdRelatedField(queryset=Category.objects.all())
    city = serializers.CharField(max_length=50)
    grade = serializers.ChoiceField(choices=Store.Grade.choices, default=Store.Grade.B)
    wallet_upgraded = serializers.BooleanField(default=False)


class StoreCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    owner_token = serializers.CharField(required=False, help_text=_("Only when the owner user was created."))
    optional_in_response = ["owner_token"]  # the schema's `required` lists every other field


class CategoryIn(serializers.Serializer):
    name = serializers.CharField(**NAME)
    parent = IdRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)
    is_fresh = serializers.BooleanField(default=False)
    paylater_excluded = serializers.BooleanField(default=False)


class CategoryOut(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "is_fresh", "paylater_excluded"]


class ProductIn(serializers.Serializer):
    store = IdRelatedField(queryset=Store.objects.all())
    title = serializers.CharField(max_length=200)
    category = IdRelatedField(queryset=Category.objects.all())
    price = MoneyField()


class IdOut(serializers.Serializer):
    id = serializers.IntegerField()


class ProductOut(serializers.ModelSerializer):
    price = MoneyField()
    created_at = AwareDateTimeField()

    class Meta:
        model = Product
        fields = ["id", "store", "title", "category", "price", "listed", "created_at"]


class PlatformStoreCreate(PlatformGenericView):
    serializer_class = StoreCreateIn

    @extend_schema(request=StoreCreateIn, responses={201: StoreCreatedOut, **errors(400, 401, 403)},
                   summary="Create a store (and its owner user, returning the owner's token once)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = store_create(**data.validated_data)
        body = {"id": result.store.pk}
        if result.owner_token:
            body["owner_token"] = result.owner_token
        return Response(body, status=status.HTTP_201_CREATED)


class PlatformCategoryCreate(PlatformGenericView):
    serializer_class = CategoryIn

    @extend_schema(request=CategoryIn, responses={201: CategoryOut, **errors(400, 401, 403)},
                   summary="Create a category")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = category_create(**data.validated_data)
        return Response(CategoryOut(category).data, status=status.HTTP_201_CREATED)


class PlatformProductCreate(PlatformGenericView):
    serializer_class = ProductIn

    @extend_schema(request=ProductIn, responses={201: IdOut, **errors(400, 401, 403)},
                   summary="Create a product")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_create(**data.validated_data)
        return Response({"id": product.pk}, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: StoreOut, **errors(401, 403, 404)})
class MerchantStoreViewSet(MerchantReadOnlyViewSet):
    """The caller's stores with credit and wallet."""

    serializer_class = StoreOut
    store_field = "self"

    def get_queryset(self):
        return with_wallet_balance(self.scope(Store.objects.all()))


class MerchantProductViewSet(MerchantReadOnlyViewSet):
    serializer_class = ProductOut
    queryset = Product.objects.order_by("id")
    filterset_fields = ["store", "category", "listed"]
