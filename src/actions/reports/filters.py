"""Jinja2 filters shared by the report templates: words for codes, dates, Markdown escaping."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from actions.common.dates import LONDON

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "blocked": "Blocked",
    "completed": "Completed (awaiting review)",
    "closed": "Closed",
    "superseded": "Superseded",
    "not_accepted": "Not accepted",
}
KIND_LABELS = {
    "area_for_improvement": "Area for improvement",
    "cause_of_concern": "Cause of concern",
    "recommendation": "Recommendation",
}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "": "Done"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>&])")
_HTML_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def status_label(value: str | None) -> str:
    return STATUS_LABELS.get(value or "", value or "")


def kind_label(value: str | None) -> str:
    return KIND_LABELS.get(value or "", value or "")


def rag_label(value: str | None) -> str:
    return RAG_LABELS.get(value or "", value or "")


def long_date(value: date | datetime | None) -> str:
    """``27 Nov 2026``; datetimes are shown in London time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%b %Y}"


def md(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, no markup, no raw HTML.

    Prefect renders artifact Markdown as HTML, so ``<``, ``>`` and ``&`` become entities and
    Markdown punctuation is backslash-escaped.
    """
    text = " ".join(str("" if value is None else value).split())

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        return _HTML_ENTITIES.get(char, "\\" + char)

    return _MD_SPECIAL.sub(one, text)


def limit(rows: Any, count: int | None) -> Any:
    """The first ``count`` rows (all when ``count`` is None): long lists in a summary PDF."""
    return rows if count is None else list(rows)[:count]


FILTERS: dict[str, Callable[..., Any]] = {
    "status_label": status_label,
    "kind_label": kind_label,
    "rag_label": rag_label,
    "long_date": long_date,
    "md": md,
    "limit": limit,
}
