"""Writes for the wallet ledger: every change of money goes through here (SPEC ground rules)."""
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from config.money import money
from merchants.stores.models import Store

from .models import LedgerEntry


def _ledger_entry(*, store_id: int, kind: str, amount, idempotency_key: str, reference: str = "", memo: str = "",
                  at=None, user=None) -> LedgerEntry:
    """An unsaved entry that obeys the ledger's rules: rounded to the fen, never zero, an
    adjustment always with its reason."""
    amount = money(amount)
    if amount == 0:
        raise DomainError("zero_amount", _("A ledger entry cannot be zero."))
    if kind == LedgerEntry.Kind.ADJUSTMENT and not memo.strip():
        raise DomainError("reason_required", _("An adjustment needs a reason."))
    return LedgerEntry(store_id=store_id, kind=kind, amount=amount, idempotency_key=idempotency_key,
                       reference=reference, memo=memo, created_at=at or timezone.now(), created_by=user)


def ledger_post(*, store: Store, kind: str, amount: Decimal, idempotency_key: str, reference: str = "",
                memo: str = "", at=None, user=None) -> LedgerEntry:
    """Append one entry; posting the same idempotency key again returns the first entry.

    Every change of money goes through here (SPEC ground rules). A wallet may go negative.
    The one-entry form of `ledger_post_many`: the insert skips a key already posted (also one
    posted concurrently), then the entry holding the key is read back."""
    ledger_post_many(entries=[{"store_id": store.pk, "kind": kind, "amount": amount, "idempotency_key": idempotency_key,
                               "reference": reference, "memo": memo, "at": at, "user": user}])
    return LedgerEntry.objects.get(idempotency_key=idempotency_key)


def ledger_post_many(*, entries: list[dict]) -> None:
    """Append many entries in one statement: the ledger's rules (`_ledger_entry`) for each, and a
    key already posted is skipped (safe to run twice or concurrently). Set-based jobs and order
    intake (the pay-later fee of the order it just wrote) call it; so does `ledger_post`. Each
    entry is a dict of `ledger_post`'s arguments with `store_id` instead of `store`."""
    LedgerEntry.objects.bulk_create([_ledger_entry(**entry) for entry in entries], ignore_conflicts=True)


def wallet_topup(*, store: Store, amount: Decimal, idempotency_key: str, at=None, user=None) -> LedgerEntry:
    return ledger_post(store=store, kind=LedgerEntry.Kind.TOPUP, amount=amount, at=at, user=user,
                       idempotency_key=idempotency_key, reference=f"store:{store.pk}")
