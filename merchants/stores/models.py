"""Stores and their catalogue (SPEC §1): categories (a tree with inherited flags), stores,
products."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.money import ZERO, money_field

CATEGORY_DEPTH = 6  # levels of the category tree; inherited flags are looked up this far


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    is_fresh = models.BooleanField(_("fresh (生鲜)"), default=False)
    paylater_excluded = models.BooleanField(_("excluded from pay-later"), default=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")]

    def __str__(self):
        return self.name

    def depth(self) -> int:
        """1 for a top-level category (counting stops past CATEGORY_DEPTH, so a cycle ends too)."""
        level, node = 1, self.parent
        while node is not None and level <= CATEGORY_DEPTH:
            level, node = level + 1, node.parent
        return level

    def clean(self):
        if self.parent_id and self.depth() > CATEGORY_DEPTH:
            raise ValidationError({"parent": _("Categories nest at most %(depth)s levels deep.")
                                   % {"depth": CATEGORY_DEPTH}})


class Store(models.Model):
    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")

    # Operators suspend and reactivate (merchants.stores.services); see config.states.
    TRANSITIONS = {Status.ACTIVE: {Status.SUSPENDED}, Status.SUSPENDED: {Status.ACTIVE}}

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_stores",
                              verbose_name=_("owner"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_stores",
                                     verbose_name=_("members"))
    main_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="stores",
                                      verbose_name=_("main category"))
    city = models.CharField(_("city"), max_length=50)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.B)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    wallet_upgraded = models.BooleanField(_("wallet upgraded (安心钱包)"), default=False)
    base_limit = money_field(_("base credit limit"), default=ZERO,
                             help_text=_("Set by the monthly credit evaluation."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["base_limit"])

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(base_limit__gte=0), name="store_base_limit_gte_0")]

    def __str__(self):
        return self.name


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="products", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("category"))
    price = money_field(_("price"))
    listed = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_gt_0")]

    def __str__(self):
        return self.title
