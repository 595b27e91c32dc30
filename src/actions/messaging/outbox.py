"""The outbox's state machine: claim with a lease, then mark sent, retry later, or give up.

A claim is one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING, so several
deliverers on PostgreSQL take disjoint batches without waiting on each other; SQLite (one
writer at a time) runs the same statement atomically. A deliverer that dies leaves its messages
"sending" until the lease expires, then anyone may take them again: a message is sent at least
once, and more than once only if a deliverer died between sending it and recording that.

Fencing: every claim writes a fresh ``claim_token``. Just before a message is sent, one UPDATE
matches that token and a lease that outlasts the send (:func:`arm`); outcomes are recorded only
while the token still matches. A deliverer that stalled past its lease (a paused process, a
slow machine) finds its token replaced by the next claim's and neither sends nor records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session, col

from actions.common.dates import utcnow
from actions.domain.models import Message, MessageState


def claimable(now: datetime) -> object:
    return or_(
        and_(col(Message.state) == MessageState.PENDING.value, col(Message.next_attempt_at) <= now),
        and_(col(Message.state) == MessageState.SENDING.value, col(Message.lease_until) < now),
    )


@dataclass(frozen=True)
class Claim:
    """Messages taken by one claim: their ids (oldest first) and the claim's token."""

    token: str
    ids: list[int]


def new_token() -> str:
    return uuid.uuid4().hex


def claim(
    session: Session,
    *,
    owner: str,
    limit: int,
    lease_seconds: int,
    only_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Claim:
    """Take up to ``limit`` due messages for ``owner`` under a new token."""
    now = now or utcnow()
    token = new_token()
    pick = select(col(Message.id)).where(claimable(now))  # type: ignore[arg-type]
    if only_ids is not None:
        pick = pick.where(col(Message.id).in_(only_ids))
    pick = pick.order_by(col(Message.id)).limit(limit).with_for_update(skip_locked=True)
    stmt = (
        update(Message)
        .where(col(Message.id).in_(pick.scalar_subquery()))
        .values(
            state=MessageState.SENDING.value,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds),
            claim_token=token,
        )
        .returning(col(Message.id))
    )
    return Claim(token, sorted(session.execute(stmt).scalars()))


def renew(
    session: Session,
    message_ids: list[int],
    token: str,
    lease_seconds: int,
    now: datetime | None = None,
) -> int:
    """Extend the lease of a claim's messages that are still its own and not yet expired; how
    many. Deliverers renew when half the lease is left (time, not messages, runs leases out)."""
    if not message_ids:
        return 0
    now = now or utcnow()
    result = session.connection().execute(
        update(Message)
        .where(
            col(Message.id).in_(message_ids),
            col(Message.claim_token) == token,
            col(Message.state) == MessageState.SENDING.value,
            col(Message.lease_until) > now,
        )
        .values(lease_until=now + timedelta(seconds=lease_seconds))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def arm(
    session: Session,
    message_id: int,
    token: str,
    *,
    must_hold_seconds: float,
    now: datetime | None = None,
) -> Message | None:
    """Mark one message as being sent, the last step before it leaves; the message, or None
    if it must not be sent: another claim took it (the token changed), or its lease ends
    within ``must_hold_seconds`` (the send's timeout and a margin).

    One statement checks and writes, so no claim can slip in between: a deliverer whose lease
    lapsed while it stalled (measured before: 2 of 5,000 messages sent twice on a busy
    machine, with nobody killed) finds the message gone here and does not send it. The attempt
    is counted here, not at the claim: a message taken over unsent used no attempt.
    """
    now = now or utcnow()
    armed = (
        update(Message)
        .where(
            col(Message.id) == message_id,
            col(Message.claim_token) == token,
            col(Message.state) == MessageState.SENDING.value,
            col(Message.lease_until) > now + timedelta(seconds=must_hold_seconds),
        )
        .values(state=MessageState.SENDING.value, attempts=col(Message.attempts) + 1)
        .returning(Message)  # the message itself, in the same round trip
        .execution_options(synchronize_session=False)  # nothing in the session to update
    )
    return session.execute(armed).scalars().one_or_none()


def mark_sent(session: Session, message_id: int, token: str) -> bool:
    """Record success; False if another claim has taken the message since (nothing written).

    The token stays on the row, so recording again after a dropped connection is harmless."""
    result = session.connection().execute(  # Core: the ORM's bulk-update bookkeeping is not free
        update(Message)
        .where(col(Message.id) == message_id, col(Message.claim_token) == token)
        .values(
            state=MessageState.SENT.value,
            sent_at=utcnow(),
            lease_owner=None,
            lease_until=None,
            last_error="",
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(
    session: Session,
    message_id: int,
    token: str,
    error: str,
    *,
    attempts: int,
    max_attempts: int,
    backoff_seconds: int,
) -> str | None:
    """Record a failure: retry later with exponential backoff, or give up for good; the new
    state, or None if another claim has taken the message since (nothing written)."""
    final = attempts >= max_attempts
    delay = backoff_seconds * 2 ** max(attempts - 1, 0)
    state = MessageState.FAILED if final else MessageState.PENDING
    result = session.connection().execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.claim_token) == token)
        .values(
            state=state.value,
            last_error=error[:2000],
            lease_owner=None,
            lease_until=None,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
    )
    return state.value if result.rowcount else None  # type: ignore[attr-defined]


def release(session: Session, message_ids: list[int], token: str) -> None:
    """Give claimed, unsent messages back at once (the run is stopping on an error that is
    not theirs, e.g. a missing setting), instead of leaving them until the lease expires."""
    if not message_ids:
        return
    session.execute(
        update(Message)
        .where(
            col(Message.id).in_(message_ids),
            col(Message.claim_token) == token,
            col(Message.state) == MessageState.SENDING.value,
        )
        .values(state=MessageState.PENDING.value, lease_owner=None, lease_until=None)
    )
