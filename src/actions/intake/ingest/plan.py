"""Planning an ingest: what a report file would add, keep and supersede, without writing.

A plan names each new action's owner (the assignment rules, or the earlier owner of a certain
repeat) and deadline, and, for a body's new inspection, the findings that repeat earlier actions.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions.common.errors import UserInputError
from actions.domain.assignment import Assigner
from actions.domain.models import OPEN_STATUSES, Action, AuditRecord, Finding, Inspection, Person
from actions.domain.policy import Policy
from actions.domain.refs import action_ref, inspection_code, short_title
from actions.intake.extract import extract_file
from actions.intake.extract.addressees import addressee_counts, select_addressed
from actions.intake.extract.dates import relative_due
from actions.intake.ingest.model import IngestPlan, InspectionMeta, PlannedAction
from actions.repeats.service import body_key, earlier_actions, not_raised_again, plan_repeats


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _year(meta: InspectionMeta, programme: str) -> int | None:
    """The programme's year ("PEEL 2018") names an inspection better than its publication date."""
    match = re.search(r"(19|20)\d{2}", programme or "")
    if match:
        return int(match.group(0))
    return meta.published.year if meta.published else None


def plan_ingest(session: Session, path: Path, meta: InspectionMeta, policy: Policy) -> IngestPlan:
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
    """Compare a new inspection's findings with the body's earlier actions
    (docs/next-inspection.md).

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
