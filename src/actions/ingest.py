"""Ingest: a report file becomes an inspection, its findings, and one action per finding.

Planning is separate from writing so that ``--dry-run`` shows exactly what would happen.
Re-ingesting the same file is a no-op; a revised version (same body and title, new hash) adds new
findings and supersedes vanished ones, never duplicating or deleting an action.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions import audit
from actions.assignment import Assigner
from actions.bulk import bulk_insert, next_ids
from actions.errors import UserInputError
from actions.extract.addressees import addressee_counts, select_addressed
from actions.models import (
    OPEN_STATUSES,
    Action,
    AuditRecord,
    Finding,
    Inspection,
    Kind,
    Person,
    Status,
)
from actions.policy import Policy, add_months
from actions.refs import action_ref, inspection_code, short_title
from actions.repeats.service import (
    PlannedRepeat,
    body_key,
    earlier_actions,
    not_raised_again,
    plan_repeats,
    record_repeats,
)
from actions.types import utcnow

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}
_RELATIVE = re.compile(
    r"within\s+(?P<n>\d+|[a-z-]+)\s+(?P<unit>day|week|month|year)s?", re.IGNORECASE
)


@dataclass(frozen=True)
class InspectionMeta:
    body: str
    inspectorate: str | None = None
    title: str | None = None
    published: date | None = None
    next_inspection: date | None = None
    #: Keep only findings addressed to these bodies (and those addressed to none); empty: all.
    addressees: tuple[str, ...] = ()


@dataclass
class PlannedAction:
    ref: str
    kind: str
    title: str
    deadline: date | None
    owner_email: str | None
    finding_index: int


@dataclass
class IngestPlan:
    source: str
    sha256: str
    outcome: str  # "new", "revision" or "unchanged"
    inspection_code: str
    inspection_title: str
    new_actions: list[PlannedAction] = field(default_factory=list)
    kept: int = 0
    superseded_refs: list[str] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    existing_inspection_id: int | None = None
    #: Finding index in this report → id of the stored finding it matched (revisions only),
    #: so a new recommendation can point at a cause of concern ingested earlier.
    matched_ids: dict[int, int] = field(default_factory=dict)
    #: Why nothing happens, for an "unchanged" plan.
    note: str = ""
    #: Findings left out by ``--addressee``: how many each other addressee had.
    left_out: dict[str, int] = field(default_factory=dict)
    left_out_count: int = 0  # findings left out (one may name several addressees)
    #: Where the reader saw findings it could not place (page or line), for a person to check.
    warnings: list[str] = field(default_factory=list)
    #: New findings that repeat (or may repeat) an earlier inspection's actions (SPEC 7a).
    repeats: list[PlannedRepeat] = field(default_factory=list)
    #: Earlier actions still open that this report does not raise again: for review.
    not_raised_again: list[str] = field(default_factory=list)

    @property
    def unassigned(self) -> list[str]:
        return [a.ref for a in self.new_actions if a.owner_email is None]

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "sha256": self.sha256,
            "outcome": self.outcome,
            "inspection": self.inspection_code,
            "title": self.inspection_title,
            "findings": len(self.findings),
            "created": [a.ref for a in self.new_actions],
            "kept": self.kept,
            "superseded": self.superseded_refs,
            "unassigned": self.unassigned,
            "note": self.note,
            "left_out": self.left_out_count,
            "left_out_addressees": dict(self.left_out),
            "warnings": list(self.warnings),
            "repeats": [self._repeat_json(r) for r in self.repeats if r.certain],
            "suggested_repeats": [self._repeat_json(r) for r in self.repeats if not r.certain],
            "not_raised_again": list(self.not_raised_again),
        }

    def ref_of(self, finding_index: int) -> str:
        return next(a.ref for a in self.new_actions if a.finding_index == finding_index)

    def _repeat_json(self, repeat: PlannedRepeat) -> dict[str, Any]:
        closed = repeat.earlier.closed_on if repeat.raised_again_after_closing else None
        return {
            "ref": self.ref_of(repeat.finding_index),
            "repeat_of": repeat.earlier.ref,
            "similarity": repeat.similarity,
            "earlier_status": repeat.earlier.status,
            "closed_on": closed.isoformat() if closed else None,
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def relative_due(due_text: str | None, published: date | None) -> date | None:
    """ "Within six months" of publication; "immediately" means within a month."""
    if not due_text or not published:
        return None
    try:
        return _relative_due(due_text, published)
    except OverflowError:  # "within 99999 years": past the calendar, so no stated deadline
        return None


def _relative_due(due_text: str, published: date) -> date | None:
    lowered = due_text.lower()
    if "immediate" in lowered:
        return add_months(published, 1)
    match = _RELATIVE.search(lowered)
    if not match:
        return None
    raw = match.group("n")
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
    if n is None:
        return None
    unit = match.group("unit")
    if unit == "day":
        return published + timedelta(days=n)
    if unit == "week":
        return published + timedelta(weeks=n)
    return add_months(published, n * (12 if unit == "year" else 1))


def _year(meta: InspectionMeta, programme: str) -> int | None:
    """The programme's year ("PEEL 2018") names an inspection better than its publication date."""
    match = re.search(r"(19|20)\d{2}", programme or "")
    if match:
        return int(match.group(0))
    return meta.published.year if meta.published else None


