"""Evidence test helpers: file bytes of each accepted type (and one that is not), a private
storage folder per test, and cases at each step of a return."""
import datetime as dt
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from refunds import services
from refunds.models import RefundCase
from refunds.services import Actor
from tests.refunds.factories import open_case

MB = 1024 * 1024


def png(width=48, height=32, rgb=(200, 60, 40)) -> bytes:
    """A real, viewable PNG (solid colour), so the admin's inline image renders in a browser."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = b"just some text, not a picture"


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def sized(prefix: bytes, size: int) -> bytes:
    return prefix + b"\x00" * (size - len(prefix))


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def received_return(store, clock, amount="99.00") -> RefundCase:
    """A return the merchant confirmed receiving at the clock's time + 2 days."""
    case = open_case(store, type="return_refund", amount=amount, opened_at=timezone.now())
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="武汉仓")
    clock.shift(dt.timedelta(days=1))
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id), tracking_no="SF1")
    clock.shift(dt.timedelta(days=1))
    services.refund_case_return_received(case_id=case.pk, actor=Actor.merchant(store.owner))
    return RefundCase.objects.get(pk=case.pk)
