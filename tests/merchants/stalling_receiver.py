"""A local receiver that misbehaves at the socket level, for the webhook deadline tests: it
reads the whole request (unless `at_once`), then writes `head` at once and trickles `tail` one byte
every `every` seconds, or closes the connection (`reset` with an RST) — what a hostile or broken
merchant server does. Listens on 127.0.0.1 only."""
import socket
import struct
import threading
import time


class StallingReceiver:
    def __init__(self, head: bytes = b"", tail: bytes = b"", every: float = 1.0, reset: bool = False,
                 at_once: bool = False):
        self.head, self.tail, self.every, self.reset, self.at_once = head, tail, every, reset, at_once
        self.requests = 0
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/hooks"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self._server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            conn.settimeout(5)
            request = b""
            while not self.at_once and b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            if not self.at_once:
                self._read_body(conn, request)
            self.requests += 1
            if self.reset:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            try:
                conn.sendall(self.head)
                for byte in self.tail:
                    if self._stop.wait(self.every):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # the client gave up: that is the point
                return

    @staticmethod
    def _read_body(conn, request: bytes):
        """Read the request body to its end: a socket closed with unread bytes in its receive
        buffer answers with an RST, not a FIN, and the client would see a reset instead of the
        cut-short reply a test means to send."""
        head, _sep, body = request.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _colon, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
        time.sleep(0.05)
