"""Pay-later codes as the operator reads them (the enrollment list, its filter and history)."""
from django.utils.translation import gettext_lazy as _

from config.history import CODE_WORDS

# enrollment_refusal's codes (paylater.services), as words
REFUSAL_WORDS = {
    "wallet_not_upgraded": _("wallet (安心钱包) not upgraded"),
    "store_suspended": _("store suspended"),
    "paylater_suspended": _("pay-later suspended"),
    "grade_not_allowed": _("grade C may not enroll"),
    "no_credit_limit": _("no credit limit yet"),
}


def refusal_words(code: str) -> str:
    return str(REFUSAL_WORDS.get(code, code)) if code else "—"


CODE_WORDS.update(REFUSAL_WORDS)  # "refused: wallet_not_upgraded" in an enrollment's history
