"""An attempt's error as the operator reads it (its admin row and its one-line summary)."""
import re

from django.utils.translation import gettext_lazy as _

# What delivery writes as an attempt's error ("connection: ConnectionRefusedError: …", older rows
# "ConnectTimeout: …"), in words: transport.AttemptFailed's reasons, then the kinds of their detail
# the operator can read as words; any other detail is kept as the library wrote it.
ERRORS = {
    "url_not_allowed": _("address not allowed"), "timeout": _("no answer in time"), "dns": _("host name not found"),
    "tls": _("TLS error"), "connection": _("could not connect"), "protocol": _("not a valid HTTP answer"),
    "network": _("network error"),
    "url not allowed": _("address not allowed"), "ConnectTimeout": _("connection timed out"),
    "ReadTimeout": _("no answer in time"), "Timeout": _("timed out"), "ConnectionError": _("could not connect"),
    "SSLError": _("TLS certificate error"), "TooManyRedirects": _("too many redirects"),
    "InvalidURL": _("invalid address"), "ChunkedEncodingError": _("answer cut off"),
    "ContentDecodingError": _("answer could not be decoded"), "RequestException": _("request failed"),
}
DETAILS = {  # "<exception class>: …" after a reason (transport.post), as words
    "ConnectionRefusedError": _("the receiver refused the connection"),
    "ConnectionResetError": _("the receiver reset the connection"),
    "ConnectionAbortedError": _("the connection was aborted"),
    "BrokenPipeError": _("the receiver closed the connection"),
    "RemoteDisconnected": _("closed without an answer"), "IncompleteRead": _("answer cut off"),
    "BadStatusLine": _("not an HTTP status line"), "LineTooLong": _("a header line too long"),
}
NO_REPLY_WITHIN = re.compile(r"^no complete reply within (?P<seconds>[\d.]+) s$")


def attempt_error(text: str) -> str:
    if not text:
        return "—"
    kind, sep, detail = text.partition(": ")
    words = ERRORS.get(kind)
    if words is None:
        return text
    detail = error_detail(detail) if sep else ""
    return f"{words}（{detail}）" if detail else str(words)


def error_detail(detail: str) -> str:
    """The detail after the reason in words where it is a known kind; as written otherwise."""
    name = detail.partition(": ")[0]
    if detail == "timed out":  # the socket's own words for a timeout: the reason says it already
        return ""
    if name in DETAILS:
        return str(DETAILS[name])
    seconds = NO_REPLY_WITHIN.match(detail)
    if seconds:
        return _("no complete answer within %(seconds)s seconds") % {"seconds": seconds["seconds"]}
    return detail
