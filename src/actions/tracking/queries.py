"""Read models: actions joined with their finding, inspection and owner in one query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from actions.common.dates import london_date_or_none
from actions.common.errors import NotFoundError
from actions.domain.models import OPEN_STATUSES, Action, Finding, Inspection, Person
from actions.domain.rag import Rag, RagRules, rag


@dataclass(frozen=True)
class ActionView:
    id: int
    ref: str
    inspection: str
    inspection_id: int
    kind: str
    finding: str
    question: str | None
    title: str
    owner_email: str | None
    owner_name: str | None
    deadline: date | None
    original_deadline: date | None
    status: str
    progress: int
    last_update_on: date | None
    last_update_note: str
    evidence_url: str
    notes: str
    escalation_level: int
    rag: str
    days_overdue: int
    #: The earlier inspection's action this one raises again (docs/next-inspection.md), or None.
    repeat_of: str | None = None

    def as_json(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict (which deep-copies every value: 0.12 s of a
        # 1,000-action `list --json`).
        return {name: _plain(getattr(self, name)) for name in _VIEW_FIELDS}


_VIEW_FIELDS = tuple(f.name for f in fields(ActionView))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class ActionFilter:
    owner: str | None = None
    status: str | None = None
    overdue: bool = False
    inspection_id: int | None = None


def inspection_label(inspection: Inspection) -> str:
    return inspection.title or f"{inspection.body} {inspection.programme}".strip()


def _statement(as_of: date, filters: ActionFilter) -> Any:
    owner = aliased(Person)
    earlier = aliased(Action)
    stmt = (
        select(Action, Finding, Inspection, col(owner.email), col(owner.name), col(earlier.ref))
        .join(Finding, col(Finding.id) == Action.finding_id)  # type: ignore[arg-type]
        .join(Inspection, col(Inspection.id) == Action.inspection_id)  # type: ignore[arg-type]
        .outerjoin(owner, col(owner.id) == Action.owner_id)  # type: ignore[arg-type]
        .outerjoin(earlier, col(earlier.id) == Action.repeat_of_id)  # type: ignore[arg-type]
        .order_by(Action.inspection_id, Finding.seq, Action.id)  # type: ignore[arg-type]
    )
    if filters.owner:
        stmt = stmt.where(col(owner.email) == filters.owner.strip().lower())
    if filters.status:
        stmt = stmt.where(col(Action.status) == filters.status)
    if filters.inspection_id is not None:
        stmt = stmt.where(col(Action.inspection_id) == filters.inspection_id)
    if filters.overdue:
        stmt = stmt.where(
            and_(
                col(Action.status).in_([s.value for s in OPEN_STATUSES]),  # type: ignore[attr-defined]
                col(Action.deadline) < as_of,  # type: ignore[operator]
            )
        )
    return stmt


def iter_actions(
    session: Session,
    as_of: date,
    filters: ActionFilter = ActionFilter(),
    rules: RagRules = RagRules(),
) -> Iterator[ActionView]:
    """Stream action views (one query, fetched in batches)."""
    result = session.execute(_statement(as_of, filters).execution_options(yield_per=2000))
    for action, finding, inspection, owner_email, owner_name, repeat_of in result:
        yield _view(action, finding, inspection, owner_email, owner_name, as_of, rules, repeat_of)


def _view(
    action: Action,
    finding: Finding,
    inspection: Inspection,
    owner_email: str | None,
    owner_name: str | None,
    as_of: date,
    rules: RagRules,
    repeat_of: str | None = None,
) -> ActionView:
    last_update = london_date_or_none(action.last_update_at)
    activity = last_update or london_date_or_none(action.created_at) or as_of
    colour = rag(
        status=action.status,
        deadline=action.deadline,
        progress=action.progress,
        last_activity=activity,
        as_of=as_of,
        rules=rules,
    )
    overdue = (
        (as_of - action.deadline).days
        if action.deadline and action.deadline < as_of and action.status in OPEN_STATUSES
        else 0
    )
    assert action.id is not None and inspection.id is not None
    return ActionView(
        id=action.id,
        ref=action.ref,
        inspection=inspection_label(inspection),
        inspection_id=inspection.id,
        kind=finding.kind,
        finding=finding.text,
        question=finding.question,
        title=action.title,
        owner_email=owner_email,
        owner_name=owner_name,
        deadline=action.deadline,
        original_deadline=action.original_deadline,
        status=action.status,
        progress=action.progress,
        last_update_on=last_update,
        last_update_note=action.last_update_note,
        evidence_url=action.evidence_url,
        notes=action.notes,
        escalation_level=action.escalation_level,
        rag=Rag(colour).value,
        days_overdue=overdue,
        repeat_of=repeat_of,
    )


def view_by_id(
    session: Session, action_id: int, as_of: date, rules: RagRules = RagRules()
) -> ActionView:
    stmt = _statement(as_of, ActionFilter()).where(col(Action.id) == action_id)
    action, finding, inspection, owner_email, owner_name, repeat_of = session.execute(stmt).one()
    return _view(action, finding, inspection, owner_email, owner_name, as_of, rules, repeat_of)


def get_action(session: Session, ref: str, *, for_update: bool = False) -> Action:
    stmt = select(Action).where(col(Action.ref) == ref.strip().upper())
    if for_update:
        stmt = stmt.with_for_update()
    action = session.execute(stmt).scalar_one_or_none()
    if action is None:
        raise NotFoundError(f"unknown action {ref!r}")
    return action


def list_inspections(session: Session) -> list[Inspection]:
    return list(session.execute(select(Inspection).order_by(col(Inspection.code))).scalars())
