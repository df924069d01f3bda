"""Violations and penalties (违规, SPEC §1): confirm applies the penalty policy, dismiss
applies nothing, revoke reverses everything confirming applied. `violation_open` is the
service other apps' detectors call.

One transition table and one transition function; every change is a history row with who
and why."""
import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states, timeutil
from config.api.errors import DomainError, StateConflict
from config.history import history_insert_select
from config.language import platform_text
from config.money import money
from merchants import events
from merchants.credit.selectors import store_credit
from merchants.ledger.models import LedgerEntry
from merchants.ledger.services import ledger_post
from merchants.stores.models import Store
from merchants.webhooks.models import EventType

from .grades import grade_effect_of, grade_with_effect, latest_store_history_id, replayed_grade
from .models import Appeal, PenaltyRule, Sanction, Violation

S = Violation.Status


def _transition(violation: Violation, target: str, *, user=None, reason: str) -> None:
    """The one place a violation's status changes (Violation.TRANSITIONS): refuses illegal moves,
    records who/why."""
    states.transition(violation, target, reason=reason, user=user,
                      message=lambda v, to: _("A %(status)s violation cannot become %(target)s.")
                      % {"status": v.get_status_display(), "target": S(to).label})


def violation_open(*, store: Store, kind: str, occurred_at, detected_by: str, reference: str = "",
                   detail: str = "", dedup_key: str | None = None, user=None,
                   reason: str = "") -> tuple[Violation, bool]:
    """Open a pending violation for operators to review. Detectors pass a `dedup_key` so that
    running them again never opens a second violation for the same finding. An operator's
    path (the spreadsheet import) passes `user` and `reason` so the history row names who and
    from where."""
    if dedup_key:
        existing = Violation.objects.filter(dedup_key=dedup_key).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            violation = Violation(store=store, kind=kind, occurred_at=occurred_at, detected_by=detected_by,
                                  reference=reference, detail=detail, dedup_key=dedup_key)
            violation._change_reason = states.fit_reason(Violation, reason or f"opened by {detected_by}")
            if user is not None and getattr(user, "pk", None):
                violation._history_user = user
            violation.save()
            events.violation(violation, EventType.VIOLATION_OPENED)
            return violation, True
    except IntegrityError:
        if dedup_key:
            return Violation.objects.get(dedup_key=dedup_key), False
        raise



def violation_open_many(*, findings: list[dict]) -> list[Violation]:
    """The set-based sibling of `violation_open` for sweeps: each finding is a dict of its
    arguments with `store_id` instead of `store` and a `dedup_key` (required: it is what makes
    a rerun open nothing). Keys already open are skipped; the rest are inserted in one statement
    with their history rows ("opened by …") in one and their `violation.opened` events in a
    fixed number; returns the violations opened now. Should another writer insert one of the
    keys meanwhile, the unique key refuses the batch and each finding goes through
    `violation_open` instead, so none is ever opened twice."""
    by_key = {finding["dedup_key"]: finding for finding in findings}
    if None in by_key or "" in by_key:
        raise ValueError("violation_open_many needs a dedup_key on every finding")
    existing = set(Violation.objects.filter(dedup_key__in=list(by_key)).values_list("dedup_key", flat=True))
    new = [Violation(**finding) for key, finding in by_key.items() if key not in existing]
    if not new:
        return []
    try:
        with transaction.atomic():
            created = Violation.objects.bulk_create(new)
    except IntegrityError:
        opened = []
        for violation in new:
            fields = {f: getattr(violation, f) for f in ("kind", "occurred_at", "detected_by", "reference",
                                                         "detail", "dedup_key")}
            one, was_new = violation_open(store=Store(pk=violation.store_id), **fields)
            if was_new:
                opened.append(one)
        return opened
    history_insert_select(Violation, [v.pk for v in created], history_type="+",
                          reasons=[f"opened by {v.detected_by}" for v in created])
    events.violations(created, EventType.VIOLATION_OPENED)
    return created


