"""Import, step 2: rows checked against a snapshot, and every create and change decided (pure)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from actions.common.dates import LONDON
from actions.domain.models import KIND_CODES, OPEN_STATUSES, Status
from actions.domain.refs import short_title
from actions.transfer.inspections import Inspections, NewInspection
from actions.transfer.rows import MAX_TITLE, ParsedRow
from actions.transfer.snapshot import Existing, Snapshot

REF_RE = re.compile(r"^(?P<code>[A-Z0-9]+(?:-[A-Z0-9]+)*)-(?P<kind>AFI|COC|REC)-(?P<n>\d{1,6})$")
MAX_LABEL = 300
_KIND_CODE = {k.value: code for k, code in KIND_CODES.items()}
_OPEN = Status.OPEN.value
_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
_CODE_KINDS = {code: k for k, code in KIND_CODES.items()}


@dataclass(frozen=True, slots=True)
class NewAction:
    line: int
    ref: str
    #: An existing inspection's id, or the key of a NewInspection.
    inspection: int | str
    kind: str
    finding: str
    title: str
    owner_id: int | None
    deadline: date | None
    status: str
    progress: int
    last_update_at: datetime | None
    notes: str
    repeat_of_id: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    ref: str
    #: Column → new value, for the columns that change.
    values: dict[str, Any]
    #: Audited field → (old, new), as people read them (owner as an email).
    audit: dict[str, tuple[Any, Any]]


@dataclass
class ImportPlan:
    rows: int = 0
    inspections: list[NewInspection] = field(default_factory=list)
    creates: list[NewAction] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0


def midday_london(day: date) -> datetime:
    """A date from a tracker as a moment: noon in London, which is the same date in UTC too."""
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)


def plan_import(rows: Sequence[ParsedRow], snapshot: Snapshot, problems: list[str]) -> ImportPlan:
    """Decide every create and change; adds cross-row problems (duplicates, unknown people...)."""
    plan = ImportPlan(rows=len(rows))
    inspections = Inspections(snapshot)
    targets = _check_rows(rows, snapshot, inspections, problems)
    if problems:
        return plan
    inspections.assign_codes()
    numbers = _ref_numbers(snapshot.actions.keys(), (r.ref for r in rows))
    code_cache: dict[int | str, str] = {}
    for row in rows:
        known = snapshot.actions.get(row.ref) if row.ref else None
        if known is not None:
            change = _change(row, known, snapshot)
            if change.values:
                plan.changes.append(change)
            else:
                plan.unchanged += 1
            continue
        target = targets[row.line]
        if target not in code_cache:
            code_cache[target] = inspections.code_of(target)
        plan.creates.append(_new_action(row, target, code_cache[target], numbers, snapshot))
    plan.inspections = list(inspections.new.values())
    return plan


def _check_rows(
    rows: Sequence[ParsedRow], snapshot: Snapshot, inspections: Inspections, problems: list[str]
) -> dict[int, int | str]:
    """Problems only visible across rows or against the database; the inspection of new rows."""
    seen: dict[str, int] = {}
    targets: dict[int, int | str] = {}
    for row in rows:
        found = [
            *_owner_problems(row, snapshot),
            *_duplicate_problems(row, seen),
            *_repeat_problems(row, snapshot),
        ]
        if not row.ref or row.ref not in snapshot.actions:
            found += _new_row_problems(row, inspections, targets)
        problems += [f"line {row.line}: {p}" for p in found]
    return targets


def _owner_problems(row: ParsedRow, snapshot: Snapshot) -> list[str]:
    if row.owner_email and row.owner_email not in snapshot.people:
        return [
            f"owner {row.owner_email} is not in the people directory "
            "(add them with `actions people import`)"
        ]
    return []


def _repeat_problems(row: ParsedRow, snapshot: Snapshot) -> list[str]:
    if row.repeat_of and row.repeat_of not in snapshot.actions:
        return [f"repeat_of {row.repeat_of} is not a known action"]
    return []


def _duplicate_problems(row: ParsedRow, seen: dict[str, int]) -> list[str]:
    if not row.ref:
        return []
    if row.ref in seen:
        return [f"duplicate ref {row.ref} (also line {seen[row.ref]})"]
    seen[row.ref] = row.line
    return []


def _new_row_problems(
    row: ParsedRow, inspections: Inspections, targets: dict[int, int | str]
) -> list[str]:
    found = []
    if not row.finding:
        found.append("finding text is empty (a new action needs its finding)")
    if not row.kind_cell:
        found.append("kind is empty (a new action needs one)")
    match = REF_RE.match(row.ref) if row.ref else None
    if row.ref and match is None:
        found.append(f"ref {row.ref} is unknown and not a valid ref (e.g. NOR-2018-AFI-03)")
    elif match and row.kind is not None and _CODE_KINDS[match["kind"]] != row.kind:
        found.append(f"ref {row.ref} does not match kind {row.kind}")
    if not row.inspection:
        found.append("inspection is empty (a new action needs one)")
    elif len(row.inspection) > MAX_LABEL:
        found.append(f"inspection name is longer than {MAX_LABEL} characters")
    else:
        try:
            target = inspections.find(row.inspection)
        except ValueError as exc:
            found.append(str(exc))
        else:
            if isinstance(target, str):
                inspections.create(target, row.inspection, match["code"] if match else None)
            targets[row.line] = target
    return found


def _ref_numbers(*ref_lists: Iterable[str]) -> dict[tuple[str, str], int]:
    """The highest number used per (inspection code, kind code), over the database and the file."""
    numbers: dict[tuple[str, str], int] = defaultdict(int)
    for refs in ref_lists:
        for ref in refs:
            match = REF_RE.match(ref)
            if match:
                key = (match["code"], match["kind"])
                numbers[key] = max(numbers[key], int(match["n"]))
    return numbers


def _new_action(
    row: ParsedRow,
    target: int | str,
    code: str,
    numbers: dict[tuple[str, str], int],
    snapshot: Snapshot,
) -> NewAction:
    assert row.kind is not None
    ref = row.ref
    if not ref:
        key = (code, _KIND_CODE[row.kind])
        numbers[key] += 1
        ref = f"{code}-{key[1]}-{numbers[key]:02d}"
    return NewAction(
        line=row.line,
        ref=ref,
        inspection=target,
        kind=row.kind,
        finding=row.finding,
        title=row.title or short_title(row.finding)[:MAX_TITLE],
        owner_id=snapshot.people[row.owner_email] if row.owner_email else None,
        deadline=row.deadline,
        status=row.status or _OPEN,
        progress=row.progress if row.progress is not None else 0,
        last_update_at=midday_london(row.last_update_on) if row.last_update_on else None,
        notes=row.notes,
        repeat_of_id=snapshot.actions[row.repeat_of].id if row.repeat_of else None,
    )


def _change(row: ParsedRow, known: Existing, snapshot: Snapshot) -> Change:
    """The columns a row changes on a known action (blank title/status/progress: unchanged)."""
    owner_id = snapshot.people[row.owner_email] if row.owner_email else None
    wanted: dict[str, Any] = {
        "title": row.title or known.title,
        "owner_id": owner_id,
        "deadline": row.deadline,
        "status": row.status or known.status,
        "progress": known.progress if row.progress is None else row.progress,
        "notes": row.notes,
        # Blank keeps the link: links are broken on purpose (`actions repeats break`).
        "repeat_of_id": snapshot.actions[row.repeat_of].id if row.repeat_of else known.repeat_of_id,
    }
    values = {k: v for k, v in wanted.items() if v != getattr(known, k)}
    audit = {k: (getattr(known, k), v) for k, v in values.items()}
    if "owner_id" in audit:
        audit["owner"] = tuple(snapshot.emails.get(i) if i else None for i in audit.pop("owner_id"))  # type: ignore[assignment]
    if "repeat_of_id" in audit:
        audit["repeat_of"] = tuple(
            snapshot.refs.get(i) if i else None for i in audit.pop("repeat_of_id")
        )  # type: ignore[assignment]
    if "deadline" in values and known.original_deadline is None:
        values["original_deadline"] = row.deadline
    ends_escalation = "deadline" in values or (
        "status" in values and values["status"] not in _OPEN_VALUES
    )
    if ends_escalation and known.escalation_level:
        values["escalation_level"] = 0
        audit["escalation_level"] = (known.escalation_level, 0)
    return Change(known.id, row.ref, values, audit)
