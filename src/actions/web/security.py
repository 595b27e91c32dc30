"""The portal's protections: session cookie, CSRF, body limit, security headers, log redaction.

The session is a signed cookie (itsdangerous, its own salt) holding the person's email, a random
CSRF token, the signing time of the link that opened it and the person's session epoch (signing
out raises the epoch, which ends every session issued before); it is HttpOnly, SameSite=Lax and
Secure when the portal is served over https. Forms echo the CSRF token in a hidden field and the
two are compared in constant time, so a replayed or cross-site POST without this browser's
session fails even though the link itself is reusable.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actions.tracking.links import InvalidToken, read_token, serializer

SESSION_SALT = "actions.portal-session.v1"
#: A portal session lasts a working day; the link can open a new one while it is valid.
SESSION_MAX_AGE = 12 * 3600
#: Largest request body accepted (the update form is at most ~12k characters of text).
MAX_BODY_BYTES = 64 * 1024

CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # Pages show personal data: never keep them in shared caches or the back-forward cache.
    (b"cache-control", b"no-store"),
]


@dataclass(frozen=True)
class PortalSession:
    email: str
    csrf: str
    link_issued_at: datetime
    #: ``Person.session_epoch`` when the session began; a different value means signed out.
    epoch: int


def cookie_name(secure: bool) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path /.
    return "__Host-actions_session" if secure else "actions_session"


def new_session(email: str, link_issued_at: datetime, epoch: int) -> PortalSession:
    return PortalSession(email, secrets.token_urlsafe(32), link_issued_at, epoch)


def encode_session(session: PortalSession) -> str:
    payload = {
        "e": session.email,
        "c": session.csrf,
        "li": session.link_issued_at.timestamp(),
        "se": session.epoch,
    }
    return serializer(SESSION_SALT).dumps(payload)


def decode_session(value: str | None) -> PortalSession | None:
    """The session in a cookie, or None when it is missing, tampered with or expired."""
    if not value:
        return None
    try:
        payload, _ = read_token(value, max_age=SESSION_MAX_AGE, salt=SESSION_SALT)
        issued = datetime.fromtimestamp(float(payload["li"]), tz=UTC)
        csrf, epoch = payload["c"], payload["se"]
    except (InvalidToken, KeyError, TypeError, ValueError):
        return None
    if not isinstance(csrf, str) or not csrf:
        return None
    # A cookie from before epochs existed has none: signed out (the link opens a new session).
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        return None
    return PortalSession(payload["e"], csrf, issued, epoch)


def csrf_ok(session: PortalSession, submitted: object) -> bool:
    if not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


# --------------------------------------------------------------------------- failed attempts

#: Addresses the failure table remembers at most (the least recently failing are forgotten).
MAX_TRACKED_ADDRESSES = 10_000

log = logging.getLogger("actions.web")


class TooManyFailures(Exception):
    """The address has used up its failed attempts: answer 429 until ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class FailureLimiter:
    """Failed link and CSRF attempts per client address, in a sliding window (in-process).

    Each address keeps the times of its last ``max_failures`` failures; once that many fall
    within ``window`` seconds, :meth:`check` raises :class:`TooManyFailures` until the oldest
    leaves the window. Only failures are recorded, so people using good links never count. The
    table holds at most ``max_addresses`` addresses: expired ones go first, then the least
    recently failing. IPv6 addresses count per /64 (one host usually holds a whole /64).
    """

    def __init__(
        self,
        max_failures: int,
        window: float,
        *,
        max_addresses: int = MAX_TRACKED_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_addresses = max_addresses
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # link checks run in worker threads, CSRF on the loop

    def check(self, address: str) -> None:
        """Raise :class:`TooManyFailures` if ``address`` has no attempts left."""
        key = address_key(address)
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return
            now = self.clock()
            self._expire(times, now)
            if not times:
                del self._failures[key]
            elif len(times) >= self.max_failures:
                raise TooManyFailures(max(1, math.ceil(times[0] + self.window - now)))

    def failed(self, address: str) -> None:
        """Record one failed attempt from ``address``."""
        key = address_key(address)
        with self._lock:
            now = self.clock()
            times = self._failures.get(key)
            if times is None:
                if len(self._failures) >= self.max_addresses:
                    self._evict(now)
                times = self._failures[key] = deque(maxlen=self.max_failures)
            else:
                self._failures.move_to_end(key)
                self._expire(times, now)
            times.append(now)
            if len(times) == self.max_failures:
                log.warning(
                    "portal: %d failed link or form attempts from %s within %d s; refusing "
                    "its links and forms (429) for a while",
                    self.max_failures,
                    key,
                    self.window,
                )

    def __len__(self) -> int:
        return len(self._failures)

    def _expire(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def _evict(self, now: float) -> None:
        # The table is in order of last failure: the expired lead, then the least recent.
        while self._failures:
            key, times = next(iter(self._failures.items()))
            if times and times[-1] > now - self.window:
                break
            del self._failures[key]
        while len(self._failures) >= self.max_addresses:
            self._failures.popitem(last=False)


def address_key(address: str) -> str:
    """The key an address counts under: IPv4 as is, IPv6 by its /64, anything else as is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def too_many_failures_response(retry_after: int) -> Response:
    """A short plain 429 (no database, no template: it is what an attacker is answered)."""
    minutes = max(1, math.ceil(retry_after / 60))
    body = (
        "Too many failed attempts from your network address. Nothing was saved.\n"
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then open the link in your latest "
        "reminder email again.\n"
    )
    return PlainTextResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})


# --------------------------------------------------------------------------- ASGI middleware


class BodyTooLarge(Exception):
    pass


class LimitBody:
    """Refuse request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (
            not declared.isascii() or not declared.isdigit() or int(declared) > self.max_bytes
        ):
            await _too_large(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = b"Request too large: please shorten your text and try again.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add the security headers to every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


# --------------------------------------------------------------------------- logs

_TOKEN_PATH = re.compile(r"/p/[^/?\s\"]+")


class RedactPortalTokens(logging.Filter):
    """Keep portal tokens (working credentials) out of access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub("/p/***", record.msg)
        return True


def _redact_arg(arg: Any) -> Any:
    return _TOKEN_PATH.sub("/p/***", arg) if isinstance(arg, str) else arg


def install_log_redaction() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPortalTokens) for f in logger.filters):
        logger.addFilter(RedactPortalTokens())
