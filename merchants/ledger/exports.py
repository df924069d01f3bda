"""What the wallet ledger exports (merchants/exports.py): signed amounts (credits positive,
debits negative) so a spreadsheet's sum is the balance movement of the rows exported."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, money_col, number, text, time_col

LEDGER_ENTRIES = Export("ledger-entries", (
    number(_("number"), "id"),
    time_col(_("created at"), "created_at"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    choice(_("kind"), "kind"),
    money_col(_("amount"), "amount"),
    text(_("reference"), "reference"),
    text(_("memo"), "memo"),
    text(_("created by"), "created_by.username"),
), select_related=("store", "created_by"))
