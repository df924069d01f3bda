"""SPEC decisions: the grade after a revocation is replayed — the grade before the store's first
in-force violation, with the grade effects of every other confirmed, not revoked violation
applied again in order. A grade an operator set by hand after the revoked violation wins."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from merchants.models import Store, Violation
from merchants.violations.services import violation_confirm, violation_revoke
from tests.factories import StoreFactory, ViolationFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.timezone.utc)
DELAY = Violation.Kind.AFTER_SALES_DELAY  # lowers the grade one step


def at(days):
    return T0 + dt.timedelta(days=days)


def confirm(store, days, kind=DELAY):
    with time_machine.travel(at(days), tick=False):
        return violation_confirm(violation_id=ViolationFactory(store=store, kind=kind).pk)


def revoke(violation, days):
    with time_machine.travel(at(days), tick=False):
        return violation_revoke(violation_id=violation.pk, reason="appeal accepted")


def grade(store):
    return Store.objects.get(pk=store.pk).grade


def regrade_by_hand(store, days, new_grade):
    with time_machine.travel(at(days), tick=False):
        store = Store.objects.get(pk=store.pk)
        store.grade = new_grade
        store._change_reason = "operator: regraded"
        store.save()


@pytest.fixture
def a_store():
    return StoreFactory(base_limit=Decimal("20000.00"), grade=Store.Grade.A)


def test_a_to_b_to_c_revoke_the_second_gives_b_then_revoke_the_first_gives_a(a_store):
    first, second = confirm(a_store, 0), confirm(a_store, 1)
    assert grade(a_store) == "C"
    revoke(second, 2)
    assert grade(a_store) == "B"
    revoke(first, 3)
    assert grade(a_store) == "A"


def test_a_to_b_to_c_revoke_the_first_replays_the_second_from_a_to_b(a_store):
    first, _second = confirm(a_store, 0), confirm(a_store, 1)
    revoke(first, 2)
    assert grade(a_store) == "B"
    assert Violation.objects.get(pk=first.pk).grade_restored is True


def test_set_c_revoked_under_a_later_one_step_lowering_replays_to_b(a_store):
    fake = confirm(a_store, 0, kind=Violation.Kind.FAKE_TRANSACTIONS)  # A → C
    confirm(a_store, 1)  # already C: nothing changed at the time
    revoke(fake, 2)
    assert grade(a_store) == "B"  # from A, one step down


def test_grade_set_by_hand_after_the_revoked_violation_is_left_alone(a_store):
    first = confirm(a_store, 0)  # A → B
    regrade_by_hand(a_store, 1, "A")
    revoke(first, 2)
    assert grade(a_store) == "A"
    assert Violation.objects.get(pk=first.pk).grade_restored is False


def test_hand_grade_after_the_revoked_one_wins_even_with_a_later_violation(a_store):
    first = confirm(a_store, 0)  # A → B
    regrade_by_hand(a_store, 2, "C")
    confirm(a_store, 3)  # C stays C
    revoke(first, 4)
    assert grade(a_store) == "C"
    assert Violation.objects.get(pk=first.pk).grade_restored is False


def test_hand_grade_before_the_revoked_violation_is_where_the_replay_starts(a_store):
    confirm(a_store, 0)  # A → B
    regrade_by_hand(a_store, 1, "A")  # the operator forgave it
    second = confirm(a_store, 2)  # A → B
    revoke(second, 3)
    assert grade(a_store) == "A"


def test_revoking_a_violation_without_grade_effect_leaves_the_grade(a_store):
    confirm(a_store, 0)  # A → B
    fake_shipping = confirm(a_store, 1, kind=Violation.Kind.FAKE_SHIPPING)
    revoke(fake_shipping, 2)
    assert grade(a_store) == "B"
    assert Violation.objects.get(pk=fake_shipping.pk).grade_restored is None
