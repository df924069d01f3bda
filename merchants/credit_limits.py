"""Raised limits from approved limit-increase applications (SPEC §1, 提额申请).

An approved application raises the limit in two steps of pay-later volume since approval
(see merchants.applications.refresh_activation); the active raised limit is the highest
level any approved application of the store has reached at `at`."""


def active_raised_limit(*, store, at=None):
    from .selectors import raised_limits

    return raised_limits(stores=[store], at=at).get(store.pk)
