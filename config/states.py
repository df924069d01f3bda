"""The one way a stored status changes (STYLE: "one transition function per state machine").

Every stateful model declares its allowed moves in one table, `TRANSITIONS = {from: {to, …}}`,
and every change of its `status` goes through `transition` (one row) or `bulk_transition`
(a set of rows, for claims and sweeps). Both refuse a move the table does not allow with
409 `invalid_state` (or the caller's code and message) and write one simple_history row per
moved row carrying who acted (`_history_user`) and why (`_change_reason`, e.g.
`operator: alice`, `merchant: bob — rejected`, `job: settle_week`, `rule: …`).

Creating a row with its initial status is not a transition and stays a plain save."""
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api.errors import StateConflict
from config.history import fit_reason, history_insert_select, update_with_history

Message = str | Callable[[Model, str], str] | None


def events_table(events: dict) -> dict:
    """`{from: {to, …}}` from an event table `{event: (sources, to)}`, for machines whose moves
    have names (a refund case is refunded by an agreement, a return or a judgement)."""
    table: dict = {}
    for sources, target in events.values():
        for source in sources:
            table.setdefault(source, set()).add(target)
    return table


def allowed_sources(model: type[Model], to: str) -> set:
    """The statuses the model's table allows to move to `to`."""
    return {source for source, targets in model.TRANSITIONS.items() if to in targets}


def can_move(obj: Model, to: str) -> bool:
    return to in type(obj).TRANSITIONS.get(obj.status, ())


def _refuse(obj: Model, to: str, code: str, message: Message):
    if callable(message):
        message = message(obj, to)
    if message is None:
        to_label = dict(obj._meta.get_field("status").flatchoices).get(to, to)
        message = _("A %(model)s that is %(status)s cannot become %(to)s.") % {
            "model": obj._meta.verbose_name, "status": obj.get_status_display(), "to": to_label}
    raise StateConflict(code, message)


def transition(obj: Model, to: str, *, reason: str, user=None, sources: Iterable | None = None,
               code: str = "invalid_state", message: Message = None, update_fields: list | None = None,
               **fields) -> Model:
    """Move `obj` to `to` if its model's TRANSITIONS allow it from its current status (and, for a
    named event, if the status is one of `sources`); set `fields`, save, and record one history
    row with `reason` and `user`. An illegal move raises StateConflict and saves nothing.

    `update_fields` given: only those, the status and `fields` are saved; otherwise the whole row
    (callers often set other attributes of the same change just before)."""
    if "status" in fields:
        raise TypeError("transition() sets the status itself; pass the target as `to`.")
    if not can_move(obj, to) or (sources is not None and obj.status not in sources):
        _refuse(obj, to, code, message)
    obj.status = to
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._change_reason = fit_reason(type(obj), reason)
    if user is not None and getattr(user, "pk", None):
        obj._history_user = user
    if update_fields is not None:
        update_fields = list(dict.fromkeys([*update_fields, "status", *fields]))
    obj.save(update_fields=update_fields)
    return obj


def bulk_transition(queryset: QuerySet, to: str, *, reason: str, user=None, sources: Iterable | None = None,
                    skip_locked: bool = False, locked: bool = False, **fields) -> list[int]:
    """Move every row of `queryset` whose status the table allows to become `to`, in one UPDATE,
    and write their history rows in one INSERT (simple_history records nothing for
    QuerySet.update). Rows in any other status (or outside `sources`, for a named event) are
    left alone; returns the moved ids.

    The rows are locked first (`skip_locked` for sweeps that run concurrently), so the UPDATE
    moves exactly the rows that get a history row. `locked`: the caller's transaction holds their
    locks already (a sweep's claim), so there is no second locking read; the UPDATE re-checks the
    status and its returned rows are the history rows (the UPDATE and the history INSERT are one
    statement: `config.history.update_with_history`)."""
    if "status" in fields:
        raise TypeError("bulk_transition() sets the status itself; pass the target as `to`.")
    model = queryset.model
    allowed = allowed_sources(model, to) if sources is None else allowed_sources(model, to) & set(sources)
    has_history = getattr(model, "history", None) is not None
    user = user if user is not None and getattr(user, "pk", None) else None
    if locked and has_history:  # one statement: atomic by itself
        return update_with_history(queryset.filter(status__in=allowed).order_by(), {"status": to, **fields},
                                   reason=reason, user=user, at=timezone.now())
    with transaction.atomic():
        ids = list(queryset.filter(status__in=allowed).select_for_update(skip_locked=skip_locked, of=("self",))
                   .order_by("pk").values_list("pk", flat=True))
        if not ids:
            return []
        model._default_manager.filter(pk__in=ids).update(status=to, **fields)
        if has_history:  # one INSERT … SELECT (config/history.py)
            history_insert_select(model, ids, reasons=[reason] * len(ids), at=timezone.now(), user=user)
    return ids
