"""Delivering the outbox: render, pick the channel, send, record the outcome.

Each message's outcome is committed on its own, so an interrupted run loses at most the message
in flight; a failing channel is retried with backoff and never blocks other recipients.
"""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from actions.common.errors import ActionsError
from actions.common.redact import known_secrets, redact
from actions.common.settings import get_settings
from actions.common.templating import render_email
from actions.domain.models import Message, Person
from actions.domain.policy import LEASE_MARGIN_S, DeliveryPolicy, Policy, load_policy
from actions.messaging import outbox
from actions.messaging.ics import deadlines_calendar
from actions.messaging.transports import (
    Attachment,
    DeliveryError,
    Envelope,
    SmtpPool,
    channel_key,
    is_email_url,
    send_with_apprise,
    write_eml,
)
from actions.store import db

#: Messages per claim. Small, so deliverers share the work evenly to the end: 4 deliverers
#: draining 2,000 messages ran 3.0x one deliverer with claims of 200, 3.5x with 20 (5 gained
#: nothing more). A batch's size never matters for safety: its lease is renewed when half of it
#: is left, and each message is armed (token and lease checked) just before it is sent.
BATCH = 20
#: Tries per unit of work when the database drops the connection, with a growing pause.
DB_ATTEMPTS = 4
DB_RETRY_DELAY_S = 0.5

_T = TypeVar("_T")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # failed this run (will be retried, or gave up)
    gave_up: int = 0
    #: Sends whose outcome was not recorded: the lease ran out meanwhile and another claim
    #: took the message (it is that claim's to send and record).
    fenced: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "gave_up": self.gave_up}


@dataclass
class _Recipient:
    email: str
    name: str
    notify: list[str]


class RateLimiter:
    """At most ``rate`` sends per second per channel (0 = unlimited)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.next_free: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        if not self.interval:
            return
        now = self.clock()
        ready = self.next_free.get(channel, now)
        if ready > now:
            time.sleep(ready - now)
        self.next_free[channel] = max(ready, now) + self.interval


def deliverer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def render(
    session: Session, message: Message, recipient: _Recipient
) -> tuple[str, str, str, list[dict[str, str]]]:
    """Subject, text, HTML and attachments of a planned message."""
    from actions.messaging.digest import compose
    from actions.tracking.links import PORTAL_LINK_MAX_AGE, portal_link

    payload = dict(message.payload)
    groups = compose(session, payload) if "lines" in payload else []
    items = [item for group in groups for item in group["items"]]
    portal = portal_link(recipient.email)
    context = {
        **payload,
        "groups": groups,
        "recipient": {"name": recipient.name, "email": recipient.email},
        "as_of": date.fromisoformat(payload["as_of"]),
        "item_count": len(items),
        "soonest": _soonest(items),
        "portal_url": portal,
        "link_days": PORTAL_LINK_MAX_AGE // 86400,
        "subject": "",
    }
    email = render_email(payload["template"], context)
    context["subject"] = email.subject
    email = render_email(payload["template"], context)
    attachments = []
    if payload["template"] == "reminder":
        calendar = deadlines_calendar(items, portal_url=portal)
        if calendar:
            attachments.append(
                {
                    "filename": "deadlines.ics",
                    "mime": "text/calendar",
                    "data_b64": base64.b64encode(calendar.encode()).decode(),
                }
            )
    return email.subject, email.text, email.html, attachments


def _soonest(items: list[dict[str, Any]]) -> int | None:
    """Days to the nearest deadline among the items that are reminded of one."""
    days = [i["days_left"] for i in items if i.get("days_left") is not None]
    return min(days) if days else None


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found = []
    for item in message.attachments:
        if "data_b64" in item:
            data = base64.b64decode(item["data_b64"])
        else:
            data = Path(item["path"]).read_bytes()
        found.append(Attachment(item["filename"], item["mime"], data))
    return tuple(found)


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

    def channels(self, recipient: _Recipient) -> list[str]:
        if recipient.notify:
            return recipient.notify
        if self.email_url:
            return [self.email_url]
        if self.outbox_dir:
            return ["eml"]
        raise DeliveryError(
            "no delivery channel: set ACTIONS_EMAIL_URL or the person's notify URLs"
        )

    def ready(self, recipient: _Recipient) -> None:
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

    def send(self, envelope: Envelope, recipient: _Recipient, deadline: float) -> str:
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
    from urllib.parse import quote

    return f"{email_url}{'&' if '?' in email_url else '?'}to={quote(to, safe='@')}"


def _recipients(session: Session, ids: list[int]) -> dict[int, _Recipient]:
    rows = session.execute(
        select(col(Message.id), col(Person.email), col(Person.name), col(Person.notify))
        .join(Person, col(Person.id) == col(Message.recipient_id))
        .where(col(Message.id).in_(ids))
    )
    return {mid: _Recipient(email, name, notify.split()) for mid, email, name, notify in rows}


def deliver(
    *,
    only_ids: list[int] | None = None,
    policy: Policy | None = None,
    outbox_dir: Path | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DeliveryReport:
    """Drain due messages (or only ``only_ids``) until none is left to claim.

    Raises :class:`db.DatabaseUnavailable` if the database stays unusable; whatever was sent
    before is on record, and messages claimed but not sent return after their lease.
    """
    policy = policy or load_policy()
    engine = db.get_engine(pre_ping=False)  # _unit_of_work retries dropped connections itself
    owner = deliverer_name()
    deliverer = Deliverer(policy.delivery, outbox_dir=outbox_dir)
    report = DeliveryReport()
    lease = policy.delivery.lease_seconds
    try:
        while limit is None or report.sent + report.failed < limit:
            taken = time.monotonic()  # before the claim: the lease is known to end after this
            claim = _unit_of_work(
                engine,
                lambda s: outbox.claim(
                    s, owner=owner, limit=BATCH, lease_seconds=lease, only_ids=only_ids
                ),
            )
            if not claim.ids:
                break
            lease_clock = _LeaseClock(claim, lease, taken + lease)
            _deliver_batch(engine, lease_clock, deliverer, policy.delivery, report, progress)
    finally:
        deliverer.close()
    return report


def _unit_of_work(engine: Engine, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in a transaction of its own, again on a fresh connection if the database
    dropped the connection (restart, failover, an administrator ending sessions).

    Every unit here is safe to repeat: claims and lease renewals only touch free or own rows,
    and outcomes are guarded by the lease. Retrying matters most after a send: giving up there
    would leave a sent message "sending", to be sent again once its lease expires.
    """
    for attempt in range(1, DB_ATTEMPTS + 1):
        try:
            with db.session_scope(engine) as session:
                return work(session)
        except db.DatabaseUnavailable as exc:
            if not exc.disconnected or attempt == DB_ATTEMPTS:
                raise
            time.sleep(DB_RETRY_DELAY_S * attempt)
    raise AssertionError("unreachable")


