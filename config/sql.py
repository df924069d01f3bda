"""Hand-written SQL: an ORM condition rendered as a fragment, so a rule defined once as a `Q` is
the same rule in raw SQL and cannot drift from the ORM's version; the one way to bind a batch
of ids (`ids_param`, `of_ids`); the prepared cursor the hot statements of every request and
order run on; JIT off for batch statements."""
import itertools

from django.db import connection
from django.db.models import BooleanField, Q
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


def prepared_cursor(using: str = "default"):
    """A cursor whose statements run as server-side prepared statements on PostgreSQL: parsed and
    planned once per connection, then only bound and executed (decision 0043). For the few
    statements every API request or every pay-later order runs, written once with `%s`
    parameters; psycopg binds them on the server, typed. Django's own cursors bind client-side
    (a new statement text every time, parsed and planned every time) and are left as they are.
    Elsewhere (SQLite), or with DB_PREPARED_STATEMENTS=0, Django's ordinary cursor. Either way
    the cursor is Django's wrapper, so query logging and test capture see every statement."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()  # as connection.cursor() does
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        return connection.cursor()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


_PREPARED_CLASS = []


def _prepared_cursor_class():
    if not _PREPARED_CLASS:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True, binary=binary)

            def _maybe_prepare_gen(self, pgq, *, prepare=None, binary=None):
                # psycopg records the statement (what Django's query log and the tests' capture
                # read) only when it sends it unprepared: record it either way ($1… placeholders).
                self._query = pgq
                return super()._maybe_prepare_gen(pgq, prepare=prepare, binary=binary)

        _PREPARED_CLASS.append(PreparedCursor)
    return _PREPARED_CLASS[0]


def no_jit(cursor) -> None:
    """Turn PostgreSQL's JIT off for the rest of the transaction, before a batch statement whose
    estimated cost (a big CTE, rows it misestimates) crosses `jit_above_cost`: compiling its
    expressions took 100–150 ms of a ~25 ms risk batch when it did (EXPLAIN ANALYZE's JIT line), and
    the bare aggregates the benchmarks compare with run without JIT too (decision 0038)."""
    cursor.execute("SET LOCAL jit = off")
