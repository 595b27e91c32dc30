"""Import, step 3: the plan written with set-based statements and bulk audit inserts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session

from actions.common.dates import utcnow
from actions.domain.models import Action, Finding, Inspection, Status
from actions.store.bulk import insert_with_ids
from actions.store.new_rows import action_row, finding_row
from actions.tracking import audit
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
    trail = audit.Trail(session, actor, utcnow(), reason)
    inspection_ids = _insert_inspections(trail, plan.inspections)
    seqs = dict(snapshot.max_seq)
    hook.phase("writing", len(plan.creates) + len(plan.changes))
    for start in range(0, len(plan.creates), CHUNK):
        creates = plan.creates[start : start + CHUNK]
        _insert_actions(trail, creates, inspection_ids, seqs)
        hook.advance(len(creates))
    for start in range(0, len(plan.changes), CHUNK):
        changes = plan.changes[start : start + CHUNK]
        _update_actions(trail, changes)
        hook.advance(len(changes))


def _insert_returning(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT a few rows and hand back their ids in order (new inspections: a handful)."""
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, rows).scalars())


def _insert_inspections(trail: audit.Trail, new: list[NewInspection]) -> dict[str, int]:
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
            "created_at": trail.now,
        }
        for n in new
    ]
    ids = _insert_returning(trail.session, table, rows)
    trail.insert(
        [trail.row("inspection", i, "created", None, n.code) for i, n in zip(ids, new, strict=True)]
    )
    return {n.key: i for n, i in zip(new, ids, strict=True)}


def _insert_actions(
    trail: audit.Trail, chunk: list[NewAction], inspection_ids: dict[str, int], seqs: dict[int, int]
) -> None:
    session, now = trail.session, trail.now
    findings = []
    targets = []
    for new in chunk:
        target = (
            new.inspection if isinstance(new.inspection, int) else inspection_ids[new.inspection]
        )
        seqs[target] = seqs.get(target, 0) + 1  # new findings sort after the inspection's others
        targets.append(target)
        findings.append(
            finding_row(
                inspection_id=target, seq=seqs[target], kind=new.kind, text=new.finding, at=now
            )
        )
    finding_ids = insert_with_ids(session, Finding.__table__, findings)  # type: ignore[attr-defined]
    actions = [
        _action_row(new, target, finding_id, now)
        for new, target, finding_id in zip(chunk, targets, finding_ids, strict=True)
    ]
    action_ids = insert_with_ids(session, Action.__table__, actions)  # type: ignore[attr-defined]
    trail.insert(
        [
            trail.action_row(i, "created", None, new.ref)
            for i, new in zip(action_ids, chunk, strict=True)
        ]
    )


def _action_row(
    new: NewAction, inspection_id: int, finding_id: int, now: datetime
) -> dict[str, Any]:
    return action_row(
        ref=new.ref,
        inspection_id=inspection_id,
        finding_id=finding_id,
        title=new.title,
        owner_id=new.owner_id,
        deadline=new.deadline,
        at=now,
        status=new.status,
        progress=new.progress,
        last_update_at=new.last_update_at,
        notes=new.notes,
        repeat_of_id=new.repeat_of_id,
    )


def _update_actions(trail: audit.Trail, chunk: list[Change]) -> None:
    """One executemany UPDATE per set of changed columns; only changed columns are written."""
    now = trail.now
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
        trail.session.execute(stmt, params)
    trail.insert(
        [
            trail.action_row(change.id, name, old, new)
            for change in chunk
            for name, (old, new) in change.audit.items()
        ]
    )
