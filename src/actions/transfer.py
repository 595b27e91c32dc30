"""Bulk round trip of actions as CSV or XLSX (SPEC sections 6 and 7).

Export streams one query straight into the file. Import is three steps kept apart so each can be
reasoned about (and tested) on its own:

1. :func:`parse_row` turns a spreadsheet row into typed values, or says what is wrong (pure);
2. :func:`plan_import` checks the rows against a :class:`Snapshot` of the database (people, refs,
   inspections, loaded once) and decides what to create and what to change (pure);
3. :func:`_apply` writes the plan with set-based statements and bulk audit inserts.

Rules where SPEC section 6 is silent:

* Columns: every column but ``rag`` must be present; extra columns are ignored.
* Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
  CR) are written with a leading ``'``; so is a cell that itself starts with ``'``, which makes the
  neutralisation exactly reversible. Import removes one leading ``'`` before any of those.
* Surrounding whitespace of every cell is ignored.
* A known ``ref`` updates title, owner, deadline, status, progress and notes; its ``inspection``,
  ``kind``, ``finding`` and ``last_update_on`` cells are not applied (a finding's text is what the
  inspectorate wrote; the last update date comes from updates). A blank title, status or progress
  keeps the current value; a blank owner, deadline or notes cell clears it (that is what export
  writes for "none").
* A new row (blank or unknown ``ref``) needs ``inspection``, ``kind`` and ``finding``; blank title →
  the finding's first sentence, blank status → open, blank progress → 0. An unknown ref must look
  like one (``CODE-AFI-07``) and its kind code must match ``kind``; a blank ref gets the next free
  number for the inspection and kind.
* ``inspection`` names an inspection by its label (title, or body and programme), compared without
  regard to case or runs of spaces; failing that, by its code. A label shared by several inspections
  is refused for new rows. An unknown name creates an inspection with that name as title and body,
  and as code the prefix of the first explicit ref among its rows (when free) or one derived from
  the name.
* Status changes take effect as given (an administrator's import bypasses review); a deadline or a
  status leaving the open states also ends escalation. ``original_deadline`` keeps the first
  deadline.
* Dates are ``YYYY-MM-DD`` (also ``DD/MM/YYYY``, as UK spreadsheets write them); ``last_update_on``
  cannot be in the future.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from actions import db
from actions.bulk import bulk_insert, insert_with_ids
from actions.cells import COLUMNS, REQUIRED_COLUMNS, neutralise, restore
from actions.dates import LONDON, in_range, range_text, today
from actions.errors import ActionsError, RowErrors, UserInputError
from actions.lifecycle import parse_status
from actions.models import (
    KIND_CODES,
    OPEN_STATUSES,
    Action,
    AuditRecord,
    Finding,
    Inspection,
    Kind,
    Person,
    Status,
)
from actions.people import is_email, normalise_email
from actions.queries import inspection_label, local_date
from actions.rag import Rag, RagRules, rag
from actions.refs import inspection_code, short_title
from actions.tabular import Row, read_table
from actions.types import utcnow

FORMATS = ("csv", "xlsx")
REF_RE = re.compile(r"^(?P<code>[A-Z0-9]+(?:-[A-Z0-9]+)*)-(?P<kind>AFI|COC|REC)-(?P<n>\d{1,6})$")
MAX_REF, MAX_TITLE, MAX_LABEL, MAX_BODY = 60, 300, 300, 200
#: Rows per INSERT/UPDATE batch: bounds memory and keeps statements well under driver limits.
CHUNK = 5000
#: Kinds and statuses travel as plain strings: StrEnum member access is slow over 100k rows.
_KIND_ALIASES = {
    **{k.value: k.value for k in Kind},
    **{code: k.value for k, code in KIND_CODES.items()},
}
_KIND_CODE = {k.value: code for k, code in KIND_CODES.items()}
_CLOSED, _OPEN = Status.CLOSED.value, Status.OPEN.value
_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
_CODE_KINDS = {code: k for k, code in KIND_CODES.items()}


class ProgressHook(Protocol):
    """Told about long phases so a command can draw a progress bar (the service draws nothing)."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class _NoProgress:
    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    rows: int
    as_of: date


