"""What the application decision pages show (pre-assessment, suggested limit, score breakdown,
the last 3 months) and what the result messages say was done."""
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from merchants.admin_format import local_time, yuan
from merchants.credit.admin import render_score
from merchants.credit.models import CreditEvaluation
from merchants.credit.selectors import latest_evaluation, store_credit
from merchants.registry import paylater_refused_amount

from .models import CreditApplication, CreditApplicationPolicy


def _month(value) -> str:
    return str(value)[:7]  # "2026-11" or "2026-11-01" → "2026-11"


def operating_data_table(app: CreditApplication):
    """The last 3 months at submission (sales, DSR), each month's score from its stored
    evaluation: the one score of that month, the same the breakdown shows (issue 24)."""
    months = [_month(r["month"]) for r in app.operating_data]
    scores = {e.month.strftime("%Y-%m"): e.score
              for e in CreditEvaluation.objects.filter(store_id=app.store_id).only("month", "score")
              if e.month.strftime("%Y-%m") in months}
    return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                       _("month"), _("sales"), _("DSR"), _("score"),
                       format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                        ((_month(r["month"]), yuan(r["monthly_sales"]), r["dsr_score"] or "—",
                                          scores.get(_month(r["month"]), _("not evaluated")))
                                         for r in app.operating_data)))


def decision_facts(app: CreditApplication):
    evaluation = latest_evaluation(store=app.store)
    rows = [(_("store"), f"{app.store} · {_('grade')} {app.store.grade}"),
            (_("status"), app.get_status_display()),
            (_("pre-assessment at submission (%(at)s)") % {"at": local_time(app.submitted_at)},
             f"{app.get_recommendation_display()} {app.assessment_notes or ''}".strip()),
            (_("requested limit"), yuan(app.requested_limit)),
            (_("suggested limit"), yuan(app.suggested_limit)),
            (_("effective limit at submission"), yuan(app.effective_limit_at_submission))]
    if app.status == CreditApplication.Status.PENDING:
        # what approving records as the limit before (application_approve reads the same)
        rows.append((_("effective limit now (approving raises it from this)"),
                     yuan(store_credit(store=app.store).effective_limit)))
    else:
        rows.append((_("effective limit at approval"), yuan(app.effective_limit_at_approval)))
    rows.append((_("pay-later orders refused in the last 30 days"),
                 yuan(paylater_refused_amount(store_id=app.store_id))))
    rows.append((_("review due"), local_time(app.due_at)))
    return format_html("<table>{}</table><h3>{}</h3>{}<h3>{}</h3>{}",
                       format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
                       _("last 3 months"), operating_data_table(app),
                       _("score breakdown"), render_score(evaluation) if evaluation else _("no evaluation yet"))


def approved_effect(app: CreditApplication) -> str:
    policy = CreditApplicationPolicy.current()
    return _("limit %(before)s → %(after)s granted; the increase activates at pay-later volume %(step1)s and "
             "%(step2)s") % {"before": yuan(app.effective_limit_at_approval), "after": yuan(app.granted_limit),
                             "step1": yuan(app.increase * policy.activation_step1_rate),
                             "step2": yuan(app.increase * policy.activation_step2_rate)}


def rejected_effect(app: CreditApplication) -> str:
    return _("rejected: %(reason)s") % {"reason": app.reject_reason}