def _lock(violation_id: int) -> Violation:
    return Violation.objects.select_for_update().get(pk=violation_id)


def _add_months(at, months: int):
    """Calendar months in the platform time zone (6 months from 31 Aug ends 28/29 Feb)."""
    return timeutil.local(at) + relativedelta(months=months)


@transaction.atomic
def violation_confirm(*, violation_id: int, user=None, at=None, note: str = "") -> Violation:
    """Apply the penalty for the violation's kind (policy at confirmation): fine = rate ×
    effective limit now (a ledger debit, idempotent), sanctions running from now (overlaps end
    at the latest end because "in force" takes the max), grade change."""
    at = at or timezone.now()
    violation = _lock(violation_id)
    if not states.can_move(violation, S.CONFIRMED):
        raise StateConflict("invalid_state", _("Only a violation pending review can be confirmed."))
    store = Store.objects.select_for_update().get(pk=violation.store_id)
    rule = PenaltyRule.for_kind(violation.kind)
    limit = store_credit(store=store, at=at).effective_limit
    fine = money(limit * rule.fine_rate)
    violation.confirmed_at = violation.decided_at = at
    violation.decision_note = note
    violation.limit_at_confirmation = limit
    violation.fine_amount = fine
    sanctions = []
    if rule.freeze_days:
        sanctions.append((Sanction.Kind.CREDIT_FREEZE, at + dt.timedelta(days=rule.freeze_days)))
    if rule.raise_ban_months:
        sanctions.append((Sanction.Kind.RAISE_BAN, _add_months(at, rule.raise_ban_months)))
    if rule.paylater_suspension_months:
        sanctions.append((Sanction.Kind.PAYLATER_SUSPENSION, _add_months(at, rule.paylater_suspension_months)))
    Sanction.objects.bulk_create([Sanction(store=store, violation=violation, kind=kind, starts_at=at, ends_at=end)
                                  for kind, end in sanctions])
    grade_at_confirmation = store.grade
    new_grade = grade_with_effect(rule.grade_effect, store.grade)
    if new_grade != store.grade:
        violation.grade_before, violation.grade_after, violation.grade_changed_at = store.grade, new_grade, at
        store.grade = new_grade
        store._change_reason = f"violation {violation.pk} confirmed"
        if user is not None:
            store._history_user = user
        store.save(update_fields=["grade"])
        grade_history_id = Store.history.filter(id=store.pk).order_by("-history_id").values_list(
            "history_id", flat=True).first()
    else:
        grade_history_id = None
    violation.penalty = {
        "fine_rate": str(rule.fine_rate), "fine": f"{fine:.2f}", "effective_limit": f"{limit:.2f}",
        "credit_frozen_until": _iso(dict(sanctions).get(Sanction.Kind.CREDIT_FREEZE)),
        "raise_banned_until": _iso(dict(sanctions).get(Sanction.Kind.RAISE_BAN)),
        "paylater_suspended_until": _iso(dict(sanctions).get(Sanction.Kind.PAYLATER_SUSPENSION)),
        "grade_before": violation.grade_before or None, "grade_after": violation.grade_after or None,
        "no_logistics_incentive_that_week": rule.forfeits_logistics_incentive,
        "grade_history_id": grade_history_id,
        # what a later revocation replays (merchants/violations/grades.py)
        "grade_effect": rule.grade_effect, "grade_at_confirmation": grade_at_confirmation,
        "store_history_id": latest_store_history_id(store.pk),
    }
    if fine > 0:
        ledger_post(store=store, kind=LedgerEntry.Kind.FINE, amount=-fine, at=at, user=user,
                    idempotency_key=f"violation:{violation.pk}:fine", reference=f"violation:{violation.pk}",
                    memo=platform_text(Violation.Kind(violation.kind).label))
    _transition(violation, S.CONFIRMED, user=user, reason=f"confirmed{': ' + note if note else ''}")
    events.violation(violation, EventType.VIOLATION_CONFIRMED)
    if Sanction.Kind.CREDIT_FREEZE in dict(sanctions):
        events.credit_limits_changed([store.pk])  # frozen: nothing available until it ends
    return violation


