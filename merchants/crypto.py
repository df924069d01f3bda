"""Protection at rest for sensitive numbers (licence, ID, bank account — SPEC §1).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The key is derived from
`settings.FIELD_ENCRYPTION_KEY`, or from `SECRET_KEY` when that is empty, so rotating
SECRET_KEY without setting FIELD_ENCRYPTION_KEY makes old values unreadable: production
should set FIELD_ENCRYPTION_KEY explicitly. Outside the model the numbers are only shown
through `mask()`."""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


def _fernet() -> Fernet:
    secret = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(b"merchants.field-encryption:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        return token
    try:
        return _fernet().decrypt(token[len(PREFIX):].encode()).decode()
    except InvalidToken:
        return ""


def mask(value: str | None, keep: int = 4) -> str:
    """`91420100MA4K…` → `**************7X2Q`: only the last `keep` characters show."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


class EncryptedCharField(models.TextField):
    """Stored as a Fernet token; Python code sees the plain value. Never list it in an admin
    or serializer directly — show `mask(value)`."""

    def __init__(self, *args, plain_max_length: int = 64, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length != 64:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))
