"""Helpers shared by the flows: run names, as-of dates, artifacts."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from actions.dates import today


def as_of_name(prefix: str) -> Any:
    """A flow-run namer: ``chase 2027-03-01`` (today when no as-of was given)."""

    def name() -> str:
        value = flow_run.parameters.get("as_of") or today()
        return f"{prefix} {value}"

    return name


def resolve_as_of(value: date | None) -> date:
    return value or today()


def key(text: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def publish_table(name: str, rows: list[dict[str, Any]], description: str) -> None:
    create_table_artifact(
        key=key(name), table=rows or [{"result": "nothing to report"}], description=description
    )


def publish_markdown(name: str, markdown: str, description: str) -> None:
    create_markdown_artifact(key=key(name), markdown=markdown, description=description)
