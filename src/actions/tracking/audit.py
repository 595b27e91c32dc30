"""The append-only audit trail (docs/lifecycle.md): the one place that knows a record's shape.

A :class:`Trail` builds every record (:meth:`Trail.row`) and either adds it to the caller's session,
so it commits or rolls back with the change itself, or bulk-inserts many (ingest, import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from actions.common.dates import utcnow
from actions.domain.models import AuditRecord
from actions.store.bulk import bulk_insert

SYSTEM_ACTOR = "system"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Trail:
    """Records by one actor at one moment, for one reason unless a record gives its own.

    ``at`` None stamps each record when it is written.
    """

    session: Session
    actor: str
    at: datetime | None = None
    reason: str = ""

    @property
    def now(self) -> datetime:
        """The trail's moment, or the present one for a trail stamped as it goes."""
        return self.at or utcnow()

    def row(
        self,
        entity: str,
        entity_id: int,
        field: str,
        old: Any = None,
        new: Any = None,
        *,
        reason: str | None = None,
        action_id: int | None = None,
    ) -> dict[str, Any]:
        """A record as a row, for :meth:`add` or :meth:`insert`."""
        return {
            "at": self.now,
            "actor": self.actor,
            "entity": entity,
            "entity_id": entity_id,
            "action_id": action_id,
            "field": field,
            "old": _text(old),
            "new": _text(new),
            "reason": self.reason if reason is None else reason,
        }

    def action_row(
        self,
        action_id: int,
        field: str,
        old: Any = None,
        new: Any = None,
        *,
        reason: str | None = None,
    ) -> dict[str, Any]:
        return self.row("action", action_id, field, old, new, reason=reason, action_id=action_id)

    def add(self, row: dict[str, Any]) -> AuditRecord:
        """One record (a :meth:`row`) in the session, to commit or roll back with the change."""
        entry = AuditRecord(**row)
        self.session.add(entry)
        return entry

    def add_changes(
        self,
        entity: str,
        entity_id: int,
        changes: dict[str, tuple[Any, Any]],
        *,
        action_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        """One record per changed field; ``changes`` maps field → (old, new)."""
        for field, (old, new) in changes.items():
            if _text(old) != _text(new):
                self.add(
                    self.row(entity, entity_id, field, old, new, reason=reason, action_id=action_id)
                )

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Rows straight to the driver (many records: an import's or an ingest's)."""
        bulk_insert(self.session, AuditRecord.__table__, rows)  # type: ignore[attr-defined]


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
    """One record, for code that writes a single one (a sign-out, a revocation)."""
    trail = Trail(session, actor, at)
    return trail.add(
        trail.row(entity, entity_id, field, old, new, reason=reason, action_id=action_id)
    )
