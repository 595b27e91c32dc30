"""Helpers shared by the flows: run names, as-of dates, artifacts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from actions.common.dates import today
from actions.common.errors import ActionsError


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


def call_service(function: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a service; a user error (bad file, unknown person...) becomes data, not a crash.

    User errors are not worth retrying and their tracebacks help nobody: the flow ends Failed
    with the one-line message, which the CLI prints and the Prefect UI shows as the state.
    """
    try:
        return {"result": function(*args, **kwargs)}
    except ActionsError as exc:
        return {"error": str(exc), "exit_code": exc.exit_code}


def user_error_state(outcome: dict[str, Any]) -> Any:
    from prefect.states import Failed

    return Failed(message=outcome["error"], data=outcome)
