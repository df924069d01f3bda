"""Raised limits from approved limit-increase applications (SPEC §1, 提额申请).

Filled in by the credit issue; until an application model exists no store has a raise."""


def active_raised_limit(*, store, at=None):
    return None
