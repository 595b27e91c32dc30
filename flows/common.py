"""Helpers shared by the flows: run names, as-of dates, artifacts, and how a task reports a
service's result or user error."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from prefect.states import Failed, State

from actions.common.dates import today
from actions.common.errors import ActionsError, UserErrorData

R = TypeVar("R")


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


def publish_table(name: str, rows: Sequence[Mapping[str, Any]], description: str) -> None:
    table = [dict(row) for row in rows] or [{"result": "nothing to report"}]
    create_table_artifact(key=key(name), table=table, description=description)


def publish_markdown(name: str, markdown: str, description: str) -> None:
    create_markdown_artifact(key=key(name), markdown=markdown, description=description)


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What a flow's task hands back: the service's result, or the user error that stopped it."""

    result: R | None = None
    error: UserErrorData | None = None

    def failed_state(self) -> State:
        """The flow run's end for a user error: Failed, with the one-line message as its state
        message (the Prefect UI shows it) and the error as data (the CLI raises it again)."""
        assert self.error is not None, "only an outcome without a result has failed"
        return Failed(message=self.error["error"], data=self.error)


def transient_only(task: Any, task_run: Any, state: State) -> bool:
    """A task's ``retry_condition_fn``: retry only a transient error (a dropped database
    connection). A bug, or a user error raised outside ``call_service``, fails the same way
    again, and its retries would only delay the message."""
    error = state.data
    return isinstance(error, ActionsError) and error.transient


def call_service(function: Callable[..., R], *args: Any, **kwargs: Any) -> Outcome[R]:
    """Run a service in a task: a user error (bad file, unknown person...) becomes data, not a
    crash, because retrying will not help and its traceback helps nobody. A transient one (a
    dropped database connection) is raised, so the task's retries apply."""
    try:
        return Outcome(result=function(*args, **kwargs))
    except ActionsError as exc:
        if exc.transient:
            raise
        return Outcome(error=exc.as_data())