def format_for(path: Path, fmt: str | None) -> str:
    """The file format: as given, else from the file's suffix (default CSV)."""
    chosen = (fmt or ("xlsx" if path.suffix.lower() in {".xlsx", ".xlsm"} else "csv")).lower()
    if chosen not in FORMATS:
        raise UserInputError(f"--format {fmt!r}: use csv or xlsx")
    return chosen


def export_actions(
    path: Path,
    fmt: str | None = None,
    as_of: date | None = None,
    *,
    rules: RagRules = RagRules(),
    engine: Engine | None = None,
) -> ExportResult:
    """Write every action to ``path``; the file appears only once it is complete."""
    chosen = format_for(path, fmt)
    day = as_of or today()
    db.require_schema(engine)
    with db.session_scope(engine) as session:
        rows = export_rows(session, day, rules)
        count = _write_atomically(path, chosen, rows)
    return ExportResult(str(path), chosen, count, day)


def export_rows(
    session: Session, as_of: date, rules: RagRules = RagRules()
) -> Iterator[tuple[Any, ...]]:
    """The export's rows, in COLUMNS order, streamed from one query (never Person.notify)."""
    labels = {i.id: inspection_label(i) for i in session.execute(select(Inspection)).scalars()}
    earlier = aliased(Action)
    stmt = (
        select(
            *(
                col(c)
                for c in (
                    Action.ref,
                    Action.inspection_id,
                    Finding.kind,
                    Finding.text,
                    Action.title,
                    Person.email,
                    Action.deadline,
                    Action.status,
                    Action.progress,
                    Action.last_update_at,
                    Action.created_at,
                    Action.notes,
                )
            ),
            col(earlier.ref).label("repeat_of"),
        )
        .join(Finding, col(Finding.id) == Action.finding_id)  # type: ignore[arg-type]
        .outerjoin(Person, col(Person.id) == Action.owner_id)  # type: ignore[arg-type]
        .outerjoin(earlier, col(earlier.id) == Action.repeat_of_id)  # type: ignore[arg-type]
        .order_by(Action.inspection_id, Finding.seq, Action.id)  # type: ignore[arg-type]
        .execution_options(yield_per=2000)
    )
    for r in session.execute(stmt):
        last_update = local_date(r.last_update_at)
        colour = rag(
            status=r.status,
            deadline=r.deadline,
            progress=r.progress,
            last_activity=last_update or local_date(r.created_at) or as_of,
            as_of=as_of,
            rules=rules,
        )
        yield (
            r.ref,
            labels[r.inspection_id],
            r.kind,
            r.text,
            r.title,
            r.email or "",
            r.deadline,
            r.status,
            r.progress,
            last_update,
            Rag(colour).value,
            r.notes,
            r.repeat_of or "",
        )


