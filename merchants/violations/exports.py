"""What the violation list exports (merchants/exports.py): each violation with the penalty its
confirmation applied (the snapshot in `Violation.penalty`, the same the API shows merchants)."""
import datetime as dt

from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, money_col, number, rate_col, text, time_col, yes_no


def _penalty(key, parse=None):
    def get(violation):
        value = (violation.penalty or {}).get(key)
        return parse(value) if parse and value else value

    return get


def _until(key):
    return _penalty(key, dt.datetime.fromisoformat)


VIOLATIONS = Export("violations", (
    number(_("number"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    choice(_("kind"), "kind"),
    choice(_("status"), "status"),
    time_col(_("occurred at"), "occurred_at"),
    text(_("reference"), "reference"),
    text(_("detected by"), "detected_by"),
    time_col(_("confirmed at"), "confirmed_at"),
    time_col(_("violation revoked at"), "revoked_at"),  # plain "revoked at" is 吊销 (tokens)
    money_col(_("fine"), "fine_amount"),
    rate_col(_("fine rate"), _penalty("fine_rate")),
    money_col(_("effective limit at confirmation"), "limit_at_confirmation"),
    time_col(_("credit frozen until"), _until("credit_frozen_until")),
    time_col(_("no raise until"), _until("raise_banned_until")),
    time_col(_("pay-later suspended until"), _until("paylater_suspended_until")),
    text(_("grade before"), "grade_before"),
    text(_("grade after"), "grade_after"),
    yes_no(_("no logistics incentive that week"), _penalty("no_logistics_incentive_that_week")),
    text(_("decision note"), "decision_note"),
    text(_("revoke reason"), "revoke_reason"),
), select_related=("store",))
