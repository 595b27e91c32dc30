"""The product's words as values: kinds of finding, statuses, roles, decisions, message states.

Pure Python (no database layer), so the reader and ``extract --format csv`` can use them without
loading SQLAlchemy; :mod:`actions.domain.models` stores them as short strings.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    AREA_FOR_IMPROVEMENT = "area_for_improvement"
    CAUSE_OF_CONCERN = "cause_of_concern"
    RECOMMENDATION = "recommendation"

    @property
    def code(self) -> str:
        return KIND_CODES[self]


KIND_CODES = {
    Kind.AREA_FOR_IMPROVEMENT: "AFI",
    Kind.CAUSE_OF_CONCERN: "COC",
    Kind.RECOMMENDATION: "REC",
}


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETED = "completed"  # awaiting review
    CLOSED = "closed"
    SUPERSEDED = "superseded"
    NOT_ACCEPTED = "not_accepted"


OPEN_STATUSES = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED})


class Role(StrEnum):
    MEMBER = ""
    SRO = "sro"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class SuggestionState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