def _write_atomically(path: Path, fmt: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Write to a temporary file beside ``path`` and rename it, so no half file is ever left.

    A symbolic link is written through (its target is replaced, the link stays); a FIFO, a
    device or a socket is refused; the file gets the mode an ordinary new file would (or the
    one it had), not the temporary file's 0600."""
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):
        raise UserInputError(f"{path}: not a regular file; name a file to write")
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else _new_file_mode()
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserInputError(f"{path}: directory {directory} does not exist")
    if path.is_dir():  # `--out .` used to end in os.replace's OSError (a crash)
        raise UserInputError(f"{path}: is a directory; name the file to write")
    try:
        handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # a read-only or full directory: the user's to fix, not a bug
        raise ActionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
    os.close(handle)
    try:
        count = _write_csv(Path(temp), rows) if fmt == "csv" else _write_xlsx(Path(temp), rows)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ActionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def _new_file_mode() -> int:
    """0666 less the umask, as open() would create the file. Linux shows the umask in
    /proc; elsewhere it is read by setting it, which another thread could notice."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        umask = int(re.search(r"^Umask:\s*([0-7]+)", status, re.M)[1], 8)  # type: ignore[index]
    except (OSError, TypeError):
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _text_cell(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


def _write_csv(path: Path, rows: Iterable[tuple[Any, ...]]) -> int:
    count = 0
    # utf-8 with a BOM: Excel then reads accents correctly; read_table strips the BOM.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else v.isoformat() if isinstance(v, date) else _text_cell(v)
                    for v in row
                ]
            )
            count += 1
    return count


def _write_xlsx(path: Path, rows: Iterable[tuple[Any, ...]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("actions")
    sheet.freeze_panes = "A2"
    sheet.append(list(COLUMNS))
    count = 0
    for row in rows:
        # XML cannot hold most control characters: they are dropped (tab, LF and CR survive).
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", _text_cell(v)) if isinstance(v, str) else v for v in row]
        )
        count += 1
    workbook.save(path)
    return count


# --------------------------------------------------------------------------- import: rows


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    ref: str
    inspection: str
    #: A Kind's value.
    kind: str | None
    #: The kind cell as written: a new row needs one, an unknown one is reported once.
    kind_cell: str
    finding: str
    title: str
    owner_email: str | None
    deadline: date | None
    #: None: the cell was blank (keep for a known ref, default for a new one).
    status: str | None
    progress: int | None
    last_update_on: date | None
    notes: str
    #: The earlier action this one repeats ("": blank, keep as it is).
    repeat_of: str = ""


def parse_date_cell(value: str, what: str) -> date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; anything else (or an impossible day) is a problem."""
    parsed: date | None = None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            parsed = date.fromisoformat(value)
        elif match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):
            day, month, year = (int(g) for g in match.groups())
            parsed = date(year, month, day)
    except ValueError:
        pass
    if parsed is None:
        raise ValueError(f"{what} {value} is not a date")
    # A deadline in 9999 would overflow the chase and escalation windows later on.
    if not in_range(parsed):
        raise ValueError(f"{what} {value} is out of range ({range_text()})")
    return parsed


def parse_kind(value: str) -> str:
    key = value.strip().replace(" ", "_").replace("-", "_")
    kind = _KIND_ALIASES.get(key.lower()) or _KIND_ALIASES.get(key.upper())
    if kind is None:
        allowed = ", ".join(k.value for k in Kind)
        raise ValueError(f"kind {value!r} is unknown (one of: {allowed})")
    return kind


def parse_progress(value: str) -> int:
    text = value.removesuffix("%").strip()
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"progress {value!r} is not a whole number") from None
    if not 0 <= number <= 100:
        raise ValueError(f"progress {number} is outside 0-100")
    return number


def parse_owner(value: str) -> str:
    email = normalise_email(value)
    if not is_email(email):
        raise ValueError(f"owner_email {value!r} is not an email address")
    return email


_PARSERS: dict[str, Callable[[str], Any]] = {
    "kind": parse_kind,
    "owner_email": parse_owner,
    "deadline": lambda v: parse_date_cell(v, "deadline"),
    "status": lambda v: parse_status(v).value,
    "progress": parse_progress,
    "last_update_on": lambda v: parse_date_cell(v, "last_update_on"),
}


@lru_cache(maxsize=16384)
def _parse_cell(column: str, value: str) -> tuple[Any, str | None]:
    """(value, None) or (None, problem); cached because columns repeat a few values 100k times."""
    try:
        return _PARSERS[column](value), None
    except (ValueError, UserInputError) as exc:
        return None, str(exc)


def parse_row(row: Row, today_: date) -> tuple[ParsedRow, list[str]]:
    """Typed values of one row and every problem found in it on its own (no database)."""
    raw = row.values
    cells = {c: restore((raw.get(c) or "").strip()) for c in REQUIRED_COLUMNS}
    problems: list[str] = []
    typed: dict[str, Any] = {}
    for column in _PARSERS:
        value, problem = _parse_cell(column, cells[column]) if cells[column] else (None, None)
        typed[column] = value
        if problem:
            problems.append(problem)
    if typed["last_update_on"] and typed["last_update_on"] > today_:
        problems.append(f"last_update_on {typed['last_update_on']} is in the future")
    ref = cells["ref"].upper()
    repeat_of = restore((raw.get("repeat_of") or "").strip()).upper()
    if repeat_of and repeat_of == ref:
        problems.append(f"repeat_of {repeat_of} is the row's own ref")
    if len(ref) > MAX_REF:
        problems.append(f"ref is longer than {MAX_REF} characters")
    if len(cells["title"]) > MAX_TITLE:
        problems.append(f"title is longer than {MAX_TITLE} characters")
    parsed = ParsedRow(
        line=row.line,
        ref=ref,
        inspection=cells["inspection"],
        kind_cell=cells["kind"],
        finding=cells["finding"],
        title=cells["title"],
        notes=cells["notes"],
        repeat_of=repeat_of,
        **typed,
    )
    return parsed, problems