def plan_ingest(session: Session, path: Path, meta: InspectionMeta, policy: Policy) -> IngestPlan:
    from actions.extract import extract_file

    sha = sha256_of(path)
    if (known := _already_ingested(session, path, sha)) is not None:
        return known
    report = extract_file(path)
    if not report.findings:
        raise UserInputError(f"no findings found in {path}")
    findings, dropped = select_addressed(report.findings, meta.addressees)
    left_out = addressee_counts(dropped)
    if not findings:
        named = ", ".join(sorted(left_out))
        raise UserInputError(
            f"no findings in {path} are addressed to {', '.join(meta.addressees)} "
            f"(or to no one); it addresses {named}"
        )
    title = meta.title or report.title or path.stem.replace("_", " ")
    programme = report.programme or ""
    resolved = InspectionMeta(
        addressees=meta.addressees,
        body=meta.body,
        inspectorate=meta.inspectorate or report.inspectorate or "HMICFRS",
        title=title,
        published=meta.published or report.published,
        next_inspection=meta.next_inspection,
    )
    previous = (
        session.execute(
            select(Inspection)
            .where(
                func.lower(col(Inspection.body)) == body_key(meta.body),
                col(Inspection.title) == title,
            )
            .order_by(col(Inspection.id).desc())
        )
        .scalars()
        .first()
    )
    if previous is not None and _same_round(previous, resolved, programme):
        plan = _plan_revision(session, path, sha, previous, findings, resolved, policy)
        plan.left_out, plan.warnings = dict(left_out), list(report.warnings)
        plan.left_out_count = len(dropped)
        return plan
    taken = set(session.execute(select(col(Inspection.code))).scalars())
    code = inspection_code(meta.body, _year(resolved, programme), taken)
    plan = IngestPlan(
        str(path),
        sha,
        "new",
        code,
        title,
        findings=findings,
        meta={**resolved.__dict__, "programme": programme},
        left_out=dict(left_out),
        left_out_count=len(dropped),
        warnings=list(report.warnings),
    )
    plan.new_actions = _plan_actions(
        session, code, findings, range(len(findings)), resolved, policy, Counter()
    )
    _plan_repeats(session, plan, findings, meta.body, resolved.published)
    return plan


def _same_round(previous: Inspection, meta: InspectionMeta, programme: str) -> bool:
    """A report with the body and title of a stored inspection revises it, unless the two name
    different years: "PEEL 2016" and "PEEL 2017" are successive inspections, not versions."""
    before = _year(
        InspectionMeta(body=previous.body, published=previous.published), previous.programme
    )
    now = _year(meta, programme)
    return before is None or now is None or before == now


def _plan_repeats(
    session: Session, plan: IngestPlan, findings: list[Any], body: str, published: date | None
) -> None:
    """Compare a new inspection's findings with the body's earlier actions (SPEC section 7a).

    A certain repeat takes over the earlier action's owner; a suggestion waits for a person.
    "Recently closed" counts back from the report's publication (a back-filled report sees what
    was closed before it), else from now.
    """
    as_of = datetime.combine(published, datetime.min.time(), tzinfo=UTC) if published else None
    earlier = earlier_actions(session, body, now=as_of)
    if not earlier:
        return
    plan.repeats = plan_repeats([f.text for f in findings], earlier, body=body)
    plan.not_raised_again = not_raised_again(earlier, plan.repeats)
    by_index = {a.finding_index: a for a in plan.new_actions}
    for repeat in plan.repeats:
        if repeat.certain and repeat.earlier.owner_email:
            by_index[repeat.finding_index].owner_email = repeat.earlier.owner_email


def _already_ingested(session: Session, path: Path, sha: str) -> IngestPlan | None:
    """An "unchanged" plan when this exact file was ingested before, as the current version of
    an inspection or as an earlier one (its hash then lives on in the sha256 audit trail).

    Re-ingesting an earlier version must not undo the revision that replaced it: treating it as
    a new revision would supersede the newer findings and flip-flop on every run.
    """
    same = session.execute(
        select(Inspection).where(col(Inspection.sha256) == sha)
    ).scalar_one_or_none()
    if same is not None:
        note = f"already ingested as {same.code}; nothing to do"
        return IngestPlan(str(path), sha, "unchanged", same.code, same.title, note=note)
    earlier = (
        session.execute(
            select(Inspection)
            .join(AuditRecord, col(AuditRecord.entity_id) == Inspection.id)  # type: ignore[arg-type]
            .where(
                col(AuditRecord.entity) == "inspection",
                col(AuditRecord.field) == "sha256",
                col(AuditRecord.old) == sha,
            )
        )
        .scalars()
        .first()
    )
    if earlier is None:
        return None
    note = f"already ingested as an earlier version of {earlier.code}, since revised; nothing to do"
    return IngestPlan(str(path), sha, "unchanged", earlier.code, earlier.title, note=note)


