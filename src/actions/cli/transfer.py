"""Commands of the `transfer` area: bulk import and export of actions (docs/files.md).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from actions.cli.app import AsOfOpt, JsonOpt, app, emit_json, err, out
from actions.common.dates import as_of_or_today

#: How many refs a dry run names per kind of change before summarising the rest.
SHOWN_REFS = 10


class _RichProgress:
    """A progress bar on stderr (the service reports phases; this draws them)."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.task: Any = None

    def phase(self, name: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 0)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)


@contextmanager
def _progress_bar() -> Iterator[_RichProgress | None]:
    """A bar only when stderr is a terminal: never in pipes, logs or on stdout."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield _RichProgress(progress)


@app.command("export")
def export_command(
    out_file: Annotated[Path, typer.Option("--out", help="The file to write (.csv or .xlsx).")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or xlsx (default: from --out).")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write every action to a CSV or XLSX file that `actions import` reads back."""
    from actions.domain.policy import load_policy
    from actions.transfer import export_actions

    result = export_actions(out_file, fmt, as_of_or_today(as_of), rules=load_policy().rag_rules())
    if as_json:
        emit_json({**asdict(result), "as_of": result.as_of.isoformat()})
        return
    out.print(f"exported {result.rows} action(s) to {result.path} ({result.format})")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with the columns `export` writes.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create and update actions from a file (all-or-nothing; audited with the file's name)."""
    from actions.transfer import import_actions

    with _progress_bar() as bar:
        result = import_actions(file, dry_run=dry_run, progress=bar)
    if as_json:
        emit_json(result.counts())
        return
    verb = "would create" if dry_run else "created"
    out.print(
        f"{file}: {verb} {result.created}, {'would update' if dry_run else 'updated'} "
        f"{result.updated}, left {result.unchanged} unchanged"
        f" ({result.inspections_created} new inspection(s))",
        markup=False,
    )
    if dry_run:
        _list_refs("+", result.created_refs)
        _list_refs("~", result.updated_refs)


def _list_refs(mark: str, refs: Sequence[str]) -> None:
    for ref in refs[:SHOWN_REFS]:
        out.print(f"  {mark} {ref}", markup=False)
    if len(refs) > SHOWN_REFS:
        out.print(f"  {mark} … and {len(refs) - SHOWN_REFS} more", markup=False)
