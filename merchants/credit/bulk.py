"""Set-based writes of the monthly batch jobs (credit evaluation, risk self-check) on PostgreSQL:
one INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT per batch, some columns built by the
statement itself."""
import datetime as dt
import json
from decimal import Decimal

from django.db import connection


def json_upsert(model, rows: list, *, unique: list[str], update_fields: list[str],
                computed: dict | None = None, inputs: dict | None = None) -> None:
    """Upsert model instances on PostgreSQL in one INSERT … SELECT FROM jsonb_to_recordset(one JSON
    parameter) … ON CONFLICT. Why not bulk_create(update_conflicts=True): it sends each column as
    an array literal that psycopg quotes client-side character by character for JSON columns (5 of
    the 10 s 10,000 evaluations took); nor COPY into a temporary table: its creation and the
    truncation at every commit cost more than the rows. Names are attnames (`store_id`); a row is a
    model instance or a dict keyed by attname (the batch jobs skip building instances).

    `computed`: attname → (SQL expression over the record `r`, its parameters), for a column that
    PostgreSQL builds from the row's `inputs` (key → SQL type) rather than Python: the evaluation's
    indicator detail, a JSON object per indicator that costs more to build and encode in Python."""
    computed, inputs = computed or {}, inputs or {}
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    columns = [*unique, *update_fields]
    plain = [c for c in columns if c not in computed]
    names = ", ".join(by_name[c].column for c in columns)
    selected = ", ".join(f"({computed[c][0]})" if c in computed else by_name[c].column for c in columns)
    types = ", ".join([*(f"{by_name[c].column} {by_name[c].db_type(connection)}" for c in plain),
                       *(f"{key} {sql_type}" for key, sql_type in inputs.items())])
    updates = ", ".join(f"{by_name[c].column} = EXCLUDED.{by_name[c].column}" for c in update_fields)
    pairs = [*((c, by_name[c].column) for c in plain), *((key, key) for key in inputs)]
    payload = json.dumps([{column: _json_value(row[c] if isinstance(row, dict) else getattr(row, c))
                           for c, column in pairs} for row in rows], separators=(",", ":"))
    params = [p for c in columns if c in computed for p in computed[c][1]]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({names}) SELECT {selected} "
                       f"FROM jsonb_to_recordset(%s::jsonb) AS r({types}) "
                       f"ON CONFLICT ({', '.join(by_name[c].column for c in unique)}) DO UPDATE SET {updates}",
                       [*params, payload])


def indicator_detail_sql(rows: list) -> tuple[str, list]:
    """The evaluation's `indicators` JSON built by PostgreSQL from three arrays per store (values,
    sources, points, in `rows`' order; `scoring_constants`): {name: {dimension, value, source,
    score}}, the same document `score_values` returns. A JSON null in an array stays null."""
    parts, params = [], []
    for i, (name, dimension, _z, _s, _w) in enumerate(rows):
        parts.append(f"%s::text, jsonb_build_object('dimension', %s::text, 'value', r.iv->>{i}, "
                     f"'source', r.isrc->>{i}, 'score', r.ip->>{i})")
        params += [name, str(dimension)]
    return f"jsonb_build_object({', '.join(parts)})", params


def _json_value(value):
    if isinstance(value, (Decimal, str)):
        return str(value)  # exact decimals; a TextChoices member as its value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
