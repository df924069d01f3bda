"""History rows for set-based writers, in one statement.

`simple_history`'s `bulk_history_create` builds one Python object per row and compiles an INSERT
with a parameter per column per row: for a sweep moving 500 rows that is most of its time. This
writes the same rows (each as it now is in its table, with its reason, date and type) with one
`INSERT … SELECT`: the cost no longer grows with Python work per row. The history table's copy of
each column is the column itself (excluded fields are left out, as simple_history does)."""
from django.db import connection
from django.utils import timezone
from simple_history.manager import HistoryDescriptor

from config.sql import ids_param


def fit_reason(model, reason: str) -> str:
    """The reason as the model's history table can hold it. Our history reasons are text
    (`SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD`), so it comes back whole; a history
    model with a bounded column (a third-party one) gets it cut with "…" rather than a refused
    write, since PostgreSQL refuses an over-long value and the change itself must not fail."""
    history = getattr(model, "history", None)
    limit = history.model._meta.get_field("history_change_reason").max_length if history is not None else None
    if limit and len(reason) > limit:
        return reason[:limit - 1] + "…"
    return reason


def copied_columns(model) -> list[str]:
    """The model's columns its history table copies (excluded fields are left out)."""
    copied = {f.column for f in model.history.model._meta.concrete_fields}
    return [f.column for f in model._meta.concrete_fields if f.column in copied]


def history_insert_select(model, ids: list[int], *, reasons: list[str], history_type: str = "~", user=None,
                          at=None) -> int:
    """One history row per id of `model` (reasons[i] for ids[i]), as the row now is; returns the
    number written."""
    if not ids:
        return 0
    history = model.history.model
    columns = copied_columns(model)
    table, history_table = model._meta.db_table, history._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f't."{c}"' for c in columns)
    pk = f't."{model._meta.pk.column}"'
    sql = (f'INSERT INTO "{history_table}" ({names}, history_date, history_change_reason, history_type, '
           f'history_user_id) SELECT {values}, %s, v.reason, %s, %s FROM "{table}" t '
           f"JOIN unnest(%s::bigint[], %s::text[]) AS v(id, reason) ON {pk} = v.id ORDER BY {pk}")
    reasons = [fit_reason(model, r) for r in reasons]
    with connection.cursor() as cursor:
        cursor.execute(sql, [at or timezone.now(), history_type, getattr(user, "pk", None), ids_param(ids), reasons])
        return cursor.rowcount


def update_with_history(queryset, values: dict, *, reason: str, user=None, at=None) -> list[int]:
    """PostgreSQL: `queryset.update(**values)` and one history row per updated row (`reason`,
    type "~"), in ONE statement: the history rows are the UPDATE's `RETURNING` rows, as the
    rows now are. The rows are neither read before nor read again after (`history_insert_select`
    finds them again by primary key): for a sweep whose claim already locked them, a batch is
    this statement alone. Returns the updated ids, sorted."""
    from django.core.exceptions import EmptyResultSet
    from django.db.models import sql

    model = queryset.model
    query = queryset.query.chain(sql.UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    compiler = query.get_compiler(queryset.db)
    try:
        compiler.pre_sql_setup()
        update_sql, update_params = compiler.as_sql()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to update
        return []
    if not update_sql:
        return []
    history = model.history.model
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in copied_columns(model))
    pk = quote(model._meta.pk.column)
    reason = fit_reason(model, reason)
    statement = (f"WITH moved AS ({update_sql} RETURNING {quote(model._meta.db_table)}.*) "
                 f"INSERT INTO {quote(history._meta.db_table)} ({names}, history_date, history_change_reason, "
                 f"history_type, history_user_id) SELECT {names}, %s, %s, %s, %s FROM moved ORDER BY {pk} "
                 f"RETURNING {pk}")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*update_params, at or timezone.now(), reason, "~", getattr(user, "pk", None)])
        return sorted(row[0] for row in cursor.fetchall())


# --- the `history` descriptor, built once ----------------------------------------
# django-simple-history's `Model.history` descriptor, minus one waste: on every access it built
# a new manager class (`HistoryManager.from_queryset(HistoricalQuerySet)`, which walks the queryset
# class with `inspect.getmembers`), and every history row written reads it once — a twentieth of a
# pay-later order's Python time (bench/README.md, "the floor ladder"). The class is the same every
# time: it is built once per descriptor, and each access still returns a new manager for the
# model or instance, as before.


class CachedHistoryDescriptor(HistoryDescriptor):
    _manager = None

    def __get__(self, instance, owner):
        if self._manager is None:
            self._manager = self.manager_class.from_queryset(self.queryset_class)
        return self._manager(self.model, instance)


def cache_history_managers(models) -> int:
    """Swap every model's history descriptor for the caching one; how many were swapped."""
    swapped = 0
    for model in models:
        for name, value in list(vars(model).items()):
            if type(value) is HistoryDescriptor:
                setattr(model, name, CachedHistoryDescriptor(value.model, manager=value.manager_class,
                                                             queryset=value.queryset_class))
                swapped += 1
    return swapped