# --------------------------------------------------------------------------- import: snapshot


class Existing(NamedTuple):
    """The fields of an existing action that an import may change."""

    id: int
    title: str
    owner_id: int | None
    deadline: date | None
    original_deadline: date | None
    status: str
    progress: int
    notes: str
    escalation_level: int
    repeat_of_id: int | None


@dataclass(frozen=True)
class Snapshot:
    """What an import checks rows against, read once."""

    people: dict[str, int]
    actions: dict[str, Existing]
    #: id → (code, label) of every inspection.
    inspections: dict[int, tuple[str, str]]
    max_seq: dict[int, int]

    @cached_property
    def emails(self) -> dict[int, str]:
        """id → email (only needed when an owner changes)."""
        return {id_: email for email, id_ in self.people.items()}

    @cached_property
    def refs(self) -> dict[int, str]:
        """id → ref (only needed when a repeat link changes)."""
        return {known.id: ref for ref, known in self.actions.items()}


def load_snapshot(session: Session, *, lock: bool = False) -> Snapshot:
    people = {e: i for e, i in session.execute(select(col(Person.email), col(Person.id)))}
    stmt = select(col(Action.ref), *(col(getattr(Action, f)) for f in Existing._fields))
    if lock:  # PostgreSQL: no owner update slips in between this read and the writes
        stmt = stmt.with_for_update()
    actions = {r[0].upper(): Existing(*r[1:]) for r in session.execute(stmt)}
    inspections = {
        i.id: (i.code, inspection_label(i)) for i in session.execute(select(Inspection)).scalars()
    }
    seqs = select(col(Finding.inspection_id), func.max(col(Finding.seq))).group_by(
        col(Finding.inspection_id)
    )
    max_seq = {i: n for i, n in session.execute(seqs)}
    return Snapshot(people, actions, inspections, max_seq)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- import: plan


@dataclass(frozen=True)
class NewInspection:
    key: str
    label: str
    code: str


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


def label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def midday_london(day: date) -> datetime:
    """A date from a tracker as a moment: noon in London, which is the same date in UTC too."""
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)


class _Inspections:
    """Finds the inspection a new row names, creating (in the plan) the ones that do not exist."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_label: dict[str, list[int]] = defaultdict(list)
        self.by_code: dict[str, int] = {}
        for id_, (code, label) in snapshot.inspections.items():
            self.by_label[label_key(label)].append(id_)
            self.by_code[code.upper()] = id_
        self.codes = {code: id_ for id_, (code, _) in snapshot.inspections.items()}
        #: key → (label, code of its first explicit ref) of each inspection to create.
        self.pending: dict[str, tuple[str, str | None]] = {}
        self.new: dict[str, NewInspection] = {}

    def find(self, name: str) -> int | str:
        """An existing id, or the key of a new inspection; ValueError when ambiguous."""
        key = label_key(name)
        ids = self.by_label.get(key, [])
        if len(ids) > 1:
            codes = ", ".join(sorted(self.codes_of(ids)))
            raise ValueError(
                f"inspection {name!r} names several inspections ({codes}): use the code"
            )
        if ids:
            return ids[0]
        if name.upper() in self.by_code:
            return self.by_code[name.upper()]
        return key

    def codes_of(self, ids: list[int]) -> list[str]:
        return [code for code, id_ in self.codes.items() if id_ in ids]

    def create(self, key: str, label: str, ref_code: str | None) -> None:
        """Note a new inspection (its code is chosen by :meth:`assign_codes`)."""
        if key not in self.pending:
            self.pending[key] = (" ".join(label.split()), ref_code)
        elif ref_code and not self.pending[key][1]:
            self.pending[key] = (self.pending[key][0], ref_code)

    def assign_codes(self) -> None:
        """The prefix of a new inspection's first explicit ref when free, else one from its name."""
        taken = set(self.codes)
        chosen: dict[str, str] = {}
        for key, (_, ref_code) in self.pending.items():
            if ref_code and ref_code not in taken:
                chosen[key] = ref_code
                taken.add(ref_code)
        for key, (label, _) in self.pending.items():
            if key not in chosen:
                year = re.search(r"(19|20)\d{2}", label)
                chosen[key] = inspection_code(label, int(year.group(0)) if year else None, taken)
                taken.add(chosen[key])
        self.new = {
            key: NewInspection(key, label, chosen[key]) for key, (label, _) in self.pending.items()
        }

    def code_of(self, target: int | str) -> str:
        if isinstance(target, str):
            return self.new[target].code
        return next(code for code, id_ in self.codes.items() if id_ == target)


