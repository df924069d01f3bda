"""Which endpoint URLs we may call (SPEC §5): http(s) only, and never a private, loopback,
link-local or otherwise internal address unless `WEBHOOKS_ALLOW_PRIVATE_URLS` is on (local
development and tests). Checked when an endpoint is saved and again before every attempt,
on the addresses the host resolves to then (a DNS answer can change)."""
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UrlNotAllowed(Exception):
    pass


def _blocked(ip: ipaddress._BaseAddress) -> bool:
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or (ip.version == 6 and ip.ipv4_mapped is not None and _blocked(ip.ipv4_mapped)))


def check_url(url: str) -> None:
    """Raise UrlNotAllowed with the reason, or return."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlNotAllowed("only http(s) URLs with a host")
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UrlNotAllowed("the host does not resolve")
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if _blocked(ip):
            raise UrlNotAllowed(f"{parts.hostname} resolves to a non-public address")
