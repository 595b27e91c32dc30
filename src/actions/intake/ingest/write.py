"""Writing an ingest plan: the inspection, its findings and actions, what a revision supersedes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions.common.dates import utcnow
from actions.domain.models import Action, Finding, Inspection, Kind, Person, Status
from actions.intake.ingest.model import IngestPlan, PlannedAction
from actions.repeats.service import record_repeats
from actions.store.bulk import bulk_insert, next_ids
from actions.store.new_rows import action_row, finding_row
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
    trail = audit.Trail(session, actor, at)
    inspection = _inspection_for(trail, plan)
    assert inspection.id is not None
    written = _write_actions(trail, inspection.id, plan)
    _supersede(trail, plan)
    if plan.repeats:
        source = Path(plan.source).name
        record_repeats(session, plan.repeats, written, actor=actor, at=at, source=source)


def _inspection_for(trail: audit.Trail, plan: IngestPlan) -> Inspection:
    """The inspection a plan writes into: a new one, or the revised one (its new hash audited)."""
    session = trail.session
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
            created_at=trail.now,
        )
        session.add(inspection)
        session.flush()
        return inspection
    existing = session.get(Inspection, plan.existing_inspection_id)
    assert existing is not None
    trail.add(
        trail.row(
            "inspection",
            plan.existing_inspection_id,
            "sha256",
            existing.sha256,
            plan.sha256,
            reason=plan.source,
        )
    )
    existing.sha256 = plan.sha256
    existing.source_file = Path(plan.source).name
    return existing


def _write_actions(trail: audit.Trail, inspection_id: int, plan: IngestPlan) -> dict[int, int]:
    """Findings, actions and their "created" audit records in three bulk inserts; returns each
    finding index's new action id.

    Ids are taken up front so recommendations can point at their cause of concern (which comes
    earlier in the report, so a parent row is always written before its children).
    """
    if not plan.new_actions:
        return {}
    finding_ids = _insert_findings(trail, inspection_id, plan)
    action_ids = _insert_actions(trail, inspection_id, plan, finding_ids)
    reason = f"ingested from {Path(plan.source).name}"
    trail.insert(
        [
            trail.action_row(aid, "created", None, planned.ref, reason=reason)
            for planned, aid in zip(plan.new_actions, action_ids, strict=True)
        ]
    )
    return {
        planned.finding_index: aid
        for planned, aid in zip(plan.new_actions, action_ids, strict=True)
    }


def _insert_findings(trail: audit.Trail, inspection_id: int, plan: IngestPlan) -> list[int]:
    """One finding a planned action, numbered after the inspection's others; returns their ids."""
    session = trail.session
    seq_base = session.execute(
        select(func.coalesce(func.max(Finding.seq), 0)).where(
            col(Finding.inspection_id) == inspection_id
        )
    ).scalar_one()
    table = Finding.__table__  # type: ignore[attr-defined]
    new_ids = next_ids(session, table, len(plan.new_actions))
    ids: dict[int, int] = dict(plan.matched_ids)
    ids.update(
        (planned.finding_index, fid) for planned, fid in zip(plan.new_actions, new_ids, strict=True)
    )
    at = trail.now
    rows = [
        _finding_row(plan, planned, fid, inspection_id, seq_base + n, ids, at)
        for n, (planned, fid) in enumerate(zip(plan.new_actions, new_ids, strict=True), 1)
    ]
    bulk_insert(session, table, rows)
    return new_ids


def _insert_actions(
    trail: audit.Trail, inspection_id: int, plan: IngestPlan, finding_ids: list[int]
) -> list[int]:
    session = trail.session
    owners: dict[str, int] = (
        dict(session.execute(select(col(Person.email), col(Person.id))).all())
        if any(a.owner_email for a in plan.new_actions)
        else {}
    )
    table = Action.__table__  # type: ignore[attr-defined]
    ids = next_ids(session, table, len(plan.new_actions))
    at = trail.now
    rows = [
        _action_row(planned, aid, fid, inspection_id, owners, at)
        for planned, aid, fid in zip(plan.new_actions, ids, finding_ids, strict=True)
    ]
    bulk_insert(session, table, rows)
    return ids


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
    return finding_row(
        id=finding_id,
        inspection_id=inspection_id,
        seq=seq,
        kind=Kind(source.kind).value,
        text=source.text,
        at=at,
        reference=source.reference,
        question=source.question,
        judgement=source.judgement,
        due=source.due,
        due_text=source.due_text,
        carried_over=source.carried_over,
        parent_id=finding_ids.get(source.parent) if source.parent is not None else None,
        parts=source.parts,
        source_refs=source.source_refs,
    )


def _action_row(
    planned: PlannedAction,
    action_id: int,
    finding_id: int,
    inspection_id: int,
    owners: dict[str, int],
    at: datetime,
) -> dict[str, Any]:
    return action_row(
        id=action_id,
        ref=planned.ref,
        inspection_id=inspection_id,
        finding_id=finding_id,
        title=planned.title,
        owner_id=owners.get(planned.owner_email or ""),
        deadline=planned.deadline,
        at=at,
    )


def _supersede(trail: audit.Trail, plan: IngestPlan) -> None:
    if not plan.superseded_refs:
        return
    actions = trail.session.execute(
        select(Action).where(col(Action.ref).in_(plan.superseded_refs))  # type: ignore[attr-defined]
    ).scalars()
    reason = f"finding no longer in the revised report {Path(plan.source).name}"
    for action in actions:
        assert action.id is not None
        trail.add(
            trail.action_row(
                action.id, "status", action.status, Status.SUPERSEDED.value, reason=reason
            )
        )
        action.status = Status.SUPERSEDED.value
        action.escalation_level = 0
