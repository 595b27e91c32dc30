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
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actions.links import InvalidToken, read_token, serializer

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
