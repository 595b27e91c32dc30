"""Everything a report needs, gathered with a fixed number of set-based queries.

However many actions there are, :func:`gather` runs the same six queries (inspections, actions,
finding details, status history, recent updates, evidence); scoping to owners happens in memory
on the ids those queries return. Nothing here is per action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.dates import LONDON, london_date_or_none
from actions.common.errors import NotFoundError
from actions.common.redact import redact
from actions.domain.models import (
    Action,
    ActionUpdate,
    AuditRecord,
    Finding,
    Inspection,
    Person,
    Review,
)
from actions.domain.policy import Policy
from actions.tracking.history import PostedUpdate
from actions.tracking.queries import (
    ActionFilter,
    ActionView,
    inspection_label,
    iter_actions,
)

#: "Updates since the previous report": the weekly report's previous run, unless told otherwise.
DEFAULT_PREVIOUS_REPORT_DAYS = 7


@dataclass(frozen=True)
class InspectionInfo:
    id: int
    code: str
    label: str
    body: str
    inspectorate: str
    programme: str
    published: date | None
    next_inspection: date | None


@dataclass(frozen=True)
class FindingInfo:
    """Finding details an :class:`ActionView` does not carry."""

    reference: str | None
    judgement: str | None
    due_text: str | None
    source_refs: tuple[str, ...]
    parent_action_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpdateRow(PostedUpdate):
    """An update in "updates since the previous report" (``by``: an email, the URL redacted)."""

    action_id: int
    ref: str
    decision: str | None

    @property
    def on(self) -> date:
        day = london_date_or_none(self.at)
        assert day is not None
        return day


@dataclass(frozen=True)
class StatusEvent:
    """A status an action took at a moment (``created`` counts as entering ``open``)."""

    action_id: int
    at: datetime
    status: str


@dataclass(frozen=True)
class EvidenceRow:
    at: datetime
    by: str
    url: str
    note: str


@dataclass(frozen=True)
class EarlierInfo:
    """The earlier action a repeat finding continues (docs/next-inspection.md)."""

    ref: str
    inspection: str
    status: str
    closed_on: date | None


@dataclass
class ReportData:
    as_of: date
    #: The previous report's date: "updates since" lists updates after it, up to ``as_of``.
    since: date
    policy: Policy
    inspections: list[InspectionInfo]
    actions: list[ActionView]
    findings: dict[int, FindingInfo]
    updates: list[UpdateRow]
    events: list[StatusEvent]
    evidence: dict[int, list[EvidenceRow]] = field(default_factory=dict)
    owner_emails: tuple[str, ...] = ()
    #: Earlier actions that this report's actions raise again, by ref.
    earlier: dict[str, EarlierInfo] = field(default_factory=dict)


def day_start(day: date) -> datetime:
    """Midnight in London at the start of ``day``, in UTC (dates are London dates throughout)."""
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def gather(
    session: Session,
    as_of: date,
    policy: Policy,
    *,
    inspection_code: str | None = None,
    owner_emails: Sequence[str] | None = None,
    since: date | None = None,
    with_evidence: bool = False,
) -> ReportData:
    inspections = _inspections(session, inspection_code)
    inspection_id = inspections[0].id if inspection_code else None
    owners = tuple(sorted({e.strip().lower() for e in owner_emails or () if e.strip()}))
    views = list(
        iter_actions(session, as_of, ActionFilter(inspection_id=inspection_id), policy.rag_rules())
    )
    if owner_emails is not None:
        views = [v for v in views if (v.owner_email or "") in owners]
    ids = {v.id for v in views}
    since = since or as_of - timedelta(days=DEFAULT_PREVIOUS_REPORT_DAYS)
    end = day_start(as_of + timedelta(days=1))
    return ReportData(
        as_of=as_of,
        since=since,
        policy=policy,
        inspections=inspections,
        actions=views,
        findings=_findings(session, inspection_id, ids),
        updates=_updates(session, inspection_id, ids, day_start(since + timedelta(days=1)), end),
        events=_events(session, inspection_id, ids, end),
        evidence=_evidence(session, inspection_id, ids, end) if with_evidence else {},
        owner_emails=owners,
        earlier=_earlier(session, {v.repeat_of for v in views if v.repeat_of}),
    )


def _earlier(session: Session, refs: set[str]) -> dict[str, EarlierInfo]:
    if not refs:
        return {}
    rows = session.execute(
        select(col(Action.ref), col(Inspection.code), col(Action.status), col(Action.closed_at))
        .join(Inspection, col(Inspection.id) == col(Action.inspection_id))
        .where(col(Action.ref).in_(refs))  # type: ignore[attr-defined]
    ).all()
    return {
        ref: EarlierInfo(
            ref, code, status, london_date_or_none(closed) if status == "closed" else None
        )
        for ref, code, status, closed in rows
    }


def _scoped(stmt: Any, inspection_id: int | None) -> Any:
    if inspection_id is None:
        return stmt
    return stmt.where(col(Action.inspection_id) == inspection_id)


def _inspections(session: Session, code: str | None) -> list[InspectionInfo]:
    stmt = select(Inspection).order_by(Inspection.code)  # type: ignore[arg-type]
    if code:
        stmt = stmt.where(col(Inspection.code) == code.strip().upper())
    rows = [
        InspectionInfo(
            id=i.id or 0,
            code=i.code,
            label=inspection_label(i),
            body=i.body,
            inspectorate=i.inspectorate,
            programme=i.programme,
            published=i.published,
            next_inspection=i.next_inspection,
        )
        for i in session.execute(stmt).scalars()
    ]
    if code and not rows:
        raise NotFoundError(f"unknown inspection {code!r}")
    return rows


def _findings(session: Session, inspection_id: int | None, ids: set[int]) -> dict[int, FindingInfo]:
    parent = Action.__table__.alias("parent_action")  # type: ignore[attr-defined]
    stmt = (
        select(
            col(Action.id),
            col(Action.created_at),
            col(Action.updated_at),
            Finding,
            parent.c.id,
        )
        .join(Finding, col(Finding.id) == Action.finding_id)  # type: ignore[arg-type]
        .outerjoin(parent, parent.c.finding_id == Finding.parent_id)
    )
    found = {}
    for action_id, created, updated, finding, parent_id in session.execute(
        _scoped(stmt, inspection_id)
    ):
        if action_id in ids:
            found[action_id] = FindingInfo(
                reference=finding.reference,
                judgement=finding.judgement,
                due_text=finding.due_text,
                source_refs=tuple(finding.source_refs or ()),
                parent_action_id=parent_id,
                created_at=created,
                updated_at=updated,
            )
    return found


def _updates(
    session: Session, inspection_id: int | None, ids: set[int], start: datetime, end: datetime
) -> list[UpdateRow]:
    stmt = (
        select(ActionUpdate, col(Action.ref), col(Person.email), col(Review.decision))
        .join(Action, col(Action.id) == ActionUpdate.action_id)  # type: ignore[arg-type]
        .join(Person, col(Person.id) == ActionUpdate.author_id)  # type: ignore[arg-type]
        .outerjoin(Review, col(Review.update_id) == ActionUpdate.id)  # type: ignore[arg-type]
        .where(col(ActionUpdate.created_at) >= start, col(ActionUpdate.created_at) < end)
        .order_by(col(ActionUpdate.created_at).desc(), col(ActionUpdate.id).desc())
    )
    return [
        UpdateRow.of(
            u,
            email,
            evidence_url=redact(u.evidence_url),
            action_id=u.action_id,
            ref=ref,
            decision=decision,
        )
        for u, ref, email, decision in session.execute(_scoped(stmt, inspection_id))
        if u.action_id in ids
    ]


def _events(
    session: Session, inspection_id: int | None, ids: set[int], end: datetime
) -> list[StatusEvent]:
    """Creations and status changes up to the end of ``as_of``, oldest first."""
    stmt = (
        select(
            col(AuditRecord.action_id),
            col(AuditRecord.at),
            col(AuditRecord.field),
            col(AuditRecord.new),
        )
        .join(Action, col(Action.id) == AuditRecord.action_id)  # type: ignore[arg-type]
        .where(col(AuditRecord.field).in_(["created", "status"]), col(AuditRecord.at) < end)  # type: ignore[attr-defined]
        .order_by(AuditRecord.at, AuditRecord.id)  # type: ignore[arg-type]
    )
    return [
        StatusEvent(action_id, at, "open" if what == "created" else (new or ""))
        for action_id, at, what, new in session.execute(_scoped(stmt, inspection_id))
        if action_id in ids
    ]


def _evidence(
    session: Session, inspection_id: int | None, ids: set[int], end: datetime
) -> dict[int, list[EvidenceRow]]:
    """Every evidence link ever posted, per action, oldest first (for the pre-inspection pack)."""
    stmt = (
        select(ActionUpdate, col(Person.email))
        .join(Action, col(Action.id) == ActionUpdate.action_id)  # type: ignore[arg-type]
        .join(Person, col(Person.id) == ActionUpdate.author_id)  # type: ignore[arg-type]
        .where(col(ActionUpdate.evidence_url) != "", col(ActionUpdate.created_at) < end)
        .order_by(ActionUpdate.created_at, ActionUpdate.id)  # type: ignore[arg-type]
    )
    evidence: dict[int, list[EvidenceRow]] = defaultdict(list)
    for update, email in session.execute(_scoped(stmt, inspection_id)):
        if update.action_id in ids:
            evidence[update.action_id].append(
                EvidenceRow(update.created_at, email, redact(update.evidence_url), update.note)
            )
    return dict(evidence)
