"""The action lifecycle as pure rules (docs/lifecycle.md).

``plan_update`` and ``plan_review`` decide what a request does to an action, or refuse it with a
:class:`RuleViolation` whose message tells the user what to do instead. They touch no database:
:mod:`actions.tracking.updates` applies the plans and writes the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

from actions.common.errors import RuleViolation, UserInputError
from actions.domain.models import OPEN_STATUSES, Status

MAX_NOTE_LENGTH = 5000
MAX_URL_LENGTH = 2000
#: C0 control characters other than tab and line breaks, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class UpdateRequest:
    status: Status | None = None
    progress: int | None = None
    note: str = ""
    evidence_url: str = ""
    deadline: date | None = None
    reason: str = ""
    #: The ref of the newer action, when marking this one superseded.
    superseded_by: str | None = None

    def is_empty(self) -> bool:
        return (
            self.status is None
            and self.progress is None
            and not self.note
            and not self.evidence_url
            and self.deadline is None
        )


@dataclass(frozen=True)
class UpdatePlan:
    #: Action fields that change at once (status, progress, evidence...).
    set_now: dict[str, Any] = field(default_factory=dict)
    #: Status asked for: applied now (open states, completed) or after review (not accepted).
    status_to: Status | None = None
    requested_deadline: date | None = None
    needs_review: bool = False


@dataclass(frozen=True)
class PendingRequest:
    """A change awaiting review, as the reviewer sees it."""

    status_to: Status | None
    requested_deadline: date | None
    reason: str


def parse_status(value: str) -> Status:
    try:
        return Status(value.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise UserInputError(f"unknown status {value!r} (one of: {allowed})") from None


def validate_progress(value: int) -> int:
    if not 0 <= value <= 100:
        raise UserInputError(f"progress {value} is outside 0-100")
    return value


def validate_evidence_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parsed = urlparse(value)
    if (
        parsed.scheme not in {"http", "https"}
        or not parsed.netloc
        or len(value) > MAX_URL_LENGTH
        or _CONTROL.search(value)  # NUL crashed PostgreSQL; no link holds a control character
    ):
        raise UserInputError(f"evidence {value[:80]!r} is not an http(s) link")
    return value


def validate_text(value: str, what: str) -> str:
    value = value.strip()
    if len(value) > MAX_NOTE_LENGTH:
        raise UserInputError(f"{what} is longer than {MAX_NOTE_LENGTH} characters")
    if _CONTROL.search(value):
        # PostgreSQL refuses NUL in text ("cannot contain NUL (0x00) bytes"): a portal form with
        # one was a 500. No other control character belongs in a note either.
        raise UserInputError(f"{what} contains control characters")
    return value


def plan_update(
    ref: str,
    current: Status,
    request: UpdateRequest,
    *,
    pending_deadline: bool = False,
    pending_status: bool = False,
) -> UpdatePlan:
    """What an update does to an action in status ``current``, or why it is refused."""
    if request.is_empty():
        raise UserInputError(
            "nothing to update: give --status, --progress, --note, --evidence or --deadline"
        )
    if current not in OPEN_STATUSES:
        raise RuleViolation(_frozen_message(ref, current))

    set_now: dict[str, Any] = {}
    if request.progress is not None:
        set_now["progress"] = validate_progress(request.progress)
    if request.evidence_url:
        set_now["evidence_url"] = validate_evidence_url(request.evidence_url)

    requested_deadline = _deadline_request(ref, request, pending_deadline)
    status_to = request.status if request.status != current else None
    needs_review = requested_deadline is not None
    if status_to is not None:
        needs_review |= _status_change(ref, status_to, request, pending_status, set_now)
    return UpdatePlan(
        set_now=set_now,
        status_to=status_to,
        requested_deadline=requested_deadline,
        needs_review=needs_review,
    )


def _deadline_request(ref: str, request: UpdateRequest, pending: bool) -> date | None:
    if request.deadline is None:
        return None
    if not request.reason.strip():
        raise RuleViolation(f"{ref}: a deadline change needs a reason (--reason)")
    if pending:
        raise RuleViolation(
            f"{ref} already has a deadline change awaiting review; a reviewer must decide it first"
        )
    return request.deadline


def _status_change(
    ref: str,
    status_to: Status,
    request: UpdateRequest,
    pending_status: bool,
    set_now: dict[str, Any],
) -> bool:
    """Validate a status change; returns True when it waits for review."""
    if status_to in OPEN_STATUSES:
        set_now["status"] = status_to
        return False
    if status_to == Status.CLOSED:
        raise RuleViolation(
            f"{ref}: closing needs a reviewer; mark it completed, then a reviewer runs "
            f"`actions review {ref} --accept`"
        )
    if pending_status:
        raise RuleViolation(f"{ref} already has a status change awaiting review")
    if status_to == Status.COMPLETED:
        if not request.note.strip():
            raise RuleViolation(f"{ref}: completion needs a closing note (--note)")
        set_now["status"] = Status.COMPLETED
        return True
    if status_to == Status.NOT_ACCEPTED:
        if not (request.note.strip() or request.reason.strip()):
            raise RuleViolation(f"{ref}: 'not accepted' needs a reason (--note)")
        return True
    # superseded: an administrative fact, applied at once and audited.
    if not request.superseded_by:
        raise RuleViolation(f"{ref}: superseded needs the newer action (--superseded-by REF)")
    set_now["status"] = Status.SUPERSEDED
    return False


def _frozen_message(ref: str, current: Status) -> str:
    if current == Status.COMPLETED:
        return (
            f"{ref} is completed and awaiting review; a reviewer must accept or reject it "
            "before it can change again"
        )
    return f"{ref} is {current.value} and can no longer be updated"


def plan_review(
    ref: str, current: Status, pending: PendingRequest, *, accept: bool
) -> dict[str, Any]:
    """The action fields a reviewer's decision changes."""
    changes: dict[str, Any] = {}
    if pending.status_to == Status.COMPLETED:
        if current != Status.COMPLETED:
            raise RuleViolation(f"{ref} is {current.value}, not awaiting completion review")
        if accept:
            changes.update(status=Status.CLOSED, progress=100, escalation_level=0)
        else:
            changes["status"] = Status.IN_PROGRESS
    elif pending.status_to == Status.NOT_ACCEPTED and accept:
        changes.update(
            status=Status.NOT_ACCEPTED, not_accepted_reason=pending.reason, escalation_level=0
        )
    if pending.requested_deadline is not None and accept:
        changes.update(deadline=pending.requested_deadline, escalation_level=0)
    return changes
