"""A store's grade after a violation is revoked (SPEC decisions: "grade after a revocation is
replayed"): the grade before the store's first in-force violation, with the grade effects of every
other confirmed, not revoked violation applied again in order of confirmation. A grade an operator
set by hand after the revoked violation wins and is left alone.

"By hand" is any change of the store's grade in its history that a violation did not write
(violations write the change reason `violation <id> confirmed|revoked`). A hand change *before*
the revoked violation is the replay's starting point: violations confirmed before it are already
part of the grade the operator chose."""
import re

from merchants.stores.models import Store

from .models import PenaltyRule, Violation

GRADES = [Store.Grade.A, Store.Grade.B, Store.Grade.C]
VIOLATION_REASON = re.compile(r"^violation \d+ (confirmed|revoked)$")
Effect = PenaltyRule.GradeEffect


def lowered(grade: str) -> str:
    return GRADES[min(GRADES.index(grade) + 1, len(GRADES) - 1)]


def grade_with_effect(effect: str, grade: str) -> str:
    if effect == Effect.SET_C:
        return Store.Grade.C
    if effect == Effect.LOWER_ONE:
        return lowered(grade)
    return grade


def grade_effect_of(violation: Violation) -> str:
    """The effect applied at confirmation (recorded then), or the kind's rule for older rows."""
    return (violation.penalty or {}).get("grade_effect") or PenaltyRule.for_kind(violation.kind).grade_effect


def latest_store_history_id(store_id: int) -> int | None:
    return Store.history.filter(id=store_id).order_by("-history_id").values_list("history_id", flat=True).first()


def _mark(violation: Violation) -> int:
    """The store's last history row at the violation's confirmation."""
    penalty = violation.penalty or {}
    mark = penalty.get("store_history_id") or penalty.get("grade_history_id")
    if mark is None:
        mark = (Store.history.filter(id=violation.store_id, history_date__lte=violation.confirmed_at)
                .order_by("-history_id").values_list("history_id", flat=True).first())
    return mark or 0


def _grade_at_confirmation(violation: Violation) -> str:
    penalty = violation.penalty or {}
    if penalty.get("grade_at_confirmation"):
        return penalty["grade_at_confirmation"]
    if violation.grade_before:
        return violation.grade_before
    row = (Store.history.filter(id=violation.store_id, history_id__lte=_mark(violation))
           .order_by("-history_id").values_list("grade", flat=True).first())
    return row or Store.objects.values_list("grade", flat=True).get(pk=violation.store_id)


def hand_grade_changes(store_id: int) -> list[int]:
    """History ids where the store's grade changed and no violation wrote the change."""
    changes, previous = [], None
    rows = (Store.history.filter(id=store_id).order_by("history_id")
            .values_list("history_id", "grade", "history_change_reason"))
    for history_id, grade, reason in rows:
        if previous is not None and grade != previous and not VIOLATION_REASON.match(reason or ""):
            changes.append(history_id)
        previous = grade
    return changes


def replayed_grade(*, store: Store, revoked: Violation) -> str | None:
    """The store's grade once `revoked` no longer counts; None when a hand-set grade after it wins."""
    hand = hand_grade_changes(store.pk)
    revoked_mark = _mark(revoked)
    if any(history_id > revoked_mark for history_id in hand):
        return None
    since = max(hand, default=0)
    others = [v for v in Violation.objects.filter(store_id=store.pk, status=Violation.Status.CONFIRMED)
              .exclude(pk=revoked.pk) if grade_effect_of(v) != Effect.NONE and _mark(v) > since]
    chain = sorted([*others, revoked], key=lambda v: (v.confirmed_at, v.pk))
    grade = _grade_at_confirmation(chain[0])
    for violation in chain:
        if violation.pk != revoked.pk:
            grade = grade_with_effect(grade_effect_of(violation), grade)
    return grade
