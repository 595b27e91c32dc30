"""Import, step 3: the plan written with set-based statements and bulk audit inserts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session

from actions.domain.models import Action, AuditRecord, Finding, Inspection, Status
from actions.domain.types import utcnow
from actions.store.bulk import bulk_insert, insert_with_ids
from actions.transfer.inspections import NewInspection
from actions.transfer.plan import Change, ImportPlan, NewAction
from actions.transfer.progress import ProgressHook
from actions.transfer.snapshot import Snapshot

MAX_BODY = 200
#: Rows per INSERT/UPDATE batch: bounds memory and keeps statements well under driver limits.
CHUNK = 5000
_CLOSED = Status.CLOSED.value


def apply_plan(
    session: Session,
    plan: ImportPlan,
    actor: str,
    reason: str,
    hook: ProgressHook,
    snapshot: Snapshot,
) -> None:
    now = utcnow()
    stamp = {"at": now, "actor": actor, "reason": reason}
    inspection_ids = _insert_inspections(session, plan.inspections, stamp)
    seqs = dict(snapshot.max_seq)
    hook.phase("writing", len(plan.creates) + len(plan.changes))
    for start in range(0, len(plan.creates), CHUNK):
        creates = plan.creates[start : start + CHUNK]
        _insert_actions(session, creates, inspection_ids, seqs, stamp)
        hook.advance(len(creates))
    for start in range(0, len(plan.changes), CHUNK):
        changes = plan.changes[start : start + CHUNK]
        _update_actions(session, changes, stamp)
        hook.advance(len(changes))


def _audit_row(
    stamp: dict[str, Any], entity: str, entity_id: int, name: str, old: Any, new: Any
) -> dict[str, Any]:
    return {
        **stamp,
        "entity": entity,
        "entity_id": entity_id,
        "action_id": entity_id if entity == "action" else None,
        "field": name,
        "old": _audit_text(old),
        "new": _audit_text(new),
    }


def _audit_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _insert_returning(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT a few rows and hand back their ids in order (new inspections: a handful)."""
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, rows).scalars())


def _insert_inspections(
    session: Session, new: list[NewInspection], stamp: dict[str, Any]
) -> dict[str, int]:
    if not new:
        return {}
    table: Any = Inspection.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "code": n.code,
            "body": n.label[:MAX_BODY],
            "title": n.label,
            "inspectorate": "",
            "programme": "",
            "source_file": "",
            "created_at": stamp["at"],
        }
        for n in new
    ]
    ids = _insert_returning(session, table, rows)
    audits = [
        _audit_row(stamp, "inspection", i, "created", None, n.code)
        for i, n in zip(ids, new, strict=True)
    ]
    bulk_insert(session, AuditRecord.__table__, audits)  # type: ignore[attr-defined]
    return {n.key: i for n, i in zip(new, ids, strict=True)}


def _insert_actions(
    session: Session,
    chunk: list[NewAction],
    inspection_ids: dict[str, int],
    seqs: dict[int, int],
    stamp: dict[str, Any],
) -> None:
    now = stamp["at"]
    findings = []
    targets = []
    for new in chunk:
        target = (
            new.inspection if isinstance(new.inspection, int) else inspection_ids[new.inspection]
        )
        seqs[target] = seqs.get(target, 0) + 1  # new findings sort after the inspection's others
        targets.append(target)
        findings.append(_finding_row(new, target, seqs[target], now))
    finding_ids = insert_with_ids(session, Finding.__table__, findings)  # type: ignore[attr-defined]
    actions = [
        _action_row(new, target, finding_id, now)
        for new, target, finding_id in zip(chunk, targets, finding_ids, strict=True)
    ]
    action_ids = insert_with_ids(session, Action.__table__, actions)  # type: ignore[attr-defined]
    audits = [
        _audit_row(stamp, "action", i, "created", None, new.ref)
        for i, new in zip(action_ids, chunk, strict=True)
    ]
    bulk_insert(session, AuditRecord.__table__, audits)  # type: ignore[attr-defined]


def _finding_row(new: NewAction, inspection_id: int, seq: int, now: datetime) -> dict[str, Any]:
    # Bulk inserts skip the models' Python defaults, so every column is given here.
    return {
        "inspection_id": inspection_id,
        "seq": seq,
        "kind": new.kind,
        "text": new.finding,
        "reference": None,
        "question": None,
        "judgement": None,
        "due": None,
        "due_text": None,
        "carried_over": False,
        "parent_id": None,
        "parts": [],
        "source_refs": [],
        "created_at": now,
    }


def _action_row(
    new: NewAction, inspection_id: int, finding_id: int, now: datetime
) -> dict[str, Any]:
    return {
        "ref": new.ref,
        "inspection_id": inspection_id,
        "finding_id": finding_id,
        "title": new.title,
        "owner_id": new.owner_id,
        "deadline": new.deadline,
        "original_deadline": new.deadline,
        "status": new.status,
        "progress": new.progress,
        "last_update_at": new.last_update_at,
        "last_update_note": "",
        "evidence_url": "",
        "notes": new.notes,
        "escalation_level": 0,
        "superseded_by_id": None,
        "repeat_of_id": new.repeat_of_id,
        "not_accepted_reason": "",
        "created_at": now,
        "updated_at": now,
        "closed_at": now if new.status == _CLOSED else None,
    }


def _update_actions(session: Session, chunk: list[Change], stamp: dict[str, Any]) -> None:
    """One executemany UPDATE per set of changed columns; only changed columns are written."""
    now = stamp["at"]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for change in chunk:
        values = {**change.values, "updated_at": now}
        if "status" in values:
            values["closed_at"] = now if values["status"] == _CLOSED else None
        groups[tuple(sorted(values))].append(
            {"b_id": change.id, **{f"b_{k}": v for k, v in values.items()}}
        )
    table: Any = Action.__table__  # type: ignore[attr-defined]
    for columns, params in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns})
        )
        session.execute(stmt, params)
    audits = [
        _audit_row(stamp, "action", change.id, name, old, new)
        for change in chunk
        for name, (old, new) in change.audit.items()
    ]
    if audits:
        bulk_insert(session, AuditRecord.__table__, audits)  # type: ignore[attr-defined]
