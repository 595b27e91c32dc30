"""Fencing (docs/delivery.md, "Leases"): a message is sent only by the claim that holds it.

Between two sends, one transaction records the last outcome under the claim's token, renews the
batch's lease by time (when half of it has gone), and arms the next message: checks the token
and that enough lease is left for a whole send, and stores its rendering, before anything leaves.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from actions.common.errors import ActionsError
from actions.domain.models import Message
from actions.domain.policy import LEASE_MARGIN_S, DeliveryPolicy
from actions.messaging import outbox
from actions.messaging.outcomes import Outcome, record
from actions.messaging.rendering import store_rendering
from actions.messaging.transports import Attachment, Envelope

if TYPE_CHECKING:
    from actions.messaging.sending import Recipient


@dataclass
class LeaseClock:
    """A claim and when its lease ends at the latest, by this process's monotonic clock
    (read before the statement that set it, so it never runs ahead of the database's)."""

    claim: outbox.Claim
    lease_seconds: int
    ends: float

    def due(self) -> bool:
        """Renew by time: when less than half of the lease is left."""
        return self.ends - time.monotonic() < self.lease_seconds / 2


@dataclass
class Step:
    """The next message, armed and ready to send (or why not)."""

    prepared: tuple[Message, Envelope | None] | None = None
    #: ``time.monotonic()`` after which nothing of this message may be handed over.
    deadline: float = 0.0
    error: ActionsError | None = None
    #: Whether the last outcome was recorded (False: another claim had taken the message).
    recorded: bool = True


def advance(
    outcome: Outcome | None,
    next_id: int | None,
    rest: list[int],
    recipient: Recipient | None,
    lease: LeaseClock,
    policy: DeliveryPolicy,
    session: Session,
) -> Step:
    """Record ``outcome``, renew the batch's lease if due, then arm and prepare ``next_id``,
    in the caller's transaction.

    Safe to repeat after a dropped connection: outcomes and arming are guarded by the claim's
    token. An error in preparing (not the database's) is returned, not raised, so the outcome
    still commits.
    """
    recorded = record(session, outcome, lease.claim.token, policy) if outcome else True
    if next_id is None:
        return Step(recorded=recorded)
    if lease.due():
        started = time.monotonic()
        outbox.renew(session, [next_id, *rest], lease.claim.token, lease.lease_seconds)
        lease.ends = started + lease.lease_seconds
    try:
        deadline = time.monotonic() + policy.send_timeout_seconds  # before the lease is checked
        prepared = _prepare(session, next_id, recipient, lease.claim.token, policy)
        return Step(prepared, deadline, recorded=recorded)
    except ActionsError as exc:
        return Step(error=exc, recorded=recorded)


def _prepare(
    session: Session,
    message_id: int,
    recipient: Recipient | None,
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
        store_rendering(session, message, recipient)
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


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found = []
    for item in message.attachments:
        if "data_b64" in item:
            data = base64.b64decode(item["data_b64"])
        else:
            data = Path(item["path"]).read_bytes()
        found.append(Attachment(item["filename"], item["mime"], data))
    return tuple(found)
