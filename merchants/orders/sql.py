"""Hand-written SQL of orders: the exposure rule (`EXPOSURE_Q`, also the partial index
`order_store_exposure`'s condition) rendered once from its one definition."""
import functools

from config.sql import q_as_literal_sql

from .models import EXPOSURE_Q, Order


@functools.cache
def exposure_condition(alias: str) -> str:
    """`EXPOSURE_Q` on the orders table aliased `alias`, its statuses written in as literals, so a
    prepared statement's generic plan still matches `order_store_exposure`."""
    return q_as_literal_sql(Order, EXPOSURE_Q, aliases={Order._meta.db_table: alias})
