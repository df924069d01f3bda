"""Limit-increase applications (提额申请, SPEC §1): submission with its refusal rules,
pre-assessment, review deadline, approve/reject, and the two-step activation.

Refusal rules are checked while the store row is locked (SELECT … FOR UPDATE), so two
submissions at the same moment are serialised: the second sees the first (pending, and
counted in the year). A partial unique index (one pending application per store) backs the
pending rule in the database as well."""
import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states, timeutil
from config.api.errors import DomainError, StateConflict
from config.language import platform_text
from config.money import ZERO, money, yuan
from merchants import events
from merchants.credit.models import CreditEvaluation, StoreMetrics
from merchants.credit.selectors import store_credit
from merchants.credit.services import base_limit_for, floor_to_100, order_sales
from merchants.registry import paylater_refused_amount
from merchants.stores.models import Store
from merchants.violations.models import Sanction
from merchants.violations.selectors import sanction_until

from .models import CreditApplication, CreditApplicationPolicy
from .selectors import volume_crossed_at
from .workdays import add_working_days

log = logging.getLogger(__name__)
A = CreditApplication.Status


def _transition(app: CreditApplication, target: str, *, user=None, reason: str) -> None:
    """The one place an application's status changes (CreditApplication.TRANSITIONS); refuses
    illegal moves, records who/why."""
    states.transition(app, target, reason=reason, user=user,
                      message=lambda app, _to: _("This application was already decided (%(status)s).")
                      % {"status": app.get_status_display()})


def closed_months(at: dt.datetime, n: int) -> list[dt.date]:
    """The last n closed local months before `at`, newest first."""
    months = [timeutil.previous_month(at)]
    while len(months) < n:
        months.append(timeutil.previous_month(timeutil.local_midnight(months[-1])))
    return months


def operating_data(*, store: Store, months: list[dt.date]) -> list[dict]:
    """The application's "last 3 months of operating data", from what we hold: the evaluation
    of the month if any, else the ingested metrics, else sales from orders."""
    evaluations = {e.month: e for e in CreditEvaluation.objects.filter(store=store, month__in=months)}
    metrics = {m.month: m for m in StoreMetrics.objects.filter(store=store, month__in=months)}
    rows = []
    for month in months:
        ev, m = evaluations.get(month), metrics.get(month)
        if ev is not None:
            sales = ev.monthly_sales
        elif m is not None and m.monthly_sales is not None:
            sales = m.monthly_sales
        else:
            sales = order_sales([store.pk], month).get(store.pk, ZERO)
        rows.append({"month": f"{month:%Y-%m}", "monthly_sales": f"{sales:.2f}",
                     "dsr_score": None if m is None or m.dsr_score is None else str(m.dsr_score),
                     "score": None if ev is None else str(ev.score)})
    return rows


def dsr_below_in_every_month(rows: list[dict], threshold: Decimal) -> bool:
    """DSR below the threshold in each month; a month with no DSR does not count as below."""
    return bool(rows) and all(r["dsr_score"] is not None and Decimal(r["dsr_score"]) < threshold for r in rows)


