"""A TCP forwarder on 127.0.0.1 that a test can cut, to take a database away mid-run; given
several targets it is a round-robin load balancer (one target per connection)."""

import itertools
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class Proxy:
    def __init__(self, target: tuple[str, int] | Sequence[tuple[str, int]]):
        targets = [target] if isinstance(target[0], str) else list(target)  # type: ignore[list-item]
        self._targets = itertools.cycle(targets)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._up = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._up:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self._up:
                client.close()
                return
            upstream = socket.create_connection(next(self._targets))
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """The database is gone: new connections are refused, open ones are reset."""
        self._up = False
        self.listener.close()
        with self._lock:
            for s in self._open:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.close()
                except OSError:
                    pass


@contextmanager
def proxied(host: str, port: int, *more: tuple[str, int]) -> Iterator[Proxy]:
    proxy = Proxy([(host, port), *more])
    try:
        yield proxy
    finally:
        proxy.cut()
