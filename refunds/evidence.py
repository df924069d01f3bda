"""Evidence in disputes (SPEC §6, seed 003): statements and files each side adds to a refund case,
the buyer through the platform API, the merchant through the merchant API.

- Files are JPEG, PNG, WebP or PDF **as detected from their first bytes** (the name and the type
  the client declares are ignored): anything else is 400 `file_type_not_allowed`. Each at most
  10 MB *(policy)* (413 `file_too_large`; exactly 10 MB is accepted), at most 9 *(policy)* per side
  over the life of the case (400 `too_many_files`); an entry with neither statement nor file is
  400 `evidence_empty`.
- Evidence can be added until the case is judged, refunded or closed (409 `evidence_closed`) and
  is never changed or deleted: there is no API for it, the admin shows it read-only, and the
  history row written with each entry and file names who added it.
- Nothing is stored when anything is refused: every file is checked before the case is locked;
  the bytes are written to storage only after the case's checks passed, inside the transaction
  that records them, and deleted again if that transaction does not commit.
- The bytes live in the private `evidence` storage (config/storage.py) under a random key and are
  streamed only to the case's store, the platform and operators (`evidence_file_response`)."""
import hashlib
import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass

from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from config import states
from config.api.errors import DomainError, StateConflict

from .models import Evidence, EvidenceFile, EvidenceSide, RefundCase, RefundPolicy
from .services.core import Actor, _lock_case, _now

log = logging.getLogger("refunds.evidence")

S = RefundCase.Status
STATEMENT_MAX_LENGTH = 5000
# A case in one of these is decided for good: nothing can be added to it (409 `evidence_closed`).
CLOSED_STATUSES = (S.REFUNDED, S.CLOSED, S.CANCELLED)

PDF = "application/pdf"
# content type → extension the served file name carries (the type decides, not the uploaded name)
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", PDF: ".pdf"}


def detect_type(head: bytes) -> str | None:
    """The content type of a file from its first 12 bytes (its signature), or None when it is not
    one of JPEG, PNG, WebP, PDF."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def evidence_storage():
    return storages["evidence"]


def clean_name(name: str, content_type: str) -> str:
    """The uploaded file's own name, kept for people (no path, no control characters, at most
    200 characters), with the extension of its detected type."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem, ext = os.path.splitext(base)
    wanted = EXTENSIONS[content_type]
    if ext.lower() not in ({".jpeg", ".jpg"} if wanted == ".jpg" else {wanted}):
        stem, ext = base, wanted
    stem = stem[:200 - len(ext)] or "file"
    return stem + ext


@dataclass
class CheckedFile:
    upload: object      # the UploadedFile (in memory or spooled to a temporary file)
    name: str
    content_type: str
    size: int
    sha256: str


def _check_file(upload, max_bytes: int) -> CheckedFile:
    if upload.size > max_bytes:
        raise DomainError("file_too_large", _("%(name)s is larger than %(mb)s MB.")
                          % {"name": upload.name, "mb": max_bytes // (1024 * 1024)}, status=413,
                          fields={"files": [str(_("At most %(mb)s MB each.") % {"mb": max_bytes // (1024 * 1024)})]})
    upload.seek(0)
    content_type = detect_type(upload.read(12))
    if content_type is None:
        raise DomainError("file_type_not_allowed", _("%(name)s is not a JPEG, PNG, WebP or PDF file.")
                          % {"name": upload.name},
                          fields={"files": [str(_("Only JPEG, PNG, WebP and PDF files are accepted."))]})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, clean_name(upload.name, content_type), content_type, upload.size, digest.hexdigest())


def _refuse_too_many(limit: int, already: int = 0):
    raise DomainError("too_many_files", _("At most %(limit)s files per side on a case (%(already)s already added).")
                      % {"limit": limit, "already": already},
                      fields={"files": [str(_("At most %(limit)s files per side.") % {"limit": limit})]})


def evidence_add(*, case_id: int, side: str, actor: Actor, statement: str = "", files=(), store_ids=None,
                 at=None) -> Evidence:
    """Add one side's statement and files to a refund case (SPEC §6). `store_ids` scopes a
    merchant to their stores (another store's case: 404)."""
    at = _now(at)
    statement = (statement or "").strip()
    files = list(files)
    policy = RefundPolicy.current()
    if not statement and not files:
        raise DomainError("evidence_empty", _("Add a statement, a file, or both."))
    if len(statement) > STATEMENT_MAX_LENGTH:
        raise DomainError("invalid", _("The statement is longer than %(n)s characters.") % {"n": STATEMENT_MAX_LENGTH},
                          fields={"statement": [str(_("At most %(n)s characters.") % {"n": STATEMENT_MAX_LENGTH})]})
    if len(files) > policy.evidence_max_files:
        _refuse_too_many(policy.evidence_max_files)
    checked = [_check_file(upload, policy.evidence_max_file_bytes) for upload in files]
    storage = evidence_storage()
    written: list[str] = []
    try:
        with transaction.atomic():
            case = _lock_case(case_id, store_ids=store_ids)  # serialises the per-side count
            if case.status in CLOSED_STATUSES or case.judgement:
                raise StateConflict("evidence_closed", _("The case is %(status)s: evidence can no longer be added.")
                                    % {"status": case.get_status_display()})
            already = EvidenceFile.objects.filter(evidence__case=case, evidence__side=side).count()
            if already + len(checked) > policy.evidence_max_files:
                _refuse_too_many(policy.evidence_max_files, already)
            evidence = Evidence(case=case, side=side, statement=statement, added_at=at,
                                added_by=actor.user if getattr(actor.user, "pk", None) else None,
                                added_by_label=actor.label[:200])
            _save_recorded(evidence, actor, f"evidence added: {len(checked)} file(s)")
            for item in checked:
                key = storage.save(f"refund-cases/{case.pk}/{uuid.uuid4().hex}{EXTENSIONS[item.content_type]}",
                                   item.upload)
                written.append(key)
                _save_recorded(EvidenceFile(evidence=evidence, name=item.name, content_type=item.content_type,
                                            size=item.size, sha256=item.sha256, storage_key=key), actor, "file added")
    except BaseException:
        _delete_quietly(storage, written)
        raise
    return evidence


def _save_recorded(obj, actor: Actor, note: str) -> None:
    obj._change_reason = states.fit_reason(type(obj), f"{actor.label} — {note}")
    if getattr(actor.user, "pk", None):
        obj._history_user = actor.user
    obj.save()


def _delete_quietly(storage, keys) -> None:
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # the refusal the caller sees matters more; the key is logged for cleanup
            log.exception("evidence: could not delete %s after a rollback", key)


# --- reads -------------------------------------------------------------------------------------
def case_evidence(case_id: int):
    """Both sides' evidence on a case, oldest first, with its files (two queries)."""
    return Evidence.objects.filter(case_id=case_id).prefetch_related("files").order_by("added_at", "id")


def case_evidence_file(case_id: int, file_id: int) -> EvidenceFile | None:
    return EvidenceFile.objects.filter(pk=file_id, evidence__case_id=case_id).first()


def evidence_file_response(file: EvidenceFile) -> FileResponse:
    """The file's bytes with its detected type; a PDF as a download (`attachment`), an image
    inline. Never cached by shared caches."""
    response = FileResponse(evidence_storage().open(file.storage_key, "rb"), content_type=file.content_type,
                            as_attachment=file.content_type == PDF, filename=file.name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["CLOSED_STATUSES", "EvidenceSide", "case_evidence", "case_evidence_file", "detect_type", "evidence_add",
           "evidence_file_response"]
