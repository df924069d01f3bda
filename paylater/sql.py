"""Hand-written SQL of pay-later: intake's two reads, run as prepared statements (decision 0048),
and a limit refusal's two notice statements (at the end).
The rules' constants are written into the text (from the models' TextChoices and the rules' `Q`s,
rendered by config.sql.q_as_literal_sql, never retyped), only the order's own values are
parameters, so PostgreSQL's generic plan keeps the partial index `order_store_exposure` and intake
stops planning both statements on every order (their planning cost more than their execution).

Acceptance reads everything it checks in TWO statements (issue 16, docs/paylater.md): the store row
lock with the facts no lock protects, then, once the lock is held, the facts the lock serialises. A
new statement takes a new snapshot, so the second one sees every order the previous lock holder
committed; a subquery of the locking SELECT would read the older snapshot, taken before it waited,
and over-commit the limit."""
import functools

from django.db import connection
from django.db.models import DateField, DateTimeField, Q
from psycopg.types.numeric import Int8

from config import timeutil
from config.money import money
from config.sql import Placeholder, prepared_rows, q_as_literal_sql
from merchants.applications.models import CreditApplication
from merchants.models import Order, Product, Sanction, Store
from merchants.orders.sql import exposure_condition
from merchants.violations.selectors import in_force_q

from .models import Activity, ActivityItem, Enrollment, FeeRate, LimitLowNotice, PaylaterPolicy, Refusal
from .selectors import fee_rate_covers_q, item_active_q


def _table(model) -> str:
    return f'"{model._meta.db_table}"'


@functools.cache
def intake_lock_statement() -> str:
    """The store row FOR UPDATE with: product_store_id, enrolled, suspended_until, frozen_until,
    product_active (at paid_at), fee_rate (the dated rate covering the local day of paid_at:
    `fee_rate_for`'s rule), min_score and standard_rate (the saved policy row, if any)."""
    columns = ", ".join(f's."{field.column}"' for field in Store._meta.concrete_fields)
    now, paid_at = Placeholder("now", DateTimeField()), Placeholder("paid_at", DateTimeField())
    enrolled = q_as_literal_sql(Enrollment, Q(status=Enrollment.Status.ACTIVE), aliases={"paylater_enrollment": "e"})
    in_force = q_as_literal_sql(Sanction, in_force_q(now), aliases={"merchants_sanction": "x"})
    active = q_as_literal_sql(ActivityItem, item_active_q(paid_at),
                              aliases={"paylater_activityitem": "i", "paylater_activity": "a"})
    covers = q_as_literal_sql(FeeRate, fee_rate_covers_q(Placeholder("day", DateField())),
                              aliases={"paylater_feerate": "r"})

    def until(kind):
        return (f"(SELECT MAX(x.ends_at) FROM {_table(Sanction)} x WHERE x.store_id = s.id"
                f" AND x.kind = '{kind.value}' AND {in_force})")

    policy = f"FROM {_table(PaylaterPolicy)} WHERE id = {int(PaylaterPolicy.PK)}"
    return (f"SELECT {columns},"
            f" (SELECT p.store_id FROM {_table(Product)} p WHERE p.id = %(product_id)s) AS product_store_id,"
            f" EXISTS(SELECT 1 FROM {_table(Enrollment)} e WHERE e.store_id = s.id AND {enrolled}) AS enrolled,"
            f" {until(Sanction.Kind.PAYLATER_SUSPENSION)} AS suspended_until,"
            f" {until(Sanction.Kind.CREDIT_FREEZE)} AS frozen_until,"
            f" EXISTS(SELECT 1 FROM {_table(ActivityItem)} i JOIN {_table(Activity)} a"
            f" ON a.id = i.activity_id WHERE i.product_id = %(product_id)s AND {active}) AS product_active,"
            f" (SELECT r.rate FROM {_table(FeeRate)} r WHERE {covers}"
            f" ORDER BY r.starts_on DESC NULLS LAST, r.id DESC LIMIT 1) AS fee_rate,"  # fee_rate_for's order
            f" (SELECT min_buyer_credit_score {policy}) AS min_score,"
            f" (SELECT standard_fee_rate {policy}) AS standard_rate"
            f" FROM {_table(Store)} s WHERE s.id = %(store_id)s FOR UPDATE OF s")


