"""Where messages go: Apprise URLs, email through a pooled SMTP connection, or .eml files.

Apprise's email plugin waits ~5.5 s between two sends through one Apprise object and builds a
fresh TLS context on every send (measured: 0.18 and 11 messages/s). For ``mailto://`` and
``mailtos://`` URLs we therefore let Apprise parse the URL (same syntax, same defaults) and send
over one SMTP connection per server, reused for the whole delivery run (> 100 messages/s).
Every other scheme goes through a fresh Apprise object per message.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import smtplib
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from actions.common.errors import ActionsError
from actions.common.logs import muted

#: Seconds one SMTP operation may take (the delivery policy's ``send_timeout_seconds``).
SMTP_TIMEOUT_S = 20


class DeliveryError(ActionsError):
    """A channel refused or could not take a message (retried with backoff)."""


class SendDeadlinePassed(smtplib.SMTPException):
    """The send's deadline passed before its next write to the server: nothing more is sent."""


class _FencedSMTP(smtplib.SMTP):
    """An SMTP connection that writes nothing after ``deadline`` (``time.monotonic()``).

    Every command and the message content go through ``send``, so the content's terminating
    line, which commits the message on the server, leaves before the deadline or never: a
    deliverer whose lease is about to end cannot hand a message over late.
    """

    deadline: float | None = None

    def send(self, s: bytes | str) -> None:  # type: ignore[override]  # (Buffer: 3.12)
        if self.deadline is None:
            super().send(s)
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SendDeadlinePassed("the send's deadline passed")
        if self.sock is not None:  # sendall's timeout bounds the whole write (Python >= 3.5)
            self.sock.settimeout(min(self.timeout, left))
        try:
            super().send(s)
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)  # replies: the usual per-operation timeout


