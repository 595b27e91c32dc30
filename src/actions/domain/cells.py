"""The actions spreadsheet's columns and its cell rules, shared by export, import and
``extract --format csv`` (docs/files.md). No database here: ``extract`` stays light."""

from __future__ import annotations

COLUMNS = (
    "ref",
    "inspection",
    "kind",
    "finding",
    "title",
    "owner_email",
    "deadline",
    "status",
    "progress",
    "last_update_on",
    "rag",
    "notes",
    "repeat_of",
)
#: ``rag`` is derived; ``repeat_of`` came later (files without it still import).
OPTIONAL_COLUMNS = ("rag", "repeat_of")
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)
#: First characters that make a spreadsheet evaluate a cell (CSV/formula injection).
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def neutralise(value: str) -> str:
    """Make a text cell inert in a spreadsheet; :func:`restore` undoes exactly this."""
    if value[:1] in FORMULA_STARTS or value.startswith(QUOTE):
        return QUOTE + value
    return value


def restore(value: str) -> str:
    if value.startswith(QUOTE) and (value[1:2] in FORMULA_STARTS or value[1:2] == QUOTE):
        return value[1:]
    return value
