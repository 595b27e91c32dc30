"""The append-only audit trail (docs/lifecycle.md).

Records are added to the caller's session so they commit, or roll back, with the change itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from actions.domain.models import AuditRecord
from actions.domain.types import utcnow

SYSTEM_ACTOR = "system"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def record(
    session: Session,
    *,
    actor: str,
    entity: str,
    entity_id: int,
    field: str,
    old: Any = None,
    new: Any = None,
    reason: str = "",
    action_id: int | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    entry = AuditRecord(
        at=at or utcnow(),
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action_id=action_id,
        field=field,
        old=_text(old),
        new=_text(new),
        reason=reason,
    )
    session.add(entry)
    return entry


def record_changes(
    session: Session,
    *,
    actor: str,
    entity: str,
    entity_id: int,
    changes: dict[str, tuple[Any, Any]],
    reason: str = "",
    action_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """One record per changed field; ``changes`` maps field → (old, new)."""
    for field, (old, new) in changes.items():
        if _text(old) != _text(new):
            record(
                session,
                actor=actor,
                entity=entity,
                entity_id=entity_id,
                field=field,
                old=old,
                new=new,
                reason=reason,
                action_id=action_id,
                at=at,
            )
