"""What the limit-increase applications (提额申请) export (merchants/exports.py). The licence, ID
and bank numbers leave only masked, as the admin page and the API show them: a spreadsheet is
mailed around, the encrypted numbers never are."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, money_col, number, text, time_col

CREDIT_APPLICATIONS = Export("credit-applications", (
    number(_("number"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    choice(_("status"), "status"),
    money_col(_("requested limit"), "requested_limit"),
    money_col(_("effective limit at submission"), "effective_limit_at_submission"),
    choice(_("pre-assessment"), "recommendation"),
    money_col(_("suggested limit"), "suggested_limit"),
    text(_("business licence"), "business_license_masked"),
    text(_("legal representative ID"), "legal_rep_id_masked"),
    text(_("bank account"), "bank_account_masked"),
    time_col(_("submitted at"), "submitted_at"),
    time_col(_("review due at"), "due_at"),
    time_col(_("decided at"), "decided_at"),
    text(_("decided by"), "decided_by.username"),
    money_col(_("granted limit"), "granted_limit"),
    text(_("reject reason"), "reject_reason"),
), select_related=("store", "decided_by"))
