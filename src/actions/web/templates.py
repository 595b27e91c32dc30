"""The portal's templates (``templates/web/``): one jinja2 environment, its filters and labels."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import jinja2

from actions.common.dates import LONDON
from actions.common.templating import templates_root
from actions.web.forms import PORTAL_STATUSES

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "blocked": "Blocked",
    "completed": "Completed — awaiting review",
    "closed": "Closed",
    "superseded": "Superseded",
    "not_accepted": "Not accepted",
}
RAG_LABELS = {
    "red": ("Red", "overdue or blocked"),
    "amber": ("Amber", "due soon or needs an update"),
    "green": ("Green", "on track"),
    "": ("—", "not rated"),
}


def templates_dir() -> Path:
    """``web/`` under the one templates root (:func:`actions.common.templating.templates_root`)."""
    return templates_root() / "web"


@lru_cache(maxsize=4)
def make_templates(directory: Path) -> jinja2.Environment:
    """One environment per directory and process: templates compile once (and reload on edit)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,  # everything, always: people's text is shown back to other people
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["when"] = _when
    env.tests["http_url"] = _is_http_url
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS, RAG_LABELS=RAG_LABELS, PORTAL_STATUSES=PORTAL_STATUSES
    )
    return env


def _is_http_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def _day(value: date | str | None) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%b %Y}"


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y, %H:%M}"
