"""Protection at rest for secrets and sensitive numbers (licence, ID, bank account — SPEC §1;
stored API responses that carry a token).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The key is derived from
`settings.FIELD_ENCRYPTION_KEY`, or from `SECRET_KEY` when that is empty, so rotating
SECRET_KEY without setting FIELD_ENCRYPTION_KEY makes old values unreadable: production
should set FIELD_ENCRYPTION_KEY explicitly. Each use has its own derived key (`purpose`).
Outside the model the numbers are only shown through `mask()`."""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "fernet:"
FIELD_PURPOSE = "merchants.field-encryption"


def fernet(purpose: str = FIELD_PURPOSE) -> Fernet:
    secret = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(f"{purpose}:".encode() + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        return token
    try:
        return fernet().decrypt(token[len(PREFIX):].encode()).decode()
    except InvalidToken:
        return ""


def encrypt_bytes(data: bytes, *, purpose: str) -> bytes:
    return fernet(purpose).encrypt(data)


def decrypt_bytes(token: bytes, *, purpose: str) -> bytes | None:
    """The plain bytes, or None when the token was not made with this key and purpose."""
    try:
        return fernet(purpose).decrypt(bytes(token))
    except InvalidToken:
        return None


def mask(value: str | None, keep: int = 4) -> str:
    """`91420100MA4K…` → `**************7X2Q`: only the last `keep` characters show."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]
