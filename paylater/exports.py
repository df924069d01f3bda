"""What the monthly fee statements export (merchants/exports.py): the columns the earlier
django-import-export CSV had, with the fee as a number in yuan and the invoice's state."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, money_col, number, text, time_col


def _invoice(statement, attribute):
    invoice = getattr(statement, "invoice", None)  # reverse one-to-one: absent until requested
    if invoice is None:
        return None
    return invoice.get_status_display() if attribute == "status" else invoice.invoice_number


FEE_STATEMENTS = Export("fee-statements", (
    number(_("number"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store name"), "store.name"),
    text(_("month"), lambda statement: statement.month.strftime("%Y-%m")),
    number(_("orders"), "order_count"),
    money_col(_("fee total"), "fee_total"),
    time_col(_("generated at"), "generated_at"),
    text(_("invoice status"), lambda statement: _invoice(statement, "status")),
    text(_("invoice number"), lambda statement: _invoice(statement, "number")),
), select_related=("store", "invoice"))


REFUSALS = Export("paylater-refusals", (
    number(_("number"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store name"), "store.name"),
    time_col(_("refused at"), "at"),
    text(_("refusal code"), "code"),
    text(_("reason"), lambda refusal: refusal.get_code_display()),
    money_col(_("amount"), "amount"),
    money_col(_("available limit"), "available"),
    text(_("buyer reference"), "buyer_id"),
), select_related=("store",))
