"""The one transition helper (config.states): one table per stateful model, 409 on an illegal
move with nothing saved, one history row per move carrying who and why — for one row and in bulk."""
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config import states
from config.api.errors import StateConflict
from merchants.models import Store, Violation
from tests.factories import StoreFactory, UserFactory, ViolationFactory

pytestmark = pytest.mark.django_db

S = Violation.Status


# Models whose `status` is a computed classification, not a state that moves: listed with why.
COMPUTED = {"RiskCheck": "a month's risk self-check result (ok/warning/breach), replaced whole on a re-check"}


def stateful_models():
    return [m for m in apps.get_models()
            if not m.__name__.startswith("Historical") and not m._meta.proxy and m.__name__ not in COMPUTED
            and any(f.name == "status" for f in m._meta.concrete_fields)]


def test_every_model_with_a_status_has_one_transition_table_over_its_choices():
    models = stateful_models()
    assert len(models) >= 12
    for model in models:
        table = model.__dict__.get("TRANSITIONS")
        assert isinstance(table, dict), f"{model.__name__} has no TRANSITIONS table of its own"
        assert hasattr(model, "history"), f"{model.__name__} records no history of its moves"
        choices = {value for value, _label in model._meta.get_field("status").choices}
        moves = {s for s in table} | {t for targets in table.values() for t in targets}
        assert moves <= choices, f"{model.__name__}.TRANSITIONS names unknown statuses {moves - choices}"


def test_illegal_move_is_refused_with_409_and_saves_nothing():
    violation = ViolationFactory()
    Violation.objects.filter(pk=violation.pk).update(status=S.DISMISSED)  # set up a terminal row
    violation.refresh_from_db()
    rows_before = violation.history.count()

    with pytest.raises(StateConflict) as refused:
        states.transition(violation, S.CONFIRMED, reason="operator: alice", decision_note="should not stick")

    assert refused.value.status == 409 and refused.value.code == "invalid_state"
    violation.refresh_from_db()
    assert violation.status == S.DISMISSED and violation.decision_note == ""
    assert violation.history.count() == rows_before


def test_illegal_move_keeps_the_callers_code_and_message():
    store = StoreFactory()
    with pytest.raises(StateConflict) as refused:
        states.transition(store, Store.Status.ACTIVE, reason="x", code="store_active", message="Already active.")
    assert (refused.value.code, refused.value.detail) == ("store_active", "Already active.")


def test_a_named_event_is_refused_outside_its_sources_even_if_the_table_allows_the_target():
    store = StoreFactory()
    with pytest.raises(StateConflict):
        states.transition(store, Store.Status.SUSPENDED, sources={Store.Status.SUSPENDED}, reason="x")
    store.refresh_from_db()
    assert store.status == Store.Status.ACTIVE


def test_legal_move_writes_one_history_row_with_user_and_reason():
    user = UserFactory(username="alice")
    violation = ViolationFactory()
    rows_before = violation.history.count()

    states.transition(violation, S.CONFIRMED, reason="operator: alice — confirmed", user=user,
                      decision_note="seen it")

    violation.refresh_from_db()
    assert violation.status == S.CONFIRMED and violation.decision_note == "seen it"
    assert violation.history.count() == rows_before + 1
    row = violation.history.first()
    assert (row.status, row.history_user, row.history_change_reason) == (S.CONFIRMED, user,
                                                                         "operator: alice — confirmed")


def test_the_status_cannot_be_smuggled_in_as_a_field():
    violation = ViolationFactory()
    with pytest.raises(TypeError):
        states.transition(violation, S.CONFIRMED, reason="x", status=S.REVOKED)


def three_pending_one_confirmed():
    """Three violations a bulk dismissal may move and a confirmed one it may not; the job's user,
    the ids and each one's history count before."""
    user = UserFactory(username="job-runner")
    pending = ViolationFactory.create_batch(3)
    confirmed = ViolationFactory()
    Violation.objects.filter(pk=confirmed.pk).update(status=S.CONFIRMED)
    before = {v.pk: v.history.count() for v in [*pending, confirmed]}
    return user, pending, confirmed, [v.pk for v in [*pending, confirmed]], before


def test_bulk_form_moves_only_allowed_sources_and_writes_one_history_row_per_moved_row():
    user, pending, confirmed, ids, before = three_pending_one_confirmed()

    moved = states.bulk_transition(Violation.objects.filter(pk__in=ids), S.DISMISSED, reason="job: tidy",
                                   user=user, decision_note="bulk")

    assert sorted(moved) == sorted(v.pk for v in pending)
    assert set(Violation.objects.filter(pk__in=moved).values_list("status", "decision_note")) == {(S.DISMISSED,
                                                                                                    "bulk")}
    assert_dismissed_once_with_history(pending, confirmed, before, user)


