"""How the CLI starts flow runs (SPEC section 5: chase, escalate, report and ingest run as
Prefect flow runs, on the configured server or Prefect's temporary local one)."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from actions.errors import ActionsError


def _configure_prefect() -> None:
    # The CLI prints its own summary; Prefect's per-run chatter stays in the server's logs.
    # Prefect reads this when it is first imported, so it must be set before that.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The temporary server's telemetry has nowhere to go on closed networks and fails loudly.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Its first start creates and migrates its database: over Prefect's 20 s on a slow or busy
    # machine (seen here: the demo's first run failed at 20 s, the next took 5 s).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


class FlowUserError(ActionsError):
    """A user error reported by a flow run, with the exit code it carries."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _outcome(state: Any) -> dict[str, Any]:
    result = state.result(raise_on_failure=False)
    if isinstance(result, dict) and "error" in result and "exit_code" in result:
        raise FlowUserError(result["error"], result["exit_code"])
    if isinstance(result, dict):
        return result
    if isinstance(result, ActionsError):
        raise result
    if isinstance(result, BaseException):
        raise ActionsError(f"the flow run failed: {type(result).__name__}: {result}")
    raise ActionsError(f"the flow run ended {state.name}: {state.message or ''}".strip())


def run_chase_flow(kind: str, as_of: date, *, dry_run: bool) -> dict[str, Any]:
    _configure_prefect()
    from flows.chase import chase_updates, escalate_overdue

    flow = chase_updates if kind == "chase" else escalate_overdue
    state = flow(as_of=as_of, dry_run=dry_run, return_state=True)
    return _outcome(state)


def run_ingest_flow(
    path: str, meta: dict[str, Any], *, dry_run: bool, received_at: datetime | None = None
) -> dict[str, Any]:
    _configure_prefect()
    from flows.ingest import ingest_report

    state = ingest_report(
        path=path, **meta, dry_run=dry_run, received_at=received_at, return_state=True
    )
    return _outcome(state)


def run_report_flow(as_of: date, out_dir: str, **options: Any) -> dict[str, Any]:
    """``options``: formats, inspection, owners, since, title, send (see flows.report)."""
    _configure_prefect()
    from flows.report import progress_report

    state = progress_report(as_of=as_of, out_dir=out_dir, return_state=True, **options)
    return _outcome(state)


def serve_deployments() -> None:
    from flows.deployments import serve

    serve()
