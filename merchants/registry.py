"""What the other apps provide to `merchants`, registered in their `AppConfig.ready()`.

`merchants` imports none of `paylater`, `refunds` and `logistics` (the dependency points the
other way), yet it needs a few things only they know. Each app hands its function over here
at start-up, so the edge is an import a reader and a tool can follow:

- `paylater_orders`: `paylater.services.paylater_order_intake` (by ids), for `POST /platform/orders/`
  with `payment_method=paylater`;
- `credit_metrics`: `refunds.selectors.credit_metrics_sql` and `logistics.selectors.credit_metrics_sql`,
  the rates the platform computes itself for the credit score (ours win over ingested ones), as
  statements the evaluation joins into its own;
- `order_shipped_at`: `logistics.selectors.order_shipped_at`, so refunds know "a shipment on
  record wins over the flag the platform sends";
- `paylater_refused`: `paylater.refusals.refused_amounts`, the amount of refused pay-later orders
  over the last N local days, shown by the credit advisor and the limit-increase pre-assessment;
- `demo_seeders`: each app's `demo.seed`, for `manage.py seed_demo`;
- `cockpit_worklists` / `cockpit_charts`: each app's items and charts on the operators' first
  page (`merchants.cockpit`).
"""
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable


@dataclass
class Hooks:
    paylater_orders: Callable | None = None
    credit_metrics: list[tuple[Callable, tuple[str, ...]]] = field(default_factory=list)
    order_shipped_at: Callable | None = None
    paylater_refused: Callable | None = None
    demo_seeders: list[Callable] = field(default_factory=list)
    cockpit_worklists: list[Callable] = field(default_factory=list)
    cockpit_charts: list[tuple[str, Callable]] = field(default_factory=list)


_hooks = Hooks()


def provide_paylater_orders(fn: Callable) -> None:
    """fn(**order fields) → Order: accepts or refuses a pay-later order (SPEC §2)."""
    _hooks.paylater_orders = fn


def provide_credit_metrics(sql: Callable, *, names: tuple[str, ...]) -> None:
    """`sql(month)` → (SELECT store_id, <one column per name in `names`> …, named parameters): the
    figures an app computes for the credit score, as a statement the evaluation and the risk
    self-check join into theirs (`credit.bulk.metric_inputs_sql`). It restricts itself to the batch
    with `%(store_ids)s::bigint[]` (`config.sql.ids_param`, bound by the caller) and prefixes its
    own parameter names with its app's; a NULL column (or no row) means "no value". Registered
    once per app; `credit.bulk.provider_values` runs one for a set of stores."""
    provider = (sql, tuple(names))
    if provider not in _hooks.credit_metrics:
        _hooks.credit_metrics.append(provider)


def provide_order_shipped_at(fn: Callable) -> None:
    """fn(order_id) → aware datetime the order shipped, or None."""
    _hooks.order_shipped_at = fn


def provide_paylater_refused(fn: Callable) -> None:
    """fn(*, store_ids, days, now=None) → {store_id: refused amount}; a store without any is absent."""
    _hooks.paylater_refused = fn


def paylater_refused_amount(*, store_id: int, days: int = 30, now=None):
    """The amount of the store's refused pay-later orders over the last `days` local days (SPEC §6);
    0 without refusals or without the pay-later app."""
    from config.money import ZERO

    if _hooks.paylater_refused is None:
        return ZERO
    return _hooks.paylater_refused(store_ids=[store_id], days=days, now=now).get(store_id, ZERO)


def provide_demo(fn: Callable) -> None:
    """fn(*, stores, now): idempotent demo data, run by `seed_demo` in INSTALLED_APPS order."""
    if fn not in _hooks.demo_seeders:
        _hooks.demo_seeders.append(fn)


def provide_cockpit(*, worklist: Callable | None = None, charts: list[tuple[str, Callable]] = ()) -> None:
    """worklist() → [cockpit.WorkItem]; charts: [(view permission, build() → cockpit.Chart)]."""
    if worklist and worklist not in _hooks.cockpit_worklists:
        _hooks.cockpit_worklists.append(worklist)
    for chart in charts:
        if chart not in _hooks.cockpit_charts:
            _hooks.cockpit_charts.append(chart)


def paylater_orders() -> Callable | None:
    return _hooks.paylater_orders


def credit_metric_sql_providers() -> list[tuple[Callable, tuple[str, ...]]]:
    """Every registered provider's (sql, names), in registration order."""
    return list(_hooks.credit_metrics)


def order_shipped_at(order_id: int):
    """When the order shipped according to a shipment on record, or None (no provider: None)."""
    return _hooks.order_shipped_at(order_id) if _hooks.order_shipped_at else None


def demo_seeders() -> list[Callable]:
    return list(_hooks.demo_seeders)


def cockpit_worklists() -> list[Callable]:
    return list(_hooks.cockpit_worklists)


def cockpit_charts() -> list[tuple[str, Callable]]:
    return list(_hooks.cockpit_charts)


@contextmanager
def overridden(**hooks):
    """For tests: replace some hooks for the duration of a block."""
    global _hooks
    saved = _hooks
    _hooks = replace(saved, **hooks)
    try:
        yield
    finally:
        _hooks = saved
