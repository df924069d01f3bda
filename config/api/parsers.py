"""The API's JSON parser: malformed, oversized or absurdly nested bodies are 4xx errors with a
code, never a crash (a deep enough nesting makes Python's json raise RecursionError)."""
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import UnreadablePostError
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json

from .errors import DomainError

MAX_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = _("The request body is too large.")


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            raw = b""
        elif limit is None:
            raw = stream.read()
        else:
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise RequestTooLarge()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.loads(raw.decode(encoding), parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError):
            raise exceptions.ParseError(_("The body is not valid JSON, or is nested too deeply."))
        if _depth(data) > MAX_DEPTH:
            raise exceptions.ParseError(_("The JSON body is nested more than 32 levels deep."))
        return data


class _CountingStream:
    """Counts what the multipart parser reads and keeps the last bytes, to tell a complete body
    from one cut off mid-upload."""

    TAIL = 256

    def __init__(self, stream):
        self.stream, self.count, self.tail = stream, 0, b""

    def read(self, *args):
        chunk = self.stream.read(*args)
        self.count += len(chunk)
        self.tail = (self.tail + chunk)[-self.TAIL:]
        return chunk


class MultiPartParser(parsers.MultiPartParser):
    """multipart/form-data for the upload endpoints. A body cut off mid-upload (fewer bytes than
    its Content-Length, or no closing boundary) is 400 `upload_incomplete`, and the parts read so
    far are dropped; Django's own limits answer with codes too."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        boundary = parse_header_parameters(media_type or "")[1].get("boundary", "").encode("ascii", "replace")
        counting = _CountingStream(stream)
        try:
            result = super().parse(counting, media_type, parser_context)
        except UnreadablePostError:
            result = None
        except TooManyFilesSent:
            raise DomainError("too_many_files", _("Too many files in one request."))
        except TooManyFieldsSent:
            raise DomainError("invalid", _("Too many fields in one request."))
        except RequestDataTooBig:
            raise RequestTooLarge()
        if result is None or counting.count < length or b"--" + boundary + b"--" not in counting.tail:
            for upload in (result.files.values() if result is not None else ()):
                upload.close()
            raise DomainError("upload_incomplete", _("The upload was cut off before its end; nothing was stored. "
                                                     "Send it again."))
        return result
