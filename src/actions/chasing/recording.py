"""Recording a plan: finished digests become outbox messages (their content as data, rendered
when sent by :mod:`actions.messaging.delivery`) with their items in the dedupe ledger, and escalated
actions get their new level and an audit record; all in batches, in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session

from actions.chasing.candidates import BATCH, CHASE
from actions.chasing.routing import Line, Recipient
from actions.common.dates import utcnow
from actions.domain.models import Action, Message, MessageItem
from actions.store.bulk import among, bulk_insert_values, insert_with_ids
from actions.store.new_rows import message_row
from actions.tracking import audit

if TYPE_CHECKING:
    from actions.chasing.planning import Plan

ITEM_COLUMNS = ("message_id", "action_id", "kind", "threshold", "dedupe_key")
ROLE_RANK = {"owner": 0, "manager": 1, "sro": 2}
#: Refs kept for a recipient's row of the table; the count beside them is whole.
TABLE_REFS = 20


def message_key(kind: str, recipient_id: int, as_of: date, lines: list[Line]) -> str:
    """Unique per recipient and day: a line's code fixes its dues (their days and levels, with
    ``as_of``, fix the thresholds and dates the dedupe keys are made of)."""
    digest = hashlib.sha256("\n".join(ln.code for ln in lines).encode()).hexdigest()[:16]
    return f"{kind}:{recipient_id}:{as_of.isoformat()}:{digest}"


def _role(lines: list[Line]) -> str:
    return max((ln.role for ln in lines), key=ROLE_RANK.__getitem__)


class Writer:
    """Finished digests and level changes, written in batches (or only counted: a dry run)."""

    def __init__(
        self, session: Session, plan: Plan, sros: list[Recipient], *, write: bool, label: str
    ) -> None:
        self.session, self.plan, self.sros = session, plan, sros
        self.write, self.label, self.now = write, label, utcnow()
        self.messages: list[dict[str, Any]] = []
        self.items: list[tuple[int, Line]] = []  # (index into self.messages, line with items)
        self.levels: dict[int, tuple[int, int]] = {}
        self.lines = 0

    def digest(self, recipient: Recipient, lines: list[Line]) -> None:
        plan, role = self.plan, _role(lines)
        plan.planned += 1
        plan.item_count += len(lines)
        refs = ", ".join(ln.ref for ln in lines[:TABLE_REFS])
        if len(lines) > TABLE_REFS:
            refs += f" … and {len(lines) - TABLE_REFS} more"
        plan.rows.add((recipient.name, role, len(lines), refs))
        if not self.write:
            return
        self.items.extend((len(self.messages), ln) for ln in lines if ln.items)
        self.messages.append(self._message(recipient, role, lines))
        self.lines += len(lines)
        if self.lines >= BATCH:
            self.flush()

    def _message(self, recipient: Recipient, role: str, lines: list[Line]) -> dict[str, Any]:
        kind, as_of = self.plan.kind, self.plan.as_of
        return message_row(
            recipient_id=recipient.id,
            recipient_label=recipient.email,
            kind=kind,
            dedupe_key=message_key(kind, recipient.id, as_of, lines),
            # What the message says, as data; messaging.digest turns it into words when sent.
            payload={
                "template": "reminder" if kind == CHASE else "escalation",
                "as_of": as_of.isoformat(),
                "role": role,
                "copied": all(ln.copied for ln in lines if ln.role == "owner"),
                "lines": [ln.code for ln in lines],
            },
            at=self.now,
            run_label=self.label,
        )

    def level_changed(self, action_id: int, old: int, new: int) -> None:
        if self.write:
            self.levels[action_id] = (old, new)
            if len(self.levels) >= BATCH:
                self._write_levels()

    def flush(self) -> None:
        """Messages (ids taken up front), their ledger items, then any level changes."""
        if self.messages:
            # Straight to the driver (COPY / executemany): the ORM's bookkeeping costs seconds.
            ids = insert_with_ids(self.session, Message.__table__, self.messages)  # type: ignore[attr-defined]
            self.plan.message_ids.extend(ids)
            rows = [
                (ids[index], ln.action_id, d.kind, d.threshold, d.dedupe_key)
                for index, ln in self.items
                for d in ln.items
            ]
            bulk_insert_values(self.session, MessageItem.__table__, ITEM_COLUMNS, rows)  # type: ignore[attr-defined]
        self.messages, self.items, self.lines = [], [], 0
        self._write_levels()

    def _write_levels(self) -> None:
        """Each escalated action's new level: one UPDATE per level, one bulk audit insert."""
        if not self.levels:
            return
        by_level: dict[int, list[int]] = {}
        for aid, (_, new) in self.levels.items():
            by_level.setdefault(new, []).append(aid)
        table = Action.__table__  # type: ignore[attr-defined]
        for level, ids in by_level.items():  # one UPDATE per level: a handful per batch
            self.session.connection().execute(
                update(table)
                .where(among(self.session, table.c.id, ids))
                .values(escalation_level=level)
            )
        reason = f"escalated as of {self.plan.as_of.isoformat()}"
        trail = audit.Trail(self.session, audit.SYSTEM_ACTOR, self.now, reason)
        trail.insert(
            [
                trail.action_row(aid, "escalation_level", old, new)
                for aid, (old, new) in self.levels.items()
            ]
        )
        self.levels = {}
