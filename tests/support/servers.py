"""Real servers on loopback for delivery tests: SMTP (aiosmtpd) and an HTTP endpoint for
Apprise's json:// plugin. Both record what arrives and can be told to refuse. And the portal
itself, as ``actions web`` runs it in production (a process of its own)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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


# --------------------------------------------------------------------------- the portal

ACTIONS_CLI = str(Path(sys.executable).with_name("actions"))
#: Runs a command with a lower limit of open files (argv: limit, program, its arguments).
_WITH_OPEN_FILES = (
    "import os, resource, sys; "
    "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), hard)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


@dataclass
class PortalProcess:
    url: str
    port: int
    log: Path


@contextmanager
def portal_process(
    log: Path, *args: str, open_files: int | None = None, env: dict[str, str] | None = None
) -> Iterator[PortalProcess]:
    """``actions web`` on a free loopback port (with the environment's database and key),
    optionally under a lower open-file limit; stopped (SIGTERM) on exit."""
    port = free_port()
    command = [ACTIONS_CLI, "web", "--port", str(port), *args]
    if open_files is not None:
        command = [sys.executable, "-c", _WITH_OPEN_FILES, str(open_files), *command]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env or dict(os.environ), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"actions web did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield PortalProcess(f"http://127.0.0.1:{port}", port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
