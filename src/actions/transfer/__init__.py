"""Bulk round trip of actions as CSV or XLSX (docs/files.md, docs/lifecycle.md).

Export (``export.py``) streams one query straight into the file. Import is three steps kept apart
so each can be reasoned about (and tested) on its own, a module each:

1. :func:`parse_row` turns a spreadsheet row into typed values, or says what is wrong (pure;
   ``rows.py``);
2. :func:`plan_import` checks the rows against a :class:`Snapshot` of the database (people, refs,
   inspections, loaded once; ``snapshot.py``) and decides what to create and what to change (pure;
   ``plan.py``, with ``inspections.py`` finding the inspection a new row names);
3. :func:`apply_plan` writes the plan with set-based statements and bulk audit inserts
   (``apply.py``).

:func:`import_actions`, here, runs the three in one transaction. The names callers use are
re-exported here, so ``from actions.transfer import ...`` is the import path.

Rules of the actions file beyond its columns (docs/files.md documents them too):

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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from actions.common.errors import ActionsError, RowErrors, UserInputError
from actions.domain.cells import COLUMNS, REQUIRED_COLUMNS, neutralise, restore
from actions.store import db
from actions.transfer.apply import CHUNK, apply_plan
from actions.transfer.export import ExportResult, export_actions, export_rows, format_for
from actions.transfer.inspections import NewInspection, label_key
from actions.transfer.plan import (
    REF_RE,
    Change,
    ImportPlan,
    NewAction,
    midday_london,
    plan_import,
)
from actions.transfer.progress import NoProgress, ProgressHook
from actions.transfer.rows import (
    ParsedRow,
    parse_date_cell,
    parse_kind,
    parse_owner,
    parse_progress,
    parse_row,
    read_rows,
)
from actions.transfer.snapshot import Existing, Snapshot, load_snapshot

__all__ = [
    "CHUNK",
    "COLUMNS",
    "REF_RE",
    "REQUIRED_COLUMNS",
    "Change",
    "Existing",
    "ExportResult",
    "ImportPlan",
    "ImportResult",
    "NewAction",
    "NewInspection",
    "ParsedRow",
    "ProgressHook",
    "Snapshot",
    "apply_plan",
    "export_actions",
    "export_rows",
    "format_for",
    "import_actions",
    "label_key",
    "load_snapshot",
    "midday_london",
    "neutralise",
    "parse_date_cell",
    "parse_kind",
    "parse_owner",
    "parse_progress",
    "parse_row",
    "plan_import",
    "read_rows",
    "restore",
]


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
    hook = progress or NoProgress()
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
                apply_plan(session, plan, actor or f"import:{path.name}", path.name, hook, snapshot)
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


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0
