"""Export: every action streamed from one query into a CSV or XLSX file written atomically."""

from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from actions.common.dates import london_date_or_none, today
from actions.common.errors import ActionsError, UserInputError
from actions.domain.cells import COLUMNS, neutralise
from actions.domain.models import Action, Finding, Inspection, Person
from actions.domain.rag import Rag, RagRules, rag
from actions.store import db
from actions.tracking.queries import inspection_label

FORMATS = ("csv", "xlsx")


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
        last_update = london_date_or_none(r.last_update_at)
        colour = rag(
            status=r.status,
            deadline=r.deadline,
            progress=r.progress,
            last_activity=last_update or london_date_or_none(r.created_at) or as_of,
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
    # lazy: start-up speed (see actions/cli/app.py): openpyxl only for .xlsx
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
