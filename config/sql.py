"""Hand-written SQL: an ORM condition rendered as a fragment, so a rule defined once as a `Q` is
the same rule in raw SQL and cannot drift from the ORM's version; the one way to bind a batch
of ids (`ids_param`, `of_ids`, `ids_q`); the few hot statements run prepared (`prepared_rows`); JIT
off for batch statements."""
import itertools
import re

from django.db import connection
from django.db.models import BooleanField, Expression, Q
from django.db.models.expressions import RawSQL


def q_as_sql(model, q: Q, *, aliases: dict[str, str], param_prefix: str) -> tuple[str, dict]:
    """`q` on `model` as (SQL condition, named parameters) for a statement using pyformat
    `%(name)s` parameters. `aliases` maps each table the condition reaches (the model's own and
    those of joined relations) to the alias the statement gives it; a table the statement does
    not name raises, rather than producing SQL that silently differs."""
    query = model._default_manager.filter(q).query
    change = {}
    for alias, join in query.alias_map.items():
        if join.table_name not in aliases:
            raise ValueError(f"the condition reaches {join.table_name}, which the statement does not alias")
        change[alias] = aliases[join.table_name]
    query.change_aliases(change)
    compiler = query.get_compiler(connection=connection)
    sql, params = query.where.as_sql(compiler, connection)
    counter = itertools.count()
    names = {}
    pieces = sql.split("%s")
    out = [pieces[0]]
    for piece, value in zip(pieces[1:], params, strict=True):
        name = f"{param_prefix}{next(counter)}"
        names[name] = value
        out.append(f"%({name})s{piece}")
    return "".join(out), names


def ids_param(ids) -> str:
    """THE way to bind a batch of ids in hand-written SQL: one parameter holding the ids as a
    PostgreSQL array literal (`'{1,2,3}'`), written `%(name)s::bigint[]` (or `%s::bigint[]`) in the
    statement — `col = ANY(%(store_ids)s::bigint[])`, `unnest(%(ids)s::bigint[])`, or
    `unnest(%s::bigint[], %s::text[])` beside another array. Why one literal: a list parameter is
    dumped and quoted by psycopg once per placeholder (~6 ms of a 45 ms credit batch naming its
    batch five times), and `IN (…)` with one placeholder per id makes every batch a new statement;
    the cast types it whichever way the driver binds (client- or server-side). For an ORM
    filter, `of_ids`."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def of_ids(model, ids, column: str = "store_id") -> RawSQL:
    """An ORM filter on `model`'s `column` for a batch of ids, bound as `ids_param` binds it
    (`column = ANY(%s::bigint[])`): `Order.objects.filter(of_ids(Order, store_ids))`, or
    `of_ids(Store, ids, "id")`. It names the model's table: for a plain filter of that model,
    not inside a subquery (Django aliases those)."""
    return RawSQL(f'"{model._meta.db_table}"."{column}" = ANY(%s::bigint[])', [ids_param(ids)],
                  output_field=BooleanField())


def ids_q(field: str, ids) -> Q:
    """`field IN ids` for the ORM, bound as `ids_param` binds it, in a form that stays right inside
    a subquery (`IN (SELECT unnest(%s::bigint[]))` names no table, so Django's aliases cannot point
    it at the wrong one): what `bulk_transition` and the refund sweep filter by. An empty batch
    is Django's empty `IN`, answered without a query."""
    ids = list(ids)
    if not ids:
        return Q(**{f"{field}__in": []})
    return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", [ids_param(ids)])})


def no_jit(cursor) -> None:
    """Turn PostgreSQL's JIT off for the rest of the transaction, before a batch statement whose
    estimated cost (a big CTE, rows it misestimates) crosses `jit_above_cost`: compiling its
    expressions took 100–150 ms of a ~25 ms risk batch when it did (EXPLAIN ANALYZE's JIT line), and
    the bare aggregates the benchmarks compare with run without JIT too (decision 0038)."""
    cursor.execute("SET LOCAL jit = off")


class Placeholder(Expression):
    """A named parameter of a hand-written statement (`%(name)s`), given to a rule where it takes a
    value (a time), so that `q_as_literal_sql` leaves it a parameter (Django's documented custom
    expression API: `as_sql`)."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return f"%({self.name})s", []


def q_as_literal_sql(model, q: Q, *, aliases: dict[str, str]) -> str:
    """`q` as a SQL condition with its constants written in as literals (psycopg's documented
    `sql.Literal`), for a statement run prepared: a constant sent as a parameter would leave
    PostgreSQL's generic plan unable to match a partial index whose condition names it. The values
    the statement takes per call are `Placeholder`s in `q` and stay parameters; '%' in a literal is
    doubled for a statement that also takes parameters."""
    from psycopg import sql as pg_sql

    condition, params = q_as_sql(model, q, aliases=aliases, param_prefix="c")
    connection.ensure_connection()
    literals = {name: pg_sql.Literal(value).as_string(connection.connection).replace("%", "%%")
                for name, value in params.items()}
    return re.sub(r"%\((c\d+)\)s", lambda m: literals[m[1]], condition)


def prepared_rows(statement: str, params: dict) -> tuple[list[str], list[tuple]]:
    """Run `statement` as a server-side prepared statement on Django's connection (in its current
    transaction): psycopg's documented `Cursor(connection)` and `execute(..., prepare=True)`. The
    first execution on a connection prepares it; later ones skip parsing, and planning too once
    PostgreSQL settles on a generic plan. Django's own cursors bind on the client and prepare
    nothing; only the statements passed here are prepared. Behind PgBouncer in transaction mode
    this needs PgBouncer 1.21 or later (docs/operations.md). Returns (column names, rows)."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, params, prepare=True)
        return [column.name for column in cursor.description], cursor.fetchall()
