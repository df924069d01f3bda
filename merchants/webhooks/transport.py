"""One webhook POST that cannot hold a worker: a total deadline for the whole attempt (DNS,
connect, TLS, send, status line, headers and body together), at most `max_bytes` of the reply
read, and every failure raised as `AttemptFailed` with a short reason.

A per-read timeout is not a deadline: a receiver that answers one byte every few seconds resets
it on each byte and keeps the worker for minutes (issue 23). Here every blocking socket call is
given only what is left of the attempt's time: http.client parses the reply, but through a
reader that recomputes the socket timeout before each `recv`. CPython bounds `sendall` and the
TLS handshake as a whole by the socket timeout, so those respect what is left as well. The name
is resolved in a helper thread that we stop waiting for at the deadline.

The connection goes to the address that was resolved and checked
(`merchants.webhooks.addresses.check_address`), and the peer's address is checked again once
connected: a DNS answer cannot change between the check and the connection."""
import concurrent.futures
import http.client
import io
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .addresses import UrlNotAllowed, check_address, check_scheme

USER_AGENT = "merchant-ops-webhooks/1"


class AttemptFailed(Exception):
    """`reason`: timeout, dns, tls, connection, protocol, network or url_not_allowed."""

    def __init__(self, reason: str, detail: str):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}")


@dataclass
class Reply:
    status: int
    body: bytes  # at most max_bytes
    truncated: bool  # the receiver had more to say; we stopped reading


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete reply within {self.seconds:g} s")
        return left


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every `recv` may block only until the deadline."""

    def __init__(self, sock, deadline: _Deadline):
        self._sock, self._deadline = sock, deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client needs of a socket (sendall, makefile, close), held to the deadline."""

    def __init__(self, sock, deadline: _Deadline):
        self._sock, self._deadline = sock, deadline

    def sendall(self, data):
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data)

    def makefile(self, mode="rb", *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self):
        """http.client closes its connection once the headers say `Connection: close`, before
        the body is read (a real socket stays open while its makefile() is in use): the socket
        is closed by `post` when the attempt is over."""


_resolver: concurrent.futures.ThreadPoolExecutor | None = None


def _forget_resolver():  # a forked child (Celery prefork) does not inherit the parent's threads
    global _resolver
    _resolver = None


os.register_at_fork(after_in_child=_forget_resolver)


def _resolve(host: str, port: int, deadline: _Deadline) -> list[tuple]:
    try:
        ipaddress.ip_address(host.split("%")[0])
        literal = True
    except ValueError:
        literal = False
    if literal:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    global _resolver
    if _resolver is None:
        _resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=deadline.left())
    except concurrent.futures.TimeoutError:
        raise TimeoutError(f"{host} did not resolve within {deadline.seconds:g} s") from None


def _connect(host: str, port: int, deadline: _Deadline) -> socket.socket:
    infos = _resolve(host, port, deadline)
    for info in infos:  # every answer must pass, as at create: no choosing the harmless one
        check_address(info[4][0])
    error: OSError = OSError(f"{host} has no address")
    for family, type_, proto, _name, sockaddr in infos:
        sock = socket.socket(family, type_, proto)
        try:
            sock.settimeout(deadline.left())
            sock.connect(sockaddr)
            check_address(sock.getpeername()[0])  # the address actually connected to
            return sock
        except UrlNotAllowed:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError):
                break
    raise error


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, max_bytes: int) -> Reply:
    """POST `body` to `url` and read at most `max_bytes` of the reply, all within `timeout`
    seconds; redirects are answers, never followed."""
    deadline = _Deadline(timeout)
    try:
        check_scheme(url)
        parts = urlsplit(url)
        https = parts.scheme.lower() == "https"
        host, port = parts.hostname, parts.port or (443 if https else 80)
        sock = _connect(host, port, deadline)
        try:
            if https:
                sock.settimeout(deadline.left())  # the whole handshake, not each read of it
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            connection = http.client.HTTPConnection(host, port)
            connection.sock = _DeadlineSocket(sock, deadline)
            safe = "/%:@!$&'()*+,;=-._~?"  # what a URL may carry as is: only the rest is %-encoded
            target = quote(parts.path or "/", safe=safe) + (f"?{quote(parts.query, safe=safe)}" if parts.query else "")
            connection.request("POST", target, body=body, headers={
                **headers, "user-agent": USER_AGENT, "connection": "close", "content-length": str(len(body))})
            response = connection.getresponse()
            data = response.read(max_bytes)
            if len(data) < max_bytes and response.length:  # closed before Content-Length was reached
                raise http.client.IncompleteRead(data, response.length)
            truncated = len(data) >= max_bytes and not response.isclosed()
            return Reply(status=response.status, body=data, truncated=truncated)
        finally:
            sock.close()
    except UrlNotAllowed as exc:
        raise AttemptFailed("url_not_allowed", str(exc)) from exc
    except TimeoutError as exc:
        raise AttemptFailed("timeout", str(exc) or f"no complete reply within {timeout:g} s") from exc
    except socket.gaierror as exc:
        raise AttemptFailed("dns", str(exc)) from exc
    except ssl.SSLError as exc:  # also certificate errors
        raise AttemptFailed("tls", str(exc)) from exc
    except http.client.HTTPException as exc:  # IncompleteRead, BadStatusLine, LineTooLong, RemoteDisconnected…
        raise AttemptFailed("protocol", f"{type(exc).__name__}: {exc!r}") from exc
    except ConnectionError as exc:  # refused, reset, aborted, broken pipe
        raise AttemptFailed("connection", f"{type(exc).__name__}: {exc}") from exc
    except (OSError, ValueError, UnicodeError) as exc:  # unreachable network, a header http.client refuses…
        raise AttemptFailed("network", f"{type(exc).__name__}: {exc}") from exc