def pre_assess(*, store: Store, requested: Decimal, effective: Decimal, rows: list[dict],
               policy: CreditApplicationPolicy) -> tuple[str, Decimal, str]:
    """Recommendation and suggested limit for the reviewer.

    ceiling = factor × average monthly sales of the 3 months × (3 + 2·S/100), rounded down to
    100 yuan, S the latest evaluation's score; suggested = min(requested, ceiling).
    Recommend approval when S reaches the policy minimum and the ceiling is above the current
    effective limit."""
    latest = CreditEvaluation.objects.filter(store=store).order_by("-month").first()
    score = latest.score if latest else Decimal(0)
    average = sum(Decimal(r["monthly_sales"]) for r in rows) / max(len(rows), 1)
    ceiling = floor_to_100(base_limit_for(sales=average, score=score) * policy.pre_assessment_factor)
    # Read by the reviewer whoever submitted it: written in the platform's language, money in ¥.
    notes = [platform_text(_("S=%(score)s (latest evaluation %(month)s)"), score=score, month=f"{latest.month:%Y-%m}")
             if latest else platform_text(_("S=0 (never evaluated)")),
             platform_text(_("average monthly sales %(amount)s"), amount=yuan(average)),
             platform_text(_("ceiling %(amount)s"), amount=yuan(ceiling)),
             platform_text(_("current effective limit %(amount)s"), amount=yuan(effective)),
             platform_text(_("pay-later orders refused in the last 30 days %(amount)s"),
                           amount=yuan(paylater_refused_amount(store_id=store.pk, days=30)))]
    reasons = []
    if score < policy.pre_assessment_min_score:
        reasons.append(platform_text(_("score below %(score)s"), score=policy.pre_assessment_min_score))
    if ceiling <= effective:
        reasons.append(platform_text(_("sales do not support a higher limit")))
    dsrs = [Decimal(r["dsr_score"]) for r in rows if r["dsr_score"] is not None]
    if any(d < policy.dsr_threshold for d in dsrs):
        notes.append(platform_text(_("DSR below %(dsr)s in some month"), dsr=policy.dsr_threshold))
    if reasons:
        notes.append(platform_text(_("recommend reject: %(reasons)s"), reasons="; ".join(reasons)))
        return CreditApplication.Recommendation.REJECT, max(effective, min(requested, ceiling)), " · ".join(notes)
    return CreditApplication.Recommendation.APPROVE, min(requested, ceiling), " · ".join(notes)


def application_submit(*, store: Store, requested_limit: Decimal, business_license_no: str, legal_rep_id_no: str,
                       bank_account: str, at=None, user=None) -> CreditApplication:
    """Submit an application; each refusal of SPEC §1 has its own code (checked in this order:
    store_suspended, raise_banned, application_pending, annual_application_limit,
    dsr_below_threshold, requested_limit_not_above_current)."""
    at = at or timezone.now()
    policy = CreditApplicationPolicy.current()
    try:
        with transaction.atomic():
            store = Store.objects.select_for_update().get(pk=store.pk)
            if store.status == Store.Status.SUSPENDED:
                raise DomainError("store_suspended", _("The store is suspended."))
            banned_until = sanction_until(store_id=store.pk, kind=Sanction.Kind.RAISE_BAN, at=at)
            if banned_until:
                raise DomainError("raise_banned", _("No limit raise until %(until)s.")
                                  % {"until": timeutil.local(banned_until).strftime("%Y-%m-%d %H:%M")})
            if CreditApplication.objects.filter(store=store, status=A.PENDING).exists():
                raise DomainError("application_pending", _("Another application is still pending review."))
            year = timeutil.local(at).year
            start, end = (timeutil.local_midnight(dt.date(year, 1, 1)),
                          timeutil.local_midnight(dt.date(year + 1, 1, 1)))
            if CreditApplication.objects.filter(store=store, submitted_at__gte=start,
                                                submitted_at__lt=end).count() >= policy.max_per_year:
                raise DomainError("annual_application_limit",
                                  _("At most %(n)s applications per calendar year.") % {"n": policy.max_per_year})
            rows = operating_data(store=store, months=closed_months(at, max(3, policy.dsr_months)))
            if dsr_below_in_every_month(rows[:policy.dsr_months], policy.dsr_threshold):
                raise DomainError("dsr_below_threshold",
                                  _("DSR was below %(t)s in each of the last %(n)s closed months.")
                                  % {"t": policy.dsr_threshold, "n": policy.dsr_months})
            effective = store_credit(store=store, at=at).effective_limit
            if requested_limit <= effective:
                raise DomainError("requested_limit_not_above_current",
                                  _("The requested limit must be above the current effective limit %(l)s.")
                                  % {"l": f"{effective:.2f}"}, fields={"requested_limit": [
                                      str(_("Must be above %(l)s.") % {"l": f"{effective:.2f}"})]})
            recommendation, suggested, notes = pre_assess(store=store, requested=requested_limit,
                                                          effective=effective, rows=rows[:3], policy=policy)
            app = CreditApplication(
                store=store, requested_limit=requested_limit, business_license_no=business_license_no,
                legal_rep_id_no=legal_rep_id_no, bank_account=bank_account, operating_data=rows[:3],
                submitted_at=at, due_at=add_working_days(at, policy.review_working_days),
                effective_limit_at_submission=effective, recommendation=recommendation, suggested_limit=suggested,
                assessment_notes=notes)
            app._change_reason = "submitted"
            if user is not None:
                app._history_user = user
            app.save()
    except IntegrityError:
        # The partial unique index caught a concurrent pending application.
        raise DomainError("application_pending", _("Another application is still pending review."))
    log.info("credit application %s submitted for store %s", app.pk, store.pk)  # never the numbers
    return app


