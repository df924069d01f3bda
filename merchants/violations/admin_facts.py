"""What the violation confirmation pages show (the facts to decide on) and what the result
messages say was done, in the operator's language."""
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from config.history import JSON_VALUE_WORDS
from merchants.admin_format import local_time, percent, yuan

from .models import PenaltyRule, Violation
from .services import penalty_preview

JSON_VALUE_WORDS["grade_effect"] = dict(PenaltyRule.GradeEffect.choices)  # a penalty's JSON in its history


def _table(rows):
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def _about(v: Violation):
    return [(_("store"), f"{v.store} · {_('grade')} {v.store.grade}"), (_("kind"), v.get_kind_display()),
            (_("status"), v.get_status_display()), (_("occurred at"), local_time(v.occurred_at)),
            (_("reference"), v.reference or "—"), (_("detail"), v.detail or "—")]


def _date(iso: str | None) -> str:
    return (iso or "—")[:10]  # stored in platform time (services._iso): its date is the local date


def _preview_rows(v: Violation) -> list:
    """The penalty confirming would apply now (the rule for the kind, the store's limit now)."""
    p = penalty_preview(v)
    forfeits = PenaltyRule.for_kind(v.kind).forfeits_logistics_incentive
    return [(_("fine if confirmed now"), yuan(p["fine"])), (_("credit freeze (days)"), p["freeze_days"]),
            (_("no raise (months)"), p["raise_ban_months"]),
            (_("pay-later suspended (months)"), p["paylater_suspension_months"]),
            (_("grade"), p["grade_effect"]),
            # every effect that will follow: a forfeiting kind cancels that week's logistics incentive
            (_("no logistics incentive that week"), _("yes") if forfeits else _("no"))]


def _applied_rows(v: Violation) -> list:
    """What confirming applied (the penalty recorded at confirmation), which revoking reverses."""
    p = v.penalty or {}
    return [(_("fine posted"), yuan(p.get("fine"))), (_("fine rate"), percent(p.get("fine_rate"))),
            (_("effective limit at confirmation"), yuan(p.get("effective_limit"))),
            (_("credit frozen until"), _date(p.get("credit_frozen_until"))),
            (_("raise banned until"), _date(p.get("raise_banned_until"))),
            (_("pay-later suspended until"), _date(p.get("paylater_suspended_until"))),
            (_("no logistics incentive that week"), _("yes") if p.get("no_logistics_incentive_that_week") else _("no")),
            (_("grade"), f"{v.grade_before} → {v.grade_after}" if v.grade_after else "—")]


def preview_facts(v: Violation):
    """Before confirming: the penalty confirming would apply now."""
    if v.status != Violation.Status.PENDING_REVIEW:
        return _table(_about(v))
    return _table([*_about(v), *_preview_rows(v)])


def applied_facts(v: Violation):
    """Before revoking: what confirming applied, which revoking reverses."""
    return _table([*_about(v), *_applied_rows(v)])


def penalty_summary(v: Violation):
    """The violation page's one line: what confirming applied, or, while it waits for review,
    what confirming would apply now; in the operator's language, money in ¥, dates local."""
    if v.penalty:
        rows = _applied_rows(v)
    elif v.pk and v.status == Violation.Status.PENDING_REVIEW:
        rows = _preview_rows(v)
    else:
        return "—"
    return format_html_join(" · ", "{}: {}", rows)


def confirmed_effect(v: Violation) -> str:
    """e.g. "fine ¥100,750.00 posted; credit frozen until 2026-12-31; grade B → C"."""
    p, parts = v.penalty or {}, []
    if v.fine_amount:
        parts.append(_("fine %(fine)s posted") % {"fine": yuan(v.fine_amount)})
    for key, text in (("credit_frozen_until", _("credit frozen until %(date)s")),
                      ("raise_banned_until", _("no limit raise until %(date)s")),
                      ("paylater_suspended_until", _("pay-later suspended until %(date)s"))):
        if p.get(key):
            parts.append(text % {"date": p[key][:10]})
    if v.grade_after:
        parts.append(_("grade %(before)s → %(after)s") % {"before": v.grade_before, "after": v.grade_after})
    if p.get("no_logistics_incentive_that_week"):
        parts.append(_("no logistics incentive for that week"))
    return "; ".join(parts) or _("confirmed; the rule for this kind applies no penalty")


def dismissed_effect(v: Violation) -> str:
    return _("dismissed; nothing applied")


def revoked_effect(v: Violation) -> str:
    parts = [_("revoked")]
    if v.fine_amount:
        parts.append(_("fine %(fine)s refunded") % {"fine": yuan(v.fine_amount)})
    if v.sanctions.exists():
        parts.append(_("restrictions lifted"))
    if v.grade_after:
        parts.append(_("grade back to %(grade)s") % {"grade": v.grade_before} if v.grade_restored
                     else _("grade left at %(grade)s (changed since)") % {"grade": v.store.grade})
    return "; ".join(parts)
