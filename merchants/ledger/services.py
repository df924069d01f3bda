"""Writes for the wallet ledger: every change of money goes through here (SPEC ground rules)."""
from decimal import Decimal

from django.db import IntegrityError, transaction
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

    Every change of money goes through here (SPEC ground rules). A wallet may go negative."""
    entry = _ledger_entry(store_id=store.pk, kind=kind, amount=amount, idempotency_key=idempotency_key,
                          reference=reference, memo=memo, at=at, user=user)
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
            return entry
    except IntegrityError:
        entry = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if entry is None:
            raise
        return entry


def ledger_entry_new(*, store_id: int, kind: str, amount: Decimal, idempotency_key: str, reference: str = "",
                     memo: str = "", at=None, user=None) -> LedgerEntry:
    """Append one entry whose key cannot have been posted before (it names a row created in the
    same transaction, e.g. `order:<new id>:fee`): the same rules as `ledger_post` in one INSERT,
    without its look-up and savepoint (the pay-later intake query budget). A duplicate key
    would still be refused by the unique index."""
    entry = _ledger_entry(store_id=store_id, kind=kind, amount=amount, idempotency_key=idempotency_key,
                          reference=reference, memo=memo, at=at, user=user)
    entry.save(force_insert=True)
    return entry


def ledger_post_many(*, entries: list[dict]) -> None:
    """Append many entries in one statement, for set-based jobs: the same rules as
    `ledger_post`, and a key already posted is skipped (safe to run twice or concurrently).
    Each entry is a dict of `ledger_post`'s arguments with `store_id` instead of `store`."""
    LedgerEntry.objects.bulk_create([_ledger_entry(**entry) for entry in entries], ignore_conflicts=True)


def wallet_topup(*, store: Store, amount: Decimal, idempotency_key: str, at=None, user=None) -> LedgerEntry:
    return ledger_post(store=store, kind=LedgerEntry.Kind.TOPUP, amount=amount, at=at, user=user,
                       idempotency_key=idempotency_key, reference=f"store:{store.pk}")
