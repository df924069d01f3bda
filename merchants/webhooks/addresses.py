"""Which endpoint URLs we may call (SPEC §5): http(s) only, and only globally routable addresses
unless `WEBHOOKS_ALLOW_PRIVATE_URLS` is on (local development and tests).

An allow-list, not a list of known-bad ranges: an address passes only when it is global
(`ipaddress`'s `is_global`, the IANA special-purpose registries) and none of the forms below
hides an internal one. Checked when an endpoint is created or changed, and again on every
attempt against the address the delivery actually connects to (`merchants.webhooks.transport`),
so a DNS answer that changes between the check and the connection (rebinding) gains nothing."""
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = ("http", "https")
# IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64) are judged by the address inside.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Never global, whatever `is_global` says in this Python version: shared address space for
# carrier-grade NAT (clouds put metadata services there, 100.100.100.200), IETF protocol
# assignments, local-use NAT64 (RFC 8215), Teredo (its client address is obfuscated IPv4),
# site-local (deprecated, still routed inside some networks).
_NEVER = [ipaddress.ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24", "64:ff9b:1::/48", "2001::/32",
                                             "fec0::/10")]


class UrlNotAllowed(Exception):
    pass


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a globally routable unicast address that embeds no internal IPv4 one."""
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    if any(ip in network for network in _NEVER):
        return False
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def check_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address (a zone index like `%eth0` dropped); UrlNotAllowed unless it is public or
    private addresses are allowed."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS and not is_public(ip):
        raise UrlNotAllowed(f"{ip} is not a public address")
    return ip


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise UrlNotAllowed("only http(s) URLs with a host")


def check_url(url: str) -> None:
    """Raise UrlNotAllowed with the reason, or return: at create and PATCH, every address the
    host resolves to now must be public."""
    check_scheme(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    parts = urlsplit(url)
    try:
        port = parts.port
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UrlNotAllowed("the host does not resolve")
    for info in infos:
        try:
            check_address(info[4][0])
        except UrlNotAllowed:
            raise UrlNotAllowed(f"{parts.hostname} resolves to a non-public address")
