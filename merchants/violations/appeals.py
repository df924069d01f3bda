"""Appeals (申诉) on confirmed violations (SPEC §5): the merchant appeals once, within the policy's
window after confirmation, with a statement; operators uphold or overturn it with a reason.
Overturning revokes the violation through `violation_revoke`, in the same transaction, so
everything is reversed exactly as for a revocation.

Statuses move only through `_transition` (the table is `Appeal.TRANSITIONS`), which records
who and why in the appeal's history."""
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states
from config.api.errors import DomainError, StateConflict

from .models import Appeal, AppealPolicy, Violation
from .services import violation_revoke


def _transition(appeal: Appeal, target: str, *, user=None, reason: str) -> None:
    """The one place an appeal's status changes (config.states): refuses illegal moves, records
    who and why."""
    states.transition(appeal, target, reason=reason, user=user,
                      message=lambda appeal, to: _("A %(status)s appeal cannot become %(target)s.")
                      % {"status": appeal.get_status_display(), "target": Appeal.Status(to).label})


def appeal_deadline(violation: Violation, policy: AppealPolicy | None = None):
    """Confirmation + the window (half-open: an appeal at or after it is refused)."""
    policy = policy or AppealPolicy.current()
    return violation.confirmed_at + dt.timedelta(days=policy.window_days)


def appeal_submit(*, violation_id: int, statement: str, user=None, at=None) -> Appeal:
    """Open the violation's one appeal: confirmed only (409 `invalid_state`), once
    (409 `appeal_exists`), before the window closes (409 `appeal_window_closed`)."""
    statement = (statement or "").strip()
    if not statement:
        raise DomainError("statement_required", _("An appeal needs a statement."),
                          fields={"statement": [str(_("This field is required."))]})
    at = at or timezone.now()
    try:
        with transaction.atomic():
            violation = Violation.objects.select_for_update().get(pk=violation_id)
            if Appeal.objects.filter(violation=violation).exists():
                raise StateConflict("appeal_exists", _("This violation has already been appealed."))
            if violation.status != Violation.Status.CONFIRMED:
                raise StateConflict("invalid_state", _("Only a confirmed violation can be appealed."))
            if at >= appeal_deadline(violation):
                raise StateConflict("appeal_window_closed",
                                    _("The appeal window closed %(days)s days after confirmation.")
                                    % {"days": AppealPolicy.current().window_days})
            appeal = Appeal(violation=violation, store_id=violation.store_id, statement=statement, submitted_at=at)
            appeal._change_reason = "submitted by the merchant"
            if user is not None:
                appeal._history_user = user
            appeal.save()
            return appeal
    except IntegrityError:  # a concurrent appeal won the one-per-violation constraint
        raise StateConflict("appeal_exists", _("This violation has already been appealed.")) from None


def _decide(appeal_id: int, target: str, *, reason: str, user, at) -> Appeal:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Deciding an appeal needs a reason."),
                          fields={"reason": [str(_("This field is required."))]})
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    appeal.decided_at = at or timezone.now()
    appeal.decision_note = reason
    _transition(appeal, target, user=user, reason=f"{target}: {reason}")
    return appeal


@transaction.atomic
def appeal_uphold(*, appeal_id: int, reason: str, user=None, at=None) -> Appeal:
    """The violation stands."""
    return _decide(appeal_id, Appeal.Status.UPHELD, reason=reason, user=user, at=at)


@transaction.atomic
def appeal_overturn(*, appeal_id: int, reason: str, user=None, at=None) -> Appeal:
    """The violation is revoked: fine reversed, sanctions lifted, grade replayed — the same
    service as a revocation, in this transaction (a refusal there leaves the appeal pending)."""
    appeal = _decide(appeal_id, Appeal.Status.OVERTURNED, reason=reason, user=user, at=at)
    violation_revoke(violation_id=appeal.violation_id, reason=f"appeal #{appeal.pk} overturned: {reason.strip()}",
                     user=user, at=appeal.decided_at)
    return appeal
