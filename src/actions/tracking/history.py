"""An action's story: its audit trail, deadline history and updates, for `show` and the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import select
from sqlmodel import Session, col

from actions.domain.models import Action, ActionUpdate, AuditRecord, Person, Review


@dataclass(frozen=True)
class DeadlineEntry:
    deadline: str | None
    since: datetime | None
    by: str
    reason: str


@dataclass(frozen=True)
class PostedUpdate:
    """What a posted update says, as every reader of it sees it: an action's history, the
    portal's review queue and the progress report each add their own fields."""

    at: datetime
    by: str
    status_to: str | None
    progress: int | None
    note: str
    evidence_url: str
    requested_deadline: date | None
    reason: str
    needs_review: bool

    @classmethod
    def of(cls, update: ActionUpdate, by: str, **own: Any) -> Self:
        """``own``: the reader's own fields, and any it reads differently (a redacted URL)."""
        said: dict[str, Any] = {
            "at": update.created_at,
            "by": by,
            "status_to": update.status_to,
            "progress": update.progress,
            "note": update.note,
            "evidence_url": update.evidence_url,
            "requested_deadline": update.requested_deadline,
            "reason": update.reason,
            "needs_review": update.needs_review,
        }
        return cls(**(said | own))


@dataclass(frozen=True)
class UpdateEntry(PostedUpdate):
    decision: str | None
    reviewer: str | None
    review_note: str


def audit_trail(session: Session, action_id: int) -> list[AuditRecord]:
    stmt = (
        select(AuditRecord)
        .where(col(AuditRecord.action_id) == action_id)
        .order_by(AuditRecord.at, AuditRecord.id)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt).scalars())


def deadline_history(action: Action, trail: list[AuditRecord]) -> list[DeadlineEntry]:
    """The original deadline and every revision that took effect, oldest first."""
    entries = [
        DeadlineEntry(
            deadline=action.original_deadline.isoformat() if action.original_deadline else None,
            since=action.created_at,
            by="original",
            reason="",
        )
    ]
    for record in trail:
        if record.field == "deadline":
            entries.append(DeadlineEntry(record.new, record.at, record.actor, record.reason))
    return entries


def update_entries(session: Session, action_id: int) -> list[UpdateEntry]:
    author = Person.__table__.alias("author")  # type: ignore[attr-defined]
    reviewer = Person.__table__.alias("reviewer")  # type: ignore[attr-defined]
    stmt = (
        select(ActionUpdate, author.c.email, Review, reviewer.c.email)
        .join(author, author.c.id == ActionUpdate.author_id)
        .outerjoin(Review, col(Review.update_id) == ActionUpdate.id)  # type: ignore[arg-type]
        .outerjoin(reviewer, reviewer.c.id == Review.reviewer_id)
        .where(col(ActionUpdate.action_id) == action_id)
        .order_by(ActionUpdate.created_at, ActionUpdate.id)  # type: ignore[arg-type]
    )
    return [
        UpdateEntry.of(
            update,
            by,
            decision=review.decision if review else None,
            reviewer=reviewer_email,
            review_note=review.note if review else "",
        )
        for update, by, review, reviewer_email in session.execute(stmt)
    ]
