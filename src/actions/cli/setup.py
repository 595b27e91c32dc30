"""Setting up: `init` (the database) and `people` (the directory of owners, managers and
the SRO).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from actions.cli.app import (
    JsonOpt,
    app,
    database,
    emit_json,
    out,
    people_app,
    plain,
)

# --------------------------------------------------------------------------- init


@app.command()
def init(as_json: JsonOpt = False) -> None:
    """Create the database, or migrate it to the newest schema (safe to run again)."""
    from actions.common.settings import get_settings
    from actions.store import db

    url = get_settings().database_url
    revision = db.migrate()
    if as_json:
        emit_json({"database": db.describe_url(url), "revision": revision})
    else:
        out.print(f"database ready: {db.describe_url(url)} (schema {revision})")


# --------------------------------------------------------------------------- people


@people_app.command("import")
def people_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: email,name,manager_email,notify,role")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create or update people from a file (all-or-nothing)."""
    from actions.tracking.people import import_people

    with database() as session:
        result = import_people(session, file, dry_run=dry_run)
    if as_json:
        emit_json({**asdict(result), "dry_run": dry_run})
        return
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged people from {file}"
    )


@people_app.command("list")
def people_list(as_json: JsonOpt = False) -> None:
    """List people with their manager, role and channel (never the channel's URLs)."""
    from actions.tracking.people import channel_label, list_people

    with database() as session:
        rows = list_people(session)
        if as_json:
            emit_json(
                [
                    {
                        "email": p.email,
                        "name": p.name,
                        "manager_email": m,
                        "role": p.role,
                        "channel": channel_label(p),
                    }
                    for p, m in rows
                ]
            )
            return
        table = Table("email", "name", "manager", "role", "channel")
        for person, manager in rows:
            cells = (person.email, person.name, manager or "", person.role, channel_label(person))
            table.add_row(*(plain(cell) for cell in cells))
    out.print(table)
