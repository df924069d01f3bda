"""Hand-written SQL of pay-later: intake's read under the store lock, run as a prepared statement
(decision 0048). The rule's constants are written into the text (from the models' TextChoices and
`EXPOSURE_Q`, never retyped), only the order's own values are parameters, so PostgreSQL's generic
plan keeps the partial index `order_store_exposure` and intake stops planning it on every order."""
import functools

from psycopg.types.numeric import Int8

from config.sql import prepared_rows
from merchants.applications.models import CreditApplication
from merchants.models import Order
from merchants.orders.sql import exposure_condition


@functools.cache
def intake_exposure_statement() -> str:
    """The exposure (the index-only sum of `order_store_exposure`), has_approved (an approved limit
    increase decided by `now`) and activating (an approved one still short of step 2)."""
    approved = f"a.status = '{CreditApplication.Status.APPROVED.value}'"
    return (f'SELECT COALESCE((SELECT SUM(o.amount) FROM "{Order._meta.db_table}" o'
            f" WHERE o.store_id = %(store_id)s AND {exposure_condition('o')}), 0) AS exposure,"
            f' EXISTS(SELECT 1 FROM "{CreditApplication._meta.db_table}" a WHERE a.store_id = %(store_id)s'
            f" AND {approved} AND a.decided_at <= %(now)s) AS has_approved,"
            f' EXISTS(SELECT 1 FROM "{CreditApplication._meta.db_table}" a WHERE a.store_id = %(store_id)s'
            f" AND {approved} AND a.step2_at IS NULL) AS activating")


def intake_exposure_row(*, store_id: int, now) -> dict:
    """One row of the statement above for `store_id` at `now`, prepared on this connection."""
    names, [row] = prepared_rows(intake_exposure_statement(), {"store_id": Int8(store_id), "now": now})
    return dict(zip(names, row, strict=True))
