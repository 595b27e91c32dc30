"""What became of each message a run sent: recorded in the outbox only if the claim still holds
it (a failure is retried with backoff, or given up after ``max_attempts``), and counted in the
run's :class:`DeliveryReport`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from actions.domain.policy import DeliveryPolicy
from actions.messaging import outbox
from actions.results import DeliverySummary


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # failed this run (will be retried, or gave up)
    gave_up: int = 0
    #: Sends whose outcome was not recorded: the lease ran out meanwhile and another claim
    #: took the message (it is that claim's to send and record).
    fenced: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> DeliverySummary:
        return {"sent": self.sent, "failed": self.failed, "gave_up": self.gave_up}


@dataclass
class Outcome:
    """What happened to one message, to be recorded in the next transaction."""

    message_id: int
    attempts: int
    row: dict[str, Any]
    error: str = ""


def record(session: Session, outcome: Outcome, token: str, policy: DeliveryPolicy) -> bool:
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


def account(
    outcome: Outcome | None,
    recorded: bool,
    report: DeliveryReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Count a recorded outcome in the report (an unrecorded one as fenced)."""
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