def plan_import(rows: Sequence[ParsedRow], snapshot: Snapshot, problems: list[str]) -> ImportPlan:
    """Decide every create and change; adds cross-row problems (duplicates, unknown people...)."""
    plan = ImportPlan(rows=len(rows))
    inspections = _Inspections(snapshot)
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
    rows: Sequence[ParsedRow], snapshot: Snapshot, inspections: _Inspections, problems: list[str]
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
    row: ParsedRow, inspections: _Inspections, targets: dict[int, int | str]
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


# --------------------------------------------------------------------------- import: service


@dataclass(frozen=True)
class ImportResult:
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int
    inspections_created: int
    dry_run: bool
    created_refs: tuple[str, ...] = ()
    updated_refs: tuple[str, ...] = ()

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "inspections_created": self.inspections_created,
            "dry_run": self.dry_run,
        }


def import_actions(
    path: Path,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    engine: Engine | None = None,
    progress: ProgressHook | None = None,
) -> ImportResult:
    """Create and update actions from a CSV/XLSX file: every row valid, or nothing written."""
    hook = progress or _NoProgress()
    rows, problems = read_rows(path, hook)
    if not rows and not problems:
        raise UserInputError(f"{path}: no actions in the file")
    db.require_schema(engine)
    engine = engine or db.get_engine()
    lock = not dry_run and engine.dialect.name == "postgresql"
    try:
        with db.session_scope(engine) as session:
            snapshot = load_snapshot(session, lock=lock)
            plan = plan_import(rows, snapshot, problems)
            if problems:
                raise RowErrors(str(path), sorted(problems, key=_line_of))
            if not dry_run:
                _apply(session, plan, actor or f"import:{path.name}", path.name, hook, snapshot)
    except IntegrityError:
        raise ActionsError(
            f"{path}: the database changed while importing (a ref or code was taken meanwhile); "
            "nothing written, run the import again"
        ) from None
    return ImportResult(
        file=str(path),
        rows=plan.rows,
        created=len(plan.creates),
        updated=len(plan.changes),
        unchanged=plan.unchanged,
        inspections_created=len(plan.inspections),
        dry_run=dry_run,
        created_refs=tuple(a.ref for a in plan.creates),
        updated_refs=tuple(c.ref for c in plan.changes),
    )


def read_rows(path: Path, hook: ProgressHook) -> tuple[list[ParsedRow], list[str]]:
    """Every row of the file parsed, and every problem a row shows on its own."""
    _, table = read_table(path, required=REQUIRED_COLUMNS)
    hook.phase("reading", None)
    day = today()
    rows: list[ParsedRow] = []
    problems: list[str] = []
    for row in table:
        parsed, found = parse_row(row, day)
        rows.append(parsed)
        problems += [f"line {row.line}: {p}" for p in found]
        if len(rows) % 1000 == 0:
            hook.advance(1000)
    return rows, problems


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0


# --------------------------------------------------------------------------- import: writes


def _apply(
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