def intake_lock_store(*, store_id: int, product_id: int, paid_at, now) -> Store:
    """The store, locked FOR UPDATE, annotated with the facts above (product_store_id None: no
    such product; fee_rate None: no dated rate covers paid_at; min_score / standard_rate None: no
    saved policy row). Raises Store.DoesNotExist."""
    names, rows = prepared_rows(intake_lock_statement(), {
        "store_id": Int8(store_id), "product_id": Int8(product_id), "paid_at": paid_at, "now": now,
        "day": timeutil.local_date(paid_at)})
    if not rows:
        raise Store.DoesNotExist(f"store {store_id}")
    fields = Store._meta.concrete_fields
    store = Store.from_db(connection.alias, [field.attname for field in fields], rows[0][:len(fields)])
    for name, value in zip(names[len(fields):], rows[0][len(fields):], strict=True):
        setattr(store, name, value)
    return store


@functools.cache
def intake_exposure_statement() -> str:
    """The exposure (the index-only sum of `order_store_exposure`), has_approved (an approved limit
    increase decided by `now`) and activating (an approved one still short of step 2)."""
    approved = f"a.status = '{CreditApplication.Status.APPROVED.value}'"
    return (f"SELECT COALESCE((SELECT SUM(o.amount) FROM {_table(Order)} o"
            f" WHERE o.store_id = %(store_id)s AND {exposure_condition('o')}), 0) AS exposure,"
            f" EXISTS(SELECT 1 FROM {_table(CreditApplication)} a WHERE a.store_id = %(store_id)s"
            f" AND {approved} AND a.decided_at <= %(now)s) AS has_approved,"
            f" EXISTS(SELECT 1 FROM {_table(CreditApplication)} a WHERE a.store_id = %(store_id)s"
            f" AND {approved} AND a.step2_at IS NULL) AS activating")


def intake_exposure(*, store_id: int, now) -> dict:
    """Read under the store lock, in one statement: exposure (the index-only sum, see
    merchants.orders.models), has_approved (only then are raised limits read) and activating (one
    still short of step 2: only then is it refreshed)."""
    names, [row] = prepared_rows(intake_exposure_statement(), {"store_id": Int8(store_id), "now": now})
    facts = dict(zip(names, row, strict=True))
    return {**facts, "exposure": money(facts["exposure"])}


# --- refusals (paylater.refusals): the two statements of a limit refusal's notice ---------------
def limit_notice_due(*, store_id: int, code: str, since, at, refusals: int) -> bool:
    """At least `refusals` refusals of `code` at the store in [since, at], and no `credit_limit.low`
    sent to it on the local day of `at` yet: one read, which a refusal pays once the day's notice
    is sent. An ORM form (a counting Subquery and Exists) did no better in `make bench`: intake
    with refusals 91% and 94% of accepted-only, against 91–105% for this statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {_table(Refusal)} WHERE store_id = %s AND code = %s"
            f"        AND at >= %s AND at <= %s) >= %s"
            f" AND NOT EXISTS (SELECT 1 FROM {_table(LimitLowNotice)} WHERE store_id = %s AND day = %s)",
            [store_id, code, since, at, refusals, store_id, timeutil.local_date(at)])
        return cursor.fetchone()[0]


def limit_notice_claim(*, store_id: int, trigger: str, at) -> bool:
    """The day's `credit_limit.low` notice row for the store (local day of `at`); False when one
    exists: its unique (store, day) decides between concurrent intakes, without an error."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_table(LimitLowNotice)} (store_id, day, trigger, at) VALUES (%s, %s, %s, %s)"
                       " ON CONFLICT (store_id, day) DO NOTHING RETURNING id",
                       [store_id, timeutil.local_date(at), trigger, at])
        return cursor.fetchone() is not None

