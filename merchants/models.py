"""Django loads an app's models from here; each concept keeps its own in its folder."""
from merchants.applications.models import CreditApplication, CreditApplicationPolicy, Holiday
from merchants.credit.models import (
           CreditEvaluation,
           CreditIndicator,
           CreditScorePolicy,
           Dimension,
           EcoPackaging,
           StoreMetrics,
)
from merchants.ledger.models import LedgerEntry
from merchants.orders.models import Order
from merchants.risk.models import RiskCheck, RiskPolicy, StoreRisk
from merchants.stores.models import Category, Product, Store
from merchants.violations.models import Appeal, AppealPolicy, PenaltyRule, Sanction, Violation
from merchants.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = ["Category", "CreditApplication", "CreditApplicationPolicy", "CreditEvaluation", "CreditIndicator",
           "CreditScorePolicy", "Dimension", "Holiday", "LedgerEntry", "Order", "PenaltyRule", "Product",
           "Sanction", "Store", "StoreMetrics", "Violation", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
           "WebhookEvent", "Appeal", "AppealPolicy", "EcoPackaging", "RiskCheck", "RiskPolicy", "StoreRisk"]
