"""Operations commands: demo and serve.

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from actions.cli.app import JsonOpt, app, emit_json, out
from actions.flows_api import serve_deployments


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo's files go.")] = Path(
        "actions-demo"
    ),
    as_json: JsonOpt = False,
) -> None:
    """Run the whole loop on the bundled sample report (embedded SQLite, no setup)."""
    from actions.cli import demo as demo_run

    say = (lambda _text: None) if as_json else (lambda text: out.print(f"• {text}", markup=False))
    if not as_json:
        out.print("Running the demo on embedded SQLite (a few seconds)…")
    result = demo_run.run(folder.resolve(), say)
    if as_json:
        emit_json(
            {
                "folder": str(result.folder),
                "database": str(result.database),
                "outbox": str(result.outbox),
                "emails": result.eml_count,
                "report": result.report_files,
                "steps": result.steps,
            }
        )
        return
    out.print()
    out.print(f"[bold]Progress report:[/] {result.report_files.get('html', '')}")
    for fmt, path in sorted(result.report_files.items()):
        if fmt != "html":
            out.print(f"  also {fmt}: {path}", markup=False)
    out.print(f"[bold]Messages sent:[/] {result.eml_count} .eml file(s) in {result.outbox}")
    out.print(f"[bold]Database:[/] {result.database}")
    out.print(
        "Look around:  ACTIONS_DATABASE_URL=sqlite:///"
        f"{result.database} actions list --as-of 2020-04-20",
        markup=False,
    )
    out.print(
        "The next inspection:  ACTIONS_DATABASE_URL=sqlite:///"
        f"{result.database} actions show NOR-2021-AFI-04",
        markup=False,
    )


@app.command()
def serve() -> None:
    """Serve every Prefect deployment (schedules included) from this process."""

    serve_deployments()
