"""Writing an ingest plan: the inspection, its findings and actions, what a revision supersedes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions.domain.models import Action, AuditRecord, Finding, Inspection, Kind, Person, Status
from actions.domain.types import utcnow
from actions.intake.ingest.model import IngestPlan, PlannedAction
from actions.repeats.service import record_repeats
from actions.store.bulk import bulk_insert, next_ids
from actions.tracking import audit


def apply_plan(
    session: Session,
    plan: IngestPlan,
    *,
    actor: str = audit.SYSTEM_ACTOR,
    at: datetime | None = None,
) -> None:
    """Write what :func:`plan_ingest` planned, in the caller's transaction.

    ``at`` is when the report was received (default now): the demo replays 2019 with it, and a
    back-filled report keeps its burn-up history right.
    """
    if plan.outcome == "unchanged":
        return
    at = at or utcnow()
    inspection = _inspection_for(session, plan, actor, at)
    assert inspection.id is not None
    written = _write_actions(session, inspection.id, plan, actor, at)
    _supersede(session, plan, actor, at)
    if plan.repeats:
        source = Path(plan.source).name
        record_repeats(session, plan.repeats, written, actor=actor, at=at, source=source)


def _inspection_for(session: Session, plan: IngestPlan, actor: str, at: datetime) -> Inspection:
    """The inspection a plan writes into: a new one, or the revised one (its new hash audited)."""
    if plan.existing_inspection_id is None:
        inspection = Inspection(
            code=plan.inspection_code,
            body=plan.meta["body"],
            inspectorate=plan.meta["inspectorate"] or "HMICFRS",
            title=plan.inspection_title,
            programme=plan.meta.get("programme", ""),
            published=plan.meta["published"],
            next_inspection=plan.meta["next_inspection"],
            source_file=Path(plan.source).name,
            sha256=plan.sha256,
            created_at=at,
        )
        session.add(inspection)
        session.flush()
        return inspection
    existing = session.get(Inspection, plan.existing_inspection_id)
    assert existing is not None
    audit.record(
        session,
        actor=actor,
        entity="inspection",
        entity_id=plan.existing_inspection_id,
        field="sha256",
        old=existing.sha256,
        new=plan.sha256,
        reason=plan.source,
        at=at,
    )
    existing.sha256 = plan.sha256
    existing.source_file = Path(plan.source).name
    return existing


def _write_actions(
    session: Session, inspection_id: int, plan: IngestPlan, actor: str, at: datetime
) -> dict[int, int]:
    """Findings, actions and their "created" audit records in three bulk inserts; returns each
    finding index's new action id.

    Ids are taken up front so recommendations can point at their cause of concern (which comes
    earlier in the report, so a parent row is always written before its children).
    """
    if not plan.new_actions:
        return {}
    seq_base = session.execute(
        select(func.coalesce(func.max(Finding.seq), 0)).where(
            col(Finding.inspection_id) == inspection_id
        )
    ).scalar_one()
    owners: dict[str, int] = (
        dict(session.execute(select(col(Person.email), col(Person.id))).all())
        if any(a.owner_email for a in plan.new_actions)
        else {}
    )
    count = len(plan.new_actions)
    finding_table, action_table = Finding.__table__, Action.__table__  # type: ignore[attr-defined]
    new_finding_ids = next_ids(session, finding_table, count)
    finding_ids: dict[int, int] = dict(plan.matched_ids)
    finding_ids.update(
        (planned.finding_index, fid)
        for planned, fid in zip(plan.new_actions, new_finding_ids, strict=True)
    )
    bulk_insert(
        session,
        finding_table,
        [
            _finding_row(plan, planned, fid, inspection_id, seq_base + n, finding_ids, at)
            for n, (planned, fid) in enumerate(
                zip(plan.new_actions, new_finding_ids, strict=True), 1
            )
        ],
    )
    action_ids = next_ids(session, action_table, count)
    bulk_insert(
        session,
        action_table,
        [
            _action_row(planned, aid, fid, inspection_id, owners, at)
            for planned, aid, fid in zip(plan.new_actions, action_ids, new_finding_ids, strict=True)
        ],
    )
    reason = f"ingested from {Path(plan.source).name}"
    bulk_insert(
        session,
        AuditRecord.__table__,  # type: ignore[attr-defined]
        [
            {
                "at": at,
                "actor": actor,
                "entity": "action",
                "entity_id": aid,
                "action_id": aid,
                "field": "created",
                "old": None,
                "new": planned.ref,
                "reason": reason,
            }
            for planned, aid in zip(plan.new_actions, action_ids, strict=True)
        ],
    )
    return {
        planned.finding_index: aid
        for planned, aid in zip(plan.new_actions, action_ids, strict=True)
    }


def _finding_row(
    plan: IngestPlan,
    planned: PlannedAction,
    finding_id: int,
    inspection_id: int,
    seq: int,
    finding_ids: dict[int, int],
    at: datetime,
) -> dict[str, Any]:
    source = plan.findings[planned.finding_index]
    return {
        "id": finding_id,
        "inspection_id": inspection_id,
        "seq": seq,
        "kind": Kind(source.kind).value,
        "text": source.text,
        "reference": source.reference,
        "question": source.question,
        "judgement": source.judgement,
        "due": source.due,
        "due_text": source.due_text,
        "carried_over": source.carried_over,
        "parent_id": finding_ids.get(source.parent) if source.parent is not None else None,
        "parts": list(source.parts),
        "source_refs": list(source.source_refs),
        "created_at": at,
    }


def _action_row(
    planned: PlannedAction,
    action_id: int,
    finding_id: int,
    inspection_id: int,
    owners: dict[str, int],
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": action_id,
        "ref": planned.ref,
        "inspection_id": inspection_id,
        "finding_id": finding_id,
        "title": planned.title,
        "owner_id": owners.get(planned.owner_email or ""),
        "deadline": planned.deadline,
        "original_deadline": planned.deadline,
        "status": Status.OPEN.value,
        "progress": 0,
        "last_update_at": None,
        "last_update_note": "",
        "evidence_url": "",
        "notes": "",
        "escalation_level": 0,
        "superseded_by_id": None,
        "not_accepted_reason": "",
        "created_at": at,
        "updated_at": at,
        "closed_at": None,
    }


def _supersede(session: Session, plan: IngestPlan, actor: str, at: datetime) -> None:
    if not plan.superseded_refs:
        return
    actions = session.execute(
        select(Action).where(col(Action.ref).in_(plan.superseded_refs))  # type: ignore[attr-defined]
    ).scalars()
    for action in actions:
        assert action.id is not None
        audit.record(
            session,
            actor=actor,
            entity="action",
            entity_id=action.id,
            action_id=action.id,
            field="status",
            old=action.status,
            new=Status.SUPERSEDED.value,
            reason=f"finding no longer in the revised report {Path(plan.source).name}",
            at=at,
        )
        action.status = Status.SUPERSEDED.value
        action.escalation_level = 0