class _FencedSMTPSSL(_FencedSMTP, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Envelope:
    to_email: str
    to_name: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    message_id: int = 0


def is_email_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in {"mailto", "mailtos"}


def channel_key(url: str) -> str:
    """A label for rate limiting and reports: scheme and host, never credentials."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split("?", 1)[0]
    return f"{scheme.lower()}://{host}"


@dataclass
class _SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    mode: str  # insecure, starttls or ssl
    from_name: str
    from_addr: str
    targets: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int, str | None, str]:
        return (self.host, self.port, self.user, self.mode)


#: An address in a mailto URL's path (Apprise's extra recipients): local@domain, no ":".
_PATH_ADDRESS = re.compile(r"^[^:@]+@[^:@]+$")


def check_userinfo(url: str) -> None:
    """Refuse an email URL whose password holds "@", "/" or ":" as is (not %40, %2F, %3A).

    Apprise, like any URL parser, then takes part of the password for the server: it looked up
    the host "S3" for the password "Ab@S3/cr:et%PW", a piece of the password sent to DNS and
    named in the error. The message names neither the password nor that host.
    """
    rest = url.partition("://")[2]
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    authority, _, path = head.partition("/")
    user_host, _, port = authority.rpartition(":")
    ambiguous = (
        authority.count("@") > 1  # "user:Ab@S3cret@host"
        or any("@" in seg and not _PATH_ADDRESS.match(seg) for seg in path.split("/") if seg)
        or ("@" not in authority and "@" in path and bool(user_host) and not port.isdigit())
    )
    if ambiguous:
        server = head.rsplit("@", 1)[-1].split("/", 1)[0]
        raise DeliveryError(
            f"{server}: the URL's password holds '@', '/' or ':' as is; "
            "write them percent-encoded (%40, %2F, %3A; '%' itself as %25)"
        )


def parse_email_url(url: str) -> _SmtpConfig:
    """Let Apprise interpret a mailto URL, so users write exactly what Apprise documents."""
    import apprise  # lazy: start-up speed (see actions/cli/app.py)

    check_userinfo(url)

    with muted("apprise"):  # Apprise logs the URL it refuses, password and all
        plugin: Any = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None or not hasattr(plugin, "smtp_host"):
        raise DeliveryError(f"{channel_key(url)}: not a usable mailto URL")
    name, addr = _from_pair(plugin.from_addr)
    targets = tuple(t[1] if isinstance(t, tuple | list) else str(t) for t in plugin.targets)
    return _SmtpConfig(
        host=plugin.smtp_host or plugin.host,
        port=int(plugin.port or (465 if plugin.secure_mode == "ssl" else 25)),
        user=plugin.user,
        password=plugin.password,
        mode=str(plugin.secure_mode if plugin.secure else "insecure"),
        from_name=name,
        from_addr=addr,
        targets=targets,
    )


def _from_pair(value: Any) -> tuple[str, str]:
    if isinstance(value, tuple | list) and len(value) == 2:
        return (str(value[0] or ""), str(value[1] or ""))
    return ("", str(value or ""))


def build_email(envelope: Envelope, from_name: str, from_addr: str, to: str) -> Message:
    """The MIME message: text and HTML alternatives, then any attachments.

    Built with the ``email.mime`` classes rather than ``EmailMessage``: the modern API parses
    every header it is given, 2.0 ms against 0.6 ms a message, a third of a pooled send.
    Header values are single lines (whitespace collapsed), so no value can add a header.
    """
    body = MIMEMultipart("alternative", boundary=_boundary(), policy=_POLICY)
    body.attach(_text_part(envelope.text, "plain"))
    if envelope.html:
        body.attach(_text_part(envelope.html, "html"))
    message: Message = body
    if envelope.attachments:
        message = MIMEMultipart("mixed", boundary=_boundary(), policy=_POLICY)
        message.attach(body)
        for item in envelope.attachments:
            message.attach(_attachment_part(item))
    # compat32 takes a Header object as a value (typeshed types values as str only).
    message["Subject"] = _header(envelope.subject)  # type: ignore[assignment]
    message["From"] = formataddr((_one_line(from_name) or "Inspection actions", from_addr))
    to_name = _one_line(envelope.to_name)
    message["To"] = formataddr((to_name, to)) if to == envelope.to_email else to
    message["Message-ID"] = make_msgid(domain=from_addr.rsplit("@", 1)[-1] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    if envelope.message_id:
        message["X-Actions-Message"] = str(envelope.message_id)  # traces a mail to its outbox row
    return message


class _Compat32(Compat32):
    """``compat32`` without building a ``Header`` object to fold a value that needs no folding
    (short, one line, ASCII): every header of every message went through one, a tenth of a
    deliverer's CPU. Anything else is folded exactly as before."""

    def fold(self, name: str, value: str) -> str:
        if _fits(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if _fits(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


def _fits(name: str, value: object) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and len(name) + len(value) + 2 <= HEADER_LINE_MAX
        and "\n" not in value
        and "\r" not in value
    )


HEADER_LINE_MAX = 78  # RFC 5322's recommended line length, compat32's folding width
_POLICY = _Compat32()
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable source, like EmailMessage chose (the default is base64)


def _boundary() -> str:
    """A random MIME boundary. Given one, the generator skips searching the parts for its own
    (a regular expression compiled per message); 128 random bits cannot occur in a body by chance,
    nor be guessed by whoever wrote an action's title."""
    return f"=_{secrets.token_hex(16)}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _header(value: str) -> str | Header:
    """A Header object, not its encoded text, for non-ASCII values: compat32 folds the object
    correctly, while pre-encoded text, once folded, reads back with a leading space."""
    value = _one_line(value)
    return value if value.isascii() else Header(value, "utf-8")


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, _UTF8)
    return part


def _attachment_part(item: Attachment) -> MIMEBase:
    maintype, _, subtype = item.mime.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(item.data)
    encoders.encode_base64(part)
    filename: str | tuple[str, str, str] = item.filename
    if not item.filename.isascii():
        filename = ("utf-8", "", item.filename)  # RFC 2231
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


@dataclass
class SmtpPool:
    """One open SMTP connection per server for the length of a delivery run."""

    _connections: dict[tuple[str, int, str | None, str], _FencedSMTP] = field(default_factory=dict)
    _context: ssl.SSLContext | None = None
    #: Parsed URLs: Apprise's parse costs ~1 ms, a tenth of a pooled send (profiled).
    _configs: dict[str, _SmtpConfig] = field(default_factory=dict)
    #: Seconds one SMTP operation may take.
    timeout: float = SMTP_TIMEOUT_S

    def send(
        self, url: str, envelope: Envelope, *, use_url_targets: bool, deadline: float | None = None
    ) -> None:
        """Send through the server in ``url``; to the URL's own recipients only if asked
        (a person's notify URL), else to the envelope's address (``ACTIONS_EMAIL_URL``).

        Nothing is written to the server after ``deadline`` (``time.monotonic()``): the send
        fails instead, and the server has not taken the message."""
        config = self.config(url)
        targets = list(config.targets) if use_url_targets else []
        recipients = targets or [envelope.to_email]
        email = build_email(
            envelope,
            config.from_name,
            config.from_addr or "noreply@localhost",
            ", ".join(recipients),
        )
        for attempt in (1, 2):  # a pooled connection may have been dropped by the server
            connection = self._connection(config, deadline)
            connection.deadline = deadline
            try:
                connection.send_message(email, to_addrs=recipients)
                return
            except SendDeadlinePassed:
                self._drop(config)  # mid-transaction: the server discards what it has so far
                raise DeliveryError(
                    f"{config.host}:{config.port}: timed out (send_timeout_seconds)"
                ) from None
            except smtplib.SMTPServerDisconnected:
                self._drop(config)
                if attempt == 2:
                    raise DeliveryError(
                        f"{config.host}:{config.port}: server disconnected"
                    ) from None
            except smtplib.SMTPRecipientsRefused as exc:
                raise DeliveryError(
                    f"{config.host}:{config.port}: recipient refused "
                    f"({_smtp_codes(exc.recipients)})"
                ) from None
            except smtplib.SMTPResponseException as exc:
                self._drop(config)
                raise DeliveryError(f"{config.host}:{config.port}: SMTP {exc.smtp_code}") from None
            except OSError as exc:
                self._drop(config)
                raise DeliveryError(f"{config.host}:{config.port}: {type(exc).__name__}") from None
            finally:
                connection.deadline = None

    def config(self, url: str) -> _SmtpConfig:
        """The server and sender of ``url``, parsed once (the first parse imports Apprise,
        which takes seconds on a busy machine: deliverers do it before a send's clock runs)."""
        return self._configs.get(url) or self._configs.setdefault(url, parse_email_url(url))

    def _connection(self, config: _SmtpConfig, deadline: float | None) -> _FencedSMTP:
        existing = self._connections.get(config.key)
        if existing is not None:
            return existing
        timeout = self.timeout
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
        try:
            if timeout <= 0:
                raise SendDeadlinePassed("the send's deadline passed")
            connection = self._open(config, timeout)
        except SendDeadlinePassed:
            raise DeliveryError(
                f"{config.host}:{config.port}: timed out (send_timeout_seconds)"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            reason = (
                f"SMTP {exc.smtp_code}"
                if isinstance(exc, smtplib.SMTPResponseException)
                else type(exc).__name__
            )
            raise DeliveryError(f"{config.host}:{config.port}: cannot connect ({reason})") from None
        self._connections[config.key] = connection
        return connection

    def _open(self, config: _SmtpConfig, timeout: float) -> _FencedSMTP:
        connection: _FencedSMTP
        if config.mode == "ssl":
            connection = _FencedSMTPSSL(
                config.host, config.port, timeout=timeout, context=self._tls()
            )
        else:
            connection = _FencedSMTP(config.host, config.port, timeout=timeout)
            if config.mode == "starttls":
                connection.starttls(context=self._tls())
        if config.user and config.password:
            connection.login(config.user, config.password)
        connection.timeout = self.timeout  # opened within the deadline; then per operation
        if connection.sock is not None:
            connection.sock.settimeout(self.timeout)
        return connection

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context()  # loaded once, not per message
        return self._context

    def _drop(self, config: _SmtpConfig) -> None:
        connection = self._connections.pop(config.key, None)
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def close(self) -> None:
        for connection in list(self._connections.values()):
            try:
                connection.quit()
            except Exception:
                connection.close()
        self._connections.clear()


def _smtp_codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(str(code) for code, _ in refused.values())


def send_with_apprise(url: str, envelope: Envelope) -> None:
    """Any Apprise URL, through a fresh Apprise object (no shared throttle)."""
    import apprise  # lazy: start-up speed (see actions/cli/app.py)

    if is_email_url(url):
        check_userinfo(url)
    app = apprise.Apprise()
    with muted("apprise"):  # its log lines name the URL, password and all: we say it in one line
        added = app.add(url)
    if not added:
        raise DeliveryError(f"{channel_key(url)}: not a valid Apprise URL")
    with tempfile.TemporaryDirectory() as folder, muted("apprise"):
        attach = apprise.AppriseAttachment()
        for item in envelope.attachments:
            path = Path(folder) / item.filename
            path.write_bytes(item.data)
            attach.add(str(path))
        result = app.notify(
            body=envelope.text,
            title=envelope.subject,
            body_format=apprise.NotifyFormat.TEXT,
            attach=attach if envelope.attachments else None,
        )
    if not result:  # AppriseResult is falsy unless every service succeeded
        raise DeliveryError(f"{channel_key(url)}: the channel refused or did not answer")


def write_eml(folder: Path, envelope: Envelope) -> Path:
    """The demo's "channel": the message as an .eml file a mail client can open."""
    folder.mkdir(parents=True, exist_ok=True)
    email = build_email(
        envelope, "Inspection actions", "noreply@inspection-actions.invalid", envelope.to_email
    )
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in envelope.to_email)
    path = folder / f"{envelope.message_id:06d}-{safe}.eml"
    path.write_bytes(bytes(email))
    return path
