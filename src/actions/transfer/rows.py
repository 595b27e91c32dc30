"""Import, step 1: a spreadsheet row as typed values, or what is wrong with it (no database)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from actions.common.dates import in_range, range_text, today
from actions.common.errors import UserInputError
from actions.common.tabular import Row, read_table
from actions.domain.cells import REQUIRED_COLUMNS, restore
from actions.domain.lifecycle import parse_status
from actions.domain.models import KIND_CODES, Kind
from actions.tracking.people import is_email, normalise_email
from actions.transfer.progress import ProgressHook

MAX_REF, MAX_TITLE = 60, 300
#: Kinds and statuses travel as plain strings: StrEnum member access is slow over 100k rows.
_KIND_ALIASES = {
    **{k.value: k.value for k in Kind},
    **{code: k.value for k, code in KIND_CODES.items()},
}


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
