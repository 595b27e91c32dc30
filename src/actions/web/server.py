"""How ``actions web`` serves the portal: uvicorn over h11, with a deadline for request heads.

uvicorn closes a kept-alive connection that stays idle (``timeout_keep_alive``) but has no
deadline for the head of a request: a socket that connects and sends nothing, or half a request
line, was held for ever (measured: still open after 15 s, and under the usual limit of 1,024
open files, 1,100 such sockets made /healthz time out). :class:`HeadDeadlineProtocol` closes a
connection whose request head is not complete ``header_timeout`` seconds after the connection
opened, or after the first byte of the next request on a kept-alive one; bytes trickled in
do not extend it. Connections still waiting for their head are also capped (a quarter of the
open-file limit): past the cap, the longest-waiting is closed, so idle sockets cannot use up the
process's files before their deadline either (the accept backlog is sized to match).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]

#: Seconds a client has to send a whole request head (request line and headers).
HEADER_TIMEOUT = 10.0
#: Seconds an idle kept-alive connection stays open between requests (uvicorn's default).
KEEP_ALIVE_TIMEOUT = 5
#: Largest request head accepted (h11's default, set explicitly): more is a 400.
MAX_HEAD_BYTES = 16 * 1024
#: Most connections waiting for their head, whatever the open-file limit.
MAX_WAITING_CAP = 10_000


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not send a request head in time.

    Subclassed per server by :func:`protocol_class`, which sets the class variables.
    """

    header_timeout: ClassVar[float] = HEADER_TIMEOUT
    max_waiting: ClassVar[int] = MAX_WAITING_CAP
    #: Connections of this server waiting for a request head, longest-waiting first.
    waiting: ClassVar[OrderedDict[HeadDeadlineProtocol, None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()
        while len(self.waiting) > self.max_waiting:
            next(iter(self.waiting))._close_waiting()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self.conn.their_state is h11.IDLE:
            self._await_head()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is in (or the connection failed)
            self._head_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._close_waiting)
        self.waiting[self] = None

    def _head_arrived(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self.waiting.pop(self, None)

    def _close_waiting(self) -> None:
        """No request is under way on this connection (no head yet): close it, answer nothing."""
        self._head_arrived()
        if not self.transport.is_closing():
            self.transport.close()


def open_file_limit() -> int:
    """The process's soft limit of open files (Windows has no such limit: the cap then)."""
    if resource is None:  # pragma: no cover - not POSIX
        return MAX_WAITING_CAP * 2
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return MAX_WAITING_CAP * 2 if soft == resource.RLIM_INFINITY else soft


def protocol_class(header_timeout: float = HEADER_TIMEOUT) -> type[HeadDeadlineProtocol]:
    """A protocol class for one server: its own deadline, cap and table of waiting connections.

    At most a quarter of the open-file limit waits for a head; the rest is for requests under
    way, the database and the files the portal reads.
    """
    cap = min(MAX_WAITING_CAP, max(16, open_file_limit() // 4))
    attributes = {"header_timeout": header_timeout, "max_waiting": cap, "waiting": OrderedDict()}
    return type("PortalH11Protocol", (HeadDeadlineProtocol,), attributes)


def accept_backlog() -> int:
    """Connections the kernel queues, and so the most asyncio accepts in one go (uvicorn's 2,048
    by default): an eighth of the open-file limit, so a burst of idle sockets is accepted in
    steps the cap can keep up with (with 2,048 and 256 files, 300 sockets ran the process out
    of files before the cap closed any; with 32, never)."""
    return min(2048, max(16, open_file_limit() // 8))


def server_config(
    app: Any, host: str, port: int, *, header_timeout: float = HEADER_TIMEOUT, **options: Any
) -> uvicorn.Config:
    """The uvicorn settings of the portal (no Server header; proxy headers from loopback only,
    uvicorn's default trust list, ``FORWARDED_ALLOW_IPS`` to change it)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(header_timeout),
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        backlog=accept_backlog(),
        server_header=False,
        **options,
    )
