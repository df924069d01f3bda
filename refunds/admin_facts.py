"""What the judgement confirmation page shows for an escalated case, and what the result
message says was done."""
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from merchants.admin_format import duration, local_time, yuan

from .models import RefundCase


def case_facts(case: RefundCase):
    waited = (duration((timezone.now() - case.escalated_at).total_seconds() / 3600)
              if case.escalated_at and case.status == RefundCase.Status.ESCALATED else "—")
    rows = [(_("store"), case.store), (_("order"), f"#{case.order_id} · {yuan(case.order.amount)}"),
            (_("status"), case.get_status_display()), (_("type"), case.get_type_display()),
            (_("reason"), case.get_reason_display()), (_("amount"), yuan(case.amount)),
            (_("shipped"), _("yes") if case.shipped else _("no")), (_("opened at"), local_time(case.opened_at)),
            (_("merchant's rejection reason"), case.reject_reason or "—"),
            (_("escalated at"), local_time(case.escalated_at)), (_("waiting for"), waited)]
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def judged_effect(case: RefundCase) -> str:
    if case.judgement == RefundCase.Judgement.SELLER:
        return _("seller responsible: refund %(amount)s forced") % {"amount": yuan(case.amount)}
    return _("buyer responsible: case closed, nothing refunded")
