"""Delivering the outbox: claim due messages in batches under a lease, then send each one and
record its outcome (docs/delivery.md).

Each message's outcome is committed on its own, so an interrupted run loses at most the message
in flight; a failing channel is retried with backoff and never blocks other recipients.

The parts, a module a job: :mod:`~actions.messaging.fencing` (arming a message under the claim's
token, renewing the lease by time), :mod:`~actions.messaging.sending` (channels and transports),
:mod:`~actions.messaging.ratelimit`, :mod:`~actions.messaging.rendering` (the message's text,
stored before it is sent) and :mod:`~actions.messaging.outcomes` (recording outcomes and
retries, the run's report). The names callers used from here are re-exported.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from actions.common.errors import ActionsError
from actions.common.redact import redact
from actions.domain.policy import DeliveryPolicy, Policy, load_policy
from actions.messaging import outbox
from actions.messaging.fencing import LeaseClock, Step, advance
from actions.messaging.outcomes import DeliveryReport, Outcome, account
from actions.messaging.ratelimit import RateLimiter
from actions.messaging.rendering import render
from actions.messaging.sending import Deliverer, Recipient, load_recipients
from actions.messaging.transports import DeliveryError
from actions.store import db

__all__ = [
    "BATCH",
    "Deliverer",
    "DeliveryReport",
    "RateLimiter",
    "deliver",
    "deliverer_name",
    "render",
]

#: Messages per claim. Small, so deliverers share the work evenly to the end: 4 deliverers
#: draining 2,000 messages ran 3.0x one deliverer with claims of 200, 3.5x with 20 (5 gained
#: nothing more). A batch's size never matters for safety: its lease is renewed when half of it
#: is left, and each message is armed (token and lease checked) just before it is sent.
BATCH = 20
#: Tries per unit of work when the database drops the connection, with a growing pause.
DB_ATTEMPTS = 4
DB_RETRY_DELAY_S = 0.5

_T = TypeVar("_T")


def deliverer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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
            lease_clock = LeaseClock(claim, lease, taken + lease)
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


def _deliver_batch(
    engine: Engine,
    lease: LeaseClock,
    deliverer: Deliverer,
    policy: DeliveryPolicy,
    report: DeliveryReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Send each message; one transaction between two sends records the outcome of the last,
    renews the batch's lease if half of it has gone, and arms the next."""
    ids = lease.claim.ids
    recipients = _unit_of_work(engine, lambda s: load_recipients(s, ids))
    outcome: Outcome | None = None
    for position in range(len(ids) + 1):
        message_id = ids[position] if position < len(ids) else None  # None: record the last
        recipient = recipients.get(message_id) if message_id is not None else None
        if recipient is not None:
            if outcome is not None and deliverer.limiter.interval:
                # A rate limit may wait long: the last outcome is recorded before, not after.
                last = _unit_of_work(
                    engine, partial(advance, outcome, None, [], None, lease, policy)
                )
                account(outcome, last.recorded, report, progress)
                outcome = None
            deliverer.ready(recipient)
        step = _unit_of_work(
            engine,
            partial(advance, outcome, message_id, ids[position + 1 :], recipient, lease, policy),
        )
        account(outcome, step.recorded, report, progress)
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


def _send(
    message_id: int,
    step: Step,
    recipient: Recipient | None,
    deliverer: Deliverer,
) -> Outcome | None:
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
    outcome = Outcome(message_id, message.attempts, row)
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
