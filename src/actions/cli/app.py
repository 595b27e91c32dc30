"""The `actions` command line: translates arguments into service calls and results into text.

User errors (:class:`ActionsError`) end as one line on stderr and exit code 2 (bad input) or 1
(runtime failure); a traceback only with ``--debug``. Commands live in the modules of this
package, grouped by what they do; each registers itself on :data:`app`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from sqlmodel import Session

# Start-up speed: `actions --help`, `extract` and the like import neither the database layer
# (SQLAlchemy + SQLModel: ~1 s here) nor Prefect, WeasyPrint, FastAPI or Apprise; commands
# import what they use inside their functions.

app = typer.Typer(
    name="actions",
    help="Turn inspection reports into tracked actions; chase, escalate and report progress.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
people_app = typer.Typer(
    help="The directory of people who own actions or receive messages.", no_args_is_help=True
)
app.add_typer(people_app, name="people")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="YYYY-MM-DD", help="Act as of this date (default: today)."),
]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def database() -> Iterator[Session]:
    """A unit of work on an initialised database."""
    from actions.store import db

    db.require_schema()
    with db.session_scope() as session:
        yield session


#: C0 and C1 control characters (tab and newline aside): shown escaped, never sent to the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: object) -> Text:
    """Data for the terminal: never read as markup ("[sic]", "[/]", "[link=…]" print as
    written) and control characters (an ESC sequence in a name) shown as ``\x1b``."""
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", str(value)))


def fitted_table(headers: tuple[str, ...], rows: Sequence[tuple[str | Text, ...]]) -> Table:
    """Every column but the last keeps its full width; the last (free text) is cut to fit.

    Cells are data (``plain``) unless they are already ``Text`` (a coloured RAG cell)."""
    cells = [[c if isinstance(c, Text) else plain(c) for c in row] for row in rows]
    widths = [
        max([len(headers[i])] + [len(row[i].plain) for row in cells])
        for i in range(len(headers) - 1)
    ]
    room = out.width - sum(widths) - 3 * len(headers) - 1
    table = Table(*headers)
    for column, width in zip(table.columns, widths, strict=False):
        column.no_wrap, column.min_width = True, width
    last = table.columns[-1]
    last.no_wrap, last.overflow, last.max_width = True, "ellipsis", max(room, 10)
    for row in cells:
        table.add_row(*row)
    return table


def rag_cell(rag: str) -> Text:
    styles = {"red": "bold red", "amber": "yellow", "green": "green"}
    return Text(rag, style=styles[rag]) if rag in styles else Text("—")
