"""Sending one message to its recipient: which channels, in which order, and through which
transport (docs/delivery.md, "Channels"). Knows nothing of the outbox or its leases."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.redact import known_secrets
from actions.common.settings import get_settings
from actions.domain.models import Message, Person
from actions.domain.policy import DeliveryPolicy
from actions.messaging.ratelimit import RateLimiter
from actions.messaging.transports import (
    DeliveryError,
    Envelope,
    SmtpPool,
    channel_key,
    is_email_url,
    send_with_apprise,
    write_eml,
)


@dataclass
class Recipient:
    email: str
    name: str
    notify: list[str]


def load_recipients(session: Session, ids: list[int]) -> dict[int, Recipient]:
    """The recipient of each message in ``ids`` that still has one."""
    rows = session.execute(
        select(col(Message.id), col(Person.email), col(Person.name), col(Person.notify))
        .join(Person, col(Person.id) == col(Message.recipient_id))
        .where(col(Message.id).in_(ids))
    )
    return {mid: Recipient(email, name, notify.split()) for mid, email, name, notify in rows}


class Deliverer:
    """Sends claimed messages through the right channel; one per delivery run."""

    def __init__(self, policy: DeliveryPolicy, *, outbox_dir: Path | None = None) -> None:
        settings = get_settings()
        self.policy = policy
        self.email_url = settings.email_url.get_secret_value() if settings.email_url else None
        self.outbox_dir = outbox_dir or settings.outbox_dir
        self.smtp = SmtpPool(timeout=policy.send_timeout_seconds)
        self.limiter = RateLimiter(policy.rate_per_second)
        self.secrets = known_secrets()

    def channels(self, recipient: Recipient) -> list[str]:
        if recipient.notify:
            return recipient.notify
        if self.email_url:
            return [self.email_url]
        if self.outbox_dir:
            return ["eml"]
        raise DeliveryError(
            "no delivery channel: set ACTIONS_EMAIL_URL or the person's notify URLs"
        )

    def ready(self, recipient: Recipient) -> None:
        """Everything a send to the recipient waits for but the channel itself: the rate limit
        of each channel, parsing its URL. Done before the message is armed, so none of it eats
        into the time the send has (``send_timeout_seconds``)."""
        try:
            urls = self.channels(recipient)
            for url in urls:
                if url == "eml":
                    continue
                self.limiter.wait(channel_key(url))
                if is_email_url(url) and self.policy.smtp_pooling:
                    self.smtp.config(url)
        except DeliveryError:
            return  # the send fails and says why

    def send(self, envelope: Envelope, recipient: Recipient, deadline: float) -> str:
        """Send to every channel of the recipient, handing nothing over after ``deadline``
        (``time.monotonic()``); returns a description without secrets.

        Pooled SMTP writes nothing to the server after the deadline. Other Apprise channels
        are not started after it, but one already started runs to its own timeouts."""
        used = []
        for url in self.channels(recipient):
            if time.monotonic() >= deadline:
                raise DeliveryError(f"{_label(url)}: timed out (send_timeout_seconds)")
            if url == "eml":
                assert self.outbox_dir is not None
                write_eml(self.outbox_dir, envelope)
                used.append("eml file")
                continue
            own_url = url != self.email_url
            if is_email_url(url) and self.policy.smtp_pooling:
                self.smtp.send(url, envelope, use_url_targets=own_url, deadline=deadline)
            else:
                send_with_apprise(url if own_url else _addressed(url, envelope.to_email), envelope)
            used.append(channel_key(url))
        return ", ".join(used)

    def close(self) -> None:
        self.smtp.close()


def _label(url: str) -> str:
    return "eml file" if url == "eml" else channel_key(url)


def _addressed(email_url: str, to: str) -> str:
    """``ACTIONS_EMAIL_URL`` carries no recipient: add the person's address for Apprise."""
    return f"{email_url}{'&' if '?' in email_url else '?'}to={quote(to, safe='@')}"
