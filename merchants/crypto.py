"""The encrypted model field for sensitive numbers (licence, ID, bank account — SPEC §1).
The Fernet helpers live in `config.crypto`; the field stays here because migrations name it
by this path (`merchants.crypto.EncryptedCharField`)."""
from django.db import models

from config.crypto import PREFIX, decrypt, encrypt, mask

__all__ = ["EncryptedCharField", "decrypt", "encrypt", "mask"]


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
