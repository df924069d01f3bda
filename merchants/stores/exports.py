"""What the store list exports (merchants/exports.py): each store's profile, its base limit and
wallet balance in yuan, and the restrictions in force when the export runs (the end of each
sanction in Beijing time), as the list computes them (`StoreAdmin.get_queryset` annotates the
balance and the sanctions in SQL: one query for the whole export)."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, money_col, number, text, time_col, yes_no

STORES = Export("stores", (
    number(_("store ID"), "id"),
    text(_("store"), "name"),
    text(_("owner"), "owner.username"),
    text(_("city"), "city"),
    text(_("main category"), "main_category.name"),
    choice(_("grade"), "grade"),
    choice(_("status"), "status"),
    yes_no(_("wallet upgraded (安心钱包)"), "wallet_upgraded"),
    money_col(_("base credit limit"), "base_limit"),
    money_col(_("wallet balance"), "wallet_balance"),
    time_col(_("credit frozen until"), "credit_freeze_until"),
    time_col(_("pay-later suspended until"), "paylater_suspension_until"),
    time_col(_("no raise until"), "raise_ban_until"),
    time_col(_("created at"), "created_at"),
), select_related=("owner", "main_category"))