@dataclass
class _LeaseClock:
    """A claim and when its lease ends at the latest, by this process's monotonic clock
    (read before the statement that set it, so it never runs ahead of the database's)."""

    claim: outbox.Claim
    lease_seconds: int
    ends: float

    def due(self) -> bool:
        """Renew by time: when less than half of the lease is left."""
        return self.ends - time.monotonic() < self.lease_seconds / 2


@dataclass
class _Outcome:
    """What happened to one message, to be recorded in the next transaction."""

    message_id: int
    attempts: int
    row: dict[str, Any]
    error: str = ""


@dataclass
class _Step:
    """The next message, armed and ready to send (or why not)."""

    prepared: tuple[Message, Envelope | None] | None = None
    #: ``time.monotonic()`` after which nothing of this message may be handed over.
    deadline: float = 0.0
    error: ActionsError | None = None
    #: Whether the last outcome was recorded (False: another claim had taken the message).
    recorded: bool = True


def _deliver_batch(
    engine: Engine,
    lease: _LeaseClock,
    deliverer: Deliverer,
    policy: DeliveryPolicy,
    report: DeliveryReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Send each message; one transaction between two sends records the outcome of the last,
    renews the batch's lease if half of it has gone, and arms the next."""
    ids = lease.claim.ids
    recipients = _unit_of_work(engine, lambda s: _recipients(s, ids))
    outcome: _Outcome | None = None
    for position in range(len(ids) + 1):
        message_id = ids[position] if position < len(ids) else None  # None: record the last
        recipient = recipients.get(message_id) if message_id is not None else None
        if recipient is not None:
            if outcome is not None and deliverer.limiter.interval:
                # A rate limit may wait long: the last outcome is recorded before, not after.
                last = _unit_of_work(
                    engine, partial(_advance, outcome, None, [], None, lease, policy)
                )
                _account(outcome, last.recorded, report, progress)
                outcome = None
            deliverer.ready(recipient)
        step = _unit_of_work(
            engine,
            partial(_advance, outcome, message_id, ids[position + 1 :], recipient, lease, policy),
        )
        _account(outcome, step.recorded, report, progress)
        if message_id is None:
            return
        try:
            if step.error is not None:
                raise step.error
            outcome = _send(message_id, step, recipient, deliverer)
        except ActionsError:
            # Not this message's fault (a missing secret key, say): hand the rest back now.
            token = lease.claim.token
            _unit_of_work(engine, partial(outbox.release, message_ids=ids[position:], token=token))
            raise


def _account(
    outcome: _Outcome | None,
    recorded: bool,
    report: DeliveryReport,
    progress: Callable[[int], None] | None,
) -> None:
    if outcome is None:  # nothing was sent: the message was no longer ours to send
        return
    if not recorded:
        report.fenced += 1
        return
    row = outcome.row
    report.rows.append(row)
    if row["state"] == "sent":
        report.sent += 1
    else:
        report.failed += 1
        report.gave_up += row["state"] == "failed"
    if progress:
        progress(1)


def _send(
    message_id: int,
    step: _Step,
    recipient: _Recipient | None,
    deliverer: Deliverer,
) -> _Outcome | None:
    """Send one armed message, with no transaction open; None if it was not ours to send."""
    if step.prepared is None:
        return None
    message, envelope = step.prepared
    row = {
        "id": message_id,
        "recipient": message.recipient_label,
        "kind": message.kind,
        "subject": message.subject,
        "channel": "",
        "state": "sent",
        "error": "",
    }
    outcome = _Outcome(message_id, message.attempts, row)
    try:
        if recipient is None or envelope is None:
            raise DeliveryError("the recipient no longer exists")
        row["channel"] = deliverer.send(envelope, recipient, step.deadline)
    except DeliveryError as exc:
        outcome.error = redact(
            str(exc), deliverer.secrets + (recipient.notify if recipient else [])
        )
        row.update(error=outcome.error, state="")
    return outcome


def _advance(
    outcome: _Outcome | None,
    next_id: int | None,
    rest: list[int],
    recipient: _Recipient | None,
    lease: _LeaseClock,
    policy: DeliveryPolicy,
    session: Session,
) -> _Step:
    """Record ``outcome``, renew the batch's lease if due, then arm and prepare ``next_id``,
    in the caller's transaction.

    Safe to repeat after a dropped connection: outcomes and arming are guarded by the claim's
    token. An error in preparing (not the database's) is returned, not raised, so the outcome
    still commits.
    """
    recorded = _record(session, outcome, lease.claim.token, policy) if outcome else True
    if next_id is None:
        return _Step(recorded=recorded)
    if lease.due():
        started = time.monotonic()
        outbox.renew(session, [next_id, *rest], lease.claim.token, lease.lease_seconds)
        lease.ends = started + lease.lease_seconds
    try:
        deadline = time.monotonic() + policy.send_timeout_seconds  # before the lease is checked
        prepared = _prepare(session, next_id, recipient, lease.claim.token, policy)
        return _Step(prepared, deadline, recorded=recorded)
    except ActionsError as exc:
        return _Step(error=exc, recorded=recorded)


def _record(session: Session, outcome: _Outcome, token: str, policy: DeliveryPolicy) -> bool:
    """Record an outcome if the claim still holds the message; whether it did."""
    if not outcome.error:
        return outbox.mark_sent(session, outcome.message_id, token)
    state = outbox.mark_failed(
        session,
        outcome.message_id,
        token,
        outcome.error,
        attempts=outcome.attempts,
        max_attempts=policy.max_attempts,
        backoff_seconds=policy.backoff_seconds,
    )
    if state is not None:
        outcome.row["state"] = state
    return state is not None


def _prepare(
    session: Session,
    message_id: int,
    recipient: _Recipient | None,
    token: str,
    policy: DeliveryPolicy,
) -> tuple[Message, Envelope | None] | None:
    """Arm the message, render if needed: the rendering is on record before anything leaves.
    None if it must not be sent (no longer ours, or too little lease left for a whole send);
    no envelope if it has no recipient any more."""
    message = outbox.arm(
        session, message_id, token, must_hold_seconds=policy.send_timeout_seconds + LEASE_MARGIN_S
    )
    if message is None:
        return None
    if recipient is None:
        return message, None
    if not message.body_text:
        _store_rendering(session, message, recipient)
    envelope = Envelope(
        recipient.email,
        recipient.name,
        message.subject,
        message.body_text,
        message.body_html,
        _attachments(message),
        message_id,
    )
    return message, envelope


def _store_rendering(session: Session, message: Message, recipient: _Recipient) -> None:
    subject, text, html, attachments = render(session, message, recipient)
    session.execute(
        update(Message)
        .where(col(Message.id) == message.id)
        .values(subject=subject, body_text=text, body_html=html, attachments=attachments)
    )
    message.subject, message.body_text, message.body_html = subject, text, html
    message.attachments = attachments