def assert_dismissed_once_with_history(pending, confirmed, before, user):
    """The pending violations moved once, each with one history row saying who and why; the
    confirmed one (not an allowed source) untouched."""
    confirmed.refresh_from_db()
    assert confirmed.status == S.CONFIRMED and confirmed.history.count() == before[confirmed.pk]
    for violation in pending:
        assert violation.history.count() == before[violation.pk] + 1
        row = violation.history.first()
        assert (row.status, row.decision_note, row.history_user, row.history_change_reason, row.history_type) \
            == (S.DISMISSED, "bulk", user, "job: tidy", "~")


def test_bulk_form_on_rows_the_caller_locked_moves_only_allowed_sources_with_their_history():
    """A sweep's claim has locked its rows: no second locking read; the UPDATE and the history
    INSERT are one statement, whose history rows are exactly the moved rows."""
    user, pending, confirmed, ids, before = three_pending_one_confirmed()

    with transaction.atomic():
        list(Violation.objects.select_for_update().filter(pk__in=ids))  # the caller's claim
        with CaptureQueriesContext(connection) as queries:
            moved = states.bulk_transition(Violation.objects.filter(pk__in=ids), S.DISMISSED, reason="job: tidy",
                                           user=user, locked=True, decision_note="bulk")

    assert moved == sorted(v.pk for v in pending)
    assert len(queries) == 1
    assert_dismissed_once_with_history(pending, confirmed, before, user)
    assert states.bulk_transition(Violation.objects.filter(pk__in=[]), S.DISMISSED, reason="x", locked=True) == []


def test_bulk_form_costs_the_same_statements_for_one_row_or_twenty():
    def cost(n):
        ids = [v.pk for v in ViolationFactory.create_batch(n)]
        with CaptureQueriesContext(connection) as queries:
            assert len(states.bulk_transition(Violation.objects.filter(pk__in=ids), S.DISMISSED,
                                              reason="job: tidy")) == n
        return len(queries)

    assert cost(1) == cost(20)


def test_bulk_form_with_nothing_to_move_changes_nothing():
    violation = ViolationFactory()
    Violation.objects.filter(pk=violation.pk).update(status=S.REVOKED)
    assert states.bulk_transition(Violation.objects.filter(pk=violation.pk), S.DISMISSED, reason="x") == []
    violation.refresh_from_db()
    assert violation.status == S.REVOKED


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_sweeps_move_each_row_once_with_one_history_row(threads):
    ids = [v.pk for v in ViolationFactory.create_batch(30)]

    def sweep(i):
        return states.bulk_transition(Violation.objects.filter(pk__in=ids), S.DISMISSED, reason=f"job: sweep {i}",
                                      skip_locked=i % 2 == 0)

    results = threads(sweep, 6)
    moved = [pk for r in results for pk in r]
    assert sorted(moved) == sorted(ids), results
    assert set(Violation.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.DISMISSED}
    dismissed_rows = Violation.history.filter(id__in=ids, status=S.DISMISSED)
    assert dismissed_rows.count() == 30


def test_an_operator_reason_of_any_length_is_kept_whole_in_the_history():
    violation = ViolationFactory()
    reason = "operator: alice — " + "duplicate report " * 100  # 1,718 characters; the admin allows 2,000
    states.transition(violation, S.DISMISSED, reason=reason)
    row = violation.history.first()
    assert (row.status, row.history_change_reason) == (S.DISMISSED, reason)


def test_a_bulk_reason_of_any_length_is_kept_whole_in_the_history():
    violations = [ViolationFactory(), ViolationFactory()]
    reason = "job: sweep — " + "long reason " * 50
    states.bulk_transition(Violation.objects.filter(pk__in=[v.pk for v in violations]), S.DISMISSED, reason=reason)
    assert set(Violation.history.filter(id__in=[v.pk for v in violations], status=S.DISMISSED)
               .values_list("history_change_reason", flat=True)) == {reason}


def test_history_managers_are_built_from_one_class_per_model_and_still_scope_to_their_row():
    from simple_history.manager import HistoryDescriptor

    from config.history import CachedHistoryDescriptor

    recorded = [m for m in apps.get_models() if isinstance(m.__dict__.get("history"), HistoryDescriptor)]
    assert len(recorded) >= 12
    assert all(type(m.__dict__["history"]) is CachedHistoryDescriptor for m in recorded)
    first, second = ViolationFactory(), ViolationFactory()
    assert type(first.history) is type(second.history) is type(Violation.history)
    states.transition(first, S.CONFIRMED, reason="checked", user=UserFactory())
    assert first.history.count() == second.history.count() + 1
    assert Violation.history.filter(id=first.pk).first().history_change_reason == "checked"
