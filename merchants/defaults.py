"""Rows whose defaults live in code: one row per policy (every app's `SingletonPolicy`), a penalty
rule per violation kind, the credit-score indicators, the default categories. They are created after `migrate` (and by
the demo seed) so operators find them in the admin to edit. No code depends on them: reading a
policy, a penalty rule or the indicators falls back to the same defaults in memory, because a
read never writes and a test database's flush removes them."""
from django.apps import apps
from django.db import connections

from merchants.credit.models import CreditIndicator
from merchants.credit.services import ensure_default_indicators
from merchants.policy import SingletonPolicy
from merchants.stores.models import Category
from merchants.violations.models import PenaltyRule, Violation

# SPEC §1: categories excluded from pay-later by default; fresh food is also "fresh".
DEFAULT_CATEGORIES = [
    # (name, is_fresh, paylater_excluded)
    ("虚拟服务 Virtual services", False, True),
    ("生鲜 Fresh food", True, True),
    ("鲜花绿植 Flowers & plants", False, True),
    ("医疗 Medical", False, True),
    ("房产 Real estate", False, True),
    ("汽车 Cars", False, True),
    ("内衣 Underwear & intimates", False, True),
]


def create_default_rows(*, using: str = "default", **_signal_kwargs) -> None:
    """Idempotent; a model whose table is not migrated yet (a partial `migrate`) is skipped."""
    tables = set(connections[using].introspection.table_names())
    for model in apps.get_models():
        if issubclass(model, SingletonPolicy) and model._meta.db_table in tables:
            model.objects.using(using).get_or_create(pk=model.PK)
    if PenaltyRule._meta.db_table in tables:
        for kind in Violation.Kind.values:
            PenaltyRule.objects.using(using).get_or_create(kind=kind, defaults=PenaltyRule.DEFAULTS.get(kind, {}))
    if CreditIndicator._meta.db_table in tables:
        ensure_default_indicators(using)
    if Category._meta.db_table in tables and not Category.objects.using(using).exists():
        # the default categories, again after a test database's flush emptied them
        for name, fresh, excluded in DEFAULT_CATEGORIES:
            Category.objects.using(using).get_or_create(
                name=name, parent=None, defaults={"is_fresh": fresh, "paylater_excluded": excluded})
