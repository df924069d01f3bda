"""Raised limits from approved limit-increase applications (SPEC §1, 提额申请).

An approved application raises the limit in two steps of pay-later volume since approval
(see merchants.applications.refresh_activation); the active raised limit is the highest
level any approved application of the store has reached at `at`."""
from django.utils import timezone


def active_raised_limit(*, store, at=None):
    from .applications import raised_level, refresh_activation
    from .models import CreditApplication

    at = at or timezone.now()
    best = None
    for app in CreditApplication.objects.filter(store_id=store.pk, status=CreditApplication.Status.APPROVED,
                                                decided_at__lte=at):
        if app.step2_at is None:
            refresh_activation(app)
        level = raised_level(app, at)
        if level is not None and (best is None or level > best):
            best = level
    return best