def _plan_actions(
    session: Session,
    code: str,
    findings: list[Any],
    indexes: Any,
    meta: InspectionMeta,
    policy: Policy,
    numbers: Counter[str],
) -> list[PlannedAction]:
    assigner = _assigner(session, policy)
    emails = {v: k for k, v in assigner.person_ids.items()}
    children: dict[int, list[int]] = {}
    for position, finding in enumerate(findings):
        if finding.parent is not None:
            children.setdefault(finding.parent, []).append(position)
    planned = []
    for index in indexes:
        finding = findings[index]
        numbers[finding.kind] += 1
        owner_id = assigner.owner_for(finding.kind, finding.text, finding.question)
        planned.append(
            PlannedAction(
                ref=action_ref(code, finding.kind, numbers[finding.kind]),
                kind=finding.kind,
                title=short_title(finding.text),
                deadline=_deadline(findings, index, children.get(index, []), meta, policy),
                owner_email=emails.get(owner_id) if owner_id else None,
                finding_index=index,
            )
        )
    return planned


def _deadline(
    findings: list[Any], index: int, children: list[int], meta: InspectionMeta, policy: Policy
) -> date | None:
    """The finding's stated deadline, else its cause of concern's, else the policy default.

    A cause of concern that states none is resolved when its recommendations are, so it takes
    the latest deadline they state.
    """
    finding = findings[index]
    parent = findings[finding.parent] if finding.parent is not None else None
    for candidate in (finding, parent):
        if candidate is not None and (due := _stated(candidate, meta.published)):
            return due
    answers = [_stated(findings[child], meta.published) for child in children]
    if stated := [d for d in answers if d is not None]:
        return max(stated)
    return policy.default_deadline(meta.published, meta.next_inspection)


def _stated(finding: Any, published: date | None) -> date | None:
    return finding.due or relative_due(finding.due_text, published)


def _assigner(session: Session, policy: Policy) -> Assigner:
    if not policy.assignment:
        return Assigner((), {})
    owners = {rule.owner.strip().lower() for rule in policy.assignment}
    found: dict[str, int] = dict(
        session.execute(
            select(col(Person.email), col(Person.id)).where(col(Person.email).in_(owners))  # type: ignore[attr-defined]
        ).all()
    )
    missing = sorted(owners - set(found))
    if missing:
        raise UserInputError(
            f"assignment rules name unknown people: {', '.join(missing)} "
            "(add them with `actions people import`)"
        )
    return Assigner(policy.assignment, found)


def _plan_revision(
    session: Session,
    path: Path,
    sha: str,
    inspection: Inspection,
    findings: list[Any],
    meta: InspectionMeta,
    policy: Policy,
) -> IngestPlan:
    rows = session.execute(
        select(Finding, Action)
        .join(Action, col(Action.finding_id) == Finding.id)  # type: ignore[arg-type]
        .where(col(Finding.inspection_id) == inspection.id)
    ).all()
    by_text = {(f.kind, normalised(f.text)): a for f, a in rows}
    stored_ids = {(f.kind, normalised(f.text)): f.id for f, _ in rows}
    new_indexes = [i for i, f in enumerate(findings) if (f.kind, normalised(f.text)) not in by_text]
    current = {(f.kind, normalised(f.text)) for f in findings}
    vanished = [
        a.ref
        for f, a in rows
        if (f.kind, normalised(f.text)) not in current and a.status in OPEN_STATUSES
    ]
    numbers: Counter[str] = Counter()
    for finding, _ in rows:
        numbers[finding.kind] += 1
    plan = IngestPlan(
        str(path),
        sha,
        "revision",
        inspection.code,
        inspection.title,
        findings=list(findings),
        kept=len(findings) - len(new_indexes),
        superseded_refs=vanished,
        existing_inspection_id=inspection.id,
        meta={**meta.__dict__},
        matched_ids={
            i: fid
            for i, f in enumerate(findings)
            if (fid := stored_ids.get((f.kind, normalised(f.text)))) is not None
        },
    )
    plan.new_actions = _plan_actions(
        session, inspection.code, findings, new_indexes, meta, policy, numbers
    )
    return plan


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
) -> dict[int, tuple[int, str]]:
    """Findings, actions and their "created" audit records in three bulk inserts; returns each
    finding index's new action id and ref.

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
        planned.finding_index: (aid, planned.ref)
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