def _lock(application_id: int) -> CreditApplication:
    return CreditApplication.objects.select_for_update().select_related("store").get(pk=application_id)


@transaction.atomic
def application_approve(*, application_id: int, granted_limit: Decimal, user=None, at=None,
                        note: str = "") -> CreditApplication:
    """Approve with the granted limit, which must be above the effective limit now (the
    increase activates in two steps of pay-later volume)."""
    at = at or timezone.now()
    # Lock order store → application, as everywhere else (order acceptance locks the store and
    # may record an activation step), so the two never deadlock.
    store_id = CreditApplication.objects.values_list("store_id", flat=True).get(pk=application_id)
    Store.objects.select_for_update().get(pk=store_id)
    app = _lock(application_id)
    if not states.can_move(app, A.APPROVED):
        raise StateConflict("invalid_state", _("This application was already decided."))
    effective = store_credit(store=app.store, at=at).effective_limit
    granted = money(granted_limit)
    if granted <= effective:
        raise DomainError("granted_not_above_current",
                          _("The granted limit must be above the current effective limit %(l)s.")
                          % {"l": f"{effective:.2f}"})
    app.granted_limit, app.effective_limit_at_approval = granted, effective
    app.decided_at, app.decided_by = at, user
    _transition(app, A.APPROVED, user=user, reason=f"approved {granted}{': ' + note if note else ''}")
    refresh_activation(app)
    events.application_decided(app)
    return app


@transaction.atomic
def application_reject(*, application_id: int, reason: str, user=None, at=None) -> CreditApplication:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Rejecting an application needs a reason."))
    app = _lock(application_id)
    app.reject_reason = reason
    app.decided_at, app.decided_by = at or timezone.now(), user
    _transition(app, A.REJECTED, user=user, reason=f"rejected: {reason}")
    events.application_decided(app)
    return app


# --- activation (2次10%的流水激活) ----------------------------------------------------------------


def refresh_activation(app: CreditApplication) -> CreditApplication:
    """Record each activation step with its time once volume reaches it (10% of the increase:
    half of it; 20%: all). Recorded steps stay even if an order is cancelled later."""
    if app.status != A.APPROVED or app.step2_at is not None:
        return app
    policy = CreditApplicationPolicy.current()
    increase = app.increase
    step1 = app.step1_at or volume_crossed_at(app, increase * policy.activation_step1_rate)
    step2 = volume_crossed_at(app, increase * policy.activation_step2_rate) if step1 else None
    if step1 == app.step1_at and step2 is None:
        return app
    with transaction.atomic():
        locked = CreditApplication.objects.select_for_update().get(pk=app.pk)
        changed = []
        if locked.step1_at is None and step1:
            locked.step1_at = step1
            changed.append("1")
        if locked.step2_at is None and step2:
            locked.step2_at = max(step2, locked.step1_at)
            changed.append("2")
        if changed:
            locked._change_reason = f"rule: activation step {' and '.join(changed)}"
            locked.save()
            events.credit_limits_changed([locked.store_id])
    app.step1_at, app.step2_at = locked.step1_at, locked.step2_at
    return app




def activation_record(*, store_id: int) -> None:
    """Record the activation steps the store's pay-later volume has reached. Called where a
    pay-later order is accepted, inside its transaction and under the store lock, which is the
    only moment the volume grows: reads of the limit then only read the recorded steps."""
    activating = CreditApplication.objects.filter(store_id=store_id, status=A.APPROVED, step2_at__isnull=True)
    for app in activating:
        refresh_activation(app)