def _iso(value):
    return timeutil.local(value).isoformat() if value else None


@transaction.atomic
def violation_dismiss(*, violation_id: int, user=None, at=None, note: str = "") -> Violation:
    """Dismissing applies nothing."""
    violation = _lock(violation_id)
    violation.decided_at = at or timezone.now()
    violation.decision_note = note
    _transition(violation, S.DISMISSED, user=user, reason=f"dismissed{': ' + note if note else ''}")
    return violation


@transaction.atomic
def violation_revoke(*, violation_id: int, reason: str, user=None, at=None) -> Violation:
    """Reverse everything confirming applied: a `fine_reversal` credit, sanctions revoked, the
    grade replayed without this violation (unless set by hand after it, see grades.py). History
    stays complete."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Revoking a violation needs a reason."),
                          fields={"reason": [str(_("This field is required."))]})
    at = at or timezone.now()
    violation = _lock(violation_id)
    if not states.can_move(violation, S.REVOKED):
        raise StateConflict("invalid_state", _("Only a confirmed violation can be revoked."))
    store = Store.objects.select_for_update().get(pk=violation.store_id)
    if violation.fine_amount and violation.fine_amount > 0:
        ledger_post(store=store, kind=LedgerEntry.Kind.FINE_REVERSAL, amount=violation.fine_amount, at=at, user=user,
                    idempotency_key=f"violation:{violation.pk}:fine_reversal",
                    reference=f"violation:{violation.pk}", memo=reason[:300])
    for sanction in violation.sanctions.filter(revoked_at__isnull=True):
        sanction.revoked_at = at
        sanction.save(update_fields=["revoked_at"])
    if grade_effect_of(violation) != PenaltyRule.GradeEffect.NONE:
        grade = replayed_grade(store=store, revoked=violation)
        violation.grade_restored = grade is not None
        if grade is not None and grade != store.grade:
            store.grade = grade
            store._change_reason = f"violation {violation.pk} revoked"
            if user is not None:
                store._history_user = user
            store.save(update_fields=["grade"])
    violation.revoked_at = at
    violation.revoke_reason = reason
    _transition(violation, S.REVOKED, user=user, reason=f"revoked: {reason}")
    _close_pending_appeal(violation, reason=reason, user=user, at=at)
    events.violation(violation, EventType.VIOLATION_REVOKED)
    if violation.sanctions.filter(kind=Sanction.Kind.CREDIT_FREEZE).exists():
        events.credit_limits_changed([store.pk])  # the freeze is lifted
    return violation


def _close_pending_appeal(violation: Violation, *, reason: str, user, at) -> None:
    """A violation revoked while its appeal waits (by an operator, not through the appeal) gives
    the merchant what the appeal asked: the appeal is decided `overturned` with the revocation's
    reason as its note, so it leaves the operators' worklist and the merchant sees the outcome. (Overturning
    an appeal decides it before revoking, so it is no longer pending here.)"""
    appeal = Appeal.objects.select_for_update().filter(violation=violation, status=Appeal.Status.PENDING).first()
    if appeal is None:
        return
    appeal.decided_at = at
    appeal.decision_note = reason  # the operator's words, as for a decision on the appeal itself
    states.transition(appeal, Appeal.Status.OVERTURNED, user=user, reason=f"violation revoked: {reason}")


def penalty_preview(violation: Violation) -> dict:
    """What confirming would apply now (shown to the operator before confirming)."""
    rule = PenaltyRule.for_kind(violation.kind)
    limit = store_credit(store=violation.store).effective_limit
    return {"fine": money(limit * rule.fine_rate), "freeze_days": rule.freeze_days,
            "raise_ban_months": rule.raise_ban_months,
            "paylater_suspension_months": rule.paylater_suspension_months,
            "grade_effect": rule.get_grade_effect_display()}

