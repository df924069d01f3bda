"""What the violation confirmation pages show (the facts to decide on) and what the result
messages say was done, in the operator's language."""
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from merchants.admin_format import local_time, yuan

from .models import Violation
from .services import penalty_preview


def _table(rows):
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def _about(v: Violation):
    return [(_("store"), f"{v.store} · {_('grade')} {v.store.grade}"), (_("kind"), v.get_kind_display()),
            (_("status"), v.get_status_display()), (_("occurred at"), local_time(v.occurred_at)),
            (_("reference"), v.reference or "—"), (_("detail"), v.detail or "—")]


def preview_facts(v: Violation):
    """Before confirming: the penalty confirming would apply now."""
    if v.status != Violation.Status.PENDING_REVIEW:
        return _table(_about(v))
    p = penalty_preview(v)
    return _table([*_about(v), (_("fine if confirmed now"), yuan(p["fine"])),
                   (_("credit freeze (days)"), p["freeze_days"]), (_("no raise (months)"), p["raise_ban_months"]),
                   (_("pay-later suspended (months)"), p["paylater_suspension_months"]),
                   (_("grade"), p["grade_effect"])])


def applied_facts(v: Violation):
    """Before revoking: what confirming applied, which revoking reverses."""
    p = v.penalty or {}
    return _table([*_about(v), (_("fine posted"), yuan(p.get("fine"))),
                   (_("credit frozen until"), (p.get("credit_frozen_until") or "—")[:10]),
                   (_("raise banned until"), (p.get("raise_banned_until") or "—")[:10]),
                   (_("pay-later suspended until"), (p.get("paylater_suspended_until") or "—")[:10]),
                   (_("grade"), f"{v.grade_before} → {v.grade_after}" if v.grade_after else "—")])


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
