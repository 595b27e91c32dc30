"""Real servers on loopback for delivery tests: SMTP (aiosmtpd) and an HTTP endpoint for
Apprise's json:// plugin. Both record what arrives and can be told to refuse."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """Accepts mail (or refuses it with ``reply``) and keeps every message."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reply: str = "250 OK"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m for m, (_, rcpt) in zip(self.messages, self.envelopes, strict=True) if address in rcpt
        ]

    def url(self, sender: str = "tracker@force.example") -> str:
        return f"mailto://127.0.0.1:{self.port}?from={sender}"


def start_smtp(port: int | None = None) -> tuple[SmtpSink, Controller]:
    sink = SmtpSink(port=port or free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    return sink, controller


@dataclass
class HttpSink:
    port: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0

    def url(self, path: str = "notify") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"


def start_http() -> tuple[HttpSink, ThreadingHTTPServer]:
    sink = HttpSink(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if sink.delay:
                time.sleep(sink.delay)
            if sink.status == 200:
                sink.posts.append(json.loads(body or b"{}"))
            self.send_response(sink.status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", sink.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return sink, server


def smtp_fixture() -> Iterator[SmtpSink]:
    sink, controller = start_smtp()
    try:
        yield sink
    finally:
        controller.stop()


def http_fixture() -> Iterator[HttpSink]:
    sink, server = start_http()
    try:
        yield sink
    finally:
        server.shutdown()
